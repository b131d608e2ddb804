import { Option, type Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { withOfflineAuditLog, type NoAuditLog } from '../server/index.js';
import { auditEntryView, sinceSchema, verifyAuditLog } from '../audit/index.js';
import type { AuditRepo, AuditRow } from '../store/index.js';
import { resolveDirs } from './paths.js';

type Out = { out: (s: string) => void; err: (s: string) => void };
type OptsOf = <T>(cmd: Command) => T;
const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const dataDirOption = () => new Option('--data-dir <dir>', 'data directory (default ~/.moltis)').env('MOLTIS_DATA_DIR');
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
    .description('walk the hash chain and compare with the head file; exit 1 naming the first altered, deleted, inserted or reordered entry')
    .addOption(dataDirOption())
    .option('--json', 'print the result as JSON')
    .action((_o: unknown, cmd: Command) => {
      const o = optsOf<{ dataDir?: string; json?: boolean }>(cmd);
      const r = open(o.dataDir, verifyAuditLog);
      if (isMissing(r)) {
        // Fail closed: a head file without its database means the database was removed.
        const msg = r.headExists ? 'the database is missing but its audit head file exists: the database was deleted or moved' : 'no database in this data dir (nothing to verify; check --data-dir)';
        if (o.json) io.out(JSON.stringify({ ok: false, problem: { kind: r.headExists ? 'replaced' : 'no_database', seq: null, message: msg } }));
        else io.err(`moltis: audit log: ${msg}`);
        process.exitCode = r.headExists ? 1 : 2;
        return;
      }
      if (o.json) io.out(JSON.stringify(r));
      else if (r.ok) io.out(`audit log ok: ${r.entries} entries${r.entries ? ` (${r.firstSeq}..${r.lastSeq})` : ''}${r.headLag > 0 ? `, head file ${r.headLag} behind (a crash or a concurrent writer; harmless)` : ''}`);
      else io.err(`moltis: audit log BROKEN (${r.problem!.kind}${r.problem!.seq !== null ? ` at entry ${r.problem!.seq}` : ''}): ${r.problem!.message}`);
      process.exitCode = r.ok ? 0 : 1;
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
