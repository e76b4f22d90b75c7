// IPv4 addresses as unsigned 32-bit numbers, and CIDRs, for the cluster model.

export interface Cidr {
  /** Network address (host bits cleared). */
  base: number;
  prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad IPv4; null when it is not one. */
export function parseIpv4(text: string): number | null {
  const m = IPV4.exec(text.trim());
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function formatIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/n" (or a bare address as /32 when allowBare). Returns the address too, host bits kept. */
export function parseCidr(text: string, allowBare = false): { cidr: Cidr; address: number } | null {
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const address = parseIpv4(addr);
  if (address === null) return null;
  if (len === undefined) return allowBare ? { cidr: { base: address, prefix: 32 }, address } : null;
  if (!/^\d{1,2}$/.test(len) || Number(len) > 32) return null;
  const prefix = Number(len);
  return { cidr: { base: (address & mask(prefix)) >>> 0, prefix }, address };
}

export function contains(cidr: Cidr, ip: number): boolean {
  return ((ip & mask(cidr.prefix)) >>> 0) === cidr.base;
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.base)}/${c.prefix}`;
}
