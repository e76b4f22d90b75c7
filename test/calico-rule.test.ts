// Calico's rule on its own: which encapsulation a sender must use, per pool mode and subnet, for
// IPv4 and IPv6 pools, and with WireGuard on.
import { describe, expect, it } from 'vitest';
import { expectedEncapsulation, sameSubnet } from '../src/engine/verify/calico-rule.js';
import { ClusterIndex } from '../src/engine/cluster-index.js';
import { defaultFelix, type ClusterModel, type ClusterNode, type EncapMode, type FelixSettings, type Pool } from '../src/model/cluster.js';
import { parseAddress, parseCidr } from '../src/net/address.js';

function node(name: string, address: string, block: string, address6?: string, block6?: string): ClusterNode {
  const a = parseCidr(address, true)!;
  const a6 = address6 ? parseCidr(address6, true)! : null;
  return {
    name, ipv4: { address: a.address, prefix: a.cidr.prefix }, ipv6: a6 ? { address: a6.address, prefix: a6.cidr.prefix } : null,
    blocks: [parseCidr(block)!.cidr, ...(block6 ? [parseCidr(block6)!.cidr] : [])],
    ipipTunnelAddr: null, vxlanTunnelAddr: null, vxlanTunnelAddrV6: null, vtepMac: null, vtepMacV6: null, source: 'test',
  };
}

function pool(cidr: string, vxlanMode: EncapMode, ipipMode: EncapMode = 'Never'): Pool {
  return { name: cidr, cidr: parseCidr(cidr)!.cidr, blockSize: cidr.includes(':') ? 122 : 24, vxlanMode, ipipMode, disabled: false, source: 'test' };
}

const node01 = node('kube-node01', '10.0.2.201/24', '10.200.2.0/24', 'fd00:0:2::201/64', 'fd10:200::200/122');
const node02 = node('kube-node02', '10.0.2.202/24', '10.200.175.0/24', 'fd00:0:2::202/64', 'fd10:200::300/122');
const node04 = node('kube-node04', '10.0.1.204/24', '10.200.255.0/24', 'fd00:0:1::204/64', 'fd10:200::400/122');

function model(pools: Pool[], felix: Partial<FelixSettings> = {}, nodes = [node01, node02, node04]): ClusterModel {
  return { pools, nodes, felix: { ...defaultFelix(), ...felix }, warnings: [], notes: [] };
}

/** What the sender must use for a packet to `dst`: the pool holding it decides (null: in no pool). */
function expected(m: ClusterModel, from: ClusterNode, to: ClusterNode, dst: string) {
  const p = new ClusterIndex(m).poolFor(parseAddress(dst)!);
  return p === null ? null : expectedEncapsulation(m.felix, p, from, to);
}

describe("Calico's encapsulation rule", () => {
  it('CrossSubnet: plain inside the subnet, tunnelled across it, for VXLAN and IPIP', () => {
    const vx = model([pool('10.200.0.0/16', 'CrossSubnet')]);
    expect(expected(vx, node01, node02, '10.200.175.10')!.encapsulation).toBe('plain');
    expect(expected(vx, node01, node04, '10.200.255.10')!.encapsulation).toBe('vxlan');
    expect(expected(vx, node04, node01, '10.200.2.10')!.encapsulation).toBe('vxlan');
    const ipip = model([pool('10.200.0.0/16', 'Never', 'CrossSubnet')]);
    expect(expected(ipip, node01, node04, '10.200.255.10')!.encapsulation).toBe('ipip');
    expect(expected(ipip, node02, node01, '10.200.2.10')!.encapsulation).toBe('plain');
  });

  it('Always tunnels everywhere; Never nowhere', () => {
    expect(expected(model([pool('10.200.0.0/16', 'Always')]), node01, node02, '10.200.175.10')!.encapsulation).toBe('vxlan');
    expect(expected(model([pool('10.200.0.0/16', 'Never', 'Always')]), node01, node02, '10.200.175.10')!.encapsulation).toBe('ipip');
    expect(expected(model([pool('10.200.0.0/16', 'Never')]), node01, node04, '10.200.255.10')!.encapsulation).toBe('plain');
  });

  it('the pool holding the inner destination decides, most specific first', () => {
    const m = model([pool('10.200.0.0/16', 'CrossSubnet'), pool('10.200.255.0/24', 'Never', 'Always')]);
    expect(expected(m, node01, node04, '10.200.255.10')!.encapsulation).toBe('ipip');
    expect(expected(m, node04, node01, '10.200.2.10')!.encapsulation).toBe('vxlan');
  });

  it('a destination outside every pool is not tunnelled (NAT-outgoing or host traffic)', () => {
    expect(expected(model([pool('10.200.0.0/16', 'Always')]), node01, node04, '8.8.8.8')).toBeNull();
  });

  it("the decision is the sender's: different prefixes give asymmetric encapsulation", () => {
    const wide = node('kube-node01', '10.0.2.201/16', '10.200.2.0/24'); // sees 10.0.1.204 in its /16
    const m = model([pool('10.200.0.0/16', 'CrossSubnet')]);
    expect(sameSubnet(wide, node04)).toBe(true);
    expect(sameSubnet(node04, wide)).toBe(false);
    expect(expected(m, wide, node04, '10.200.255.10')!.encapsulation).toBe('plain');
    expect(expected(m, node04, wide, '10.200.2.10')!.encapsulation).toBe('vxlan');
  });

  it('a node registered as /32 makes CrossSubnet behave as Always', () => {
    const lone = node('kube-node01', '10.0.2.201/32', '10.200.2.0/24');
    const m = model([pool('10.200.0.0/16', 'CrossSubnet')]);
    expect(expected(m, lone, node02, '10.200.175.10')!.encapsulation).toBe('vxlan');
    expect(expected(m, node02, lone, '10.200.2.10')!.encapsulation).toBe('plain');
  });

  it('says why', () => {
    expect(expected(model([pool('10.200.0.0/16', 'CrossSubnet')]), node01, node04, '10.200.255.10')!.reason)
      .toBe("pool 10.200.0.0/16: vxlanMode CrossSubnet, kube-node04 outside kube-node01's /24");
  });

  it('an IPv6 pool decides by the nodes\' IPv6 addresses and prefixes', () => {
    const m = model([pool('10.200.0.0/16', 'Never'), pool('fd10:200::/48', 'CrossSubnet')]);
    expect(expected(m, node01, node02, 'fd10:200::310')!.encapsulation).toBe('plain');
    expect(expected(m, node01, node04, 'fd10:200::410')!.encapsulation).toBe('vxlan');
    expect(expected(m, node01, node04, 'fd10:200::410')!.reason).toBe("pool fd10:200::/48: vxlanMode CrossSubnet, kube-node04 outside kube-node01's /64");
    // the IPv4 pool of the same nodes says Never: families never mix
    expect(expected(m, node01, node04, '10.200.255.10')!.encapsulation).toBe('plain');
    // a node with no IPv6 address is in nobody's IPv6 subnet
    const v4only = node('kube-node03', '10.0.2.203/24', '10.200.3.0/24');
    expect(sameSubnet(node01, v4only, 6)).toBe(false);
  });

  it('WireGuard on: pod traffic between nodes is expected in WireGuard whatever the pool says, per family', () => {
    const m = model([pool('10.200.0.0/16', 'CrossSubnet'), pool('fd10:200::/48', 'CrossSubnet')], { wireguardEnabled: true, source: 'test felix' });
    expect(expected(m, node01, node02, '10.200.175.10')!.encapsulation).toBe('wireguard');
    expect(expected(m, node01, node04, '10.200.255.10')!.encapsulation).toBe('wireguard');
    expect(expected(m, node01, node04, 'fd10:200::410')!.encapsulation).toBe('vxlan'); // wireguardEnabledV6 is off
  });

  it('a disabled pool still decides for the pods it holds, and says so', () => {
    const old = { ...pool('10.200.0.0/16', 'Never', 'Always'), disabled: true };
    const m = model([old, pool('10.201.0.0/16', 'Always')]);
    expect(expected(m, node01, node02, '10.200.175.10')!.encapsulation).toBe('ipip');
    expect(expected(m, node01, node02, '10.200.175.10')!.reason).toBe('pool 10.200.0.0/16 (disabled): ipipMode Always');
  });
});
