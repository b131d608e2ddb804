/**
 * Value checks of moltis.toml: each returns a reason, or null when the value is acceptable.
 * Security refinements live here (invariant 7): no wildcard origins, no /0 trusted proxies, no
 * "*" or "*.com" egress allowlists.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseCidr } from '../net/index.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** True for a DNS name of letter/digit/hyphen labels whose last label is not all digits. */
function isHostname(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/** An exact browser origin: http(s) scheme, host, optional port, nothing else. */
export function originProblem(value: string): string | null {
  // A wildcard would let any site drive the owner's browser session against the gateway.
  if (value.includes('*')) return 'wildcards are not allowed; list each origin exactly';
  const m = /^(https?):\/\/([^/?#@\\\s]+)$/i.exec(value);
  if (!m) return 'expected an origin like "https://chat.example.com" (http/https, host, optional port, no path)';
  try {
    new URL(value);
  } catch {
    return 'not a valid origin';
  }
  return null;
}

/** Normalizes an accepted origin to the browser's serialization (lower-case host, no default port). */
export function normalizeOrigin(value: string): string {
  return new URL(value).origin;
}

/** An IPv4/IPv6 network with an explicit prefix length (net's one CIDR parser, plus config rules). */
export function cidrProblem(value: string): string | null {
  // A bare address is a /32 to the parser; in configuration the width must be stated.
  if (!value.includes('/')) return 'expected an address with a prefix length, e.g. "10.0.0.0/8" or "fd00::/8"';
  const c = parseCidr(value);
  if (!c.ok) return c.problem;
  // A /0 trusts every client's forwarding headers, i.e. lets anyone choose their own IP.
  if (c.cidr.prefix === 0) return 'a /0 network would trust forwarding headers from every client';
  return null;
}

/** A certificate subject name: IP literal, DNS name, or "*." + a name of at least two labels. */
export function certNameProblem(value: string): string | null {
  if (isIP(value) !== 0) return null;
  if (value.startsWith('*.')) {
    const rest = value.slice(2);
    if (rest.includes('*') || !isHostname(rest)) return 'expected "*." followed by a DNS name';
    // "*.com" would make the certificate valid for a whole TLD.
    if (rest.split('.').length < 2) return 'a wildcard must cover a name with at least two labels, e.g. "*.example.com"';
    return null;
  }
  if (value.includes('*')) return 'a wildcard is only allowed as a leading "*."';
  return isHostname(value) ? null : 'expected a DNS name or an IP address';
}

/** An egress allowlist entry: a DNS name, or "*." + a name of at least two labels. */
export function trustedDomainProblem(value: string): string | null {
  // "*" or "*.com" would turn the allowlist into "the whole internet".
  if (value === '*') return 'a bare "*" would allow every domain; list domains instead';
  if (value.startsWith('*.')) {
    const rest = value.slice(2);
    if (rest.includes('*') || !isHostname(rest)) return 'expected "*." followed by a DNS name';
    if (rest.split('.').length < 2) return `"${value}" would allow a whole top-level domain; use e.g. "*.example.com"`;
    return null;
  }
  if (value.includes('*')) return 'a wildcard is only allowed as a leading "*."';
  if (isIP(value) !== 0) return 'list domain names, not IP addresses';
  return isHostname(value) ? null : 'expected a domain name like "api.github.com"';
}

/** A memory size: digits with an optional K/M/G suffix (binary units). */
export function memoryProblem(value: string): string | null {
  const m = /^(\d+)([KMG])?$/i.exec(value.trim());
  if (!m) return 'expected a size like "512M", "2G" or "65536K"';
  const bytes = parseMemory(value);
  if (bytes < 16 * 1024 * 1024) return 'at least 16M is needed to run a shell';
  return null;
}

/** A size of at least `min` bytes (same syntax as memory sizes); `why` says what a smaller one breaks. */
export function sizeProblem(min: number, why: string): (value: string) => string | null {
  return (value) => {
    const bytes = parseMemory(value);
    if (Number.isNaN(bytes)) return 'expected a size like "512M", "2G" or "65536K"';
    if (bytes < min) return `at least ${min / 1024 ** 2}M: ${why}`;
    return null;
  };
}

/** Bytes in a memory size accepted by the schema ("512M" → 536870912). */
export function parseMemory(value: string): number {
  const m = /^(\d+)([KMG])?$/i.exec(value.trim());
  if (!m || m[1] === undefined) return Number.NaN;
  const unit = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? '').toUpperCase() as 'K' | 'M' | 'G'] ?? 1;
  return Number(m[1]) * unit;
}

/** A listen address: IP literal or host name. */
export function bindProblem(value: string): string | null {
  return isIP(value) !== 0 || isHostname(value) ? null : 'expected an IP address or host name';
}

/** Turns a reason-returning check into a zod string schema. */
export function checked(problem: (v: string) => string | null): z.ZodString {
  return z.string().superRefine((v, ctx) => {
    const reason = problem(v);
    if (reason !== null) ctx.addIssue({ code: 'custom', message: reason, input: v });
  });
}


/** An OCI image reference, never something an engine could read as a flag (cron job images). */
/** An OCI image reference: never something an engine could read as a flag (no leading `-`). */
export const IMAGE_REF_RE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;

export function imageRefProblem(value: string): string | null {
  if (value.length === 0 || value.length > 512) return 'expected an image reference of 1-512 characters';
  return IMAGE_REF_RE.test(value) ? null : 'expected an image reference like "localhost/moltis-sandbox:latest"';
}
