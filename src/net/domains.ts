/**
 * The trusted-mode allowlist policy, kept apart from the proxy mechanism: the proxy only asks
 * `filter(host)`; this file decides what a `trusted_domains` entry means.
 */

/** Lower-cases and drops one trailing dot ("Example.COM." and "example.com" are the same name). */
function canonical(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/**
 * Is `domain` allowed by `trustedDomains`? An entry is an exact name, or `*.example.com`, which
 * matches subdomains only (not `example.com` itself, and never `badexample.com`: the match is on a
 * whole label boundary). Case-insensitive; a trailing dot is ignored. An empty list allows
 * nothing: trusted mode without domains is a closed network, not an open one (fail closed).
 */
export function domainAllowed(domain: string, trustedDomains: readonly string[]): boolean {
  const d = canonical(domain);
  if (d === '' || d.includes('*')) return false;
  for (const raw of trustedDomains) {
    const entry = canonical(raw);
    if (entry.startsWith('*.')) {
      const suffix = entry.slice(1); // ".example.com"
      if (suffix.length > 1 && d.length > suffix.length && d.endsWith(suffix)) return true;
    } else if (entry !== '' && !entry.includes('*') && d === entry) {
      return true;
    }
  }
  return false;
}

/** A proxy filter over a fixed list: true, or a short reason naming the refused host. */
export function trustedDomainsFilter(trustedDomains: readonly string[]): (host: string) => true | string {
  const list = [...trustedDomains];
  return (host) => (domainAllowed(host, list) ? true : `domain ${host} is not in trusted_domains`);
}
