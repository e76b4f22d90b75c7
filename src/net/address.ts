// IP addresses of both families as one numeric type, and CIDRs over them: what the cluster model,
// the verdict engine and the flow records share. An address is a bigint: IPv4 is its 32-bit value,
// IPv6 its 128-bit value with bit 128 set, so that the two families never compare equal and a
// Map or Set keys them by value. Parsing is ipaddr.js's (strict forms only); formatting follows
// RFC 5952 (IPv6) as inet_ntop does. The hot per-packet path never builds these: flows keep
// addresses as 32-bit words and become Address only when a flow is materialised.
import ipaddr from 'ipaddr.js';

export type Address = bigint;
export type Family = 4 | 6;

const V6_TAG = 1n << 128n;
const V6_VALUE = V6_TAG - 1n;

export function ipv4(value: number): Address {
  return BigInt(value >>> 0);
}

/** An IPv6 address from its four 32-bit words, most significant first. */
export function ipv6(w0: number, w1: number, w2: number, w3: number): Address {
  return V6_TAG | (BigInt(w0 >>> 0) << 96n) | (BigInt(w1 >>> 0) << 64n) | (BigInt(w2 >>> 0) << 32n) | BigInt(w3 >>> 0);
}

export function familyOf(a: Address): Family {
  return a >= V6_TAG ? 6 : 4;
}

/** The address bits without the family tag. */
function valueOf(a: Address): bigint {
  return a & V6_VALUE;
}

function width(family: Family): number {
  return family === 4 ? 32 : 128;
}

/** The IPv4 address as an unsigned 32-bit number, or null for IPv6. */
export function ipv4Value(a: Address): number | null {
  return a >= V6_TAG ? null : Number(a);
}

/** Dotted quad or an IPv6 text form (any RFC 4291 form, no zone); null when it is neither. */
export function parseAddress(text: string): Address | null {
  const t = text.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) {
    const o = ipaddr.IPv4.parse(t).octets;
    return ipv4(((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0);
  }
  if (t.includes(':') && !t.includes('%') && ipaddr.IPv6.isValid(t)) {
    const p = ipaddr.IPv6.parse(t).parts;
    return ipv6(((p[0] << 16) | p[1]) >>> 0, ((p[2] << 16) | p[3]) >>> 0, ((p[4] << 16) | p[5]) >>> 0, ((p[6] << 16) | p[7]) >>> 0);
  }
  return null;
}

export function formatAddress(a: Address): string {
  if (familyOf(a) === 4) {
    const v = Number(a);
    return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
  }
  const v = valueOf(a);
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(16 * i)) & 0xffffn));
  return formatIpv6Groups(groups);
}

/** RFC 5952 text form: lowercase, leading zeros dropped, the longest run (>= 2) of zero groups as "::". */
export function formatIpv6Groups(groups: ArrayLike<number>): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped and IPv4-compatible forms print the last 32 bits dotted, as inet_ntop does.
  if (bestStart === 0 && ((bestLen === 5 && groups[5] === 0xffff) || (bestLen === 6 && groups[6] !== 0))) {
    const v4 = `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
    return bestLen === 5 ? `::ffff:${v4}` : `::${v4}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      parts.push(i === 0 ? ':' : '');
      i += bestLen - 1;
      if (i === 7) parts.push('');
      continue;
    }
    parts.push(groups[i].toString(16));
  }
  return parts.join(':');
}

export interface Cidr {
  /** Network address (host bits cleared); its family is the CIDR's. */
  base: Address;
  prefix: number;
}

/** The network of `a` at `prefix` bits (host bits cleared). */
export function networkOf(a: Address, prefix: number): Address {
  const family = familyOf(a);
  const host = BigInt(width(family) - prefix);
  const masked = (valueOf(a) >> host) << host;
  return family === 4 ? masked : V6_TAG | masked;
}

export function contains(cidr: Cidr, a: Address): boolean {
  return familyOf(a) === familyOf(cidr.base) && networkOf(a, cidr.prefix) === cidr.base;
}

/** Parses "addr/n" (or a bare address as /32 or /128 when allowBare); the address keeps its host bits. */
export function parseCidr(text: string, allowBare = false): { cidr: Cidr; address: Address } | null {
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const address = parseAddress(addr);
  if (address === null) return null;
  const max = width(familyOf(address));
  if (len === undefined) return allowBare ? { cidr: { base: address, prefix: max }, address } : null;
  if (!/^\d{1,3}$/.test(len) || Number(len) > max) return null;
  const prefix = Number(len);
  return { cidr: { base: networkOf(address, prefix), prefix }, address };
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress(c.base)}/${c.prefix}`;
}

/** The widest prefix of a family: a node given without one is a host route. */
export function hostPrefix(family: Family): number {
  return width(family);
}
