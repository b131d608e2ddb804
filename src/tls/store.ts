/**
 * The auto-generated PKI on disk: <certsDir>/ca.pem, ca-key.pem, server.pem, server-key.pem and
 * server-sans.txt. Decides, per start, whether the CA or only the leaf must be (re)issued.
 *
 * The original regenerated the CA together with the leaf every ≤30 days (forcing users to
 * re-trust) and wrote keys world-readable. Here the CA lives 10 years and is replaced only when
 * it is unusable or cannot cover a required name; the leaf rotates on its own; keys are 0600.
 */
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { TlsError } from './errors.js';
import { chainsTo, createCa, inspectCert, issueLeaf, keyMatches, type CertInfo, type IssuedPem } from './pki.js';
import { normalizeIp } from '../net/index.js';
import { dnsWithin, ipWithin, permittedSubtrees, requiredSans } from './names.js';

const DAY_MS = 86_400_000;
/** CA lifetime. */
export const CA_VALIDITY_DAYS = 3650;
/** The CA is replaced when it has fewer days left than this (or than renewBeforeDays, if larger). */
export const CA_RENEW_BEFORE_DAYS = 30;
export const DEFAULT_LEAF_VALIDITY_DAYS = 90;
export const DEFAULT_RENEW_BEFORE_DAYS = 30;

/** File names inside certsDir (same as the original, so existing directories are recognised). */
export const TLS_FILE_NAMES = {
  caCert: 'ca.pem', caKey: 'ca-key.pem', leafCert: 'server.pem', leafKey: 'server-key.pem', sans: 'server-sans.txt',
} as const;

/** What the HTTPS listener needs. */
export interface TlsFiles {
  /** Leaf private key, PEM. */
  key: string;
  /** Leaf PEM followed by the CA PEM (chain) for auto mode; the user's file as-is for custom mode. */
  cert: string;
  caPem: string | null;
  caPath: string | null;
  source: 'auto' | 'custom';
}

/** Result of ensureAutoTls: the files plus what happened, for the startup banner. */
export interface EnsureResult extends TlsFiles {
  caCreated: boolean;
  leafIssued: boolean;
  leafNotAfter: Date;
  /** SANs of the served leaf: DNS names, then IPs. */
  names: string[];
}

/** Options of ensureAutoTls. `now` may return a Date or epoch milliseconds. */
export interface EnsureAutoTlsOptions {
  certsDir: string;
  names: string[];
  ips: string[];
  leafValidityDays?: number;
  renewBeforeDays?: number;
  now?: () => Date | number;
  log?: (msg: string) => void;
}

/**
 * Loads or creates <certsDir>/ca.pem + ca-key.pem (CA, 10 years, name-constrained) and
 * server.pem + server-key.pem (leaf, `leafValidityDays`). Re-issues only the leaf when it is
 * missing, near expiry or lacks a required SAN; replaces the CA (with a loud `log` warning that
 * clients must re-trust) only when it is missing, unparseable, near expiry, does not match its
 * key, or cannot cover a required name/IP under its name constraints.
 */
export async function ensureAutoTls(opts: EnsureAutoTlsOptions): Promise<EnsureResult> {
  const now = new Date(opts.now ? opts.now() : Date.now());
  const log = opts.log ?? (() => {});
  const validityDays = opts.leafValidityDays ?? DEFAULT_LEAF_VALIDITY_DAYS;
  const renewBeforeDays = opts.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS;
  // Fail closed: with renewBefore >= validity every start would re-issue; refuse the configuration.
  if (!(validityDays > 0 && renewBeforeDays >= 0 && renewBeforeDays < validityDays)) {
    throw new TlsError('INVALID_OPTIONS', `TLS renewBeforeDays (${renewBeforeDays}) must be >= 0 and smaller than leafValidityDays (${validityDays})`);
  }
  const want = requiredSans(opts.names, opts.ips);
  const p = paths(opts.certsDir);
  await ensurePrivateDir(opts.certsDir, log);
  await tightenKeyModes([p.caKey, p.leafKey], log);

  let ca = await readPair(p.caCert, p.caKey, { unreadableIsMissing: false });
  // A leaf clamped to the CA's end must still outlive renewBeforeDays, or it would re-issue each start.
  const caMinDays = Math.max(CA_RENEW_BEFORE_DAYS, renewBeforeDays);
  const caProblem = ca ? caReplaceReason(ca, want, now, caMinDays) : 'CA files are missing';
  let caCreated = false;
  let caReplaced = false;
  if (caProblem !== null || ca === null) {
    const existed = (await exists(p.caCert)) || (await exists(p.caKey));
    caReplaced = existed;
    ca = await createCa({ now, validityDays: CA_VALIDITY_DAYS, permitted: permittedSubtrees(opts.names, opts.ips) });
    await writeAtomic(p.caKey, ca.keyPem, 0o600);
    await writeAtomic(p.caCert, ca.certPem, 0o644);
    caCreated = true;
    log(existed
      ? `WARNING: the Moltis local CA was REPLACED (${caProblem}). Browsers and clients that trusted the previous CA will now reject the gateway: run \`moltis trust-ca\` again and remove the old "Moltis Local CA" from your trust stores.`
      : `created Moltis local CA ${p.caCert}; run \`moltis trust-ca\` to remove browser warnings`);
  }

  let leaf = caCreated ? null : await readPair(p.leafCert, p.leafKey, { unreadableIsMissing: true });
  const leafProblem = caCreated ? (caReplaced ? 'the CA was replaced' : 'new CA') : leaf ? leafRenewReason(leaf, ca, want, now, renewBeforeDays) : 'server certificate is missing';
  let leafIssued = false;
  if (leafProblem !== null || leaf === null) {
    const caEnd = inspectCert(ca.certPem).notAfter.getTime();
    const notAfter = new Date(Math.min(now.getTime() + validityDays * DAY_MS, caEnd));
    leaf = await issueLeaf({ ca, now, notAfter, dns: want.dns, ips: want.ips });
    await writeAtomic(p.leafKey, leaf.keyPem, 0o600);
    await writeAtomic(p.leafCert, leaf.certPem, 0o644);
    // Informational (and the original's format); renewal decisions read the SANs from server.pem itself.
    await writeAtomic(p.sans, `${want.keys.join('\n')}\n`, 0o644);
    leafIssued = true;
    log(`issued TLS server certificate ${p.leafCert} (${leafProblem}), valid until ${notAfter.toISOString()}`);
  }
  if (caCreated || leafIssued) await syncDir(opts.certsDir);

  const info = inspectCert(leaf.certPem);
  return {
    key: leaf.keyPem,
    cert: ensureNewline(leaf.certPem) + ca.certPem,
    caPem: ca.certPem,
    caPath: p.caCert,
    source: 'auto',
    caCreated,
    leafIssued,
    leafNotAfter: info.notAfter,
    names: [...info.dns, ...info.ips.map(canonicalIp)],
  };
}

function paths(dir: string) {
  return {
    caCert: join(dir, TLS_FILE_NAMES.caCert), caKey: join(dir, TLS_FILE_NAMES.caKey),
    leafCert: join(dir, TLS_FILE_NAMES.leafCert), leafKey: join(dir, TLS_FILE_NAMES.leafKey), sans: join(dir, TLS_FILE_NAMES.sans),
  };
}

/** Why the CA must be replaced, or null when it can keep serving. */
function caReplaceReason(ca: IssuedPem, want: { dns: string[]; ips: string[] }, now: Date, minDays: number): string | null {
  let info: CertInfo;
  try {
    info = inspectCert(ca.certPem);
  } catch {
    return 'ca.pem does not parse as a certificate';
  }
  if (!info.isCa) return 'ca.pem is not a CA certificate';
  if (!keyMatches(info.node, ca.keyPem)) return 'ca-key.pem does not match ca.pem';
  if (!chainsTo(info.node, info.node)) return 'ca.pem self-signature does not verify';
  if (info.notBefore > now) return 'the CA is not valid yet (clock moved back?)';
  const daysLeft = (info.notAfter.getTime() - now.getTime()) / DAY_MS;
  if (daysLeft < minDays) return `the CA expires in ${Math.max(0, Math.floor(daysLeft))} days`;
  // An unconstrained CA (e.g. made by the original) could vouch for any site if its key leaked.
  if (info.permitted === null) return 'the CA has no name constraints';
  const permitted = info.permitted;
  const outside = [
    ...want.dns.filter((d) => !permitted.dns.some((s) => dnsWithin(d, s))),
    ...want.ips.filter((ip) => !permitted.ips.some((s) => ipWithin(ip, s))),
  ];
  if (outside.length > 0) return `${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside the CA's name constraints`;
  return null;
}

/** Why the leaf must be re-issued, or null when it can keep serving. */
function leafRenewReason(leaf: IssuedPem, ca: IssuedPem, want: { keys: string[] }, now: Date, renewBeforeDays: number): string | null {
  let info: CertInfo;
  try {
    info = inspectCert(leaf.certPem);
  } catch {
    return 'server.pem does not parse as a certificate';
  }
  if (!keyMatches(info.node, leaf.keyPem)) return 'server-key.pem does not match server.pem';
  if (!chainsTo(info.node, inspectCert(ca.certPem).node)) return 'server.pem was not issued by the current CA';
  if (info.notBefore > now) return 'server.pem is not valid yet (clock moved back?)';
  const daysLeft = (info.notAfter.getTime() - now.getTime()) / DAY_MS;
  if (daysLeft < renewBeforeDays) return `server.pem expires in ${Math.max(0, Math.floor(daysLeft))} days`;
  const have = new Set([...info.dns.map((d) => `dns:${d}`), ...info.ips.map((ip) => `ip:${canonicalIp(ip)}`)]);
  const missing = want.keys.filter((k) => !have.has(k));
  if (missing.length > 0) return `server.pem does not cover ${missing.join(', ')}`;
  return null;
}

function canonicalIp(ip: string): string {
  return normalizeIp(ip) ?? ip;
}

function ensureNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

/**
 * Reads a cert/key pair. Missing files yield null (issue anew). Other read errors on the CA throw:
 * replacing a CA we merely cannot read (wrong user, EACCES) would silently break the user's trust.
 */
async function readPair(certPath: string, keyPath: string, o: { unreadableIsMissing: boolean }): Promise<IssuedPem | null> {
  const read = async (path: string): Promise<string | null> => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if (errCode(err) === 'ENOENT' || o.unreadableIsMissing) return null;
      throw new TlsError('FILE_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`, path);
    }
  };
  const certPem = await read(certPath);
  const keyPem = await read(keyPath);
  return certPem === null || keyPem === null ? null : { certPem, keyPem };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** Creates certsDir 0700; an existing one writable by group/others is tightened (others could swap ca.pem). */
async function ensurePrivateDir(dir: string, log: (msg: string) => void): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const mode = (await stat(dir)).mode & 0o777;
  if (created !== undefined) {
    if (mode !== 0o700) await chmod(dir, 0o700);
  } else if ((mode & 0o022) !== 0) {
    await chmod(dir, 0o700);
    log(`WARNING: ${dir} was writable by other users (mode ${mode.toString(8)}); set to 0700`);
  }
}

/** Private keys looser than 0600 (the original wrote them 0644) are tightened in place. */
async function tightenKeyModes(keyPaths: string[], log: (msg: string) => void): Promise<void> {
  if (process.platform === 'win32') return;
  for (const path of keyPaths) {
    let mode: number;
    try {
      mode = (await stat(path)).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) === 0) continue;
    await chmod(path, 0o600);
    log(`WARNING: ${path} was readable by other users (mode ${mode.toString(8).padStart(4, '0')}); set to 0600. If others share this machine, delete the file so a new key is made.`);
  }
}

/** Write to a temp file in the same directory, fsync, then rename: a crash never leaves half a file. */
async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await chmod(tmp, mode); // the umask may have narrowed or (on odd setups) the mode was ignored
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Makes the renames durable; best effort (not supported on every platform/filesystem). */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Durability of the rename is an optimisation; the files themselves were fsynced.
  }
}
