// The cluster model that verification checks a capture against: Calico IP pools (CIDR, block
// size, IPIP and VXLAN modes), the nodes with the address and prefix Calico registered for them,
// and which pod blocks each node holds. It can come from flags, a cluster file, or the real
// kubectl/calicoctl objects (see sources.ts); this module only holds and queries it.
import { contains, formatCidr, type Cidr } from './ipv4.js';

export type EncapMode = 'Always' | 'CrossSubnet' | 'Never';

export interface Pool {
  name: string;
  cidr: Cidr;
  blockSize: number;
  ipipMode: EncapMode;
  vxlanMode: EncapMode;
  /** Where this pool was defined (file or "flags"), for messages. */
  source: string;
}

export interface ClusterNode {
  name: string;
  /** The node IP Calico uses (spec.bgp.ipv4Address, or the InternalIP). */
  ip: number;
  /** The prefix Calico registered with the address: it decides "same subnet" for CrossSubnet. */
  prefix: number;
  /** Pod blocks affine to this node. */
  blocks: Cidr[];
  ipipTunnelAddr: number | null;
  vxlanTunnelAddr: number | null;
  /** MAC of the node's vxlan.calico device (spec.vxlanTunnelMACAddr), lowercase, or null. */
  vtepMac: string | null;
  source: string;
}

export interface ClusterModel {
  pools: Pool[];
  nodes: ClusterNode[];
  vni: number;
  vxlanPort: number;
  /** Node blocks inferred from the capture, not given (see learn.ts). */
  learnedBlocks: { node: string; block: Cidr }[];
  /** Contradictions between the sources (two addresses for one node, one address for two nodes, pools defined twice or overlapping with different modes), one line each. */
  warnings: string[];
}

export const DEFAULT_VNI = 4096; // Felix's VXLANVNI default
export const DEFAULT_VXLAN_PORT = 4789; // Felix's VXLANPort default
export const DEFAULT_BLOCK_SIZE = 26; // Calico's IPv4 default blockSize

/** Accepts Always/CrossSubnet/Never in any case, and "Cross-Subnet". */
export function parseMode(text: string): EncapMode | null {
  const t = text.trim().toLowerCase().replace(/[-_]/g, '');
  if (t === 'always') return 'Always';
  if (t === 'crosssubnet') return 'CrossSubnet';
  if (t === 'never' || t === 'off' || t === '') return 'Never';
  return null;
}

export function poolFor(model: ClusterModel, ip: number): Pool | null {
  // The most specific pool wins, as in Felix's longest-prefix-match route trie.
  let best: Pool | null = null;
  for (const p of model.pools) if (contains(p.cidr, ip) && (best === null || p.cidr.prefix > best.cidr.prefix)) best = p;
  return best;
}

export function nodeByIp(model: ClusterModel, ip: number): ClusterNode | null {
  return model.nodes.find((n) => n.ip === ip) ?? null;
}

export function nodeByTunnelAddr(model: ClusterModel, ip: number): ClusterNode | null {
  return model.nodes.find((n) => n.ipipTunnelAddr === ip || n.vxlanTunnelAddr === ip) ?? null;
}

/** The node whose pod block holds `ip`, or null. */
export function nodeByPodIp(model: ClusterModel, ip: number): ClusterNode | null {
  let best: ClusterNode | null = null;
  let bestPrefix = -1;
  for (const n of model.nodes) {
    for (const b of n.blocks) {
      if (contains(b, ip) && b.prefix > bestPrefix) {
        best = n;
        bestPrefix = b.prefix;
      }
    }
  }
  return best;
}

export function describeModel(model: ClusterModel): string[] {
  return [
    ...model.pools.map((p) => `pool ${p.name} ${formatCidr(p.cidr)} /${p.blockSize} ipipMode=${p.ipipMode} vxlanMode=${p.vxlanMode}`),
    ...model.nodes.map((n) => `node ${n.name} ${n.ip >>> 24}.${(n.ip >>> 16) & 0xff}.${(n.ip >>> 8) & 0xff}.${n.ip & 0xff}/${n.prefix} blocks ${n.blocks.map(formatCidr).join(',') || '-'}`),
  ];
}
