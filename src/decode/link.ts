// Link layers: Ethernet II with 802.1Q/802.1ad tags, MPLS, Linux cooked captures (SLL, SLL2),
// BSD loopback and raw IP. Each decoder checks its length once, reads fields by offset,
// advances the cursor and returns the next layer id (L_NONE to stop).
import { issueId } from '../issues.js';
import { isShort } from './bounds.js';
import type { DissectorTables } from './dispatch.js';
import {
  isInvalidLengthType, KIND_CDP, KIND_LLC, KIND_STP, L_ETHERNET, L_IPV4, L_IPV6, L_LLC, L_LOOPBACK, L_MPLS,
  L_NONE, L_SLL, L_SLL2, L_VLAN,
} from './layers.js';
import type { DecodedPacket } from './packet.js';

const ID_ETH_TRUNC = issueId('eth.truncated');
const ID_VLAN_TRUNC = issueId('vlan.truncated');
const ID_MPLS_TRUNC = issueId('mpls.truncated');
const ID_SLL_TRUNC = issueId('sll.truncated');
const ID_LOOP_TRUNC = issueId('loopback.truncated');
const ID_BAD_VERSION = issueId('ip.bad_version');
const ID_IP_TRUNC = issueId('ip.truncated');
const ID_LLC_TRUNC = issueId('llc.truncated');
const ID_INVALID_LENGTH_TYPE = issueId('eth.invalid_length_type');

/** Values up to 1500 in the type field are an 802.3 length: LLC follows, not an EtherType. */
const MAX_8023_LENGTH = 1500;
/** Linux cooked captures name 802.2 LLC frames with this pseudo protocol (ETH_P_802_2). */
const SLL_PROTO_802_2 = 0x0004;
/** Address length of an Ethernet-like device in the SLL header: the address is then a MAC. */
const SLL_MAC_LENGTH = 6;

/** Hands an EtherType to its decoder, remembering it for packets that carry no IP. */
export function dispatchEtherType(p: DecodedPacket, t: DissectorTables, etherType: number): number {
  p.etherType = etherType;
  if (etherType <= MAX_8023_LENGTH) return L_NONE;
  return t.etherType[etherType];
}

/**
 * The length/type field of an Ethernet frame or 802.1Q tag (IEEE 802.3 clause 3.2.6): up to 1500
 * it is the length of an 802.3 frame, whose payload starts with an LLC header; from 0x0600 it is
 * an EtherType; the values between are neither.
 */
function dispatchLengthType(p: DecodedPacket, t: DissectorTables, value: number, at: number): number {
  if (value <= MAX_8023_LENGTH) {
    // The length drops the padding of short frames (an STP BPDU is 38 bytes in a 60-byte frame).
    if (p.off + value < p.end) p.end = p.off + value;
    p.etherType = KIND_LLC;
    return L_LLC;
  }
  if (isInvalidLengthType(value)) {
    p.etherType = value;
    p.addIssue(ID_INVALID_LENGTH_TYPE, at, -1, value);
    return L_NONE;
  }
  return dispatchEtherType(p, t, value);
}

/**
 * Ethernet II (IEEE 802.3 clause 3.1.1):
 *  0                   6                  12        14
 *  | destination MAC   | source MAC       | type    | payload ...
 */
export function decodeEthernet(p: DecodedPacket, t: DissectorTables): number {
  if (isShort(p, 14, ID_ETH_TRUNC)) return L_NONE;
  const o = p.off;
  p.pushLayer(L_ETHERNET, o);
  p.off = o + 14;
  return dispatchLengthType(p, t, (p.bytes[o + 12] << 8) | p.bytes[o + 13], o + 12);
}

/**
 * 802.1Q / 802.1ad tag, after the tag's own TPID (already read as the EtherType):
 *  0        2        4
 *  | TCI    | type   |     TCI = PCP(3) DEI(1) VID(12)
 */
export function decodeVlan(p: DecodedPacket, t: DissectorTables): number {
  if (isShort(p, 4, ID_VLAN_TRUNC)) return L_NONE;
  const o = p.off;
  p.pushLayer(L_VLAN, o);
  if (p.vlanId < 0) p.vlanId = ((p.bytes[o] & 0x0f) << 8) | p.bytes[o + 1];
  p.off = o + 4;
  return dispatchLengthType(p, t, (p.bytes[o + 2] << 8) | p.bytes[o + 3], o + 2);
}

// LLC service access points and SNAP organisation codes we name.
const SAP_STP = 0x42;
const SAP_SNAP = 0xaa;
const OUI_ETHERTYPE = 0x000000; // RFC 1042: the PID is an EtherType
const OUI_BRIDGE_TUNNEL = 0x0000f8; // IEEE 802.1H: the PID is an EtherType too
const OUI_CISCO = 0x00000c;
const CISCO_PID_CDP = 0x2000;
const CISCO_PID_PVST = 0x010b;

/**
 * IEEE 802.2 LLC, after an 802.3 length:
 *  | DSAP | SSAP | control (1 byte; 2 for I/S frames) | ...
 * with SNAP (DSAP = SSAP = 0xAA, control 0x03): | OUI (3) | protocol id (2) |.
 * Spanning tree and CDP are named; SNAP with an EtherType (RFC 1042) is decoded further.
 */
export function decodeLlc(p: DecodedPacket, t: DissectorTables): number {
  if (isShort(p, 3, ID_LLC_TRUNC)) return L_NONE;
  const b = p.bytes;
  const o = p.off;
  p.pushLayer(L_LLC, o);
  const dsap = b[o];
  if (dsap === SAP_STP && b[o + 1] === SAP_STP) {
    p.etherType = KIND_STP;
    return L_NONE;
  }
  if (dsap !== SAP_SNAP || b[o + 1] !== SAP_SNAP || b[o + 2] !== 0x03 || p.end - o < 8) return L_NONE;
  const oui = (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5];
  const pid = (b[o + 6] << 8) | b[o + 7];
  if (oui === OUI_ETHERTYPE || oui === OUI_BRIDGE_TUNNEL) {
    p.off = o + 8;
    return dispatchEtherType(p, t, pid);
  }
  if (oui === OUI_CISCO && pid === CISCO_PID_PVST) p.etherType = KIND_STP;
  else if (oui === OUI_CISCO && pid === CISCO_PID_CDP) p.etherType = KIND_CDP;
  return L_NONE;
}

/**
 * MPLS label stack (RFC 3032): 4-byte entries, label(20) TC(3) S(1) TTL(8); S marks the bottom.
 * Nothing names the payload: like every dissector, guess IP from the first nibble.
 */
export function decodeMpls(p: DecodedPacket, _t: DissectorTables): number {
  p.pushLayer(L_MPLS, p.off);
  for (;;) {
    if (isShort(p, 4, ID_MPLS_TRUNC)) return L_NONE;
    const bottom = (p.bytes[p.off + 2] & 0x01) !== 0;
    p.off += 4;
    if (bottom) break;
  }
  if (isShort(p, 1, ID_IP_TRUNC)) return L_NONE;
  const version = p.bytes[p.off] >> 4;
  return version === 4 ? L_IPV4 : version === 6 ? L_IPV6 : L_NONE;
}

/**
 * Linux cooked capture v1, LINKTYPE_LINUX_SLL (113), 16 bytes:
 *  0         2        4           6                 14        16
 *  | pkttype | ARPHRD | addr len  | address (8)     | protocol |
 * (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html). pkttype is the kernel's
 * sll_pkttype (PACKET_HOST 0 ... PACKET_OUTGOING 4), ARPHRD the device's hardware type.
 */
export function decodeSll(p: DecodedPacket, t: DissectorTables): number {
  if (isShort(p, 16, ID_SLL_TRUNC)) return L_NONE;
  const o = p.off;
  p.pushLayer(L_SLL, o);
  const b = p.bytes;
  p.sllPacketType = (b[o] << 8) | b[o + 1];
  p.sllHatype = (b[o + 2] << 8) | b[o + 3];
  if (b[o + 4] === 0 && b[o + 5] === SLL_MAC_LENGTH) p.sllAddress = readMac(p.view, o + 6);
  p.off = o + 16;
  return dispatchSllProtocol(p, t, (p.bytes[o + 14] << 8) | p.bytes[o + 15]);
}

/**
 * Linux cooked capture v2, LINKTYPE_LINUX_SLL2 (276), 20 bytes (what `tcpdump -i any` writes):
 *  0          2          4           8        10        11         12              20
 *  | protocol | reserved | ifindex   | ARPHRD | pkttype | addr len | address (8)   |
 * (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html)
 */
export function decodeSll2(p: DecodedPacket, t: DissectorTables): number {
  if (isShort(p, 20, ID_SLL_TRUNC)) return L_NONE;
  const o = p.off;
  p.pushLayer(L_SLL2, o);
  const b = p.bytes;
  p.sllIfindex = p.view.getUint32(o + 4, false);
  p.sllHatype = (b[o + 8] << 8) | b[o + 9];
  p.sllPacketType = b[o + 10];
  if (b[o + 11] === SLL_MAC_LENGTH) p.sllAddress = readMac(p.view, o + 12);
  p.off = o + 20;
  return dispatchSllProtocol(p, t, (p.bytes[o] << 8) | p.bytes[o + 1]);
}

/** A 48-bit MAC read big-endian into a double (exact below 2^53). */
function readMac(view: DataView, o: number): number {
  return view.getUint16(o, false) * 4294967296 + view.getUint32(o + 2, false);
}

/** SLL's protocol field is an EtherType, or a Linux ETH_P_ value below 0x0600 (ETH_P_802_2: LLC). */
function dispatchSllProtocol(p: DecodedPacket, t: DissectorTables, protocol: number): number {
  if (protocol === SLL_PROTO_802_2) {
    p.etherType = KIND_LLC;
    return L_LLC;
  }
  return dispatchEtherType(p, t, protocol);
}

// Address family values for IPv6 differ between the BSDs (24, 28, 30); Linux uses 10.
const AF_INET = 2;
const AF_INET6 = new Set([10, 24, 28, 30]);

/** BSD loopback (LINKTYPE_NULL, LINKTYPE_LOOP): a 4-byte address family, in the writer's byte order. */
export function decodeLoopback(p: DecodedPacket, _t: DissectorTables): number {
  if (isShort(p, 4, ID_LOOP_TRUNC)) return L_NONE;
  const o = p.off;
  p.pushLayer(L_LOOPBACK, o);
  let family = p.view.getUint32(o, true);
  if (family > 0xffff) family = p.view.getUint32(o, false); // written big-endian (or LINKTYPE_LOOP)
  p.off = o + 4;
  if (family === AF_INET) return L_IPV4;
  if (AF_INET6.has(family)) return L_IPV6;
  return L_NONE;
}

/** Raw IP: no link header; the version nibble decides. */
export function decodeRawIp(p: DecodedPacket, _t: DissectorTables): number {
  if (isShort(p, 1, ID_IP_TRUNC)) return L_NONE;
  const version = p.bytes[p.off] >> 4;
  if (version === 4) return L_IPV4;
  if (version === 6) return L_IPV6;
  p.addIssue(ID_BAD_VERSION, p.off, -1, -1);
  return L_NONE;
}
