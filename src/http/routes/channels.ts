import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What the routes need from the channels capability (framework-agnostic: raw body in, status out). */
export type ChannelCallbacks = (type: 'slack', accountId: string, req: { endpoint: string; headers: Record<string, string | string[] | undefined>; rawBody: Buffer }) =>
  { status: number; body?: unknown; headers?: Record<string, string> };

/** Slack posts are small; a larger body is refused before it is buffered further. */
const MAX_CALLBACK_BYTES = 256 * 1024;

/**
 * Slack Events API callbacks at the original's paths. No session auth: the gate throttles them
 * per IP first (`slack` scope), then the channels capability checks the account, the `v0` HMAC
 * signature over the exact raw bytes and the timestamp. The body stays raw (any content type)
 * so the signature is checked on what Slack signed.
 */
export async function registerChannelRoutes(app: FastifyInstance, callbacks: ChannelCallbacks): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_CALLBACK_BYTES }, (_req, body, done) => done(null, body));
    for (const endpoint of ['events', 'interactions', 'commands'] as const) {
      scope.post(`/api/channels/slack/:account/${endpoint}`, async (req: FastifyRequest, reply: FastifyReply) => {
        const account = (req.params as { account?: string }).account ?? '';
        const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const r = callbacks('slack', account, { endpoint, headers: req.headers, rawBody });
        for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
        reply.code(r.status);
        return r.body === undefined ? reply.send() : reply.type('application/json').send(JSON.stringify(r.body));
      });
    }
  });
}
