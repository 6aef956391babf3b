// Where webhooks may go: public addresses only. A URL whose host is, or resolves to, a private,
// loopback, link-local or otherwise special address is refused, unless WEBHOOK_ALLOWED_HOSTS
// names that host or address. The check runs when a webhook is saved and again at every
// connection (the address actually dialled), so a name that later resolves elsewhere is caught.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why an address may not be reached, or null when it may. */
export function blockedReason(address: string): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address); // IPv4-mapped IPv6 becomes IPv4
  } catch {
    return 'is not an IP address';
  }
  const range = ip.range();
  return range === 'unicast' ? null : `is a ${range} address`;
}

export class BlockedAddressError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    reason: string,
  ) {
    super(`${host} ${host === address ? '' : `resolves to ${address}, which `}${reason}`);
    this.name = 'BlockedAddressError';
  }
}

const allowedFor = (allowed: string[], host: string, address: string) => allowed.includes(host.toLowerCase()) || allowed.includes(address);

/** Resolves `host` and refuses it unless every address is public or allowed. */
export async function checkHost(host: string, allowed: string[]): Promise<void> {
  const bare = host.replace(/^\[|\]$/g, '');
  const addresses = isIP(bare) ? [bare] : (await new Promise<LookupAddress[]>((ok, fail) => dnsLookup(bare, { all: true }, (err, a) => (err ? fail(err) : ok(a))))).map((a) => a.address);
  for (const address of addresses) {
    const reason = blockedReason(address);
    if (reason && !allowedFor(allowed, bare, address)) throw new BlockedAddressError(bare, address, reason);
  }
}

/** A `lookup` for http.request that refuses blocked addresses at connection time. */
export function guardedLookup(allowed: string[]) {
  return (hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const reason = blockedReason(a.address);
        if (reason && !allowedFor(allowed, hostname, a.address)) return callback(new BlockedAddressError(hostname, a.address, reason), '');
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
