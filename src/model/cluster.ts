// The cluster model that verification checks a capture against: Calico IP pools (CIDR of either
// family, block size, IPIP and VXLAN modes), the nodes with the addresses and prefixes Calico
// registered for them, which pod blocks each node holds, and the Felix settings that decide the
// datapath (VXLAN VNI and port, WireGuard, eBPF). It can come from flags, a cluster file, or the
// real kubectl/calicoctl objects (see sources.ts); this module only holds it.
import { formatAddress, type Address, type Cidr } from '../net/address.js';

export type EncapMode = 'Always' | 'CrossSubnet' | 'Never';

export interface Pool {
  name: string;
  cidr: Cidr;
  blockSize: number;
  ipipMode: EncapMode;
  vxlanMode: EncapMode;
  /**
   * No new addresses are given from it (the pool-migration procedure), but the pods it holds
   * still route by its modes: a disabled pool still judges.
   */
  disabled: boolean;
  /** Where this pool was defined (file or "flags"), for messages. */
  source: string;
}

/** An address Calico registered for a node, with the prefix that decides "same subnet". */
export interface NodeAddress {
  address: Address;
  prefix: number;
}

export interface ClusterNode {
  name: string;
  /** spec.bgp.ipv4Address (or the InternalIP as a host route): the IPv4 node IP, or null. */
  ipv4: NodeAddress | null;
  /** spec.bgp.ipv6Address: the IPv6 node IP, or null. */
  ipv6: NodeAddress | null;
  /** Pod blocks affine to this node (either family). */
  blocks: Cidr[];
  ipipTunnelAddr: Address | null;
  vxlanTunnelAddr: Address | null;
  vxlanTunnelAddrV6: Address | null;
  /** MAC of the node's vxlan.calico device (spec.vxlanTunnelMACAddr), lowercase, or null. */
  vtepMac: string | null;
  /** MAC of the node's vxlan-v6.calico device (spec.vxlanTunnelMACAddrV6), or null. */
  vtepMacV6: string | null;
  source: string;
}

/**
 * Felix's settings that decide what goes on the wire (FelixConfiguration `default`, or a
 * calico-pcap cluster file). Names and defaults as felix/config/config_params.go.
 */
export interface FelixSettings {
  /** VXLANVNI: the VNI of vxlan.calico and vxlan-v6.calico. */
  vxlanVni: number;
  /** VXLANPort: their UDP port. */
  vxlanPort: number;
  /** VXLANEnabled / IPIPEnabled: null when not set (Felix then follows the pools). */
  vxlanEnabled: boolean | null;
  ipipEnabled: boolean | null;
  /** WireguardEnabled (IPv4) and WireguardEnabledV6: pod traffic between nodes goes in WireGuard. */
  wireguardEnabled: boolean;
  wireguardEnabledV6: boolean;
  /** WireguardListeningPort (51820) and WireguardListeningPortV6 (51821). */
  wireguardPort: number;
  wireguardPortV6: number;
  /** BPFEnabled: the eBPF dataplane (NodePort forwarding in VXLAN with VNI 0xca11c0). */
  bpfEnabled: boolean;
  /** Where the settings came from ("default" when nothing set them). */
  source: string;
}

export interface ClusterModel {
  pools: Pool[];
  nodes: ClusterNode[];
  felix: FelixSettings;
  /** Contradictions between the sources (two addresses for one node, pools defined twice...), one line each. */
  warnings: string[];
  /** What was read but not used (kinds calico-pcap does not read, stale affinities), one line each. */
  notes: string[];
}

export const DEFAULT_VNI = 4096; // Felix's VXLANVNI default
export const DEFAULT_VXLAN_PORT = 4789; // Felix's VXLANPort default
export const DEFAULT_WIREGUARD_PORT = 51820; // Felix's WireguardListeningPort default
export const DEFAULT_WIREGUARD_PORT_V6 = 51821; // Felix's WireguardListeningPortV6 default
export const DEFAULT_BLOCK_SIZE = 26; // Calico's IPv4 default blockSize
export const DEFAULT_BLOCK_SIZE_V6 = 122; // Calico's IPv6 default blockSize

export function defaultFelix(): FelixSettings {
  return {
    vxlanVni: DEFAULT_VNI, vxlanPort: DEFAULT_VXLAN_PORT, vxlanEnabled: null, ipipEnabled: null,
    wireguardEnabled: false, wireguardEnabledV6: false, wireguardPort: DEFAULT_WIREGUARD_PORT, wireguardPortV6: DEFAULT_WIREGUARD_PORT_V6,
    bpfEnabled: false, source: 'default',
  };
}

/** Accepts Always/CrossSubnet/Never in any case, and "Cross-Subnet". */
export function parseMode(text: string): EncapMode | null {
  const t = text.trim().toLowerCase().replace(/[-_]/g, '');
  if (t === 'always') return 'Always';
  if (t === 'crosssubnet') return 'CrossSubnet';
  if (t === 'never' || t === 'off' || t === '') return 'Never';
  return null;
}

export function formatNodeAddress(a: NodeAddress): string {
  return `${formatAddress(a.address)}/${a.prefix}`;
}
