// Internet checksums (RFC 1071) over packet bytes, for the IPv4 header and the outer UDP of a
// tunnel. Sums are taken in 32-bit reads into a double (exact far beyond any packet length) and
// folded once at the end.

/** One's-complement sum of bytes[start, end) as 16-bit big-endian words, not yet folded. */
export function sumWords(view: DataView, bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const w = view.getUint32(i, false);
    sum += (w >>> 16) + (w & 0xffff);
  }
  if (i + 2 <= end) {
    sum += (bytes[i] << 8) | bytes[i + 1];
    i += 2;
  }
  if (i < end) sum += bytes[i] << 8; // odd length: pad with a zero byte
  return sum;
}

/** Folds a sum to 16 bits with end-around carry. */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/** IPv4/IPv6 pseudo-header sum for UDP/TCP (RFC 768, RFC 8200 section 8.1), not folded. */
export function pseudoHeaderSum(view: DataView, bytes: Uint8Array, family: number, ipOffset: number, protocol: number, length: number): number {
  const addresses = family === 4 ? sumWords(view, bytes, ipOffset + 12, ipOffset + 20) : sumWords(view, bytes, ipOffset + 8, ipOffset + 40);
  return addresses + protocol + (length % 0x10000) + Math.floor(length / 0x10000);
}

/** True when the IPv4 header at `o` (length `ihl`) has a correct checksum. Unrolled for the usual 20 bytes. */
export function ipv4HeaderChecksumOk(view: DataView, bytes: Uint8Array, o: number, ihl: number): boolean {
  let sum: number;
  if (ihl === 20) {
    sum = view.getUint16(o, false) + view.getUint16(o + 2, false) + view.getUint16(o + 4, false) +
      view.getUint16(o + 6, false) + view.getUint16(o + 8, false) + view.getUint16(o + 10, false) +
      view.getUint16(o + 12, false) + view.getUint16(o + 14, false) + view.getUint16(o + 16, false) +
      view.getUint16(o + 18, false);
  } else {
    sum = sumWords(view, bytes, o, o + ihl);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}
