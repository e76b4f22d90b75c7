// Numeric ids for layers and tunnel types: the decoder's hot path works with small integers and
// typed arrays; names are looked up only when a report is written.

export const L_NONE = 0;
export const L_ETHERNET = 1;
export const L_VLAN = 2;
export const L_MPLS = 3;
export const L_SLL = 4;
export const L_SLL2 = 5;
export const L_LOOPBACK = 6;
/** Raw IP: the version nibble says IPv4 or IPv6. */
export const L_RAW_IP = 7;
export const L_IPV4 = 8;
export const L_IPV6 = 9;
export const L_UDP = 10;
export const L_TCP = 11;
export const L_ICMP = 12;
export const L_ICMPV6 = 13;
export const L_VXLAN = 14;
export const L_GENEVE = 15;
export const L_GRE = 16;
export const L_ERSPAN2 = 17;
export const L_ERSPAN3 = 18;
export const L_PPP = 19;
export const L_WIREGUARD = 20;
export const L_ARP = 21;
/** Bytes we recognise but do not decode further (ESP, an ICMP error's quote, ...). */
export const L_OTHER = 22;
/** IEEE 802.2 LLC after an 802.3 length field (STP, CDP, ...). */
export const L_LLC = 23;
/** VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe): VXLAN with a next-protocol byte, UDP 4790. */
export const L_VXLAN_GPE = 24;
/** Network Service Header (RFC 8300), carried by VXLAN-GPE. */
export const L_NSH = 25;
/** Transports that start with two 16-bit ports, like UDP, but that we decode no further. */
export const L_SCTP = 26;
export const L_DCCP = 27;
export const L_UDPLITE = 28;

export const LAYER_NAMES: readonly string[] = [
  'none', 'eth', 'vlan', 'mpls', 'sll', 'sll2', 'loopback', 'raw', 'ipv4', 'ipv6', 'udp', 'tcp',
  'icmp', 'icmpv6', 'vxlan', 'geneve', 'gre', 'erspan', 'erspan', 'ppp', 'wireguard', 'arp', 'other',
  'llc', 'vxlan-gpe', 'nsh', 'sctp', 'dccp', 'udplite',
];

// Tunnel types, as they appear in reports ("type" of each entry of "tunnels").
export const T_VXLAN = 1;
export const T_IPIP = 2; // IPv4 in IPv4, RFC 2003: Calico's tunl0
export const T_6IN4 = 3;
export const T_4IN6 = 4;
export const T_6IN6 = 5;
export const T_GENEVE = 6;
export const T_GRE = 7;
export const T_WIREGUARD = 8;
export const T_VXLAN_GPE = 9;

export const TUNNEL_NAMES: readonly string[] = ['plain', 'vxlan', 'ipip', '6in4', '4in6', '6in6', 'geneve', 'gre', 'wireguard', 'vxlan-gpe'];

/** The outermost tunnel type of an encapsulation chain (T_VXLAN, T_IPIP, ...), 0 for a plain packet. */
export function outermostTunnel(chain: number): number {
  return chain & 0xf;
}

/** The encapsulation of a packet as one number: tunnel types, outermost in the low 4 bits. */
export function encapsulationName(chain: number): string {
  if (chain === 0) return 'plain';
  const parts: string[] = [];
  for (let c = chain; c !== 0; c >>>= 4) parts.push(TUNNEL_NAMES[c & 0xf] ?? `unknown(${c & 0xf})`);
  return parts.join('>');
}

export const IPPROTO_NAMES: Readonly<Record<number, string>> = {
  0: 'hopopt', 1: 'icmp', 2: 'igmp', 4: 'ipip', 6: 'tcp', 17: 'udp', 41: 'ipv6', 43: 'ipv6-route',
  44: 'ipv6-frag', 47: 'gre', 50: 'esp', 51: 'ah', 58: 'icmpv6', 59: 'ipv6-nonxt', 60: 'ipv6-opts',
  33: 'dccp', 89: 'ospf', 103: 'pim', 112: 'vrrp', 132: 'sctp', 136: 'udplite',
};

export function protocolName(proto: number): string {
  return IPPROTO_NAMES[proto] ?? `unknown(${proto})`;
}

export const ETHERTYPE_NAMES: Readonly<Record<number, string>> = {
  0x0800: 'ipv4', 0x0806: 'arp', 0x86dd: 'ipv6', 0x8100: 'vlan', 0x88a8: 'qinq', 0x8847: 'mpls',
  0x8848: 'mpls-multicast', 0x88cc: 'lldp', 0x8035: 'rarp', 0x88e5: 'macsec', 0x893f: 'bridge', 0x894f: 'nsh',
};

// What a packet without (inner) IP carries is one number, `DecodedPacket.etherType`: an EtherType
// (0x0600 and up), or one of these kinds for payloads that no EtherType names.
/** An 802.3 frame (length field <= 1500) whose LLC header we do not name further. */
export const KIND_LLC = 0x10000;
/** Spanning tree BPDUs: LLC SAP 0x42, or Cisco PVST+ in SNAP. */
export const KIND_STP = 0x10001;
/** Cisco Discovery Protocol (SNAP, OUI 00000c, PID 0x2000). */
export const KIND_CDP = 0x10002;
/** A tunnel packet with no payload at all (a PPTP acknowledgement). */
export const KIND_EMPTY = 0x10003;
/** A PPP frame that is not IP (LCP, CCP, IPCP, ...): KIND_PPP | the PPP protocol number. */
export const KIND_PPP = 0x20000;

const KIND_NAMES: Readonly<Record<number, string>> = {
  [KIND_LLC]: 'llc', [KIND_STP]: 'stp', [KIND_CDP]: 'cdp', [KIND_EMPTY]: 'empty',
};

// PPP protocol numbers (RFC 1661 and the IANA PPP DLL protocol numbers registry).
const PPP_NAMES: Readonly<Record<number, string>> = {
  0xc021: 'ppp-lcp', 0xc023: 'ppp-pap', 0xc223: 'ppp-chap', 0xc227: 'ppp-eap', 0x8021: 'ppp-ipcp',
  0x8057: 'ppp-ipv6cp', 0x80fd: 'ppp-ccp', 0x80fb: 'ppp-ccp', 0x00fd: 'ppp-comp', 0x00fb: 'ppp-comp',
  0xc025: 'ppp-lqr', 0x8281: 'ppp-mplscp',
};

/** True for the values 1501..1535 of an Ethernet length/type field: neither a length nor a type. */
export function isInvalidLengthType(t: number): boolean {
  return t > 1500 && t < 0x0600;
}

/** Name of what a non-IP packet carries: an EtherType, or a KIND_ value. */
export function etherTypeName(t: number): string {
  if (t >= KIND_PPP) return PPP_NAMES[t - KIND_PPP] ?? `ppp(0x${(t - KIND_PPP).toString(16).padStart(4, '0')})`;
  if (t >= KIND_LLC) return KIND_NAMES[t] ?? 'llc';
  if (isInvalidLengthType(t)) return `invalid-type(0x${t.toString(16).padStart(4, '0')})`;
  return ETHERTYPE_NAMES[t] ?? `ethertype(0x${t.toString(16).padStart(4, '0')})`;
}
