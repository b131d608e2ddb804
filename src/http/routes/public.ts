import type { FastifyInstance } from 'fastify';

/** Public routes: liveness and the local CA certificate (so users can trust it). */
export function registerPublicRoutes(app: FastifyInstance, deps: { caPem: () => string | null }): void {
  app.get('/health', async () => ({ ok: true }));
  app.get('/certs/ca.pem', async (_req, reply) => {
    const pem = deps.caPem();
    if (!pem) return reply.code(404).send({ code: 'NOT_FOUND', error: 'no local CA: TLS is off or uses a custom certificate' });
    return reply
      .type('application/x-pem-file')
      .header('content-disposition', 'attachment; filename="moltis-ca.pem"')
      .send(pem);
  });
}
