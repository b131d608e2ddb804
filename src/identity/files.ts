/**
 * The only code that touches the disk. Reads refuse symlinks and non-regular files and are
 * size-capped; writes go to a 0600 temp file in the same directory, are fsynced, then renamed
 * (update) or hard-linked without overwrite (first creation), so a crash leaves either the old
 * file or the new one, never half of one.
 */
import { closeSync, constants, fstatSync, fsyncSync, linkSync, openSync, readSync, renameSync, unlinkSync, writeSync, fchmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Result of a capped read: `text` null when the file does not exist or was refused. */
export interface ReadResult {
  text: string | null;
  /** Why the file was refused (symlink, not a file, too big, unreadable). */
  problem?: string;
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
}

/**
 * Reads `path` as UTF-8 if it is a regular file of at most `maxBytes`.
 * O_NOFOLLOW: a symlink planted in place of SOUL.md (say, to ~/.ssh/id_ed25519 or moltis.db)
 * would otherwise be copied into every system prompt and sent to the model provider.
 * O_NONBLOCK: a FIFO planted there would otherwise block the gateway on open().
 */
export function readCapped(path: string, maxBytes: number): ReadResult {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT') return { text: null };
    if (code === 'ELOOP') return { text: null, problem: 'is a symbolic link; ignored' };
    return { text: null, problem: `cannot be opened (${code}); ignored` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { text: null, problem: 'is not a regular file; ignored' };
    if (st.size > maxBytes) return { text: null, problem: `is larger than ${maxBytes} bytes; ignored` };
    // Read to EOF within the cap: the size can change between fstat and read.
    const buf = Buffer.alloc(maxBytes + 1);
    let len = 0;
    for (;;) {
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len > maxBytes) return { text: null, problem: `is larger than ${maxBytes} bytes; ignored` };
    }
    return { text: buf.subarray(0, len).toString('utf8') };
  } catch (err) {
    return { text: null, problem: `cannot be read (${errCode(err)}); ignored` };
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  // Best effort: makes the rename itself durable; some filesystems refuse fsync on directories.
  try {
    const fd = openSync(dir, constants.O_RDONLY);
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* durability only, never correctness */ }
}

function writeTemp(dir: string, name: string, content: string): string {
  // Random suffix + O_EXCL: a pre-planted temp path (or symlink) makes the open fail, never
  // redirects our write.
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600); // the umask may only remove bits, but say what we mean
    writeAll(fd, content);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkQuiet(tmp);
    throw err;
  }
  closeSync(fd);
  return tmp;
}

function writeAll(fd: number, content: string): void {
  const data = Buffer.from(content, 'utf8');
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

function unlinkQuiet(path: string): void {
  try { unlinkSync(path); } catch { /* already gone */ }
}

/** Replaces `dir/name` atomically with `content` (mode 0600). Throws on I/O failure, leaving no temp file. */
export function writeAtomic(dir: string, name: string, content: string): void {
  const tmp = writeTemp(dir, name, content);
  try {
    // rename replaces a symlink at the destination itself, never the file it points to.
    renameSync(tmp, join(dir, name));
  } catch (err) {
    unlinkQuiet(tmp);
    throw err;
  }
  syncDir(dir);
}

/**
 * Creates `dir/name` with `content` only if nothing (not even a dangling symlink) is there.
 * Returns false when it already existed. link(2) is atomic and never overwrites.
 */
export function createExclusive(dir: string, name: string, content: string): boolean {
  const dest = join(dir, name);
  const tmp = writeTemp(dir, name, content);
  try {
    linkSync(tmp, dest);
  } catch (err) {
    if (errCode(err) === 'EEXIST') return false;
    // Filesystems without hard links: fall back to O_EXCL on the destination (still no overwrite).
    if (errCode(err) === 'EPERM' || errCode(err) === 'ENOTSUP' || errCode(err) === 'EOPNOTSUPP') return createDirect(dest, content);
    throw err;
  } finally {
    unlinkQuiet(tmp);
  }
  syncDir(dir);
  return true;
}

function createDirect(dest: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if (errCode(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    writeAll(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}
