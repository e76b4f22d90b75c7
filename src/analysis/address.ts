// Formatting IP addresses straight from packet bytes (only for reports: the hot path keeps
// addresses as 32-bit words).
import { formatIpv6Groups } from '../net/address.js';

export { formatIpv6Groups };

export function formatIpv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

export function formatIpv4Word(w: number): string {
  return `${w >>> 24}.${(w >>> 16) & 0xff}.${(w >>> 8) & 0xff}.${w & 0xff}`;
}

export function formatIpv6(b: Uint8Array, o: number): string {
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (b[o + 2 * i] << 8) | b[o + 2 * i + 1];
  return formatIpv6Groups(groups);
}

/** Formats an address held as four 32-bit words (IPv4 uses only the first). */
export function formatAddressWords(family: number, w0: number, w1: number, w2: number, w3: number): string {
  if (family === 4) return formatIpv4Word(w0);
  const words = [w0, w1, w2, w3];
  const groups = new Array<number>(8);
  for (let i = 0; i < 4; i++) {
    groups[2 * i] = words[i] >>> 16;
    groups[2 * i + 1] = words[i] & 0xffff;
  }
  return formatIpv6Groups(groups);
}

/** Source (which = 0) or destination (which = 1) address of the IP header at `offset`. */
export function formatIpAddress(b: Uint8Array, family: number, offset: number, which: 0 | 1): string {
  return family === 4 ? formatIpv4(b, offset + 12 + 4 * which) : formatIpv6(b, offset + 8 + 16 * which);
}

/** "aa:bb:cc:dd:ee:ff" for a 48-bit MAC held in a double. */
export function formatMac(value: number): string {
  const parts: string[] = [];
  for (let i = 5; i >= 0; i--) parts.push((Math.floor(value / 2 ** (8 * i)) & 0xff).toString(16).padStart(2, '0'));
  return parts.join(':');
}
