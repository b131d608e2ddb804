/**
 * docs/deploy/moltis.service and docs/deploy/Containerfile.
 *
 * The unit: `systemd-analyze verify` finds nothing to say about it (and, as a control, does
 * complain about a typo here, so silence means something); the hardening the docs promise is
 * there and points at the directories the gateway uses; no directive known to break bwrap is set;
 * and under an emulation of the unit's file-system and privilege hardening (read-only root,
 * private /tmp, hidden homes, no new privileges, no capabilities, an unprivileged user) the
 * gateway's own bwrap probe still succeeds — while the same emulation plus what
 * ProtectKernelTunables= does makes it fail (the control).
 *
 * The image: it cannot be built here (no registry), so its structure is checked (Node LTS slim,
 * a non-root user, volumes for config and data matching the env, a health check, the entry point
 * the package builds), and its health-check script runs against real gateways.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../support/server.js';
import { freePort } from './proxies.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = join(ROOT, 'docs', 'deploy');
const UNIT = readFileSync(join(DOCS, 'moltis.service'), 'utf8');

/** `[Section]` → key → values (a key may repeat); comments and blank lines dropped. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) { section = s[1]!; out.set(section, out.get(section) ?? new Map()); continue; }
    const eq = line.indexOf('=');
    assert.ok(eq > 0, `not a unit line: ${line}`);
    const keys = out.get(section)!;
    const k = line.slice(0, eq).trim();
    keys.set(k, [...(keys.get(k) ?? []), line.slice(eq + 1).trim()]);
  }
  return out;
}

const service = parseUnit(UNIT).get('Service')!;
const one = (k: string) => service.get(k)?.at(-1);
const envOf = () => new Map((service.get('Environment') ?? []).map((e) => e.split('=', 2) as [string, string]));

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

function verify(unitText: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-unit-'));
  try {
    writeFileSync(join(dir, 'moltis.service'), unitText);
    const r = spawnSync(SYSTEMD_ANALYZE, ['verify', '--man=no', join(dir, 'moltis.service')], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

describe('docs/deploy/moltis.service', () => {
  test('systemd-analyze verify has nothing to say about it', { skip: existsSync(SYSTEMD_ANALYZE) ? false : `${SYSTEMD_ANALYZE} is missing (apt install systemd)` }, (t) => {
    // Control: a misspelt directive must produce a complaint here, or silence proves nothing.
    const control = verify(UNIT.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'));
    if (!/Unknown key/i.test(control.output)) { t.skip(`systemd-analyze cannot check units in this environment: ${control.output.trim() || `exit ${control.status}`}`); return; }
    const r = verify(UNIT);
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output.trim(), '', r.output);
  });

  test('the promised hardening is there, and its writable paths are the gateway\'s directories', () => {
    assert.equal(one('NoNewPrivileges'), 'yes');
    assert.equal(one('ProtectSystem'), 'strict');
    assert.equal(one('ProtectHome'), 'yes');
    assert.equal(one('PrivateTmp'), 'yes');
    assert.equal(one('Restart'), 'on-failure');
    assert.equal(one('CapabilityBoundingSet'), '');
    const user = one('User');
    assert.ok(user && user !== 'root' && user !== '0', `User=${user}`);
    const env = envOf();
    const writable = (service.get('ReadWritePaths') ?? []).join(' ').split(/\s+/);
    for (const k of ['MOLTIS_CONFIG_DIR', 'MOLTIS_DATA_DIR']) {
      const dir = env.get(k);
      assert.ok(dir, `Environment=${k}=… missing`);
      assert.ok(writable.includes(dir), `${k}=${dir} is not in ReadWritePaths=${writable.join(' ')}`);
    }
    // The entry point is the one the package builds.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { moltis: string } };
    assert.match(one('ExecStart')!, new RegExp(`/opt/moltis/${pkg.bin.moltis.replace(/\./g, '\\.')} serve$`));
  });

  test('no directive that breaks the bwrap sandbox is set', () => {
    const breaking = ['RestrictNamespaces', 'PrivateUsers', 'ProtectKernelTunables', 'ProtectKernelLogs', 'ProtectProc', 'ProtectControlGroups', 'SystemCallFilter', 'MemoryDenyWriteExecute'];
    const set = breaking.filter((k) => service.has(k) && !['no', 'false', 'default', ''].includes(one(k)!));
    assert.deepEqual(set, [], `these break bwrap (see the comment in the unit): ${set.join(', ')}`);
  });

  // The checkout must stay visible under the emulated masks: one under /tmp is carried across
  // PrivateTmp through a bind in /dev/shm; one under /home or /root cannot be (ProtectHome is read-only).
  const underTmp = ROOT.startsWith('/tmp/');
  const emulationSkip = process.getuid?.() !== 0 ? 'needs root (mount namespaces) to emulate the unit'
    : /^\/(home|root)\//.test(ROOT) ? `the checkout (${ROOT}) is hidden by ProtectHome in the emulation`
    : (underTmp && !existsSync('/dev/shm')) ? 'a checkout under /tmp needs /dev/shm to survive PrivateTmp'
    : ['/usr/bin/unshare', '/usr/bin/setpriv', '/usr/bin/bwrap'].find((b) => !existsSync(b)) ?? false;
  test('under the unit\'s hardening the gateway\'s own bwrap probe still succeeds; with ProtectKernelTunables it fails', { skip: emulationSkip && `${emulationSkip}${emulationSkip.startsWith('/') ? ' is missing' : ''}` }, () => {
    // Outside /tmp, which the emulation replaces; .tmp/ is git-ignored.
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, '.tmp', 'unit-emul-'));
    const carry = underTmp ? mkdtempSync('/dev/shm/moltis-emul-') : null;
    try {
      chmodSync(dir, 0o755);
      const probe = join(dir, 'probe.ts');
      writeFileSync(probe, `import { probeBwrap } from ${JSON.stringify(join(ROOT, 'src', 'sandbox', 'index.ts'))};\nconsole.log(JSON.stringify(await probeBwrap()));\n`);
      chmodSync(probe, 0o644);
      // Emulation of the directives asserted above (systemd is not PID 1 in a CI container).
      const mounts = [
        ...(carry ? [`mount --bind ${JSON.stringify(ROOT)} ${carry}`] : []),
        one('ProtectSystem') === 'strict' ? 'mount -o remount,bind,ro /' : '',
        one('PrivateTmp') === 'yes' ? `mount -t tmpfs -o mode=1777 tmpfs /tmp${carry ? ` && mkdir -p ${JSON.stringify(ROOT)} && mount --bind ${carry} ${JSON.stringify(ROOT)}` : ''}` : '',
        one('ProtectHome') === 'yes' ? 'mount -t tmpfs -o ro,mode=755 tmpfs /home && mount -t tmpfs -o ro,mode=700 tmpfs /root' : '',
      ].filter(Boolean);
      const priv = ['setpriv', ...(one('NoNewPrivileges') === 'yes' ? ['--no-new-privs'] : []),
        ...(one('CapabilityBoundingSet') === '' ? ['--bounding-set=-all', '--inh-caps=-all'] : []),
        '--reuid=65534', '--regid=65534', '--clear-groups'];
      const run = (extraMounts: string[]) => {
        const script = [...mounts, ...extraMounts, `cd ${JSON.stringify(ROOT)} && exec ${priv.join(' ')} ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(probe)}`].join(' && ');
        const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: '/nonexistent' } });
        assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
        return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ok: boolean; reason: string };
      };
      const hardened = run([]);
      assert.equal(hardened.ok, true, hardened.reason);
      // Control: masking /proc/sys read-only (ProtectKernelTunables=yes) breaks bwrap's /proc.
      const tunables = run(['mount --bind /proc/sys /proc/sys', 'mount -o remount,bind,ro /proc/sys']);
      assert.equal(tunables.ok, false);
      assert.match(tunables.reason, /proc/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (carry) rmSync(carry, { recursive: true, force: true });
    }
  });
});

/** Containerfile instructions with continuation lines joined; comments dropped. */
function instructions(text: string): Array<{ op: string; args: string }> {
  return text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => { const m = /^(\S+)\s+(.*)$/.exec(l)!; return { op: m[1]!.toUpperCase(), args: m[2]!.trim() }; });
}

describe('docs/deploy/Containerfile (structure; the image is built only where a registry is reachable)', () => {
  const ins = instructions(readFileSync(join(DOCS, 'Containerfile'), 'utf8'));
  const all = (op: string) => ins.filter((i) => i.op === op);
  const finalStage = ins.slice(ins.map((i) => i.op).lastIndexOf('FROM'));
  const env = new Map(finalStage.filter((i) => i.op === 'ENV').flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const)));

  test('every stage is an even-numbered (LTS) Node on a slim Debian', () => {
    const froms = all('FROM');
    assert.ok(froms.length >= 1);
    for (const f of froms) assert.match(f.args, /^docker\.io\/library\/node:(\d*[02468])-\w+-slim(\s+AS\s+\w+)?$/i, f.args);
  });

  test('the gateway runs as a non-root user', () => {
    const user = finalStage.filter((i) => i.op === 'USER').at(-1)?.args;
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user}`);
  });

  test('config and data are volumes, and the gateway is told to use them', () => {
    const volumes = finalStage.filter((i) => i.op === 'VOLUME').flatMap((i) => JSON.parse(i.args) as string[]);
    assert.ok(volumes.includes(env.get('MOLTIS_CONFIG_DIR')!), `MOLTIS_CONFIG_DIR=${env.get('MOLTIS_CONFIG_DIR')} not a VOLUME (${volumes})`);
    assert.ok(volumes.includes(env.get('MOLTIS_DATA_DIR')!), `MOLTIS_DATA_DIR=${env.get('MOLTIS_DATA_DIR')} not a VOLUME (${volumes})`);
    // Nothing can be proven local inside a container (see the file's header).
    assert.equal(env.get('MOLTIS_BEHIND_PROXY'), 'true');
  });

  test('a health check on /health, the package\'s entry point, the default port exposed', () => {
    const hc = finalStage.find((i) => i.op === 'HEALTHCHECK');
    assert.ok(hc, 'no HEALTHCHECK');
    assert.match(hc.args, /CMD \["node", "\/app\/healthcheck\.mjs"\]/);
    assert.ok(finalStage.some((i) => i.op === 'COPY' && i.args.endsWith('/app/docs/deploy/healthcheck.mjs /app/healthcheck.mjs')));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { moltis: string } };
    const entry = JSON.parse(finalStage.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    assert.deepEqual(entry, ['node', `/app/${pkg.bin.moltis.replace(/^\.\//, '')}`]);
    assert.ok(finalStage.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('13131')));
  });
});

describe('docs/deploy/healthcheck.mjs against real gateways', () => {
  // Asynchronous: the gateways answer from this very process.
  const check = (port: number) => new Promise<{ status: number | null; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(DOCS, 'healthcheck.mjs')], { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH, MOLTIS_HEALTH_PORT: String(port) } },
      (err, _stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr }));
  });

  test('healthy over TLS (the default) and over plain HTTP (--no-tls); unhealthy when nothing listens', async (t) => {
    const tls = await startTestServer({ tls: true });
    t.after(() => tls.stop());
    const plain = await startTestServer();
    t.after(() => plain.stop());
    for (const port of [tls.port, plain.port]) {
      const r = await check(port);
      assert.equal(r.status, 0, r.stderr);
    }
    const dead = await check(await freePort());
    assert.equal(dead.status, 1);
    assert.match(dead.stderr, /no healthy gateway/);
  });
});
