// IPv4 (RFC 791) and IPv6 (RFC 8200) with extension headers. The decoder records every IP
// header on a stack (an IPIP packet has two IPv4 headers and the outer one matters most), bounds
// the payload by the header's length field, and marks IP-in-IP as a tunnel.
import { issueId } from '../issues.js';
import { isShort, reportShort } from './bounds.js';
import type { DissectorTables } from './dispatch.js';
import { L_IPV4, L_IPV6, L_NONE, T_4IN6, T_6IN4, T_6IN6, T_IPIP } from './layers.js';
import { MAX_IPS, type DecodedPacket } from './packet.js';
import { addTunnel } from './tunnel-stack.js';
import { ipv4HeaderChecksumOk } from './checksum.js';

const ID_V4_TRUNC = issueId('ipv4.truncated');
const ID_V4_BAD_IHL = issueId('ipv4.bad_ihl');
const ID_V4_TOTAL_EXCEEDS = issueId('ipv4.total_length_exceeds_captured');
const ID_V4_TOTAL_BELOW = issueId('ipv4.total_length_below_header');
const ID_V6_TRUNC = issueId('ipv6.truncated');
const ID_V6_PAYLOAD_EXCEEDS = issueId('ipv6.payload_length_exceeds_captured');
const ID_V6_BAD_EXT = issueId('ipv6.bad_extension_header');
const ID_BAD_VERSION = issueId('ip.bad_version');
const ID_V4_BAD_CHECKSUM = issueId('ipv4.bad_checksum');
const ID_V4_OFFLOAD = issueId('ipv4.checksum_offload_suspect');
const ID_MAX_DEPTH = issueId('tunnel.max_depth');

/** Pushes an IP header on the stack and forgets the transport of any outer header. */
function pushIp(p: DecodedPacket, family: number, offset: number, proto: number): boolean {
  if (p.ipCount >= MAX_IPS) {
    p.addIssue(ID_MAX_DEPTH, offset, -1, -1);
    return false;
  }
  const i = p.ipCount++;
  p.ipFamily[i] = family;
  p.ipOffset[i] = offset;
  p.ipProto[i] = proto;
  p.clearTransport();
  return true;
}

/** Next layer for an IP payload; IP in IP becomes a tunnel named by outer and inner family. */
function dispatchIpPayload(p: DecodedPacket, t: DissectorTables, outerFamily: 4 | 6, proto: number): number {
  const next = t.ipProtocol[proto];
  if (next === L_IPV4) return addTunnel(p, outerFamily === 4 ? T_IPIP : T_4IN6, -1) ? L_IPV4 : L_NONE;
  if (next === L_IPV6) return addTunnel(p, outerFamily === 4 ? T_6IN4 : T_6IN6, -1) ? L_IPV6 : L_NONE;
  return next;
}

/**
 * IPv4 header (RFC 791 section 3.1):
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  |         Identification        |Flags|      Fragment Offset    |
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  |                       Source Address                          |
 *  |                    Destination Address                        |
 *  |                    Options (IHL > 5)                          |
 */
export function decodeIpv4(p: DecodedPacket, t: DissectorTables): number {
  if (isShort(p, 20, ID_V4_TRUNC)) return L_NONE;
  const b = p.bytes;
  const o = p.off;
  const b0 = b[o];
  if (b0 >> 4 !== 4) {
    p.addIssue(ID_BAD_VERSION, o, -1, -1);
    return L_NONE;
  }
  const ihl = (b0 & 0x0f) << 2;
  if (ihl < 20) {
    p.addIssue(ID_V4_BAD_IHL, o, 20, ihl);
    return L_NONE;
  }
  const proto = b[o + 9];
  if (!pushIp(p, 4, o, proto)) return L_NONE;
  p.pushLayer(L_IPV4, o);
  // The addresses sit in the fixed 20 bytes: keep them even when the options are cut off.
  if (isShort(p, ihl, ID_V4_TRUNC)) return L_NONE;
  if (!ipv4HeaderChecksumOk(p.view, b, o, ihl)) {
    const blank = b[o + 10] === 0 && b[o + 11] === 0;
    if (blank || p.isOutgoing()) {
      p.offloadSuspects++;
      p.addIssue(ID_V4_OFFLOAD, o + 10, -1, -1);
    } else {
      p.badChecksums++;
      p.addIssue(ID_V4_BAD_CHECKSUM, o + 10, -1, -1);
    }
  }

  const totalLength = (b[o + 2] << 8) | b[o + 3];
  if (totalLength === 0) {
    // Zero means "as long as the frame": TSO on the sending host, or Linux BIG TCP.
  } else if (totalLength < ihl) {
    p.addIssue(ID_V4_TOTAL_BELOW, o + 2, ihl, totalLength);
    return L_NONE;
  } else if (o + totalLength <= p.end) {
    p.end = o + totalLength; // drops Ethernet padding and any trailer
  } else if (!p.inFragment) {
    reportShort(p, ID_V4_TOTAL_EXCEEDS, o, totalLength, p.end - o);
  }

  const fragmentField = (b[o + 6] << 8) | b[o + 7];
  const moreFragments = (fragmentField & 0x2000) !== 0;
  const fragmentOffset = fragmentField & 0x1fff;
  p.off = o + ihl;
  if (moreFragments || fragmentOffset !== 0) {
    p.fragment = true;
    p.inFragment = true;
    // A later fragment carries the middle of the payload: no header to decode there.
    if (fragmentOffset !== 0) {
      p.laterFragment = true;
      return L_NONE;
    }
  }
  return dispatchIpPayload(p, t, 4, proto);
}

// IPv6 extension headers that chain with (length + 1) * 8 bytes (RFC 8200 section 4).
const EXT_HOP_BY_HOP = 0;
const EXT_ROUTING = 43;
const EXT_FRAGMENT = 44;
const EXT_AH = 51;
const EXT_DESTINATION = 60;
const EXT_MOBILITY = 135;
const EXT_HIP = 139;
const EXT_SHIM6 = 140;

/**
 * IPv6 header (RFC 8200 section 3):
 *  |Version| Traffic Class |           Flow Label                  |
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  |                  Source Address (16 bytes)                    |
 *  |               Destination Address (16 bytes)                  |
 */
export function decodeIpv6(p: DecodedPacket, t: DissectorTables): number {
  if (isShort(p, 40, ID_V6_TRUNC)) return L_NONE;
  const b = p.bytes;
  const o = p.off;
  if (b[o] >> 4 !== 6) {
    p.addIssue(ID_BAD_VERSION, o, -1, -1);
    return L_NONE;
  }
  let next = b[o + 6];
  if (!pushIp(p, 6, o, next)) return L_NONE;
  const ipIndex = p.ipCount - 1;
  p.pushLayer(L_IPV6, o);

  const payloadLength = (b[o + 4] << 8) | b[o + 5];
  if (payloadLength === 0) {
    // Jumbogram (RFC 2675) or GSO: the frame decides.
  } else if (o + 40 + payloadLength <= p.end) {
    p.end = o + 40 + payloadLength;
  } else if (!p.inFragment) {
    reportShort(p, ID_V6_PAYLOAD_EXCEEDS, o, 40 + payloadLength, p.end - o);
  }

  let h = o + 40;
  for (;;) {
    let length: number;
    if (next === EXT_HOP_BY_HOP || next === EXT_ROUTING || next === EXT_DESTINATION || next === EXT_MOBILITY || next === EXT_HIP || next === EXT_SHIM6) {
      length = h + 2 <= p.end ? (p.bytes[h + 1] + 1) << 3 : 8;
    } else if (next === EXT_FRAGMENT) {
      length = 8;
    } else if (next === EXT_AH) {
      length = h + 2 <= p.end ? (p.bytes[h + 1] + 2) << 2 : 8;
    } else {
      break;
    }
    if (h + length > p.end) {
      reportShort(p, ID_V6_BAD_EXT, h, length, p.end - h);
      return L_NONE;
    }
    const header = next;
    next = b[h];
    if (header === EXT_FRAGMENT) {
      p.fragment = true;
      p.inFragment = true;
      if (((b[h + 2] << 8) | b[h + 3]) >> 3 !== 0) {
        // A later fragment: the rest is the middle of the payload, not a header.
        p.laterFragment = true;
        p.ipProto[ipIndex] = next;
        p.off = h + length;
        return L_NONE;
      }
    }
    h += length;
  }
  p.ipProto[ipIndex] = next;
  p.off = h;
  return dispatchIpPayload(p, t, 6, next);
}
