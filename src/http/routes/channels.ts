import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What the routes need from the channels capability (framework-agnostic: raw body in, status out). */
export type ChannelCallbacks = (type: 'slack' | 'telegram', accountId: string, req: { endpoint: string; headers: Record<string, string | string[] | undefined>; rawBody: Buffer }) =>
  { status: number; body?: unknown; headers?: Record<string, string> };

/** Platform posts are small; a larger body is refused before it is buffered further. */
const MAX_CALLBACK_BYTES = 256 * 1024;

const raw = (req: FastifyRequest): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
function answer(reply: FastifyReply, r: ReturnType<ChannelCallbacks>): FastifyReply {
  for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
  reply.code(r.status);
  return r.body === undefined ? reply.send() : reply.type('application/json').send(JSON.stringify(r.body));
}

/**
 * Platform callbacks: Slack Events API at the original's paths, Telegram webhook. No session
 * auth: the gate throttles them per IP first (`callback` scope), then the channels capability
 * checks the account and the platform's proof (Slack: `v0` HMAC over the exact raw bytes and the
 * timestamp; Telegram: the secret token header). The body stays raw (any content type).
 */
export async function registerChannelRoutes(app: FastifyInstance, callbacks: ChannelCallbacks): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_CALLBACK_BYTES }, (_req, body, done) => done(null, body));
    for (const endpoint of ['events', 'interactions', 'commands'] as const) {
      scope.post(`/api/channels/slack/:account/${endpoint}`, async (req: FastifyRequest, reply: FastifyReply) => {
        const account = (req.params as { account?: string }).account ?? '';
        return answer(reply, callbacks('slack', account, { endpoint, headers: req.headers, rawBody: raw(req) }));
      });
    }
    scope.post('/api/channels/telegram/:account/webhook', async (req: FastifyRequest, reply: FastifyReply) =>
      answer(reply, callbacks('telegram', (req.params as { account?: string }).account ?? '', { endpoint: 'webhook', headers: req.headers, rawBody: raw(req) })));
  });
}
