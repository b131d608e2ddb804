/**
 * User-provided certificates (`[tls] cert_path` + `key_path`, optional `ca_cert_path`).
 * Checked at startup so a typo or a key/cert mix-up fails with the file named, instead of as an
 * opaque handshake error on the first connection.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { TlsError } from './errors.js';
import type { TlsFiles } from './store.js';

/**
 * Loads a custom certificate/key pair. The cert file is served as-is (it may already contain the
 * chain); the CA file, when given, is only used for the CA download routes.
 * Throws TlsError FILE_UNREADABLE / PEM_INVALID (with `path`) or KEY_MISMATCH.
 */
export function loadCustomTls(opts: { certPath: string; keyPath: string; caCertPath?: string }): TlsFiles {
  const cert = readText(opts.certPath, 'tls.cert_path');
  const key = readText(opts.keyPath, 'tls.key_path');
  const caPem = opts.caCertPath ? readText(opts.caCertPath, 'tls.ca_cert_path') : null;

  const leaf = parseCert(cert, opts.certPath, 'tls.cert_path');
  let keyObj: KeyObject;
  try {
    keyObj = createPrivateKey(key);
  } catch (err) {
    throw new TlsError('PEM_INVALID', `tls.key_path ${opts.keyPath} is not an unencrypted PEM private key: ${(err as Error).message}`, opts.keyPath);
  }
  // Fail closed: a key that does not belong to the certificate would break every handshake.
  if (!leaf.checkPrivateKey(keyObj)) {
    throw new TlsError('KEY_MISMATCH', `tls.key_path ${opts.keyPath} is not the private key of tls.cert_path ${opts.certPath}`, opts.keyPath);
  }
  if (caPem !== null && opts.caCertPath) parseCert(caPem, opts.caCertPath, 'tls.ca_cert_path');
  return { key, cert, caPem, caPath: caPem === null ? null : (opts.caCertPath ?? null), source: 'custom' };
}

function readText(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`;
    throw new TlsError('FILE_UNREADABLE', `${setting} ${path} ${why}`, path);
  }
}

function parseCert(pem: string, path: string, setting: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new TlsError('PEM_INVALID', `${setting} ${path} is not a PEM certificate: ${(err as Error).message}`, path);
  }
}
