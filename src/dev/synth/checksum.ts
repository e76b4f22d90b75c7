// RFC 1071 Internet checksum.  Sums are kept as plain (unfolded) numbers so
// partial sums over a pseudo header and a segment can simply be added; a
// double holds 2^53, far beyond any 64 KiB packet's worth of 16-bit words.

/** Unfolded one's-complement sum of big-endian 16-bit words in bytes[start, end). */
export function sum16(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  // An odd trailing byte is padded with a zero byte on the right.
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Folds an unfolded sum to 16 bits and complements it: the checksum field value. */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Checksum of bytes[start, end) with an optional pre-summed prefix (pseudo header). */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return finishChecksum(sum16(bytes, start, end, initial));
}

/** Unfolded sum of the IPv4 pseudo header (RFC 768 / RFC 793). */
export function pseudoHeaderSumV4(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  return sum16(src, 0, 4) + sum16(dst, 0, 4) + protocol + length;
}

/** Unfolded sum of the IPv6 pseudo header (RFC 8200 section 8.1). */
export function pseudoHeaderSumV6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  // The 32-bit upper-layer length contributes both of its 16-bit halves.
  return sum16(src, 0, 16) + sum16(dst, 0, 16) + Math.floor(length / 0x10000) + (length & 0xffff) + nextHeader;
}
