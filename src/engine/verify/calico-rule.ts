// Calico's encapsulation rule: which encapsulation should a packet from one node to another
// carry? One small module, so that it can be tested on its own.
//
// Sources (projectcalico/calico):
//  - felix/calc/l3_route_resolver.go: routes are computed per IP pool containing the destination
//    (longest prefix match); a remote node counts as "same subnet" when THIS node's registered
//    CIDR (spec.bgp.ipv4Address, e.g. 10.0.1.204/24) contains the remote node's IP
//    (`V4CIDR.ContainsV4(otherNodesIPv4)`); a node known only by its host IP gets a /32, so
//    nothing is ever in its subnet and CrossSubnet behaves as Always.
//  - felix/dataplane/linux/vxlan_mgr.go and the IPIP route programming: with CrossSubnet a
//    same-subnet route goes straight via the node IP, otherwise via vxlan.calico / tunl0.
//  - confd/etc/calico/confd/templates/bird_ipam.cfg.template (BIRD's krt_tunnel filter for
//    IPIP): the same decision for BGP-programmed IPIP routes.
// The decision is the sender's: two nodes registered with different prefixes can tunnel one way
// and not the other.
import { contains } from '../../model/ipv4.js';
import { poolFor, type ClusterModel, type ClusterNode, type Pool } from '../../model/cluster.js';

export type Encapsulation = 'vxlan' | 'ipip' | 'plain';

export interface Expectation {
  encapsulation: Encapsulation;
  pool: Pool;
  /** Why, in words, for reports: "vxlanMode CrossSubnet, 10.0.1.204 outside kube-node01's 10.0.2.0/24". */
  reason: string;
}

/** Is `remote`'s IP inside the subnet `sender` registered with Calico? */
export function sameSubnet(sender: ClusterNode, remote: ClusterNode): boolean {
  const prefix = sender.prefix;
  const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return contains({ base: (sender.ip & m) >>> 0, prefix }, remote.ip);
}

/**
 * The encapsulation `sender` must use for a packet to `innerDst` on `receiver`, or null when the
 * destination is in no pool (host traffic or NAT-outgoing: Calico never tunnels it).
 */
export function expectedEncapsulation(model: ClusterModel, sender: ClusterNode, receiver: ClusterNode, innerDst: number): Expectation | null {
  const pool = poolFor(model, innerDst);
  if (pool === null) return null;
  const [type, mode] = pool.vxlanMode !== 'Never' ? (['vxlan', pool.vxlanMode] as const) : pool.ipipMode !== 'Never' ? (['ipip', pool.ipipMode] as const) : (['plain', 'Never'] as const);
  const modeName = type === 'plain' ? 'ipipMode and vxlanMode Never' : `${type}Mode ${mode}`;
  if (type === 'plain') return { encapsulation: 'plain', pool, reason: `pool ${pool.name}: ${modeName}` };
  if (mode === 'Always') return { encapsulation: type, pool, reason: `pool ${pool.name}: ${modeName}` };
  const same = sameSubnet(sender, receiver);
  const subnet = `${sender.name}'s /${sender.prefix}`;
  return {
    encapsulation: same ? 'plain' : type,
    pool,
    reason: `pool ${pool.name}: ${modeName}, ${receiver.name} ${same ? 'inside' : 'outside'} ${subnet}`,
  };
}
