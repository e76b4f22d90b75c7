// Calico's rule on its own: which encapsulation a sender must use, per pool mode and subnet.
import { describe, expect, it } from 'vitest';
import { expectedEncapsulation, sameSubnet } from '../src/engine/verify/calico-rule.js';
import type { ClusterModel, ClusterNode, EncapMode, Pool } from '../src/model/cluster.js';
import { parseCidr, parseIpv4 } from '../src/model/ipv4.js';

function node(name: string, address: string, block: string): ClusterNode {
  const a = parseCidr(address, true)!;
  return { name, ip: a.address, prefix: a.cidr.prefix, blocks: [parseCidr(block)!.cidr], ipipTunnelAddr: null, vxlanTunnelAddr: null, source: 'test' };
}

function pool(cidr: string, vxlanMode: EncapMode, ipipMode: EncapMode = 'Never'): Pool {
  return { name: cidr, cidr: parseCidr(cidr)!.cidr, blockSize: 24, vxlanMode, ipipMode, source: 'test' };
}

const node01 = node('kube-node01', '10.0.2.201/24', '10.200.2.0/24');
const node02 = node('kube-node02', '10.0.2.202/24', '10.200.175.0/24');
const node04 = node('kube-node04', '10.0.1.204/24', '10.200.255.0/24');
const ip = (s: string) => parseIpv4(s)!;

function model(...pools: Pool[]): ClusterModel {
  return { pools, nodes: [node01, node02, node04], vni: 4096, vxlanPort: 4789, learnedBlocks: [], warnings: [] };
}

describe("Calico's encapsulation rule", () => {
  it('CrossSubnet: plain inside the subnet, tunnelled across it, for VXLAN and IPIP', () => {
    const vx = model(pool('10.200.0.0/16', 'CrossSubnet'));
    expect(expectedEncapsulation(vx, node01, node02, ip('10.200.175.10'))!.encapsulation).toBe('plain');
    expect(expectedEncapsulation(vx, node01, node04, ip('10.200.255.10'))!.encapsulation).toBe('vxlan');
    expect(expectedEncapsulation(vx, node04, node01, ip('10.200.2.10'))!.encapsulation).toBe('vxlan');
    const ipip = model(pool('10.200.0.0/16', 'Never', 'CrossSubnet'));
    expect(expectedEncapsulation(ipip, node01, node04, ip('10.200.255.10'))!.encapsulation).toBe('ipip');
    expect(expectedEncapsulation(ipip, node02, node01, ip('10.200.2.10'))!.encapsulation).toBe('plain');
  });

  it('Always tunnels everywhere; Never nowhere', () => {
    expect(expectedEncapsulation(model(pool('10.200.0.0/16', 'Always')), node01, node02, ip('10.200.175.10'))!.encapsulation).toBe('vxlan');
    expect(expectedEncapsulation(model(pool('10.200.0.0/16', 'Never', 'Always')), node01, node02, ip('10.200.175.10'))!.encapsulation).toBe('ipip');
    expect(expectedEncapsulation(model(pool('10.200.0.0/16', 'Never')), node01, node04, ip('10.200.255.10'))!.encapsulation).toBe('plain');
  });

  it('the pool holding the inner destination decides, most specific first', () => {
    const m = model(pool('10.200.0.0/16', 'CrossSubnet'), pool('10.200.255.0/24', 'Never', 'Always'));
    expect(expectedEncapsulation(m, node01, node04, ip('10.200.255.10'))!.encapsulation).toBe('ipip');
    expect(expectedEncapsulation(m, node04, node01, ip('10.200.2.10'))!.encapsulation).toBe('vxlan');
  });

  it('a destination outside every pool is not tunnelled (NAT-outgoing or host traffic)', () => {
    expect(expectedEncapsulation(model(pool('10.200.0.0/16', 'Always')), node01, node04, ip('8.8.8.8'))).toBeNull();
  });

  it("the decision is the sender's: different prefixes give asymmetric encapsulation", () => {
    const wide = node('kube-node01', '10.0.2.201/16', '10.200.2.0/24'); // sees 10.0.1.204 in its /16
    const m = model(pool('10.200.0.0/16', 'CrossSubnet'));
    expect(sameSubnet(wide, node04)).toBe(true);
    expect(sameSubnet(node04, wide)).toBe(false);
    expect(expectedEncapsulation(m, wide, node04, ip('10.200.255.10'))!.encapsulation).toBe('plain');
    expect(expectedEncapsulation(m, node04, wide, ip('10.200.2.10'))!.encapsulation).toBe('vxlan');
  });

  it('a node registered as /32 makes CrossSubnet behave as Always', () => {
    const lone = node('kube-node01', '10.0.2.201/32', '10.200.2.0/24');
    const m = model(pool('10.200.0.0/16', 'CrossSubnet'));
    expect(expectedEncapsulation(m, lone, node02, ip('10.200.175.10'))!.encapsulation).toBe('vxlan');
    expect(expectedEncapsulation(m, node02, lone, ip('10.200.2.10'))!.encapsulation).toBe('plain');
  });

  it('says why', () => {
    expect(expectedEncapsulation(model(pool('10.200.0.0/16', 'CrossSubnet')), node01, node04, ip('10.200.255.10'))!.reason)
      .toBe("pool 10.200.0.0/16: vxlanMode CrossSubnet, kube-node04 outside kube-node01's /24");
  });
});
