// The identity of an inner packet: what survives encapsulation and routing unchanged (inner
// addresses, protocol, IPv4 ID, total length, and the first bytes of the transport header and
// payload), never what changes on the way (TTL, header checksums, MACs, the outer header).
import type { DecodedPacket } from '../../decode/packet.js';

/** Transport bytes hashed after the IP header; the transport checksum field is skipped (TX offload). */
const DIGEST_BYTES = 48;
const CHECKSUM_AT: Record<number, number> = { 6: 16, 17: 6, 1: 2, 58: 2 };

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x01000193);
}

/** 2^32, to join the lanes into one number. */
const LANE = 0x1_0000_0000;

/**
 * A 53-bit identity as one number (the high 21 bits of the first lane above the whole second
 * lane: a safe integer, so a Map keys groups by it with no string), or NO_IDENTITY without an
 * inner IP. Two different packets share one with a probability of about n^2 / 2^54 for n held at
 * once: 1 in 1.8 million for a full window of 100,000.
 */
export function innerIdentity(p: DecodedPacket): number {
  const i = p.innerIp;
  if (i < 0) return NO_IDENTITY;
  const b = p.bytes;
  const o = p.ipOffset[i];
  let a = 0x811c9dc5;
  let c = 0x9e3779b9;
  const family = p.ipFamily[i];
  let payload: number;
  if (family === 4) {
    // addresses 12..19, protocol 9, total length 2..3, identification 4..5
    for (let k = 12; k < 20; k++) {
      a = mix(a, b[o + k]);
      c = mix(c, b[o + k] ^ 0x5a);
    }
    for (const k of [2, 3, 4, 5, 9]) {
      a = mix(a, b[o + k]);
      c = mix(c, b[o + k] ^ 0xa5);
    }
  } else {
    // addresses 8..39, payload length 4..5, flow label 1..3 (low 20 bits)
    for (let k = 8; k < 40; k++) {
      a = mix(a, b[o + k]);
      c = mix(c, b[o + k] ^ 0x5a);
    }
    for (const k of [4, 5]) a = mix(a, b[o + k]);
    a = mix(a, b[o + 1] & 0x0f);
    a = mix(a, b[o + 2]);
    a = mix(a, b[o + 3]);
  }
  payload = transportOffset(p, o, family === 4 ? (b[o] & 0x0f) << 2 : 40);
  const proto = p.ipProto[i];
  a = mix(a, proto);
  const skip = CHECKSUM_AT[proto] ?? -1;
  const end = Math.min(p.capEnd, payload + DIGEST_BYTES);
  for (let k = payload; k < end; k++) {
    const rel = k - payload;
    if (rel === skip || rel === skip + 1) continue;
    a = mix(a, b[k]);
    c = mix(c, b[k] ^ rel);
  }
  // FNV-style multiplication carries every input bit upward: the high bits of a lane mix best.
  return (a >>> 11) * LANE + (c >>> 0);
}

export const NO_IDENTITY = -1;

/** The identity as written in reports: 16 hex digits, as the documented ndjson `id`. */
export function formatIdentity(id: number): string {
  return id.toString(16).padStart(16, '0');
}

/** Where the inner IP's payload starts: the next decoded layer (after IPv6 extension headers), else right after the header. */
function transportOffset(p: DecodedPacket, ipOffset: number, headerLength: number): number {
  const rel = ipOffset - p.start;
  for (let j = 0; j < p.layerCount - 1; j++) if (p.layerOffset[j] === rel) return p.start + p.layerOffset[j + 1];
  return ipOffset + headerLength;
}
