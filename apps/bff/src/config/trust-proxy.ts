import { isIP } from 'node:net';

/** proxy-addr's named ranges (Fastify passes TRUST_PROXY to it). */
const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (NAMED.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^[0-9]{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY → Fastify `trustProxy`. Only a hop count or the proxies' own addresses: with `true`, any client
 * can write X-Forwarded-For and pick its own client IP, i.e. a fresh rate-limit bucket per request.
 */
export function parseTrustProxy(
  value: string | undefined,
  production: boolean,
): { value: boolean | number | string[] } | { message: string; fix: string } {
  if (value === undefined || value === 'false') return { value: false };
  if (value === 'true') {
    if (!production) return { value: true };
    return {
      message:
        'true trusts X-Forwarded-For from anyone: every client could pick its own IP and rate-limit bucket',
      fix: 'set the number of proxies in front of the BFF (e.g. 1) or their addresses/CIDRs (e.g. 10.0.0.0/8)',
    };
  }
  if (/^[0-9]{1,2}$/.test(value)) {
    const hops = Number(value);
    return { value: hops === 0 ? false : hops };
  }
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length > 0 && entries.every(isAddressOrCidr)) return { value: entries };
  return {
    message: 'is neither false, a hop count nor a list of IP addresses/CIDRs',
    fix: 'e.g. TRUST_PROXY=1, or TRUST_PROXY=10.0.0.0/8,192.168.1.10',
  };
}
