// Link layers: Ethernet II with 802.1Q/802.1ad tags, MPLS, Linux cooked captures (SLL, SLL2),
// BSD loopback and raw IP. Each decoder checks its length once, reads fields by offset,
// advances the cursor and returns the next layer id (L_NONE to stop).
import { issueId } from '../issues.js';
import { isShort } from './bounds.js';
import type { DissectorTables } from './dispatch.js';
import { L_ETHERNET, L_IPV4, L_IPV6, L_LOOPBACK, L_MPLS, L_NONE, L_SLL, L_SLL2, L_VLAN } from './layers.js';
import type { DecodedPacket } from './packet.js';

const ID_ETH_TRUNC = issueId('eth.truncated');
const ID_VLAN_TRUNC = issueId('vlan.truncated');
const ID_MPLS_TRUNC = issueId('mpls.truncated');
const ID_SLL_TRUNC = issueId('sll.truncated');
const ID_LOOP_TRUNC = issueId('loopback.truncated');
const ID_BAD_VERSION = issueId('ip.bad_version');
const ID_IP_TRUNC = issueId('ip.truncated');

/** Values up to 1500 in the type field are an 802.3 length: LLC follows, not an EtherType. */
const MAX_8023_LENGTH = 1500;

/** Hands an EtherType to its decoder, remembering it for packets that carry no IP. */
export function dispatchEtherType(p: DecodedPacket, t: DissectorTables, etherType: number): number {
  p.etherType = etherType;
  if (etherType <= MAX_8023_LENGTH) return L_NONE;
  return t.etherType[etherType];
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
  return dispatchEtherType(p, t, (p.bytes[o + 12] << 8) | p.bytes[o + 13]);
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
  return dispatchEtherType(p, t, (p.bytes[o + 2] << 8) | p.bytes[o + 3]);
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
 */
export function decodeSll(p: DecodedPacket, t: DissectorTables): number {
  if (isShort(p, 16, ID_SLL_TRUNC)) return L_NONE;
  const o = p.off;
  p.pushLayer(L_SLL, o);
  p.sllPacketType = (p.bytes[o] << 8) | p.bytes[o + 1];
  p.off = o + 16;
  return dispatchEtherType(p, t, (p.bytes[o + 14] << 8) | p.bytes[o + 15]);
}

/**
 * Linux cooked capture v2, LINKTYPE_LINUX_SLL2 (276), 20 bytes (what `tcpdump -i any` writes):
 *  0          2          4           8        10        11         12              20
 *  | protocol | reserved | ifindex   | ARPHRD | pkttype | addr len | address (8)   |
 */
export function decodeSll2(p: DecodedPacket, t: DissectorTables): number {
  if (isShort(p, 20, ID_SLL_TRUNC)) return L_NONE;
  const o = p.off;
  p.pushLayer(L_SLL2, o);
  p.sllIfindex = p.view.getUint32(o + 4, false);
  p.sllPacketType = p.bytes[o + 10];
  p.off = o + 20;
  return dispatchEtherType(p, t, (p.bytes[o] << 8) | p.bytes[o + 1]);
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
