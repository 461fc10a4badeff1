/**
 * Where other kernels can reach this one. A listener on a wildcard (`0.0.0.0`, `::`) is told as
 * the host's interface addresses; an address that only works on this host — a Unix socket, a
 * loopback IP — is told only to kernels on this host (linked over a Unix socket or loopback),
 * never to another host, where the same path or `127.0.0.1` would name something else.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { withDeadline } from '../util/index.js';
import { formatAddress, parseAddress } from './address.js';
import { CALL_DEADLINE_ERRORS } from './errors.js';

/** The host's network interfaces, as `os.networkInterfaces()` gives them. */
export type InterfaceList = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

/** True for `127.0.0.0/8`, `::1`, their IPv4-mapped forms and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^::ffff:/, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** True for a wildcard bind address. */
function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/**
 * True when `address` can only be used on this host: a Unix socket or a loopback address (an
 * unparseable address counts as local, so that it is never sent away).
 */
export function isHostLocal(address: string): boolean {
  try {
    const a = parseAddress(address);
    return a.kind === 'unix' || isLoopbackHost(a.host);
  } catch {
    return true;
  }
}

/**
 * The addresses a bound listener is told as: itself, or for a wildcard the host's non-internal
 * interface addresses (IPv4 for `0.0.0.0`; IPv4 and IPv6 for `::`, without link-local IPv6,
 * which needs a zone to dial) followed by the loopback address for kernels on this host.
 */
export function expandListenAddress(address: string, interfaces: InterfaceList): string[] {
  const a = parseAddress(address);
  if (a.kind === 'unix' || !isWildcardHost(a.host)) return [address];
  const out: string[] = [];
  const families = a.host === '::' ? ['IPv4', 'IPv6'] : ['IPv4'];
  for (const family of families) {
    for (const list of Object.values(interfaces())) {
      for (const info of list ?? []) {
        if (info.internal || info.family !== family) continue;
        if (family === 'IPv6' && /^fe[89ab]/i.test(info.address)) continue;
        out.push(formatAddress({ kind: a.kind, host: info.address, port: a.port }));
      }
    }
  }
  out.push(
    formatAddress({ kind: a.kind, host: a.host === '::' ? '::1' : '127.0.0.1', port: a.port }),
  );
  return [...new Set(out)];
}

/** What to tell a kernel: everything to one on this host, no host-local address to another. */
export function addressesFor(addresses: readonly string[], sameHost: boolean): string[] {
  return sameHost ? [...addresses] : addresses.filter((a) => !isHostLocal(a));
}

/**
 * `address` with its host name looked up (within 1 s), as the addresses a kernel there would
 * advertise: `tcp://h1:7420` → `['tcp://10.0.0.5:7420']`. IP and Unix addresses stay as they are.
 */
export async function resolveAddress(address: string): Promise<string[]> {
  const a = parseAddress(address);
  if (a.kind === 'unix' || isIP(a.host) !== 0) return [address];
  const found = await withDeadline(
    { operation: `look up ${a.host}`, timeoutMs: 1_000, errors: CALL_DEADLINE_ERRORS, unref: true },
    () => lookup(a.host, { all: true }),
  );
  return found.map((r) => formatAddress({ kind: a.kind, host: r.address, port: a.port }));
}

/**
 * The kernel among `peers` (read after the lookup) that advertised `address`, a host name looked
 * up first (within 1 s): how membership tells a seed's address from a kernel already linked.
 */
export async function advertiserOf(
  address: string,
  peers: () => readonly { readonly name: string; readonly listen: readonly string[] }[],
): Promise<string | undefined> {
  const wanted = await resolveAddress(address);
  return peers().find((p) => p.listen.some((x) => wanted.includes(x)))?.name;
}
