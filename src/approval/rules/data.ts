import { producerText, type SimpleCmd } from '../simple-cmd.js';
import { basename } from '../words.js';
import type { Detector } from './types.js';

/** Text a database client executes: its arguments (`-c`, `-e`, `--eval`, positional), heredoc/here-string, piped literal text. */
function clientTexts(c: SimpleCmd): string[] {
  const out = c.argv.slice(1).map((w) => w.text.replace(/^--?[\w-]+=/, ''));
  if (c.stdinText !== null) out.push(c.stdinText);
  const fed = producerText(c.feeder);
  if (fed !== null) out.push(fed);
  return out;
}

// Comments, string literals and client meta-commands (`.tables`, `\\dt`) are not statements.
const SQL_META = /^\s*[.\\][^\n]*$/gm;
const SQL_NOISE = /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|\$\$[\s\S]*?\$\$/gm;
const SQL_RULES: ReadonlyArray<[RegExp, string, string]> = [
  [/^DROP\s+(TABLE|DATABASE|SCHEMA|KEYSPACE|COLUMNFAMILY|COLLECTION|OWNED)\b/i, 'sql-drop', 'drops a table, database or schema'],
  [/^ALTER\s+TABLE\s+\S+\s+DROP\s+(?!CONSTRAINT|INDEX|DEFAULT|NOT\b|PRIMARY|FOREIGN|PARTITION)/i, 'sql-drop', 'drops a column'],
  [/^TRUNCATE\b/i, 'sql-truncate', 'truncates a table'],
];
const DELETE = /^DELETE\s+FROM\s/i;
const UPDATE = /^UPDATE\s+\S+\s+SET\s/i;
const WHERE = /\bWHERE\b/i;
const TRIVIAL_WHERE = /\bWHERE\s+(1\s*=\s*1|TRUE|1|'1'\s*=\s*'1')\s*$/i;

/** The first destructive statement in SQL text (string literals and comments ignored). */
export function sqlHit(sql: string): { rule: string; reason: string } | null {
  for (const raw of sql.replace(SQL_META, '').replace(SQL_NOISE, "''").split(';')) {
    const stmt = raw.trim().replace(/\s+/g, ' ');
    for (const [re, rule, reason] of SQL_RULES) if (re.test(stmt)) return { rule, reason };
    if (DELETE.test(stmt) && (!WHERE.test(stmt) || TRIVIAL_WHERE.test(stmt))) return { rule: 'sql-delete-all', reason: 'deletes every row (DELETE without WHERE)' };
    if (UPDATE.test(stmt) && !WHERE.test(stmt)) return { rule: 'sql-update-all', reason: 'changes every row (UPDATE without WHERE)' };
  }
  return null;
}

const sql: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  for (const t of clientTexts(c)) { const h = sqlHit(t); if (h) return { rule: h.rule, reason: `${name} ${h.reason}` }; }
  return null;
};

const dropdb: Detector = (c) => (c.argv.slice(1).some((w) => !w.text.startsWith('-')) ? { rule: 'sql-drop', reason: 'dropdb drops a database' } : null);
const mysqladmin: Detector = (c) => (c.argv.slice(1).some((w) => w.text === 'drop') ? { rule: 'sql-drop', reason: 'mysqladmin drop drops a database' } : null);

const REDIS_VALUED = new Set(['-h', '-p', '-a', '-n', '-u', '-r', '-i', '-d', '-s', '--user', '--pass', '--cacert', '--cacertdir', '--cert', '--key', '--sni', '--pattern', '--quoted-pattern', '--count', '--rdb', '--pipe-timeout']);
const FLUSH = /^flush(all|db)$/i;

const redis: Detector = (c) => {
  const a = c.argv.slice(1);
  let i = 0;
  while (i < a.length && a[i]!.text.startsWith('-')) i += REDIS_VALUED.has(a[i]!.text) ? 2 : 1;
  const lines = [a[i]?.text ?? '', ...[c.stdinText, producerText(c.feeder)].flatMap((t) => (t ?? '').split('\n').map((l) => l.trim().split(/\s+/)[0] ?? ''))];
  const f = lines.find((l) => FLUSH.test(l));
  return f ? { rule: 'nosql-flush', reason: `redis ${f.toUpperCase()} deletes every key` } : null;
};

const MONGO: ReadonlyArray<[RegExp, string]> = [
  [/\.dropDatabase\s*\(/, 'drops the database'], [/\.drop\s*\(\s*\)/, 'drops a collection'],
  [/\.(deleteMany|remove)\s*\(\s*\{\s*\}\s*[,)]/, 'deletes every document'], [/\.updateMany\s*\(\s*\{\s*\}\s*,/, 'changes every document'],
];

const mongo: Detector = (c) => {
  for (const t of clientTexts(c)) for (const [re, what] of MONGO) if (re.test(t)) return { rule: 'nosql-drop', reason: `mongosh ${what}` };
  return null;
};

const INDEX_PORTS = new Set(['9200', '9201', '9300', '5984', '8983', '6333', '7700', '8108', '8086', '19530', '8529']);
const INDEX_HOST = /(^|[.-])(es|elastic(search)?|opensearch|solr|couch(db)?|qdrant|meili(search)?|typesense|search|influx(db)?|milvus|weaviate|arango(db)?)\d*([.-]|$)/i;
const URLISH = /^(https?:\/\/|:\d+|localhost[:/]|\d+\.\d+\.\d+\.\d+[:/]|[a-z0-9][\w.-]*:\d+(\/|$)|[a-z0-9][\w-]*\.[\w.-]+\/)/i;

/** Does an HTTP DELETE of this URL remove a whole search/database index or collection? */
function indexUrl(u: string): boolean {
  const m = /^(?:https?:\/\/)?(?:[^@/]*@)?([^/:?#]*)(?::(\d+))?(\/[^?#]*)?/i.exec(u);
  if (!m) return false;
  const segs = (m[3] ?? '').split('/').filter(Boolean);
  if (segs.some((s) => s === '_all' || s.includes('*'))) return true;
  const store = INDEX_PORTS.has(m[2] ?? '') || INDEX_HOST.test(m[1] ?? '');
  return store && (segs.length === 1 || (segs.length === 2 && /^(collections|indexes|indices|databases|db)$/.test(segs[0]!)));
}

const httpDelete: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const a = c.argv.slice(1).map((w) => w.text);
  let method = '';
  a.forEach((t, i) => {
    if (t === '-X' || t === '--request') method = a[i + 1] ?? '';
    else if (/^-[a-zA-Z]*X./.test(t) && !t.startsWith('--')) method = t.slice(t.indexOf('X') + 1);
    else if (/^-[a-zA-Z]+X$/.test(t)) method = a[i + 1] ?? '';
    else if (t.startsWith('--request=') || t.startsWith('--method=')) method = t.slice(t.indexOf('=') + 1);
  });
  if ((name === 'http' || name === 'https' || name === 'xh') && /^[A-Z]+$/.test(a.find((t) => !t.startsWith('-')) ?? '')) method = a.find((t) => !t.startsWith('-'))!;
  if (method.toUpperCase() !== 'DELETE') return null;
  const url = a.find((t) => URLISH.test(t) && indexUrl(t));
  return url ? { rule: 'http-delete-index', reason: `HTTP DELETE of ${url}` } : null;
};

const SQL_CLIENTS = ['psql', 'mysql', 'sqlite3', 'sqlcmd', 'clickhouse-client', 'clickhouse', 'cockroach', 'duckdb', 'cqlsh', 'pgcli', 'mycli', 'litecli', 'usql', 'snowsql', 'trino', 'presto', 'spark-sql', 'beeline', 'impala-shell', 'vsql', 'sqlplus', 'isql', 'osql'];

/** Database detectors by command key. */
export const DATA_DETECTORS: ReadonlyArray<[readonly string[], Detector]> = [
  [SQL_CLIENTS, sql], [['dropdb'], dropdb], [['mysqladmin'], mysqladmin], [['redis-cli'], redis], [['mongosh'], mongo],
  [['curl', 'wget', 'http', 'https', 'xh'], httpDelete],
];

