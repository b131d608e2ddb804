import type { FastifyReply } from 'fastify';
import { isLoopbackHost } from '../net/index.js';

/**
 * CSP of the web UI page. The bundle has no inline script or style, so no nonce and no
 * 'unsafe-inline': an injected `<script>` or `style=` cannot run. `connect-src 'self'` covers the
 * same-origin WebSocket (CSP3 matches ws:/wss: for 'self').
 */
export const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/**
 * Security headers on every response, errors included. HSTS only when this process terminates
 * TLS, and without includeSubDomains on loopback names (it would pin every *.localhost dev site).
 */
export function setSecurityHeaders(reply: FastifyReply, o: { tls: boolean; host: string | undefined; api: boolean }): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'strict-origin-when-cross-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(self), geolocation=(), payment=()');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  if (o.api) {
    reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    reply.header('cache-control', 'no-store');
  }
  if (o.tls) {
    const loopback = isLoopbackHost(o.host || 'localhost');
    reply.header('strict-transport-security', loopback ? 'max-age=31536000' : 'max-age=31536000; includeSubDomains');
  }
}
