import { posix } from 'node:path';
import { INTERPRETERS, type Analysis, type SimpleCmd } from './analyze.js';
import { basename, DOWNLOADERS, parseFlags, type Word } from './words.js';

/** A floor match: which named rule fired, on which command (null for script-wide shapes). */
export interface FloorHit { rule: string; reason: string; cmd: SimpleCmd | null }

/** The built-in dangerous-command floor, by id. A match always needs a human unless allowlisted. */
export const FLOOR_RULES: ReadonlyArray<{ id: string; description: string }> = Object.freeze([
  { id: 'rm-rf-root', description: 'recursive rm of / or /*' },
  { id: 'rm-rf-system', description: 'recursive rm of a system directory or its direct contents' },
  { id: 'rm-rf-home', description: 'recursive forced rm of the home directory (~, $HOME)' },
  { id: 'rm-rf-wildcard', description: 'recursive forced rm of *, . or ..' },
  { id: 'find-delete-system', description: 'find -delete starting at /, ~ or a system directory' },
  { id: 'git-reset-hard', description: 'git reset --hard (discards uncommitted work)' },
  { id: 'git-clean-force', description: 'git clean -f with -d or -x (deletes untracked files)' },
  { id: 'git-push-force', description: 'git force push (--force, -f, --force-with-lease, +refspec, --mirror)' },
  { id: 'git-stash-drop', description: 'git stash drop / clear' },
  { id: 'sql-drop', description: 'SQL DROP TABLE/DATABASE/SCHEMA through a database client' },
  { id: 'sql-truncate', description: 'SQL TRUNCATE through a database client' },
  { id: 'sql-delete-all', description: 'SQL DELETE without WHERE through a database client' },
  { id: 'mkfs', description: 'make a filesystem (mkfs*, mke2fs, mkswap)' },
  { id: 'dd-device', description: 'dd writing to a device (of=/dev/…)' },
  { id: 'wipefs', description: 'wipe filesystem signatures or discard a device (wipefs, blkdiscard, sgdisk -Z)' },
  { id: 'shred', description: 'shred (irrecoverable overwrite)' },
  { id: 'device-write', description: 'redirect or copy onto a block device (> /dev/sda …)' },
  { id: 'fork-bomb', description: 'a self-recursive shell function (fork bomb shape)' },
  { id: 'shutdown', description: 'shutdown, reboot, halt, poweroff, init 0/6, systemctl poweroff|reboot|halt' },
  { id: 'terraform-destroy', description: 'terraform/tofu destroy or apply -destroy' },
  { id: 'kubectl-delete-all', description: 'kubectl delete --all / -A / --all-namespaces, or deleting namespaces' },
  { id: 'cloud-delete', description: 'aws s3 rb / rm --recursive, gcloud … delete, az group delete, gsutil rm -r / rb' },
  { id: 'chmod-recursive-root', description: 'recursive chmod/chown/chgrp of / or a system directory' },
  { id: 'docker-system-prune', description: 'docker/podman system prune' },
  { id: 'curl-pipe-shell', description: 'downloaded content executed by an interpreter (curl … | sh, bash <(curl …))' },
  { id: 'dangerous-env', description: 'a loader/runtime hook set for a command (LD_PRELOAD=…, DYLD_*, NODE_OPTIONS, PYTHONPATH, BASH_ENV, …)' },
]);

/** Variables that make the next program load or run attacker-chosen code (the original's env-prefix floor). */
const HOOK_ENV = /^(LD_PRELOAD|LD_LIBRARY_PATH|LD_AUDIT|LD_CONFIG|DYLD_INSERT_LIBRARIES|DYLD_LIBRARY_PATH|DYLD_FRAMEWORK_PATH|PYTHONPATH|PYTHONSTARTUP|NODE_OPTIONS|NODE_PATH|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|PERL5OPT|PERL5LIB|RUBYOPT|RUBYLIB|CLASSPATH|BASH_ENV|ZDOTDIR)$/i;

const SYSTEM_DIRS = ['/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/opt', '/root', '/sbin', '/srv', '/usr', '/var', '/sys', '/proc', '/System', '/Library', '/Applications', '/Users', '/private'];

/** Canonical form of a path target: `//etc/./` → `/etc`, `${HOME}/` → `$HOME`, `~/` → `~`. */
function canonicalTarget(t: string): string {
  let s = t.replace(/^"?\$\{?HOME\}?"?/, '$HOME');
  const m = /^(~[A-Za-z0-9_.-]*|\$HOME)(\/.*)?$/.exec(s);
  if (m) {
    const rest = m[2] ? posix.normalize(m[2]).replace(/\/+$/, '') : '';
    return rest === '' || rest === '/.' ? '~' : `~${rest}`;
  }
  if (s.startsWith('/')) { s = posix.normalize(s); return s.length > 1 ? s.replace(/\/+$/, '') : s; }
  return posix.normalize(s).replace(/\/+$/, '') || '.';
}

/** One level of brace expansion (`{/,x}` → `/`, `x`), so a brace list cannot hide a protected target. */
function expandBraces(w: Word): Word[] {
  const m = /^(.*?)\{([^{}]*,[^{}]*)\}(.*)$/s.exec(w.text);
  return m ? m[2]!.split(',').map((part) => ({ ...w, text: `${m[1]}${part}${m[3]}` })) : [w];
}

type TargetClass = 'root' | 'system' | 'home' | 'wildcard' | null;

/** Which protected class a path falls in, if any. */
function classifyTarget(w: Word): TargetClass {
  const t = canonicalTarget(w.text);
  if (t === '/' || t === '/*') return 'root';
  if (t === '~' || t === '~/*') return 'home';
  if (t === '*' || t === '.' || t === '..' || t === './*' || t === '../*' || t === '.*' || /^(\.\.\/)+\.\.$/.test(t)) return 'wildcard';
  for (const d of SYSTEM_DIRS) if (t === d || t === `${d}/*` || (t.startsWith(`${d}/`) && !t.slice(d.length + 1).includes('/'))) return 'system';
  return null;
}

const SQL_CLIENTS = new Set(['psql', 'mysql', 'mariadb', 'sqlite3', 'sqlite', 'sqlcmd', 'clickhouse-client', 'cockroach', 'duckdb', 'mongosh', 'cqlsh', 'pgcli', 'mycli', 'litecli']);
const DEVICE = /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|disk|rdisk|mapper\/|dm-|md|loop|sr|mem$|kmem$|port$)/;

function sqlHit(sql: string): { rule: string; reason: string } | null {
  if (/\bDROP\s+(TABLE|DATABASE|SCHEMA)\b/i.test(sql)) return { rule: 'sql-drop', reason: 'drops a table, database or schema' };
  if (/\bTRUNCATE\b/i.test(sql)) return { rule: 'sql-truncate', reason: 'truncates a table' };
  for (const stmt of sql.split(';')) {
    if (/^\s*DELETE\s+FROM\s/i.test(stmt) && !/\bWHERE\b/i.test(stmt)) return { rule: 'sql-delete-all', reason: 'deletes every row (DELETE without WHERE)' };
  }
  return null;
}

/** Git with its global options (`-C dir`, `-c k=v`, `--git-dir=…`) removed: [subcommand, ...args]. */
function gitArgs(args: Word[]): Word[] {
  let i = 0;
  while (i < args.length && args[i]!.text.startsWith('-')) {
    const t = args[i]!.text;
    i += ['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env'].includes(t) ? 2 : 1;
  }
  return args.slice(i);
}

/** Rules that look at one simple command. */
function commandHit(c: SimpleCmd): { rule: string; reason: string } | null {
  const name = c.argv[0] ? basename(c.argv[0].text) : '';
  const args = c.argv.slice(1);
  const text = args.map((w) => w.text);
  if (c.execsDownload) return { rule: 'curl-pipe-shell', reason: `\`${name || c.wrappers.at(-1) || 'the shell'}\` runs downloaded content` };
  if (INTERPRETERS.has(name) && c.pipedFrom.some((p) => DOWNLOADERS.has(basename(p.argv[0]?.text ?? '')))) {
    return { rule: 'curl-pipe-shell', reason: `downloaded content is piped into \`${name}\`` };
  }
  switch (name) {
    case 'rm': {
      const f = parseFlags(args, { '--recursive': 'r', '--force': 'f', '--dir': 'd', '--no-preserve-root': 'P' });
      const recursive = f.flags.has('r') || f.flags.has('R');
      if (!recursive) return null;
      const force = f.flags.has('f');
      for (const w of f.operands.flatMap(expandBraces)) {
        const k = classifyTarget(w);
        if (k === 'root') return { rule: 'rm-rf-root', reason: `recursive rm of ${w.text}` };
        if (k === 'system') return { rule: 'rm-rf-system', reason: `recursive rm of system path ${w.text}` };
        if (k === 'home' && force) return { rule: 'rm-rf-home', reason: `recursive rm of home ${w.text}` };
        if (k === 'wildcard' && force) return { rule: 'rm-rf-wildcard', reason: `recursive rm of ${w.text}` };
      }
      return null;
    }
    case 'git': {
      const g = gitArgs(args);
      const sub = g[0]?.text;
      const rest = g.slice(1);
      if (sub === 'reset' && rest.some((w) => w.text === '--hard')) return { rule: 'git-reset-hard', reason: 'git reset --hard discards uncommitted work' };
      if (sub === 'clean') {
        const f = parseFlags(rest, { '--force': 'f' });
        if (f.flags.has('f') && (f.flags.has('d') || f.flags.has('x') || f.flags.has('X'))) return { rule: 'git-clean-force', reason: 'git clean deletes untracked files' };
      }
      if (sub === 'push') {
        const f = parseFlags(rest, { '--force': 'f', '--force-with-lease': 'f', '--force-if-includes': 'f', '--mirror': 'f', '--delete': 'd' }, new Set(['o', '--push-option', '--repo', '--receive-pack', '--exec']));
        if (f.flags.has('f') || f.operands.slice(1).some((w) => w.text.startsWith('+'))) return { rule: 'git-push-force', reason: 'git force push rewrites remote history' };
      }
      if (sub === 'stash' && (rest[0]?.text === 'drop' || rest[0]?.text === 'clear')) return { rule: 'git-stash-drop', reason: `git stash ${rest[0]!.text} loses stashed work` };
      return null;
    }
    case 'find': {
      if (!text.includes('-delete')) return null;
      const start = args.find((w) => !w.text.startsWith('-') && !w.text.startsWith('(') && !w.text.startsWith('!'));
      const k = start ? classifyTarget(start) : null;
      return k === 'root' || k === 'system' || k === 'home' ? { rule: 'find-delete-system', reason: `find -delete under ${start!.text}` } : null;
    }
    case 'dd': {
      const of = text.find((t) => t.startsWith('of='));
      if (of && DEVICE.test(of.slice(3))) return { rule: 'dd-device', reason: `dd writes to ${of.slice(3)}` };
      return null;
    }
    case 'mke2fs': case 'mkswap': case 'newfs': return { rule: 'mkfs', reason: `${name} creates a filesystem` };
    case 'wipefs': case 'blkdiscard': return { rule: 'wipefs', reason: `${name} destroys device data` };
    case 'sgdisk': return text.some((t) => /^(-Z|-o|--zap-all|--clear)$/.test(t)) ? { rule: 'wipefs', reason: 'sgdisk wipes the partition table' } : null;
    case 'shred': return { rule: 'shred', reason: 'shred overwrites files irrecoverably' };
    case 'tee': case 'cp': case 'cat': {
      const dev = text.find((t) => DEVICE.test(t));
      return dev && name !== 'cat' ? { rule: 'device-write', reason: `${name} writes to ${dev}` } : null;
    }
    case 'shutdown': case 'reboot': case 'halt': case 'poweroff': return { rule: 'shutdown', reason: `${name} stops the machine` };
    case 'init': case 'telinit': return text[0] === '0' || text[0] === '6' ? { rule: 'shutdown', reason: `${name} ${text[0]} stops the machine` } : null;
    case 'systemctl': return text.some((t) => /^(poweroff|reboot|halt|kexec|soft-reboot)$/.test(t)) ? { rule: 'shutdown', reason: 'systemctl stops the machine' } : null;
    case 'terraform': case 'tofu': case 'terragrunt': {
      const sub = text.find((t) => !t.startsWith('-'));
      if (sub === 'destroy' || (sub === 'apply' && text.some((t) => t === '-destroy' || t === '--destroy'))) return { rule: 'terraform-destroy', reason: `${name} destroys infrastructure` };
      return null;
    }
    case 'kubectl': case 'oc': {
      const ops = text.filter((t) => !t.startsWith('-'));
      if (ops[0] !== 'delete') return null;
      if (text.some((t) => t === '--all' || t === '-A' || t === '--all-namespaces' || t.startsWith('--all='))) return { rule: 'kubectl-delete-all', reason: 'kubectl deletes every matching resource' };
      if (ops.slice(1).some((t) => /^(namespaces?|ns)(\/|$)/.test(t))) return { rule: 'kubectl-delete-all', reason: 'kubectl deletes a namespace' };
      return null;
    }
    case 'aws': {
      const ops = text.filter((t) => !t.startsWith('-'));
      if (ops[0] === 's3' && (ops[1] === 'rb' || (ops[1] === 'rm' && text.includes('--recursive')))) return { rule: 'cloud-delete', reason: `aws s3 ${ops[1]} deletes a bucket or its contents` };
      if (ops[0] === 's3api' && ops[1] === 'delete-bucket') return { rule: 'cloud-delete', reason: 'aws s3api delete-bucket' };
      return null;
    }
    case 'gcloud': return text.includes('delete') ? { rule: 'cloud-delete', reason: 'gcloud deletes a cloud resource' } : null;
    case 'az': return text[0] === 'group' && text[1] === 'delete' ? { rule: 'cloud-delete', reason: 'az group delete removes a resource group' } : null;
    case 'gsutil': return text.includes('rb') || (text.includes('rm') && text.some((t) => /^-[a-zA-Z]*r/i.test(t))) ? { rule: 'cloud-delete', reason: 'gsutil deletes a bucket or its contents' } : null;
    case 'chmod': case 'chown': case 'chgrp': {
      const f = parseFlags(args, { '--recursive': 'R' });
      if (!f.flags.has('R')) return null;
      const hit = f.operands.slice(1).find((w) => { const k = classifyTarget(w); return k === 'root' || k === 'system'; });
      return hit ? { rule: 'chmod-recursive-root', reason: `recursive ${name} of ${hit.text}` } : null;
    }
    case 'docker': case 'podman': return text[0] === 'system' && text[1] === 'prune' ? { rule: 'docker-system-prune', reason: `${name} system prune deletes containers, images and volumes` } : null;
    default: break;
  }
  if (/^mkfs(\.|$)/.test(name)) return { rule: 'mkfs', reason: `${name} creates a filesystem` };
  if (SQL_CLIENTS.has(name)) {
    const upstream = c.pipedFrom.flatMap((p) => p.argv.slice(1).map((w) => w.text));
    const sql = [...text, c.stdinText ?? '', ...upstream];
    for (const s of sql) { const h = sqlHit(s); if (h) return { rule: h.rule, reason: `${name} ${h.reason}` }; }
  }
  return null;
}

/** Every floor rule that fires anywhere in the analysed script. */
export function floorHits(a: Analysis): FloorHit[] {
  const hits: FloorHit[] = [];
  for (const f of a.functions) if (f.recursive) hits.push({ rule: 'fork-bomb', reason: `function \`${f.name}\` calls itself`, cmd: null });
  for (const r of a.redirects) {
    if (r.write && r.target && DEVICE.test(r.target.text)) hits.push({ rule: 'device-write', reason: `redirects output onto ${r.target.text}`, cmd: null });
  }
  for (const c of a.cmds) {
    const h = commandHit(c);
    if (h) hits.push({ ...h, cmd: c });
    const hook = c.assigns.find((n) => HOOK_ENV.test(n));
    if (hook) hits.push({ rule: 'dangerous-env', reason: `sets ${hook} for the command (makes it load other code)`, cmd: c });
  }
  return hits;
}
