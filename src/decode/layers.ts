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
/** Bytes we recognise but do not decode further (ESP, SCTP, an ICMP error's quote, ...). */
export const L_OTHER = 22;

export const LAYER_NAMES: readonly string[] = [
  'none', 'eth', 'vlan', 'mpls', 'sll', 'sll2', 'loopback', 'raw', 'ipv4', 'ipv6', 'udp', 'tcp',
  'icmp', 'icmpv6', 'vxlan', 'geneve', 'gre', 'erspan', 'erspan', 'ppp', 'wireguard', 'arp', 'other',
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

export const TUNNEL_NAMES: readonly string[] = ['plain', 'vxlan', 'ipip', '6in4', '4in6', '6in6', 'geneve', 'gre', 'wireguard'];

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
  89: 'ospf', 103: 'pim', 112: 'vrrp', 132: 'sctp',
};

export function protocolName(proto: number): string {
  return IPPROTO_NAMES[proto] ?? `unknown(${proto})`;
}

export const ETHERTYPE_NAMES: Readonly<Record<number, string>> = {
  0x0800: 'ipv4', 0x0806: 'arp', 0x86dd: 'ipv6', 0x8100: 'vlan', 0x88a8: 'qinq', 0x8847: 'mpls',
  0x8848: 'mpls-multicast', 0x88cc: 'lldp', 0x8035: 'rarp', 0x88e5: 'macsec', 0x893f: 'bridge',
};

export function etherTypeName(t: number): string {
  return ETHERTYPE_NAMES[t] ?? `ethertype(0x${t.toString(16).padStart(4, '0')})`;
}
