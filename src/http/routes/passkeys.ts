import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError, clearSessionCookie, type Auth, type PasskeyRequest } from '../../auth/index.js';
import { body, setSessionCookie as setCookie } from './common.js';

const pkReq = (req: FastifyRequest): PasskeyRequest => ({ clientIp: req.gate.clientIp, isLocal: req.gate.isLocal, host: req.headers.host, secure: req.gate.secure });
const idParam = (raw: string): number => {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new AuthError('NOT_FOUND', `no passkey with id ${raw}`);
  return id;
};

/**
 * Passkey (WebAuthn) routes, paths and shapes as in the original:
 * begin → `{challenge_id, options}` (options = PublicKeyCredentialCreationOptionsJSON or
 * PublicKeyCredentialRequestOptionsJSON, for @simplewebauthn/browser's `optionsJSON`);
 * finish ← `{challenge_id, name?, setup_code?, credential}`.
 * Who may call what is in the policy table (register/list/rename/delete: admin; login and
 * setup: public, gated inside by the login guard and the setup code).
 */
export function registerPasskeyRoutes(app: FastifyInstance, deps: { auth: Auth }): void {
  const pk = deps.auth.passkeys;

  app.post('/api/auth/passkey/register/begin', async (req) => pk.registerBegin(pkReq(req), req.gate.identity));
  app.post('/api/auth/passkey/register/finish', async (req) => pk.registerFinish(body(req), pkReq(req), req.gate.identity));

  app.post('/api/auth/passkey/auth/begin', async (req) => pk.authBegin(pkReq(req)));
  app.post('/api/auth/passkey/auth/finish', async (req, reply) => {
    const s = await pk.authFinish(body(req), pkReq(req));
    setCookie(req, reply, s);
    // A passkey cannot unseal the vault: the UI offers unlock with the password or recovery key.
    return { ok: true, vault_status: s.vaultStatus };
  });

  app.post('/api/auth/setup/passkey/register/begin', async (req) => pk.setupBegin(body(req), pkReq(req)));
  app.post('/api/auth/setup/passkey/register/finish', async (req, reply) => {
    const s = await pk.setupFinish(body(req), pkReq(req));
    setCookie(req, reply, s);
    return { ok: true, id: s.id };
  });

  // rp_id: the host name passkeys registered from this request would belong to; a passkey whose
  // own rp_id differs cannot sign in here (see docs/deploy/README.md, changing the host name).
  app.get('/api/auth/passkeys', async (req) => ({ passkeys: pk.list(), rp_id: pk.currentRpId(pkReq(req)) }));
  app.patch<{ Params: { id: string } }>('/api/auth/passkeys/:id', async (req) => {
    pk.rename(idParam(req.params.id), body(req).name, { clientIp: req.gate.clientIp });
    return { ok: true };
  });
  app.delete<{ Params: { id: string } }>('/api/auth/passkeys/:id', async (req, reply) => {
    const r = pk.remove(idParam(req.params.id), { clientIp: req.gate.clientIp });
    // The last credential is gone: every session ended, so drop the caller's cookie too.
    if (r.setupRequired) reply.header('set-cookie', clearSessionCookie({ secure: req.gate.secure }));
    return { ok: true, setup_required: r.setupRequired };
  });
}
