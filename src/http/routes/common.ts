import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionCookie } from '../../auth/index.js';

/** A JSON request body as a record; an absent or non-object body is `{}`. Shared by the auth routes. */
export type Body = Record<string, unknown>;
export const body = (req: FastifyRequest): Body => (req.body && typeof req.body === 'object' ? (req.body as Body) : {});

/** What the auth service needs to know about the caller. */
export const ctx = (req: FastifyRequest) => ({ clientIp: req.gate.clientIp, isLocal: req.gate.isLocal });

/** Hands a fresh session to the browser (Secure when the gateway serves TLS). */
export const setSessionCookie = (req: FastifyRequest, reply: FastifyReply, s: { token: string; maxAgeSeconds: number }) =>
  reply.header('set-cookie', sessionCookie(s.token, { secure: req.gate.secure, maxAgeSeconds: s.maxAgeSeconds }));
