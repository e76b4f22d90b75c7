// Tunnel headers: VXLAN, VXLAN-GPE (with NSH), GENEVE, GRE (with NVGRE, ERSPAN and PPTP's PPP),
// and WireGuard recognised as an encrypted tunnel. Each records itself on the tunnel stack with
// its VNI or key.
import { issueId } from '../issues.js';
import { isShort } from './bounds.js';
import type { DissectorTables } from './dispatch.js';
import { dispatchEtherType } from './link.js';
import {
  KIND_EMPTY, KIND_PPP, L_ERSPAN2, L_ERSPAN3, L_ETHERNET, L_GENEVE, L_GRE, L_IPV4, L_IPV6, L_MPLS, L_NONE,
  L_NSH, L_PPP, L_VXLAN, L_VXLAN_GPE, L_WIREGUARD, T_GENEVE, T_GRE, T_VXLAN, T_VXLAN_GPE, T_WIREGUARD,
} from './layers.js';
import type { DecodedPacket } from './packet.js';
import { addTunnel } from './tunnel-stack.js';

const ID_VXLAN_TRUNC = issueId('vxlan.truncated');
const ID_VXLAN_NO_I = issueId('vxlan.i_flag_unset');
const ID_GENEVE_TRUNC = issueId('geneve.truncated');
const ID_GENEVE_VERSION = issueId('geneve.bad_version');
const ID_GRE_TRUNC = issueId('gre.truncated');
const ID_GRE_VERSION = issueId('gre.bad_version');
const ID_ERSPAN_TRUNC = issueId('erspan.truncated');
const ID_PPP_TRUNC = issueId('ppp.truncated');
const ID_WG_TRUNC = issueId('wireguard.truncated');
const ID_NSH_TRUNC = issueId('nsh.truncated');
const ID_UNKNOWN_NEXT = issueId('tunnel.unknown_next_protocol');

/**
 * VXLAN (RFC 7348 section 5), after UDP to port 4789 (or 8472, or --vxlan-port):
 *  |R|R|R|R|I|R|R|R|            Reserved                           |
 *  |                VXLAN Network Identifier (VNI) |   Reserved    |
 * then the inner Ethernet frame. Calico uses VNI 4096.
 */
export function decodeVxlan(p: DecodedPacket, _t: DissectorTables): number {
  const o = p.off;
  if (isShort(p, 8, ID_VXLAN_TRUNC)) {
    // Sent to the VXLAN port: still a tunnel on the wire, just not a decodable one.
    addTunnel(p, T_VXLAN, -1);
    return L_NONE;
  }
  const b = p.bytes;
  p.pushLayer(L_VXLAN, o);
  if ((b[o] & VXLAN_I) === 0) p.addIssue(ID_VXLAN_NO_I, o, -1, -1);
  const vni = (b[o + 4] << 16) | (b[o + 5] << 8) | b[o + 6];
  if (!addTunnel(p, T_VXLAN, vni)) return L_NONE;
  p.off = o + 8;
  if (p.vxlanInnerEthernet < 0 && p.off + 14 <= p.end) p.vxlanInnerEthernet = p.off;
  return L_ETHERNET;
}

const VXLAN_I = 0x08;
const GPE_P = 0x04; // next protocol present
const GPE_VERSION = 0x30;
// Next protocol values shared by VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe section 3.2) and NSH (RFC 8300 section 2.2).
const NEXT_IPV4 = 1;
const NEXT_IPV6 = 2;
const NEXT_ETHERNET = 3;
const NEXT_NSH = 4;
const NEXT_MPLS = 5;

/** The layer a VXLAN-GPE / NSH next protocol value leads to, or L_NONE for one we do not decode. */
function nextProtocolLayer(next: number): number {
  switch (next) {
    case NEXT_IPV4: return L_IPV4;
    case NEXT_IPV6: return L_IPV6;
    case NEXT_ETHERNET: return L_ETHERNET;
    case NEXT_NSH: return L_NSH;
    case NEXT_MPLS: return L_MPLS;
    default: return L_NONE;
  }
}

/**
 * VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe), after UDP to port 4790:
 *  |R|R|Ver|I|P|B|O|       Reserved                |Next Protocol  |
 *  |                VXLAN Network Identifier (VNI) |   Reserved    |
 * With P set the next protocol names the payload (IPv4, IPv6, Ethernet, NSH, MPLS); with P clear
 * the header is plain VXLAN carrying Ethernet (the draft's backward compatibility), and is
 * reported as VXLAN.
 */
export function decodeVxlanGpe(p: DecodedPacket, t: DissectorTables): number {
  const o = p.off;
  const b = p.bytes;
  if (p.end - o >= 1 && (b[o] & GPE_P) === 0) return decodeVxlan(p, t);
  if (isShort(p, 8, ID_VXLAN_TRUNC)) {
    addTunnel(p, T_VXLAN_GPE, -1);
    return L_NONE;
  }
  p.pushLayer(L_VXLAN_GPE, o);
  if ((b[o] & VXLAN_I) === 0) p.addIssue(ID_VXLAN_NO_I, o, -1, -1);
  if (!addTunnel(p, T_VXLAN_GPE, (b[o + 4] << 16) | (b[o + 5] << 8) | b[o + 6])) return L_NONE;
  p.off = o + 8;
  const next = (b[o] & GPE_VERSION) === 0 ? nextProtocolLayer(b[o + 3]) : L_NONE;
  if (next === L_NONE) p.addIssue(ID_UNKNOWN_NEXT, o + 3, -1, b[o + 3]);
  return next;
}

/**
 * Network Service Header (RFC 8300 section 2), 8 bytes plus context headers:
 *  |Ver|O|U|    TTL    |   Length  |U|U|U|U|MD Type| Next Protocol |
 *  |          Service Path Identifier (SPI)        | Service Index |
 * Length counts 4-byte words of the whole header. A service header, not a tunnel: no new IP.
 */
export function decodeNsh(p: DecodedPacket, _t: DissectorTables): number {
  if (isShort(p, 8, ID_NSH_TRUNC)) return L_NONE;
  const o = p.off;
  const b = p.bytes;
  p.pushLayer(L_NSH, o);
  const length = (b[o + 1] & 0x3f) << 2;
  if (length < 8) {
    p.addIssue(ID_NSH_TRUNC, o + 1, 8, length);
    return L_NONE;
  }
  if (isShort(p, length, ID_NSH_TRUNC)) return L_NONE;
  p.off = o + length;
  const next = b[o] >> 6 === 0 ? nextProtocolLayer(b[o + 3]) : L_NONE;
  if (next === L_NONE) p.addIssue(ID_UNKNOWN_NEXT, o + 3, -1, b[o + 3]);
  return next;
}

// Source-port matches: a UDP packet from a tunnel's well-known port to some other port is taken
// for that tunnel only when its header is one a sender would write.
const GENEVE_KNOWN_PROTOCOLS = new Set([0x6558, 0x0800, 0x86dd]);

/** True when the UDP payload at the cursor is a plausible header of tunnel layer `kind`. */
export function looksLikeTunnel(p: DecodedPacket, kind: number): boolean {
  const o = p.off;
  const b = p.bytes;
  const room = p.end - o;
  switch (kind) {
    case L_VXLAN:
      // I set, every reserved bit clear (the G bit of group policy allowed), room for the inner Ethernet.
      return room >= 22 && (b[o] & 0x77) === 0 && (b[o] & VXLAN_I) !== 0 && b[o + 7] === 0;
    case L_VXLAN_GPE:
      return room >= 8 && (b[o] & (GPE_P | VXLAN_I | GPE_VERSION)) === (GPE_P | VXLAN_I) && b[o + 7] === 0 && nextProtocolLayer(b[o + 3]) !== L_NONE;
    case L_GENEVE:
      // Version 0, options inside the datagram, a payload type GENEVE is used for.
      return room >= 8 && b[o] >> 6 === 0 && 8 + ((b[o] & 0x3f) << 2) <= room && GENEVE_KNOWN_PROTOCOLS.has((b[o + 2] << 8) | b[o + 3]);
    default:
      return false;
  }
}

/**
 * GENEVE (RFC 8926 section 3.4), after UDP to port 6081:
 *  |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *  |        Virtual Network Identifier (VNI)       |    Reserved   |
 *  |                    Variable-Length Options                    |
 */
export function decodeGeneve(p: DecodedPacket, t: DissectorTables): number {
  const o = p.off;
  if (isShort(p, 8, ID_GENEVE_TRUNC)) return L_NONE;
  const b = p.bytes;
  p.pushLayer(L_GENEVE, o);
  if (b[o] >> 6 !== 0) {
    p.addIssue(ID_GENEVE_VERSION, o, -1, -1);
    return L_NONE;
  }
  const vni = (b[o + 4] << 16) | (b[o + 5] << 8) | b[o + 6];
  if (!addTunnel(p, T_GENEVE, vni)) return L_NONE;
  const headerLength = 8 + ((b[o] & 0x3f) << 2);
  if (isShort(p, headerLength, ID_GENEVE_TRUNC)) return L_NONE;
  p.off = o + headerLength;
  return dispatchEtherType(p, t, (b[o + 2] << 8) | b[o + 3]);
}

const GRE_CHECKSUM = 0x8000;
const GRE_ROUTING = 0x4000;
const GRE_KEY = 0x2000;
const GRE_SEQUENCE = 0x1000;
const GRE_ACK = 0x0080; // version 1 (PPTP, RFC 2637)
const PPP_IPV4 = 0x21;
const PPP_IPV6 = 0x57;
const GRE_PROTO_TEB = 0x6558;
const GRE_PROTO_ERSPAN2 = 0x88be;
const GRE_PROTO_ERSPAN3 = 0x22eb;
const GRE_PROTO_PPP = 0x880b; // PPTP

/**
 * GRE (RFC 2784, key and sequence from RFC 2890; version 1 from RFC 2637):
 *  |C|R|K|S| Reserved0       | Ver |         Protocol Type         |
 *  |      Checksum (optional)      |       Reserved1 (optional)    |
 *  |                         Key (optional)                        |
 *  |                 Sequence Number (optional)                    |
 */
export function decodeGre(p: DecodedPacket, t: DissectorTables): number {
  const o = p.off;
  if (isShort(p, 4, ID_GRE_TRUNC)) return L_NONE;
  const b = p.bytes;
  p.pushLayer(L_GRE, o);
  const flags = (b[o] << 8) | b[o + 1];
  const version = flags & 0x7;
  const protocol = (b[o + 2] << 8) | b[o + 3];
  if (version > 1) {
    p.addIssue(ID_GRE_VERSION, o, -1, -1);
    return L_NONE;
  }
  let length = 4;
  if (version === 0 && (flags & (GRE_CHECKSUM | GRE_ROUTING)) !== 0) length += 4;
  const keyAt = o + length;
  if (flags & GRE_KEY) length += 4;
  if (flags & GRE_SEQUENCE) length += 4;
  if (version === 1 && flags & GRE_ACK) length += 4;
  if (isShort(p, length, ID_GRE_TRUNC)) return L_NONE;
  if (version === 1) return decodeEnhancedGre(p, t, flags, protocol, keyAt, o + length);
  const key = flags & GRE_KEY ? p.view.getUint32(keyAt, false) : -1;
  if (!addTunnel(p, T_GRE, isNvgre(flags, protocol, key) ? key >>> 8 : key)) return L_NONE;
  p.tunnelKey[p.tunnelCount - 1] = key;
  // RFC 1701 source routing would follow here; nobody sends it, and we do not walk it.
  if (flags & GRE_ROUTING) return L_NONE;
  p.off = o + length;
  switch (protocol) {
    case GRE_PROTO_TEB:
      return L_ETHERNET;
    case GRE_PROTO_ERSPAN2:
      // ERSPAN type I has no header (and no sequence number); type II sets S and adds 8 bytes.
      return flags & GRE_SEQUENCE ? L_ERSPAN2 : L_ETHERNET;
    case GRE_PROTO_ERSPAN3:
      return L_ERSPAN3;
    case GRE_PROTO_PPP:
      return L_PPP;
    default:
      return dispatchEtherType(p, t, protocol);
  }
}

/** Lowest NVGRE Virtual Subnet ID in use: RFC 7637 section 3.2 reserves 0-0xFFF. */
const NVGRE_MIN_VSID = 0x1000;

/**
 * NVGRE (RFC 7637): Ethernet in GRE with the key present and no checksum or sequence number; the
 * key is a 24-bit Virtual Subnet ID then an 8-bit FlowID. A keyed Linux gretap looks the same but
 * uses small keys, which fall in the reserved VSID range: those stay plain GRE keys.
 */
function isNvgre(flags: number, protocol: number, key: number): boolean {
  return protocol === GRE_PROTO_TEB && key >= 0 && (flags & (GRE_CHECKSUM | GRE_ROUTING | GRE_SEQUENCE)) === 0 && key >>> 8 >= NVGRE_MIN_VSID;
}

/**
 * PPTP's enhanced GRE, version 1 (RFC 2637 section 4.1): the key holds the payload length (16
 * bits) and the peer's call id (16 bits); an acknowledgement may travel alone, with payload
 * length 0 and no PPP frame at all.
 */
function decodeEnhancedGre(p: DecodedPacket, t: DissectorTables, flags: number, protocol: number, keyAt: number, payloadAt: number): number {
  if (!addTunnel(p, T_GRE, -1)) return L_NONE;
  p.off = payloadAt;
  const payloadLength = flags & GRE_KEY ? (p.bytes[keyAt] << 8) | p.bytes[keyAt + 1] : p.end - payloadAt;
  if (payloadLength === 0) {
    p.etherType = KIND_EMPTY;
    return L_NONE;
  }
  if (payloadAt + payloadLength < p.end) p.end = payloadAt + payloadLength;
  return protocol === GRE_PROTO_PPP ? L_PPP : dispatchEtherType(p, t, protocol);
}

/** ERSPAN type II: Ver(4) VLAN(12) COS(3) En(2) T(1) Session(10) Reserved(12) Index(20), then Ethernet. */
export function decodeErspan2(p: DecodedPacket, _t: DissectorTables): number {
  if (isShort(p, 8, ID_ERSPAN_TRUNC)) return L_NONE;
  p.pushLayer(L_ERSPAN2, p.off);
  p.off += 8;
  return L_ETHERNET;
}

/**
 * ERSPAN type III: 12 bytes, plus an 8-byte platform sub-header when O (last bit) is set;
 * frame type FT (5 bits of byte 10) 0 = Ethernet, 2 = IP.
 */
export function decodeErspan3(p: DecodedPacket, _t: DissectorTables): number {
  if (isShort(p, 12, ID_ERSPAN_TRUNC)) return L_NONE;
  const o = p.off;
  const b = p.bytes;
  p.pushLayer(L_ERSPAN3, o);
  const length = b[o + 11] & 0x01 ? 20 : 12;
  if (isShort(p, length, ID_ERSPAN_TRUNC)) return L_NONE;
  const frameType = (b[o + 10] >> 1) & 0x1f;
  p.off = o + length;
  if (frameType === 0) return L_ETHERNET;
  if (frameType === 2 && p.off < p.end) return b[p.off] >> 4 === 6 ? L_IPV6 : L_IPV4;
  return L_NONE;
}

/**
 * PPP in PPTP's GRE (RFC 1661): optional FF 03 address/control, then a 1- or 2-byte protocol.
 * IP goes on to the IP decoders; anything else (LCP, CCP, IPCP, compressed data) is named by its
 * PPP protocol number, never by the EtherType of the frame around it.
 */
export function decodePpp(p: DecodedPacket, _t: DissectorTables): number {
  if (isShort(p, 2, ID_PPP_TRUNC)) return L_NONE;
  const b = p.bytes;
  p.pushLayer(L_PPP, p.off);
  let o = p.off;
  if (b[o] === 0xff && b[o + 1] === 0x03) o += 2;
  if (o >= p.end) return L_NONE;
  let protocol: number;
  if (b[o] & 0x01) {
    protocol = b[o]; // protocol field compression
    o += 1;
  } else {
    if (o + 2 > p.end) return L_NONE;
    protocol = (b[o] << 8) | b[o + 1];
    o += 2;
  }
  p.off = o;
  p.etherType = KIND_PPP | protocol;
  if (protocol === PPP_IPV4) return L_IPV4;
  if (protocol === PPP_IPV6) return L_IPV6;
  return L_NONE;
}

// WireGuard message types and their fixed sizes (handshake init, response, cookie); data is >= 32.
const WG_SIZES = [0, 148, 92, 64, 32];

/**
 * WireGuard (Calico's encryption, UDP 51820): type(1) reserved zero(3) ... The payload is
 * encrypted; we recognise the tunnel and stop. Reserved bytes must be zero, which keeps a random
 * UDP flow on port 51820 from being taken for WireGuard.
 */
export function decodeWireguard(p: DecodedPacket, _t: DissectorTables): number {
  const o = p.off;
  const b = p.bytes;
  if (p.end - o < 4) return L_NONE;
  const type = b[o];
  if (type < 1 || type > 4 || b[o + 1] !== 0 || b[o + 2] !== 0 || b[o + 3] !== 0) return L_NONE;
  p.pushLayer(L_WIREGUARD, o);
  addTunnel(p, T_WIREGUARD, -1);
  if (type === 4 ? p.end - o < WG_SIZES[4] : p.end - o !== WG_SIZES[type]) {
    if (p.end - o < WG_SIZES[type]) isShort(p, WG_SIZES[type], ID_WG_TRUNC);
  }
  return L_NONE;
}
