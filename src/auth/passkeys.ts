import type { RequestContext } from './identity.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { PasskeysRepo, PasskeyRow } from '../store/index.js';
import { createChallengeStore, type CeremonyKind } from './challenges.js';
import { AuthError } from './errors.js';
import type { Identity } from './identity.js';
import { resolveRelyingParty, type RpConfig } from './webauthn-rp.js';

/** What a passkey ceremony needs to know about its request. */
export interface PasskeyRequest { clientIp: string; isLocal: boolean; host: string | undefined; secure: boolean }

/** A passkey as listed to the owner (no key material). */
export interface PasskeyInfo {
  id: number; name: string; created_at: number; last_used_at: number | null; aaguid: string; backed_up: boolean; transports: string[];
  /** The host name (RP ID) it signs for; null when registered before RP IDs were recorded. */
  rp_id: string | null;
}

/** Hooks into the rest of the auth service (sessions, guard, audit, setup). */
export interface PasskeyDeps {
  repo: PasskeysRepo;
  now: () => number;
  rp: RpConfig;
  challengeTtlMs?: number;
  maxChallenges?: number;
  audit: (type: string, clientIp: string | null, detail?: string | null) => void;
  /** Throws LOGIN_BLOCKED for a banned IP. */
  assertNotBlocked: (ctx: RequestContext) => void;
  /** Audits a failed secret check and counts it against the login guard. */
  failure: (ctx: RequestContext, type: string, detail: string) => void;
  recordSuccess: (ctx: RequestContext) => void;
  isSetupComplete: () => boolean;
  /** Throws unless a setup ceremony may run for this caller (disabled, complete, blocked, setup code). */
  assertSetupAllowed: (setupCode: unknown, ctx: { clientIp: string; isLocal: boolean }) => void;
  /** Setup is done: clear the code, end loopback access, audit. */
  completeSetup: (ctx: { clientIp: string }) => void;
  createSession: (clientIp: string) => { id: number; token: string; maxAgeSeconds: number };
  /** The last credential is gone: back to setup behind a fresh code. */
  onNoCredentialsLeft: (ctx: { clientIp: string | null }) => void;
  hasPassword: () => boolean;
  vaultStatus: () => string;
}

const NAME_MAX = 64;
const DEFAULT_NAME = 'Passkey';
const RP_NAME = 'moltis';

/** Where a registration came from: a challenge begun by one credential is finished only by it. */
function bindingOf(id: Identity | null): string | null {
  if (!id) return null;
  if (id.sessionId !== undefined) return `session:${id.sessionId}`;
  if (id.apiKeyId !== undefined) return `apikey:${id.apiKeyId}`;
  return id.method;
}

function cleanName(v: unknown, fallback: string | null): string {
  const s = typeof v === 'string' ? v.replace(/[\u0000-\u001f\u007f]/g, '').trim() : '';
  if (s === '') {
    if (fallback !== null) return fallback;
    throw new AuthError('NAME_REQUIRED', 'name cannot be empty');
  }
  return [...s].slice(0, NAME_MAX).join('');
}

/** The signature counter inside base64url authenticatorData (bytes 33–36, big-endian), or null. */
function counterOf(authenticatorData: unknown): number | null {
  if (typeof authenticatorData !== 'string') return null;
  const b = Buffer.from(authenticatorData, 'base64url');
  return b.length >= 37 ? b.readUInt32BE(33) : null;
}

const asCredential = <T>(v: unknown, what: string): T => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new AuthError('INVALID_INPUT', `${what} must be the JSON of a WebAuthn credential (from @simplewebauthn/browser)`);
  return v as T;
};
/** Why a `take` failed, as said to the caller. */
const CHALLENGE_PROBLEM = {
  unknown: 'challenge unknown or already used',
  expired: 'challenge expired — start again',
  wrong_ceremony: 'challenge was issued for another ceremony',
} as const;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

const transportsOf = (r: PasskeyRow): string[] => JSON.parse(r.transports) as string[];
const toInfo = (r: PasskeyRow): PasskeyInfo => ({
  id: r.id, name: r.name, created_at: r.created_at, last_used_at: r.last_used_at, aaguid: r.aaguid, backed_up: r.backed_up === 1,
  transports: transportsOf(r), rp_id: r.rp_id,
});

/**
 * Passkey ceremonies (WebAuthn, @simplewebauthn/server). Unlike the original: sign counters
 * are verified and written back, every ceremony is audited, login goes through the login
 * guard, and challenges are single use, typed, bound and expiring.
 */
export function createPasskeys(d: PasskeyDeps) {
  const ttlMs = d.challengeTtlMs ?? 5 * 60_000;
  const challenges = createChallengeStore({ now: d.now, ttlMs, max: d.maxChallenges ?? 1000 });
  // Loaded on the first ceremony: the library and its ASN.1 stack cost ~0.4 s of every start-up.
  let lib: Promise<typeof import('@simplewebauthn/server')> | undefined;
  const webauthn = () => (lib ??= import('@simplewebauthn/server'));

  async function creationOptions(kind: CeremonyKind, req: PasskeyRequest, binding: string | null) {
    const rp = resolveRelyingParty(d.rp, req);
    const options = await (await webauthn()).generateRegistrationOptions({
      rpName: RP_NAME, rpID: rp.rpId, userName: 'owner', userDisplayName: 'Owner', timeout: ttlMs,
      attestationType: 'none',
      // Re-registering an authenticator that already holds a credential here is refused by the browser.
      excludeCredentials: d.repo.list().map((r) => ({ id: r.credential_id, transports: transportsOf(r) })),
      // A passkey is the only factor of its login: user presence alone (a stolen key without PIN or
      // biometric) must not make someone the owner, so verification is required, as in the original.
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
    const c = challenges.put({ kind, challenge: options.challenge, rpId: rp.rpId, origin: rp.origin, binding });
    d.audit('passkey_register_begin', req.clientIp, `${kind} rp=${rp.rpId}`);
    return { challenge_id: c.id, options };
  }

  /** Verifies an attestation against its challenge and stores the credential. Returns its row id. */
  async function finishRegistration(kind: CeremonyKind, body: Record<string, unknown>, req: PasskeyRequest, binding: string | null): Promise<number> {
    const fail = (reason: string): never => {
      d.audit('passkey_register_failure', req.clientIp, `${kind}: ${reason}`);
      throw new AuthError('PASSKEY_REGISTRATION_FAILED', `passkey registration failed: ${reason}`);
    };
    const t = challenges.take(body.challenge_id, kind);
    if (!t.ok) return fail(CHALLENGE_PROBLEM[t.reason]);
    const c = t.challenge;
    // A register challenge is finished only by the session (or key) that began it.
    if (c.binding !== binding) return fail('challenge was issued to another session');
    const response = asCredential<RegistrationResponseJSON>(body.credential, 'credential');
    let info;
    try {
      const v = await (await webauthn()).verifyRegistrationResponse({ response, expectedChallenge: c.challenge, expectedOrigin: c.origin, expectedRPID: c.rpId, requireUserVerification: true });
      if (!v.verified) return fail('attestation not verified');
      info = v.registrationInfo;
    } catch (err) {
      return fail(message(err));
    }
    if (d.repo.byCredentialId(info.credential.id)) return fail('this passkey is already registered');
    // Re-check after the awaits: two concurrent setup ceremonies must not both win.
    if (kind === 'setup' && d.isSetupComplete()) throw new AuthError('SETUP_ALREADY_COMPLETE', 'setup already completed');
    const name = cleanName(body.name, DEFAULT_NAME);
    const id = d.repo.insert({
      credentialId: info.credential.id, publicKey: info.credential.publicKey, counter: info.credential.counter,
      transports: info.credential.transports ?? [], name, aaguid: info.aaguid, backedUp: info.credentialBackedUp, now: d.now(), rpId: c.rpId,
    });
    d.audit('passkey_registered', req.clientIp, `id=${id}, name=${name}, aaguid=${info.aaguid}, via=${kind}, rp=${c.rpId}`);
    return id;
  }

  const service = {
    /** Is at least one passkey registered? */
    has: (): boolean => d.repo.exists(),
    list: (): PasskeyInfo[] => d.repo.list().map(toInfo),
    /** The RP ID a ceremony for this request would use; null when none can be derived (an IP-address Host). */
    currentRpId(req: Pick<PasskeyRequest, 'host' | 'secure'>): string | null {
      try { return resolveRelyingParty(d.rp, req).rpId; } catch { return null; }
    },
    /**
     * Passkeys registered for another RP ID than the configured `MOLTIS_WEBAUTHN_RP_ID`: they can
     * no longer sign in here (after a host change). Empty when the RP ID follows the request's Host.
     */
    foreign(): PasskeyInfo[] {
      const rpId = d.rp.rpId;
      return rpId ? d.repo.list().filter((r) => r.rp_id !== null && r.rp_id !== rpId).map(toInfo) : [];
    },
    /** The start-up note about {@link foreign} passkeys, or null when there are none. */
    foreignNote(): string | null {
      const old = service.foreign();
      if (old.length === 0) return null;
      const names = [...new Set(old.map((p) => p.rp_id))].join(', ');
      return `note: ${old.length} passkey(s) belong to ${names}, not to MOLTIS_WEBAUTHN_RP_ID=${d.rp.rpId}, and cannot sign in here: sign in with the password, register a new passkey, then remove the old ones (docs/deploy/README.md, "Changing the host name")`;
    },

    /** Begins adding a passkey for the signed-in owner (admin only, by policy). */
    async registerBegin(req: PasskeyRequest, identity: Identity | null) {
      if (!d.isSetupComplete()) throw new AuthError('PASSKEY_SETUP_FLOW', 'setup is not complete: register the first passkey with POST /api/auth/setup/passkey/register/begin');
      return creationOptions('register', req, bindingOf(identity));
    },
    async registerFinish(body: Record<string, unknown>, req: PasskeyRequest, identity: Identity | null): Promise<{ id: number }> {
      return { id: await finishRegistration('register', body, req, bindingOf(identity)) };
    },

    /** First-run setup with a passkey: same gate as password setup (the setup code for remote callers). */
    async setupBegin(body: Record<string, unknown>, req: PasskeyRequest) {
      d.assertSetupAllowed(body.setup_code, req);
      return creationOptions('setup', req, null);
    },
    async setupFinish(body: Record<string, unknown>, req: PasskeyRequest): Promise<{ id: number; token: string; maxAgeSeconds: number }> {
      d.assertSetupAllowed(body.setup_code, req);
      const id = await finishRegistration('setup', body, req, null);
      d.completeSetup(req);
      d.recordSuccess(req);
      const s = d.createSession(req.clientIp);
      return { id, token: s.token, maxAgeSeconds: s.maxAgeSeconds };
    },

    /** Begins a passkey login. Discoverable credentials: allowCredentials stays empty. */
    async authBegin(req: PasskeyRequest) {
      if (!d.repo.exists()) throw new AuthError('NO_PASSKEYS', 'no passkeys registered');
      const rp = resolveRelyingParty(d.rp, req);
      const options = await (await webauthn()).generateAuthenticationOptions({ rpID: rp.rpId, allowCredentials: [], userVerification: 'required', timeout: ttlMs });
      const c = challenges.put({ kind: 'auth', challenge: options.challenge, rpId: rp.rpId, origin: rp.origin, binding: null });
      d.audit('passkey_login_begin', req.clientIp, `rp=${rp.rpId}`);
      return { challenge_id: c.id, options };
    },

    /** Verifies an assertion; on success a session is created like a password login. The vault stays sealed. */
    async authFinish(body: Record<string, unknown>, req: PasskeyRequest): Promise<{ token: string; maxAgeSeconds: number; vaultStatus: string }> {
      d.assertNotBlocked(req);
      const fail = (reason: string): never => {
        d.failure(req, 'login_failure', `passkey: ${reason}`);
        throw new AuthError('PASSKEY_AUTH_FAILED', `passkey login failed: ${reason}`);
      };
      const t = challenges.take(body.challenge_id, 'auth');
      if (!t.ok) return fail(CHALLENGE_PROBLEM[t.reason]);
      const c = t.challenge;
      const response = asCredential<AuthenticationResponseJSON>(body.credential, 'credential');
      const row = typeof response.id === 'string' && response.id.length <= 1366 ? d.repo.byCredentialId(response.id) : undefined;
      if (!row) return fail('unknown passkey');
      // A passkey signs for the RP it was created under; one recorded for another (the old host
      // name) is refused by name rather than by a signature error the owner cannot act on.
      if (row.rp_id !== null && row.rp_id !== c.rpId) return fail(`this passkey belongs to ${row.rp_id}, not ${c.rpId}: sign in with the password and register a new passkey here`);
      // Threat: a cloned authenticator. Its counter lags the original's; refuse and say so in the audit log.
      const presented = counterOf(response.response?.authenticatorData);
      if (presented !== null && (presented > 0 || row.counter > 0) && presented <= row.counter) {
        d.audit('passkey_counter_regression', req.clientIp, `id=${row.id}, stored=${row.counter}, presented=${presented}`);
        return fail(`signature counter went backwards (possible cloned authenticator): stored ${row.counter}, got ${presented}`);
      }
      let info;
      try {
        const v = await (await webauthn()).verifyAuthenticationResponse({
          response, expectedChallenge: c.challenge, expectedOrigin: c.origin, expectedRPID: c.rpId, requireUserVerification: true,
          credential: { id: row.credential_id, publicKey: new Uint8Array(row.public_key), counter: row.counter, transports: transportsOf(row) },
        });
        if (!v.verified) return fail('signature not verified');
        info = v.authenticationInfo;
      } catch (err) {
        return fail(message(err));
      }
      // Compare-and-swap on the old counter: of two racing uses of one assertion, only one wins.
      if (!d.repo.touch({ id: row.id, oldCounter: row.counter, counter: info.newCounter, backedUp: info.credentialBackedUp, now: d.now() })) return fail('passkey was used concurrently');
      d.recordSuccess(req);
      d.audit('login_success', req.clientIp, `passkey id=${row.id}`);
      const s = d.createSession(req.clientIp);
      // No password, so no key to unseal the vault with: it stays as it is (sealed after a restart).
      return { token: s.token, maxAgeSeconds: s.maxAgeSeconds, vaultStatus: d.vaultStatus() };
    },

    rename(id: number, name: unknown, ctx: { clientIp: string | null }): void {
      const n = cleanName(name, null);
      if (!d.repo.rename(id, n)) throw new AuthError('NOT_FOUND', `no passkey with id ${id}`);
      d.audit('passkey_renamed', ctx.clientIp, `id=${id}, name=${n}`);
    },

    /** Deletes a passkey; removing the last credential (no password either) returns the gateway to setup. */
    remove(id: number, ctx: { clientIp: string | null }): { setupRequired: boolean } {
      if (!d.repo.delete(id)) throw new AuthError('NOT_FOUND', `no passkey with id ${id}`);
      d.audit('passkey_deleted', ctx.clientIp, `id=${id}`);
      if (d.hasPassword() || d.repo.exists()) return { setupRequired: false };
      d.onNoCredentialsLeft(ctx);
      return { setupRequired: true };
    },

    /** Pending challenges (for tests and metrics). */
    pendingChallenges: (): number => challenges.size(),
    close: (): void => challenges.close(),
  };
  return service;
}
export type Passkeys = ReturnType<typeof createPasskeys>;
