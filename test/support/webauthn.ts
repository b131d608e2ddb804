/**
 * A software WebAuthn authenticator for system tests: real ES256 keys (node:crypto), real
 * attestation objects (fmt "none") and real assertions, so the server's verification runs
 * exactly as it would for a browser. The little CBOR needed is written by hand.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

type CborValue = number | string | Uint8Array | Map<CborValue, CborValue>;

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
  const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
}

/** Minimal CBOR encoder: integers, text, bytes, maps. */
export function cbor(v: CborValue): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') { const s = Buffer.from(v, 'utf8'); return Buffer.concat([head(3, s.length), s]); }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  const parts: Buffer[] = [head(5, v.size)];
  for (const [k, x] of v) parts.push(cbor(k), cbor(x));
  return Buffer.concat(parts);
}

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();
const FLAG_UP = 0x01, FLAG_UV = 0x04, FLAG_AT = 0x40;

export interface SoftCredential { id: Buffer; privateKey: KeyObject; rpId: string; counter: number; userHandle: string }

/** Knobs a test turns to forge a response (wrong origin, wrong RP, old counter, ...). */
export interface Forge { origin?: string; rpId?: string; counter?: number; challenge?: string; type?: string; credential?: SoftCredential; /** false: user present but not verified (a key without PIN/biometric). */ uv?: boolean }

/** One authenticator holding any number of discoverable credentials. */
export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  /** Counter step per signature (0: an authenticator without a counter, like many passkeys). */
  constructor(readonly counterStep = 1) {}

  /** navigator.credentials.create(): the RegistrationResponseJSON for `options`. */
  register(options: any, origin: string, forge: Forge = {}): any {
    const rpId: string = forge.rpId ?? options.rp.id;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(new Map<CborValue, CborValue>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    const id = randomBytes(16);
    const counter = forge.counter ?? 0;
    const idLen = Buffer.alloc(2); idLen.writeUInt16BE(id.length);
    const cnt = Buffer.alloc(4); cnt.writeUInt32BE(counter);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([FLAG_UP | (forge.uv === false ? 0 : FLAG_UV) | FLAG_AT]), cnt, Buffer.alloc(16), idLen, id, cose]);
    const attestationObject = cbor(new Map<CborValue, CborValue>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    const clientDataJSON = JSON.stringify({ type: forge.type ?? 'webauthn.create', challenge: forge.challenge ?? options.challenge, origin: forge.origin ?? origin, crossOrigin: false });
    const cred: SoftCredential = { id, privateKey, rpId, counter, userHandle: options.user.id };
    this.credentials.push(cred);
    return {
      id: b64u(id), rawId: b64u(id), type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
    };
  }

  /** navigator.credentials.get(): an AuthenticationResponseJSON (the newest credential unless forged). */
  assert(options: any, origin: string, forge: Forge = {}): any {
    const cred = forge.credential ?? this.credentials[this.credentials.length - 1];
    if (!cred) throw new Error('no credential');
    const rpId = forge.rpId ?? options.rpId ?? cred.rpId;
    if (forge.counter === undefined) cred.counter += this.counterStep;
    const cnt = Buffer.alloc(4); cnt.writeUInt32BE(forge.counter ?? cred.counter);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([FLAG_UP | (forge.uv === false ? 0 : FLAG_UV)]), cnt]);
    const clientDataJSON = JSON.stringify({ type: forge.type ?? 'webauthn.get', challenge: forge.challenge ?? options.challenge, origin: forge.origin ?? origin, crossOrigin: false });
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), cred.privateKey); // DER ECDSA
    return {
      id: b64u(cred.id), rawId: b64u(cred.id), type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature), userHandle: cred.userHandle },
    };
  }
}
