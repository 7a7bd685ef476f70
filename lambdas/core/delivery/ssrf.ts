/**
 * The server-side request forgery guard of webhook targets. A URL is checked
 * at create and again at every delivery: its host is resolved first and
 * every address it resolves to must be public, so a name that points inside
 * (a private range, loopback, link-local, the cloud metadata endpoint) is
 * refused, and the connection then goes to the address that was checked
 * (no second lookup that could answer differently). The checks here are
 * pure functions over parsed URLs and resolved addresses.
 */
import { isIP } from 'node:net';

export type UrlCheck = { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string };

/** Hosts the local stack allows over plain http (tests run a receiver there). */
export const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** Checks a target URL's form: `https://` (or, when allowed, `http://127.0.0.1` / `http://localhost`), no credentials. */
export function checkUrlForm(raw: string, allowLoopback: boolean): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not carry credentials' };
  const local = allowLoopback && LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
    return { ok: false, reason: allowLoopback ? 'must be https:// (or http://127.0.0.1 / http://localhost here)' : 'must be https://' };
  }
  return { ok: true, url };
}

function ipv4Parts(address: string): number[] | undefined {
  const parts = address.split('.').map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts : undefined;
}

/** Why an IPv4 address may not be a target, or undefined when it is public. */
function ipv4Problem(address: string): string | undefined {
  const p = ipv4Parts(address);
  if (!p) return 'is not an IPv4 address';
  const [a, b] = p as [number, number, number, number];
  if (a === 127) return 'is a loopback address';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'is a private address';
  if (a === 169 && b === 254) return 'is a link-local or metadata address';
  if (a === 100 && b >= 64 && b <= 127) return 'is a shared (carrier-grade NAT) address';
  if (a === 0 || a >= 224) return 'is not a unicast address';
  if (a === 192 && b === 0 && p[2] === 0) return 'is a reserved address';
  if (a === 198 && (b === 18 || b === 19)) return 'is a reserved (benchmarking) address';
  return undefined;
}

/** Expands an IPv6 address to its eight 16-bit groups. */
function ipv6Groups(address: string): number[] | undefined {
  let text = (address.toLowerCase().split('%')[0] as string).replace(/^\[|\]$/g, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4Parts(dotted[1] as string);
    if (!v4) return undefined;
    const hex = (n: number) => n.toString(16);
    text = text.slice(0, dotted.index) + `${hex(((v4[0] as number) << 8) | (v4[1] as number))}:${hex(((v4[2] as number) << 8) | (v4[3] as number))}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const left = parse(halves[0] as string);
  const right = halves.length === 2 ? parse(halves[1] as string) : [];
  const fill = 8 - left.length - right.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...left, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...right];
  return groups.every((g) => Number.isInteger(g)) ? groups : undefined;
}

/** Why an IPv6 address may not be a target, or undefined when it is public. */
function ipv6Problem(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (!g) return 'is not an IPv6 address';
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const v4 = `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0xffff) return ipv4Problem(v4); // IPv4-mapped ::ffff:a.b.c.d
    if (g5 === 0 && g6 === 0 && g7 === 1) return 'is a loopback address';
    if (g5 === 0 && g6 === 0 && g7 === 0) return 'is the unspecified address';
    if (g5 === 0) return ipv4Problem(v4) ?? 'is a deprecated IPv4-compatible address';
  }
  if (g0 === 0x64 && g1 === 0xff9b) return ipv4Problem(v4); // NAT64 well-known prefix
  if ((g0 & 0xfe00) === 0xfc00) return 'is a private (unique local) address';
  if ((g0 & 0xffc0) === 0xfe80) return 'is a link-local address';
  if ((g0 & 0xff00) === 0xff00) return 'is not a unicast address';
  if (g0 === 0xfd00 && g1 === 0x0ec2) return 'is a metadata address';
  if (g0 === 0x2002) return ipv4Problem(`${g1 >> 8}.${g1 & 0xff}.${g2 >> 8}.${g2 & 0xff}`); // 6to4
  if (g0 === 0x2001 && g1 === 0xdb8) return 'is a documentation address';
  return undefined;
}

/** Why a resolved address may not be a target (loopback, private, link-local, metadata …), or undefined when it may. */
export function addressProblem(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return ipv4Problem(address);
  if (family === 6) return ipv6Problem(address);
  return 'is not an IP address';
}

/** Whether `address` is a loopback address (allowed only on the local stack). */
export function isLoopback(address: string): boolean {
  const problem = addressProblem(address);
  return problem === 'is a loopback address';
}

/**
 * Checks every address a target host resolved to. All must be allowed: a
 * name with one inside address is refused (the connection could land there).
 * The local stack (`allowLoopback`) also allows loopback addresses for its own hosts.
 */
export function checkAddresses(hostname: string, addresses: readonly string[], allowLoopback: boolean): string | undefined {
  if (addresses.length === 0) return `${hostname} does not resolve`;
  for (const address of addresses) {
    if (allowLoopback && LOCAL_HOSTS.has(hostname) && isLoopback(address)) continue;
    const problem = addressProblem(address);
    if (problem) return `${hostname} resolves to ${address}, which ${problem}`;
  }
  return undefined;
}
