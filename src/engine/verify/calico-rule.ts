// Calico's encapsulation rule: which encapsulation should a packet from one node to another
// carry? One small module, so that it can be tested on its own.
//
// Sources (projectcalico/calico):
//  - felix/calc/l3_route_resolver.go: routes are computed per IP pool containing the destination
//    (longest prefix match); a remote node counts as "same subnet" when THIS node's registered
//    CIDR (spec.bgp.ipv4Address, e.g. 10.0.1.204/24, or ipv6Address for IPv6 pools) contains the
//    remote node's IP (`V4CIDR.ContainsV4(otherNodesIPv4)`, and the V6 counterpart); a node known
//    only by its host IP gets a /32 (/128), so nothing is ever in its subnet and CrossSubnet
//    behaves as Always.
//  - felix/dataplane/linux/vxlan_mgr.go (vxlan.calico, and vxlan-v6.calico for IPv6 pools, same
//    VNI and port) and the IPIP route programming: with CrossSubnet a same-subnet route goes
//    straight via the node IP, otherwise via the tunnel device. IPIP is IPv4 only
//    (libcalico-go's IPPool validation refuses ipipMode on an IPv6 pool).
//  - confd/etc/calico/confd/templates/bird_ipam.cfg.template (BIRD's krt_tunnel filter for
//    IPIP): the same decision for BGP-programmed IPIP routes.
//  - felix/wireguard/wireguard.go: with WireGuard enabled, routes to the other nodes' pod CIDRs
//    go through wireguard.cali (its own routing table, rule priority above the main table), so
//    pod traffic between nodes travels in WireGuard (UDP WireguardListeningPort) whatever the
//    pool's encapsulation mode.
// The decision is the sender's: two nodes registered with different prefixes can tunnel one way
// and not the other.
import type { ClusterNode, FelixSettings, NodeAddress, Pool } from '../../model/cluster.js';
import { contains, familyOf, networkOf, type Family } from '../../net/address.js';

export type Encapsulation = 'vxlan' | 'ipip' | 'wireguard' | 'plain';

export interface Expectation {
  encapsulation: Encapsulation;
  pool: Pool;
  /** Why, in words, for reports: "vxlanMode CrossSubnet, 10.0.1.204 outside kube-node01's 10.0.2.0/24". */
  reason: string;
}

/** The node's registered address of a family, or null. */
export function addressOf(node: ClusterNode, family: Family): NodeAddress | null {
  return family === 4 ? node.ipv4 : node.ipv6;
}

/** Is `remote`'s IP of this family inside the subnet `sender` registered with Calico? */
export function sameSubnet(sender: ClusterNode, remote: ClusterNode, family: Family = 4): boolean {
  const own = addressOf(sender, family);
  const other = addressOf(remote, family);
  if (!own || !other) return false;
  return contains({ base: networkOf(own.address, own.prefix), prefix: own.prefix }, other.address);
}

/**
 * The encapsulation `sender` must use for a packet to a pod of `pool` on `receiver` (another
 * node). The pool is the one holding the inner destination.
 */
export function expectedEncapsulation(felix: FelixSettings, pool: Pool, sender: ClusterNode, receiver: ClusterNode): Expectation {
  const family = familyOf(pool.cidr.base);
  const wireguard = family === 4 ? felix.wireguardEnabled : felix.wireguardEnabledV6;
  if (wireguard) {
    return { encapsulation: 'wireguard', pool, reason: `WireGuard enabled (${family === 4 ? 'wireguardEnabled' : 'wireguardEnabledV6'}, ${felix.source}): pod traffic between nodes goes through wireguard.cali` };
  }
  const [type, mode] = pool.vxlanMode !== 'Never' ? (['vxlan', pool.vxlanMode] as const) : pool.ipipMode !== 'Never' ? (['ipip', pool.ipipMode] as const) : (['plain', 'Never'] as const);
  const modeName = type === 'plain' ? 'ipipMode and vxlanMode Never' : `${type}Mode ${mode}`;
  const label = `pool ${pool.name}${pool.disabled ? ' (disabled)' : ''}`;
  if (type === 'plain') return { encapsulation: 'plain', pool, reason: `${label}: ${modeName}` };
  if (mode === 'Always') return { encapsulation: type, pool, reason: `${label}: ${modeName}` };
  const same = sameSubnet(sender, receiver, family);
  const own = addressOf(sender, family);
  const subnet = own ? `${sender.name}'s /${own.prefix}` : `${sender.name}'s subnet (no IPv${family} address known)`;
  return {
    encapsulation: same ? 'plain' : type,
    pool,
    reason: `${label}: ${modeName}, ${receiver.name} ${same ? 'inside' : 'outside'} ${subnet}`,
  };
}
