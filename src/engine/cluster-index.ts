// Lookups over the cluster model for one run of the engine: which pool holds an address, which
// node has an address (node IP of either family, or tunnel address), which node's pod block holds
// an address. Blocks learned from a capture are added to the index of that run only: the model
// itself is never changed, so one capture's lessons never change another capture's verdicts.
import type { ClusterModel, ClusterNode, Pool } from '../model/cluster.js';
import { contains, familyOf, formatCidr, networkOf, type Address, type Cidr } from '../net/address.js';

export interface LearnedBlock {
  node: string;
  block: Cidr;
}

export class ClusterIndex {
  private readonly byNodeIp = new Map<Address, ClusterNode>();
  private readonly byTunnelAddr = new Map<Address, ClusterNode>();
  /** Given and learned blocks, most specific first: [block, node]. */
  private readonly blocks: [Cidr, ClusterNode][] = [];
  readonly learned: LearnedBlock[] = [];

  constructor(readonly model: ClusterModel) {
    for (const n of model.nodes) {
      // The first node with an address keeps it (the model warned about the second).
      for (const a of [n.ipv4, n.ipv6]) if (a && !this.byNodeIp.has(a.address)) this.byNodeIp.set(a.address, n);
      for (const t of [n.ipipTunnelAddr, n.vxlanTunnelAddr, n.vxlanTunnelAddrV6]) if (t !== null && !this.byTunnelAddr.has(t)) this.byTunnelAddr.set(t, n);
      for (const b of n.blocks) this.blocks.push([b, n]);
    }
    this.sortBlocks();
  }

  /** The most specific pool holding `a`, as Felix's longest-prefix-match route trie picks it; disabled pools count. */
  poolFor(a: Address): Pool | null {
    let best: Pool | null = null;
    for (const p of this.model.pools) if (contains(p.cidr, a) && (best === null || p.cidr.prefix > best.cidr.prefix)) best = p;
    return best;
  }

  nodeByIp(a: Address): ClusterNode | null {
    return this.byNodeIp.get(a) ?? null;
  }

  nodeByTunnelAddr(a: Address): ClusterNode | null {
    return this.byTunnelAddr.get(a) ?? null;
  }

  /** The node whose pod block (given or learned) holds `a`. */
  nodeByPodIp(a: Address): ClusterNode | null {
    for (const [b, n] of this.blocks) if (contains(b, a)) return n;
    return null;
  }

  /** The node an inner address belongs to: a pod of its block, its own IP, or its tunnel address. */
  ownerOf(a: Address): ClusterNode | null {
    return this.nodeByPodIp(a) ?? this.nodeByIp(a) ?? this.nodeByTunnelAddr(a);
  }

  /** Nodes given without any block: their blocks can be learned from tunnelled traffic. */
  hasBlocks(node: ClusterNode): boolean {
    return this.blocks.some(([, n]) => n === node);
  }

  /**
   * Learns that `node` holds the block of pod address `podIp` (the pool's block size), unless the
   * node was given blocks or another node already holds that block. Returns whether it learned.
   */
  learn(node: ClusterNode, podIp: Address, givenBlocks: ReadonlySet<ClusterNode>): boolean {
    if (givenBlocks.has(node)) return false;
    const pool = this.poolFor(podIp);
    if (!pool || familyOf(podIp) !== familyOf(pool.cidr.base)) return false;
    const block = { base: networkOf(podIp, pool.blockSize), prefix: pool.blockSize };
    if (this.blocks.some(([b]) => b.base === block.base && b.prefix === block.prefix)) return false;
    this.blocks.push([block, node]);
    this.learned.push({ node: node.name, block });
    this.sortBlocks();
    return true;
  }

  private sortBlocks(): void {
    this.blocks.sort((x, y) => y[0].prefix - x[0].prefix);
  }
}

export function describeLearned(l: LearnedBlock): { node: string; block: string } {
  return { node: l.node, block: formatCidr(l.block) };
}
