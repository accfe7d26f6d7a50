/**
 * Host allowlist for `lease.fetch`. Entries are exact host names (`api.github.com`), wildcard subdomains
 * (`*.example.com`, which matches `a.example.com` and `a.b.example.com` but not `example.com`), and may carry a
 * port (`127.0.0.1:8080`) to pin one. Comparison is on the URL parser's normalised (lowercase, punycode) host.
 */

const loopback = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isValidHostPattern(pattern: string): boolean {
  const shape = /^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/i;
  if (!shape.test(pattern) || pattern.includes('..')) return false;
  // A wildcard must sit below a registrable name: `*.com` would grant every host in a top-level domain.
  return !pattern.startsWith('*.') || pattern.replace(/:\d+$/, '').slice(2).includes('.');
}

const defaultPorts: Record<string, string> = { 'https:': '443', 'http:': '80' };

export function hostAllowed(patterns: readonly string[], url: URL): boolean {
  const host = url.hostname.toLowerCase();
  // The URL parser leaves the port empty when it is the scheme's default; a pattern may still name it.
  const port = url.port === '' ? (defaultPorts[url.protocol] ?? '') : url.port;
  return patterns.some((raw) => {
    const pattern = raw.toLowerCase();
    const colon = pattern.lastIndexOf(':');
    const hasPort = colon > pattern.lastIndexOf(']') && colon !== -1;
    const name = hasPort ? pattern.slice(0, colon) : pattern;
    if (hasPort && pattern.slice(colon + 1) !== port) return false;
    if (name.startsWith('*.')) return host.endsWith(name.slice(1)) && host.length > name.length - 1;
    return host === name;
  });
}

/** Credentials travel only over https, except to loopback hosts (local upstreams in development and tests). */
export function transportAllowed(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && loopback.has(url.hostname.toLowerCase()));
}
