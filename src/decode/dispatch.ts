// Dispatch tables: which decoder handles an EtherType, an IP protocol number, a UDP port or a
// link type. Built in one place and handed to the decoder (never global), so "decode as"
// overrides such as --vxlan-port only touch the tables of the run that asked for them.
import {
  L_ARP, L_DCCP, L_ETHERNET, L_GENEVE, L_GRE, L_ICMP, L_ICMPV6, L_IPV4, L_IPV6, L_LOOPBACK, L_MPLS, L_NSH,
  L_RAW_IP, L_SCTP, L_SLL, L_SLL2, L_TCP, L_UDP, L_UDPLITE, L_VLAN, L_VXLAN, L_VXLAN_GPE, L_WIREGUARD,
} from './layers.js';

/** IANA-assigned VXLAN port (RFC 7348) and the Linux kernel's historical default (Calico uses 4789). */
export const VXLAN_PORTS = [4789, 8472];
/** IANA-assigned VXLAN-GPE port (draft-ietf-nvo3-vxlan-gpe), decoded by default as tshark does. */
export const VXLAN_GPE_PORT = 4790;
export const GENEVE_PORT = 6081; // RFC 8926
export const WIREGUARD_PORT = 51820; // Calico's default WireGuard port

export interface DissectorOptions {
  /** Extra UDP destination ports to decode as VXLAN (--vxlan-port). */
  vxlanPorts?: readonly number[];
  genevePorts?: readonly number[];
  wireguardPorts?: readonly number[];
}

export interface DissectorTables {
  readonly etherType: Uint8Array; // 65536 entries
  readonly ipProtocol: Uint8Array; // 256 entries
  /** Matched on the UDP destination port. */
  readonly udpDestinationPort: Uint8Array; // 65536 entries
  /**
   * Tried on the UDP source port when the destination port matched nothing (an endpoint answering
   * from its well-known port, as tshark's udp.port matching allows), if the header checks out.
   */
  readonly udpSourcePort: Uint8Array;
  /** Matched on either UDP port (WireGuard peers use the same port both ways). */
  readonly udpEitherPort: Uint8Array;
  readonly linkType: ReadonlyMap<number, number>;
}

export function createDissectorTables(options: DissectorOptions = {}): DissectorTables {
  const etherType = new Uint8Array(65536);
  etherType[0x0800] = L_IPV4;
  etherType[0x86dd] = L_IPV6;
  etherType[0x0806] = L_ARP;
  etherType[0x8100] = L_VLAN; // 802.1Q
  etherType[0x88a8] = L_VLAN; // 802.1ad (QinQ service tag)
  etherType[0x9100] = L_VLAN; // pre-standard QinQ
  etherType[0x8847] = L_MPLS;
  etherType[0x8848] = L_MPLS;
  etherType[0x6558] = L_ETHERNET; // transparent Ethernet bridging (GRE, GENEVE)
  etherType[0x894f] = L_NSH; // Network Service Header (RFC 8300)

  const ipProtocol = new Uint8Array(256);
  ipProtocol[1] = L_ICMP;
  ipProtocol[4] = L_IPV4; // IP in IP (RFC 2003), Calico IPIP
  ipProtocol[6] = L_TCP;
  ipProtocol[17] = L_UDP;
  ipProtocol[33] = L_DCCP;
  ipProtocol[41] = L_IPV6; // IPv6 in IP (RFC 4213)
  ipProtocol[47] = L_GRE;
  ipProtocol[58] = L_ICMPV6;
  ipProtocol[132] = L_SCTP;
  ipProtocol[136] = L_UDPLITE;

  const udpDestinationPort = new Uint8Array(65536);
  for (const port of [...VXLAN_PORTS, ...(options.vxlanPorts ?? [])]) udpDestinationPort[port] = L_VXLAN;
  for (const port of [GENEVE_PORT, ...(options.genevePorts ?? [])]) udpDestinationPort[port] = L_GENEVE;
  // Last, so that --vxlan-port 4790 keeps GPE: its decoder takes a header without the P bit as VXLAN.
  udpDestinationPort[VXLAN_GPE_PORT] = L_VXLAN_GPE;
  const udpSourcePort = udpDestinationPort.slice();
  const udpEitherPort = new Uint8Array(65536);
  for (const port of [WIREGUARD_PORT, ...(options.wireguardPorts ?? [])]) udpEitherPort[port] = L_WIREGUARD;

  // LINKTYPE_ values from https://www.tcpdump.org/linktypes.html
  const linkType = new Map<number, number>([
    [0, L_LOOPBACK], // LINKTYPE_NULL, BSD loopback, host-endian family
    [1, L_ETHERNET],
    [12, L_RAW_IP], // DLT_RAW on some BSDs
    [14, L_RAW_IP], // DLT_RAW on others
    [101, L_RAW_IP], // LINKTYPE_RAW: what tcpdump -i tunl0 writes
    [108, L_LOOPBACK], // LINKTYPE_LOOP, OpenBSD loopback, network-endian family
    [113, L_SLL], // Linux cooked v1 (tcpdump -i any, older libpcap)
    [228, L_IPV4], // LINKTYPE_IPV4
    [229, L_IPV6], // LINKTYPE_IPV6
    [276, L_SLL2], // Linux cooked v2 (tcpdump -i any)
  ]);
  return { etherType, ipProtocol, udpDestinationPort, udpSourcePort, udpEitherPort, linkType };
}

export const LINKTYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'NULL', 1: 'ETHERNET', 12: 'RAW', 14: 'RAW', 101: 'RAW', 108: 'LOOP', 113: 'LINUX_SLL',
  228: 'IPV4', 229: 'IPV6', 276: 'LINUX_SLL2',
};

export function linkTypeName(linktype: number): string {
  return LINKTYPE_NAMES[linktype] ?? `unknown(${linktype})`;
}
