// Text-to-bytes parsing for the addresses a layer spec may carry.  Strict on
// purpose: a typo in a test spec should fail loudly, not build a wrong packet.

import type { Ipv4Address, Ipv6Address, MacAddress } from './types.js';

export function parseIpv4(addr: Ipv4Address): Uint8Array {
  if (typeof addr !== 'string') return exactLength(addr, 4, 'IPv4');
  const parts = addr.split('.');
  if (parts.length !== 4) throw new Error(`bad IPv4 address: ${addr}`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[i] = parseDecimalOctet(parts[i]!, addr);
  return out;
}

export function parseIpv6(addr: Ipv6Address): Uint8Array {
  if (typeof addr !== 'string') return exactLength(addr, 16, 'IPv6');
  const out = new Uint8Array(16);
  const halves = addr.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 address: ${addr}`);
  const head = halves[0] ? groupsOf(halves[0], addr) : [];
  const tail = halves.length === 2 && halves[1] ? groupsOf(halves[1], addr) : [];
  const total = head.length + tail.length;
  // "::" must stand for at least one zero group; without it, exactly eight.
  if (halves.length === 2 ? total > 7 : total !== 8) throw new Error(`bad IPv6 address: ${addr}`);
  head.forEach((g, i) => writeGroup(out, i, g));
  tail.forEach((g, i) => writeGroup(out, 8 - tail.length + i, g));
  return out;
}

export function parseMac(mac: MacAddress): Uint8Array {
  if (typeof mac !== 'string') return exactLength(mac, 6, 'MAC');
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad MAC address: ${mac}`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(parts[i]!)) throw new Error(`bad MAC address: ${mac}`);
    out[i] = parseInt(parts[i]!, 16);
  }
  return out;
}

function exactLength(bytes: Uint8Array, n: number, what: string): Uint8Array {
  if (bytes.length !== n) throw new Error(`${what} address must be ${n} bytes, got ${bytes.length}`);
  return bytes;
}

function parseDecimalOctet(s: string, whole: string): number {
  if (!/^\d{1,3}$/.test(s)) throw new Error(`bad IPv4 address: ${whole}`);
  const v = Number(s);
  if (v > 255) throw new Error(`bad IPv4 address: ${whole}`);
  return v;
}

// Splits one side of "::" into 16-bit groups; a trailing dotted quad
// (e.g. "::ffff:10.0.0.1") counts as two groups.
function groupsOf(part: string, whole: string): number[] {
  const groups: number[] = [];
  const items = part.split(':');
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (i === items.length - 1 && item.includes('.')) {
      const v4 = parseIpv4(item);
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
      groups.push(parseInt(item, 16));
    } else {
      throw new Error(`bad IPv6 address: ${whole}`);
    }
  }
  return groups;
}

function writeGroup(out: Uint8Array, index: number, group: number): void {
  out[index * 2] = group >> 8;
  out[index * 2 + 1] = group & 0xff;
}
