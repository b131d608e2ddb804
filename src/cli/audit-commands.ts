import { Option, type Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { withOfflineAuditLog, type NoAuditLog } from '../server/index.js';
import type { KeyObject } from 'node:crypto';
import { adoptCheckpoint, auditEntryView, auditSigningKeyPath, keyFingerprint, loadSigningKey, readPublicKey, sinceSchema, verifyAuditLog } from '../audit/index.js';
import type { AuditRepo, AuditRow } from '../store/index.js';
import { resolveDirs } from './paths.js';

type Out = { out: (s: string) => void; err: (s: string) => void };
type OptsOf = <T>(cmd: Command) => T;
const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const dataDirOption = () => new Option('--data-dir <dir>', 'data directory (default ~/.moltis)').env('MOLTIS_DATA_DIR');
const configDirOption = () => new Option('--config-dir <dir>', 'config directory: holds the audit signing key (default ~/.config/moltis)').env('MOLTIS_CONFIG_DIR');
const isMissing = (r: unknown): r is NoAuditLog => typeof r === 'object' && r !== null && 'missing' in r;
const PAGE = 1000;

/** One human-readable line per entry (tail). Detail is JSON-quoted: no control character reaches the terminal. */
const line = (r: AuditRow) => {
  const v = auditEntryView(r);
  return `${String(v.seq).padStart(6)}  ${v.time}  ${v.type}  actor=${v.actor ?? '-'}  ip=${v.ip ?? '-'}${v.detail === null ? '' : `  ${JSON.stringify(v.detail)}`}`;
};

function parseSince(s: string | undefined): number | null {
  if (s === undefined) return null;
  const r = sinceSchema.safeParse(/^\d+$/.test(s) ? Number(s) : s);
  if (!r.success) throw new Error(`--since ${JSON.stringify(s)} is not a date: give an ISO time such as 2026-01-31T00:00:00Z or epoch milliseconds`);
  return r.data;
}

/** `moltis audit verify | export | tail`, offline against `<data_dir>/moltis.db` and its head file. */
export function registerAuditCommands(program: Command, io: Out, optsOf: OptsOf): void {
  const audit = program.command('audit').description('the tamper-evident security audit log');
  const open = <T>(dataDir: string | undefined, fn: (repo: AuditRepo) => T): T | NoAuditLog => withOfflineAuditLog(resolveDirs({ dataDir }).dataDir, fn);

  audit.command('verify')
    .description('walk the hash chain, compare with the head file and check the signed seal; exit 1 naming the first altered, deleted, inserted or reordered entry, or a forged checkpoint')
    .addOption(dataDirOption())
    .addOption(configDirOption())
    .option('--public-key <file>', 'check the seal with this exported public key (PEM) instead of the config dir\'s key')
    .option('--json', 'print the result as JSON')
    .action((_o: unknown, cmd: Command) => {
      const o = optsOf<{ dataDir?: string; configDir?: string; publicKey?: string; json?: boolean }>(cmd);
      const { configDir } = resolveDirs({ configDir: o.configDir });
      const publicKey: KeyObject | null = o.publicKey ? readPublicKey(o.publicKey) : loadSigningKey(configDir)?.publicKey ?? null;
      const r = open(o.dataDir, (repo) => verifyAuditLog(repo, { publicKey }));
      if (isMissing(r)) {
        // Fail closed: a head file without its database means the database was removed.
        const msg = r.headExists ? 'the database is missing but its audit head file exists: the database was deleted or moved' : 'no database in this data dir (nothing to verify; check --data-dir)';
        if (o.json) io.out(JSON.stringify({ ok: false, problem: { kind: r.headExists ? 'replaced' : 'no_database', seq: null, message: msg } }));
        else io.err(`moltis: audit log: ${msg}`);
        process.exitCode = r.headExists ? 1 : 2;
        return;
      }
      const keyLine = publicKey ? `signing key ${keyFingerprint(publicKey)}${o.publicKey ? ` (${o.publicKey})` : ` (${auditSigningKeyPath(configDir)})`}` : `no signing key in ${configDir}: seal not checked`;
      if (o.json) io.out(JSON.stringify({ ...r, keyId: publicKey ? keyFingerprint(publicKey) : null }));
      else if (r.ok) {
        const seal = r.seal?.status === 'valid' ? `, sealed up to entry ${r.seal.anchorSeq ?? '-'} at ${new Date(r.seal.signedAt!).toISOString()}` : r.seal?.status === 'unsealed' ? ', not sealed yet (the gateway seals at start and hourly)' : '';
        io.out(`audit log ok: ${r.entries} entries${r.entries ? ` (${r.firstSeq}..${r.lastSeq})` : ''}${r.headLag > 0 ? `, head file ${r.headLag} behind (a crash or a concurrent writer; harmless)` : ''}${seal}`);
        io.out(keyLine);
      } else {
        io.err(`moltis: audit log BROKEN (${r.problem!.kind}${r.problem!.seq !== null ? ` at entry ${r.problem!.seq}` : ''}): ${r.problem!.message}`);
        io.err(keyLine);
      }
      process.exitCode = r.ok ? 0 : 1;
    });

  audit.command('adopt-checkpoint')
    .description('after checking the log yourself: sign its current prune checkpoint and newest entry again (for a log pruned before checkpoints were signed); the adoption is recorded in the log')
    .addOption(dataDirOption())
    .addOption(configDirOption())
    .action((_o: unknown, cmd: Command) => {
      const o = optsOf<{ dataDir?: string; configDir?: string }>(cmd);
      const { configDir } = resolveDirs({ configDir: o.configDir });
      const key = loadSigningKey(configDir);
      if (!key) throw new Error(`no audit signing key at ${auditSigningKeyPath(configDir)}: pass the gateway's --config-dir (the gateway creates the key on its first start)`);
      const r = open(o.dataDir, (repo) => {
        // Only the seal may be at fault: a broken chain or head is evidence, never adopted away.
        const chain = verifyAuditLog(repo, { seal: false });
        if (!chain.ok) throw new Error(`the log itself is broken (${chain.problem!.kind}): ${chain.problem!.message}; nothing adopted`);
        return adoptCheckpoint(repo, key, Date.now(), 'cli');
      });
      if (isMissing(r)) { io.err('moltis: no database in this data dir (check --data-dir)'); process.exitCode = 2; return; }
      io.out(`${r.adopted ? `adopted (was ${r.adopted.kind}${r.adopted.seq !== null ? ` at entry ${r.adopted.seq}` : ''})` : 'the seal was already valid; renewed'}: signed with ${key.keyId}`);
    });

  audit.command('public-key')
    .description('print the audit signing key\'s public half (PEM) and fingerprint, to keep elsewhere for `verify --public-key`')
    .addOption(configDirOption())
    .action((_o: unknown, cmd: Command) => {
      const { configDir } = resolveDirs({ configDir: optsOf<{ configDir?: string }>(cmd).configDir });
      const key = loadSigningKey(configDir);
      if (!key) throw new Error(`no audit signing key at ${auditSigningKeyPath(configDir)}: pass the gateway's --config-dir (the gateway creates the key on its first start)`);
      io.out(key.publicPem.trimEnd());
      io.out(`# ${key.keyId}`);
    });

  audit.command('export')
    .description('print entries oldest first, one JSON object a line (for a SIEM)')
    .addOption(dataDirOption())
    .option('--since <time>', 'only entries at or after this ISO time or epoch ms')
    .option('--type <type>', 'only this event type (repeatable or comma-separated)', collect, [])
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl']).default('jsonl'))
    .action((_o: unknown, cmd: Command) => {
      const o = optsOf<{ dataDir?: string; since?: string; type: string[] }>(cmd);
      const since = parseSince(o.since);
      const r = open(o.dataDir, (repo) => {
        let after = 0;
        for (;;) {
          const rows = repo.list({ limit: PAGE, afterId: after, since, types: o.type, ascending: true });
          for (const x of rows) io.out(JSON.stringify(auditEntryView(x)));
          if (rows.length < PAGE) return;
          after = rows[rows.length - 1]!.id;
        }
      });
      if (isMissing(r)) { io.err('moltis: no database in this data dir (check --data-dir)'); process.exitCode = 2; }
    });

  audit.command('tail')
    .description('print the newest entries (--follow: keep printing new ones)')
    .addOption(dataDirOption())
    .option('-n, --lines <n>', 'how many', '20')
    .option('-f, --follow', 'wait for new entries (Ctrl-C to stop)')
    .action(async (_o: unknown, cmd: Command) => {
      const o = optsOf<{ dataDir?: string; lines: string; follow?: boolean }>(cmd);
      const n = Number(o.lines);
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error(`--lines ${o.lines}: give a whole number from 1 to 10000`);
      let last = 0;
      const show = (rows: AuditRow[]) => { for (const x of rows) { io.out(line(x)); last = x.id; } };
      const r = open(o.dataDir, (repo) => show(repo.list({ limit: n }).reverse()));
      if (isMissing(r)) { io.err('moltis: no database in this data dir (check --data-dir)'); process.exitCode = 2; return; }
      while (o.follow) {
        await sleep(1000);
        open(o.dataDir, (repo) => show(repo.list({ limit: PAGE, afterId: last, ascending: true })));
      }
    });
}
