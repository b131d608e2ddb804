import type { SimpleCmd } from '../simple-cmd.js';
import { basename, commandKey } from '../words.js';
import type { Detector, Hit } from './types.js';

/** Operands of a CLI with global/sub options removed; `valued` options take the next word. */
function operands(c: SimpleCmd, valued: ReadonlySet<string>): string[] {
  const a = c.argv.slice(1).map((w) => w.text);
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const t = a[i]!;
    if (t === '--') { out.push(...a.slice(i + 1)); break; }
    if (t.startsWith('-')) { if (!t.includes('=') && valued.has(t)) i++; continue; }
    out.push(t);
  }
  return out;
}
const flags = (c: SimpleCmd) => c.argv.slice(1).map((w) => w.text).filter((t) => t.startsWith('-'));
const has = (c: SimpleCmd, ...names: string[]) => flags(c).some((f) => names.some((n) => f === n || f.startsWith(`${n}=`) || (/^-[a-zA-Z]$/.test(n) && /^-[a-zA-Z]+$/.test(f) && !f.startsWith('--') && f.includes(n[1]!))));
const hit = (rule: string, reason: string): Hit => ({ rule, reason });

const DOCKER_VALUED = new Set(['-H', '--host', '-c', '--context', '-l', '--log-level', '--config', '--root', '--runroot', '--storage-driver', '--runtime', '--cgroup-manager', '--events-backend', '--url', '--connection', '-f', '--file', '-p', '--project-name', '--profile', '--env-file', '--project-directory', '--filter', '--format']);

function compose(c: SimpleCmd, ops: string[]): Hit | null {
  return ops.includes('down') && has(c, '-v', '--volumes') ? hit('container-volume-remove', 'compose down -v deletes the volumes') : null;
}

const docker: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const ops = operands(c, DOCKER_VALUED);
  if (commandKey(name) === 'docker-compose') return compose(c, ops);
  const [sub, sub2] = ops;
  const computed = c.argv.slice(1).some((w) => w.dynamic) || c.wrappers.includes('xargs');
  if (sub === 'compose') return compose(c, ops.slice(1));
  if (sub === 'system' && sub2 === 'prune') return hit('container-prune', `${name} system prune deletes containers, images, networks and cache`);
  if (sub === 'volume' && (sub2 === 'rm' || sub2 === 'remove' || sub2 === 'prune')) return hit('container-volume-remove', `${name} volume ${sub2} deletes data volumes`);
  const rm = sub === 'rm' || ((sub === 'container' || sub === 'containers') && (sub2 === 'rm' || sub2 === 'remove'));
  const rmi = sub === 'rmi' || (sub === 'image' && (sub2 === 'rm' || sub2 === 'remove'));
  if (rm && (computed || has(c, '-a', '--all'))) return hit('container-mass-remove', `${name} rm of a computed list of containers`);
  if (rmi && (computed || has(c, '-f', '--force', '-a', '--all'))) return hit('container-mass-remove', `${name} rmi -f deletes images`);
  if ((sub === 'container' && sub2 === 'prune') || (sub === 'image' && sub2 === 'prune' && has(c, '-a', '--all'))) return hit('container-mass-remove', `${name} ${sub} prune deletes every unused ${sub}`);
  if (sub === 'pod' && (sub2 === 'rm' || sub2 === 'prune') && (computed || has(c, '-a', '--all') || sub2 === 'prune')) return hit('container-mass-remove', `${name} pod ${sub2} removes every pod`);
  if (sub === 'stack' && (sub2 === 'rm' || sub2 === 'remove' || sub2 === 'down')) return hit('container-mass-remove', `${name} stack rm removes a whole stack`);
  return null;
};

const KUBE_VALUED = new Set(['-n', '--namespace', '--context', '--cluster', '--user', '--kubeconfig', '-s', '--server', '--token', '-l', '--selector', '-f', '--filename', '-o', '--output', '--field-selector', '--grace-period', '--timeout', '-c', '--container', '--as', '--as-group', '--cascade']);
const BROAD_KINDS = /^(namespaces?|ns|nodes?|no|persistentvolumes?|pv|persistentvolumeclaims?|pvc|customresourcedefinitions?|crds?|storageclass(es)?|sc|projects?)$/i;

const kubectl: Detector = (c) => {
  const ops = operands(c, KUBE_VALUED);
  if (ops[0] === 'drain') return has(c, '--delete-emptydir-data', '--delete-local-data') ? hit('kubectl-delete-broad', 'kubectl drain deletes pods\' local data') : null;
  if (ops[0] !== 'delete') return null;
  if (has(c, '--all', '-A', '--all-namespaces')) return hit('kubectl-delete-broad', 'kubectl delete --all / -A deletes every matching resource');
  const kinds = ops.slice(1).flatMap((o) => o.split('/')[0]!.split(','));
  const k = kinds.find((x) => BROAD_KINDS.test(x));
  return k ? hit('kubectl-delete-broad', `kubectl deletes ${k} (cluster-wide data)`) : null;
};

const helm: Detector = (c) => {
  const ops = operands(c, new Set(['-n', '--namespace', '--kube-context', '--kubeconfig']));
  return ['uninstall', 'delete', 'del', 'un'].includes(ops[0] ?? '') && !has(c, '--help', '-h') ? hit('helm-uninstall', `helm ${ops[0]} removes a release`) : null;
};

const cluster: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const ops = operands(c, new Set(['--name', '-n', '-p', '--profile', '--region']));
  const del = name === 'minikube' ? ops[0] === 'delete' : name === 'k3d' ? ops[0] === 'cluster' && ops[1] === 'delete' : ops[0] === 'delete' && /^clusters?$/.test(ops[1] ?? '');
  return del ? hit('cluster-delete', `${name} deletes a cluster`) : null;
};

const AWS_VALUED = new Set(['--profile', '--region', '--output', '--endpoint-url', '--query', '--color', '--ca-bundle', '--cli-read-timeout', '--cli-connect-timeout']);
const AWS_DELETE = /^(delete|terminate|purge|deregister)-|^schedule-key-deletion$|^rb$/;

const aws: Detector = (c) => {
  const [svc, op] = operands(c, AWS_VALUED);
  if (svc === 's3' && op === 'rm' && has(c, '--recursive')) return hit('cloud-delete', 'aws s3 rm --recursive deletes a bucket\'s contents');
  return op && AWS_DELETE.test(op) ? hit('cloud-delete', `aws ${svc} ${op} deletes cloud resources`) : null;
};

const gcloud: Detector = (c) => {
  const ops = operands(c, new Set(['--project', '--zone', '--region', '--format', '--account', '--configuration']));
  if (ops.includes('delete')) return hit('cloud-delete', 'gcloud … delete removes cloud resources');
  return ops[0] === 'storage' && ops[1] === 'rm' && (has(c, '-r', '--recursive', '-a', '--all-versions') || ops.some((o) => o.endsWith('/**'))) ? hit('cloud-delete', 'gcloud storage rm -r deletes a bucket\'s contents') : null;
};

const gsutil: Detector = (c) => {
  const ops = operands(c, new Set(['-o', '-h', '-u']));
  if (ops[0] === 'rb') return hit('cloud-delete', 'gsutil rb deletes a bucket');
  return ops[0] === 'rm' && (has(c, '-r', '-R', '-a') || ops.some((o) => o.endsWith('/**'))) ? hit('cloud-delete', 'gsutil rm -r deletes a bucket\'s contents') : null;
};

const CLOUD_VERBS: Readonly<Record<string, RegExp>> = { az: /^(delete|purge|delete-batch)$/, doctl: /^(delete|rm)$/, heroku: /^(apps:destroy|pg:reset|addons:destroy)$/, fly: /^destroy$/, flyctl: /^destroy$/ };

const cloudVerb: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const re = CLOUD_VERBS[name]!;
  const v = operands(c, new Set(['-g', '--resource-group', '-n', '--name', '-s', '--subscription', '-a', '--app', '--context'])).find((o) => re.test(o));
  return v ? hit('cloud-delete', `${name} ${v} deletes cloud resources`) : null;
};

const terraform: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const ops = operands(c, new Set(['-var', '-var-file', '-target', '-state', '-backend-config']));
  const destroyFlag = has(c, '-destroy', '--destroy');
  const sub = ops[0] === 'run-all' || ops[0] === 'run' ? ops.find((o) => o !== 'run-all' && o !== 'run' && o !== '--all') : ops[0];
  if (sub === 'destroy' || (sub === 'apply' && destroyFlag)) return hit('iac-destroy', `${name} destroys infrastructure`);
  if ((sub === 'state' && (ops[1] === 'rm' || ops.includes('rm'))) || (sub === 'workspace' && ops[1] === 'delete')) return hit('iac-destroy', `${name} ${sub} ${ops[1]} drops managed state`);
  return null;
};

const IAC_VERBS: Readonly<Record<string, RegExp>> = { pulumi: /^destroy$|^stack rm$/, cdk: /^destroy$/, cdktf: /^destroy$/, serverless: /^remove$/, sls: /^remove$/, sam: /^delete$/ };

const iacVerb: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const ops = operands(c, new Set(['-s', '--stack', '--stage', '--region', '--profile', '--app', '-a']));
  return IAC_VERBS[name]!.test(ops.slice(0, 2).join(' ')) || IAC_VERBS[name]!.test(ops[0] ?? '') ? hit('iac-destroy', `${name} ${ops[0]} tears a stack down`) : null;
};

/** Container, cluster, cloud and IaC detectors by command key. */
export const INFRA_DETECTORS: ReadonlyArray<[readonly string[], Detector]> = [
  [['docker', 'docker-compose'], docker], [['kubectl'], kubectl], [['helm'], helm], [['kind', 'minikube', 'k3d', 'eksctl'], cluster],
  [['aws'], aws], [['gcloud'], gcloud], [['gsutil'], gsutil], [Object.keys(CLOUD_VERBS), cloudVerb],
  [['terraform', 'tofu', 'terragrunt'], terraform], [Object.keys(IAC_VERBS), iacVerb],
];
