// Transport headers: UDP (RFC 768), TCP (RFC 9293), ICMP (RFC 792), ICMPv6 (RFC 4443), and the
// ports of SCTP, DCCP and UDP-Lite. They give a flow its ports (whenever the 4 port bytes are
// there, even if the rest of the header was cut); UDP also hands its payload to a tunnel decoder
// chosen by port.
import { issueId } from '../issues.js';
import { isShort, reportShort } from './bounds.js';
import type { DissectorTables } from './dispatch.js';
import { L_DCCP, L_GENEVE, L_ICMP, L_ICMPV6, L_NONE, L_SCTP, L_TCP, L_UDP, L_UDPLITE, L_VXLAN, L_VXLAN_GPE } from './layers.js';
import { looksLikeTunnel } from './tunnels.js';
import { fold, pseudoHeaderSum, sumWords } from './checksum.js';
import type { DecodedPacket } from './packet.js';

const ID_UDP_TRUNC = issueId('udp.truncated');
const ID_UDP_BAD_LENGTH = issueId('udp.bad_length');
const ID_UDP_BAD_CHECKSUM = issueId('udp.bad_checksum');
const ID_UDP_OFFLOAD = issueId('udp.checksum_offload_suspect');
const ID_TCP_TRUNC = issueId('tcp.truncated');
const ID_TCP_BAD_OFFSET = issueId('tcp.bad_data_offset');
const ID_ICMP_TRUNC = issueId('icmp.truncated');
const ID_TRANSPORT_TRUNC = issueId('transport.truncated');

/** Bytes of a TCP, UDP, SCTP, DCCP or UDP-Lite header that hold the source and destination ports. */
const PORT_BYTES = 4;

/**
 * Records the ports of a transport header cut short (snapshot length, or a tiny first fragment):
 * the flow keeps its ports when their 4 bytes are there; the cut is still reported.
 */
function shortWithPorts(p: DecodedPacket, kind: number, needed: number, id: number): boolean {
  if (p.end - p.off >= needed) return false;
  if (p.end - p.off >= PORT_BYTES) pushPorts(p, kind);
  isShort(p, needed, id);
  return true;
}

/** Pushes the transport layer and reads its two 16-bit ports at the cursor. */
function pushPorts(p: DecodedPacket, kind: number): void {
  const o = p.off;
  p.pushLayer(kind, o);
  p.sport = (p.bytes[o] << 8) | p.bytes[o + 1];
  p.dport = (p.bytes[o + 2] << 8) | p.bytes[o + 3];
}

/**
 * UDP header:
 *  0        2        4        6        8
 *  | sport  | dport  | length | cksum  | payload ...
 */
export function decodeUdp(p: DecodedPacket, t: DissectorTables): number {
  if (shortWithPorts(p, L_UDP, 8, ID_UDP_TRUNC)) return L_NONE;
  const b = p.bytes;
  const o = p.off;
  p.pushLayer(L_UDP, o);
  const sport = (b[o] << 8) | b[o + 1];
  const dport = (b[o + 2] << 8) | b[o + 3];
  const length = (b[o + 4] << 8) | b[o + 5];
  p.sport = sport;
  p.dport = dport;
  if (length < 8) {
    // Zero is legal only for IPv6 jumbograms and GSO super-packets; either way trust the IP length.
    if (length !== 0) p.addIssue(ID_UDP_BAD_LENGTH, o + 4, 8, length);
  } else if (o + length <= p.end) {
    p.end = o + length;
  } else if (!p.inFragment) {
    reportShort(p, ID_UDP_BAD_LENGTH, o, length, p.end - o);
  }
  p.off = o + 8;
  let next = t.udpDestinationPort[dport];
  let tunnelPort = dport;
  // A tunnel endpoint may answer from its well-known port to a random one: taken as a tunnel
  // only when the header there checks out, so that other UDP from that port stays plain.
  if (next === L_NONE && t.udpSourcePort[sport] !== L_NONE && looksLikeTunnel(p, t.udpSourcePort[sport])) {
    next = t.udpSourcePort[sport];
    tunnelPort = sport;
  }
  if (next !== L_NONE) {
    // The outer UDP checksum of a tunnel is what a receiving node verifies before decapsulating.
    if ((next === L_VXLAN || next === L_GENEVE || next === L_VXLAN_GPE) && length >= 8 && (b[o + 6] | b[o + 7]) !== 0) checkUdp(p, o, length);
    if (p.tunnelPort < 0) p.tunnelPort = tunnelPort;
    return next;
  }
  return t.udpEitherPort[dport] || t.udpEitherPort[sport];
}

/** Verifies a UDP checksum when the whole datagram is there; tells TX offload from corruption. */
function checkUdp(p: DecodedPacket, o: number, length: number): void {
  if (p.inFragment || o + length > p.end || o + length > p.capEnd) return;
  const ip = p.ipCount - 1;
  const pseudo = pseudoHeaderSum(p.view, p.bytes, p.ipFamily[ip], p.ipOffset[ip], 17, length);
  if (fold(pseudo + sumWords(p.view, p.bytes, o, o + length)) === 0xffff) return;
  // With TX offload the stack leaves the folded pseudo-header sum for the NIC to complete.
  const field = (p.bytes[o + 6] << 8) | p.bytes[o + 7];
  if (p.isOutgoing() || field === fold(pseudo)) {
    p.offloadSuspects++;
    p.addIssue(ID_UDP_OFFLOAD, o + 6, -1, -1);
  } else {
    p.badChecksums++;
    p.addIssue(ID_UDP_BAD_CHECKSUM, o + 6, -1, -1);
  }
}

/**
 * TCP header: sport(2) dport(2) seq(4) ack(4) data offset(4 bits) flags(12 bits) window(2) ...
 */
export function decodeTcp(p: DecodedPacket, _t: DissectorTables): number {
  if (shortWithPorts(p, L_TCP, 20, ID_TCP_TRUNC)) {
    // The flags byte may still be there: a SYN cut after its flags is still a SYN.
    if (p.off + 14 <= p.end) p.tcpFlags = ((p.bytes[p.off + 12] & 0x01) << 8) | p.bytes[p.off + 13];
    return L_NONE;
  }
  const b = p.bytes;
  const o = p.off;
  p.pushLayer(L_TCP, o);
  p.sport = (b[o] << 8) | b[o + 1];
  p.dport = (b[o + 2] << 8) | b[o + 3];
  p.tcpFlags = ((b[o + 12] & 0x01) << 8) | b[o + 13];
  const dataOffset = (b[o + 12] >> 4) << 2;
  if (dataOffset < 20) {
    p.addIssue(ID_TCP_BAD_OFFSET, o + 12, 20, dataOffset);
  } else if (o + dataOffset > p.end) {
    reportShort(p, ID_TCP_BAD_OFFSET, o, dataOffset, p.end - o);
  }
  p.off = o + Math.max(20, Math.min(dataOffset, p.end - o));
  return L_NONE;
}

// Fixed header sizes of the transports we take only the ports of.
const SCTP_COMMON_HEADER = 12; // RFC 9260: ports, verification tag, checksum
const DCCP_GENERIC_HEADER = 12; // RFC 4340: the short form (X = 0); 16 with extended sequence numbers
const UDPLITE_HEADER = 8; // RFC 3828: like UDP, with checksum coverage in place of the length

/** SCTP, DCCP, UDP-Lite: the ports, then stop (their payloads carry no tunnel we decode). */
function decodePortsOnly(p: DecodedPacket, kind: number, headerLength: number): number {
  if (shortWithPorts(p, kind, headerLength, ID_TRANSPORT_TRUNC)) return L_NONE;
  pushPorts(p, kind);
  p.off += headerLength;
  return L_NONE;
}

export function decodeSctp(p: DecodedPacket, _t: DissectorTables): number {
  return decodePortsOnly(p, L_SCTP, SCTP_COMMON_HEADER);
}

export function decodeDccp(p: DecodedPacket, _t: DissectorTables): number {
  return decodePortsOnly(p, L_DCCP, DCCP_GENERIC_HEADER);
}

export function decodeUdpLite(p: DecodedPacket, _t: DissectorTables): number {
  return decodePortsOnly(p, L_UDPLITE, UDPLITE_HEADER);
}

/** ICMP / ICMPv6: type(1) code(1) checksum(2). An error's quoted IP header is not a tunnel: stop here. */
export function decodeIcmp(p: DecodedPacket, _t: DissectorTables): number {
  return decodeIcmpCommon(p, L_ICMP);
}

export function decodeIcmpv6(p: DecodedPacket, _t: DissectorTables): number {
  return decodeIcmpCommon(p, L_ICMPV6);
}

function decodeIcmpCommon(p: DecodedPacket, kind: number): number {
  if (isShort(p, 4, ID_ICMP_TRUNC)) return L_NONE;
  const o = p.off;
  p.pushLayer(kind, o);
  p.icmpType = p.bytes[o];
  p.icmpCode = p.bytes[o + 1];
  p.off = o + 4;
  return L_NONE;
}
