// Finding codes of `calico-pcap verify`: stable names (a contract, listed in docs/verify.md), each
// with its severity and why it matters for Calico.

export type FindingSeverity = 'error' | 'warning' | 'info';

export interface FindingDefinition {
  code: string;
  severity: FindingSeverity;
  /** Why it matters, in one line. */
  why: string;
}

function def(code: string, severity: FindingSeverity, why: string): FindingDefinition {
  return { code, severity, why };
}

export const FINDINGS = {
  wrongTunnelType: def('encap.wrong_tunnel_type', 'error', 'the pool sets one tunnel type but the nodes use the other: the receiving node has no device for it and drops the packets'),
  plainAcrossSubnets: def('encap.plain_across_subnets', 'error', 'pod traffic between nodes in different subnets is sent unencapsulated: the router between the subnets has no route to pod IPs, or reverse-path filtering drops it'),
  plainWhereTunnel: def('encap.plain_where_tunnel_expected', 'error', 'the pool says Always but the pod traffic is routed plainly: the routes on the sender do not match the pool'),
  tunnelWithinSubnet: def('encap.tunnel_within_subnet', 'error', 'pod traffic inside one subnet is tunnelled although the pool says CrossSubnet: the sender does not see the receiver in its subnet, e.g. a node registered with a wrong prefix or as /32'),
  tunnelWhereNever: def('encap.tunnel_where_never', 'error', 'the pool disables encapsulation (ipipMode and vxlanMode Never) but the pod traffic is tunnelled: the routes on the sender do not match the pool'),
  unexpectedTunnel: def('encap.unexpected_tunnel', 'error', 'pod traffic in a tunnel Calico does not use for this pool'),
  plainAcrossSubnetsByPool: def('routing.plain_across_subnets', 'warning', 'pod traffic between nodes in different subnets is routed plainly, as the pool says (ipipMode and vxlanMode Never): it arrives only if the network between the subnets routes the pod blocks (BGP peering with the routers); unanswered traffic or SYN retransmissions here mean it does not'),
  asymmetric: def('encap.asymmetric', 'warning', 'the two directions between a pair of nodes are encapsulated differently: usually nodes registered with different prefixes; stateful firewalls and rp_filter may drop one direction'),
  wrongVni: def('vxlan.wrong_vni', 'error', 'VXLAN with a VNI other than Felix\'s VXLANVNI: the receiving vxlan.calico ignores it'),
  wrongPort: def('vxlan.wrong_port', 'error', 'VXLAN on a UDP port other than Felix\'s VXLANPort: the receiving vxlan.calico never sees it'),
  vtepMacMismatch: def('vxlan.vtep_mac_mismatch', 'error', 'the frame inside VXLAN is not addressed to the receiving node\'s vxlan.calico MAC: the receiver drops it as not for this host (a stale ARP/FDB entry on the sender)'),
  unknownOuterNode: def('tunnel.unknown_outer_node', 'error', 'a tunnel packet whose outer source or destination is not a known node IP: Felix drops IPIP/VXLAN from hosts that are not Calico nodes'),
  innerSourceIsNodeIp: def('tunnel.inner_source_is_node_ip', 'warning', 'a node\'s own traffic to a remote pod went through the tunnel with the node IP as inner source, where Calico uses the node\'s tunnel address: replies may take another path'),
  badOuterUdpChecksum: def('checksum.bad_outer_udp', 'error', 'VXLAN packets with a wrong outer UDP checksum arrive here: the kernel drops them before vxlan.calico (the NIC/kernel checksum offload bug that stalls Calico VXLAN)'),
  txChecksumOffload: def('checksum.tx_offload', 'info', 'VXLAN packets sent by the capturing node carry an outer UDP checksum the NIC has not computed yet (TX checksum offload): the capture sees them before the NIC; not corruption'),
  synRetransmissions: def('tcp.syn_retransmissions', 'warning', 'a TCP connection between pods sent its SYN again and again: the packets are being dropped on the way'),
  outerFragmentation: def('mtu.outer_fragmentation', 'error', 'tunnel packets are fragmented on the outer IP: the pod MTU is too large for the tunnel, throughput collapses and some paths drop fragments'),
  innerTooLarge: def('mtu.inner_too_large', 'error', 'inner packets larger than the tunnel MTU (1500 - 50 for VXLAN, - 20 for IPIP): the pod MTU is set too large'),
  unencrypted: def('wireguard.unencrypted', 'error', 'WireGuard is enabled but pod traffic between nodes travels outside it: the node has no WireGuard peer for the other (a missing public key, or the interface is down), so the traffic is neither encrypted nor routed as the pool says'),
  wireguardNotInModel: def('wireguard.not_in_model', 'warning', 'WireGuard traffic between nodes, but the model does not enable WireGuard: give the FelixConfiguration (wireguardEnabled) so that the pod traffic inside can be judged'),
  ebpfNodePort: def('ebpf.nodeport_forwarding', 'info', "the eBPF dataplane forwards NodePort traffic to the backend's node in VXLAN with VNI 0xca11c0 on the VXLAN port: not a wrong VNI"),
  unknownNodes: def('model.unknown_node', 'info', 'pod traffic whose sending or receiving node is not in the model: give its blocks (--block, IPAM blocks) to verify it'),
} as const;

export const FINDING_LIST: FindingDefinition[] = Object.values(FINDINGS);
