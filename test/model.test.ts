// The cluster model from flags, a cluster file (YAML and JSON), and kubectl/calicoctl objects:
// all give the same model; anything unknown is a clear error naming the file and the field.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addFile, addFlags, ModelBuilder, type ModelFlags } from '../src/model/sources.js';
import { formatAddress, formatCidr } from '../src/net/address.js';
import { formatNodeAddress, type ClusterModel } from '../src/model/cluster.js';
import { modelErrorOf } from './support/model-error.js';

const FIX = join(__dirname, '..', 'fixtures', 'cluster');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-model-'));

function fromFiles(...files: string[]): ClusterModel {
  const b = new ModelBuilder();
  for (const f of files) addFile(b, f.startsWith('/') ? f : join(FIX, f));
  return b.build();
}

function fromFlags(f: Partial<ModelFlags>): ClusterModel {
  const b = new ModelBuilder();
  addFlags(b, { pool: [], node: [], block: [], tunnelAddr: [], ...f });
  return b.build();
}

/** The parts that decide verdicts, in a comparable form. */
function essence(m: ClusterModel) {
  return {
    pools: m.pools.map((p) => [formatCidr(p.cidr), p.blockSize, p.vxlanMode, p.ipipMode]),
    nodes: m.nodes.map((n) => [n.name, formatNodeAddress(n.ipv4!), n.blocks.map(formatCidr)]).sort(),
    vni: m.felix.vxlanVni,
    vxlanPort: m.felix.vxlanPort,
  };
}

const REFERENCE = {
  pools: [['10.200.0.0/16', 24, 'CrossSubnet', 'Never']],
  nodes: [
    ['kube-master01', '10.0.2.200/24', ['10.200.235.0/24']],
    ['kube-node01', '10.0.2.201/24', ['10.200.2.0/24']],
    ['kube-node02', '10.0.2.202/24', ['10.200.175.0/24']],
    ['kube-node04', '10.0.1.204/24', ['10.200.255.0/24']],
  ],
  vni: 4096,
  vxlanPort: 4789,
};

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const errorOf = modelErrorOf;

describe('cluster model sources give the same model', () => {
  it('flags', () => {
    const m = fromFlags({
      pool: ['10.200.0.0/16'], blockSize: 24, vxlan: 'cross-subnet',
      node: ['kube-master01=10.0.2.200/24', 'kube-node01=10.0.2.201/24', 'kube-node02=10.0.2.202/24', 'kube-node04=10.0.1.204/24'],
      block: ['kube-master01=10.200.235.0/24', 'kube-node01=10.200.2.0/24', 'kube-node02=10.200.175.0/24', 'kube-node04=10.200.255.0/24'],
    });
    expect(essence(m)).toEqual(REFERENCE);
  });
  it('cluster file, YAML and JSON', () => {
    expect(essence(fromFiles('reference-cluster.yaml'))).toEqual(REFERENCE);
    expect(essence(fromFiles('reference-cluster.json'))).toEqual(REFERENCE);
  });
  it('kubectl get nodes + calicoctl get ippools + IPAM blocks', () => {
    expect(essence(fromFiles('kubectl-nodes.yaml', 'calicoctl-ippools.yaml', 'ipamblocks.yaml'))).toEqual(REFERENCE);
  });
  it('calicoctl get nodes + ippools + block affinities, with tunnel addresses', () => {
    const m = fromFiles('calicoctl-nodes.yaml', 'calicoctl-ippools.yaml', 'blockaffinities.yaml');
    expect(essence(m)).toEqual(REFERENCE);
    expect(formatAddress(m.nodes.find((n) => n.name === 'kube-node04')!.vxlanTunnelAddr!)).toBe('10.200.255.0');
  });
  it('a directory of exported objects', () => {
    const objects = mkdtempSync(join(tmpdir(), 'calico-pcap-objects-'));
    for (const f of ['kubectl-nodes.yaml', 'calicoctl-ippools.yaml', 'ipamblocks.yaml']) writeFileSync(join(objects, f), readFileSync(join(FIX, f)));
    writeFileSync(join(objects, 'notes.txt'), 'ignored');
    expect(essence(fromFiles(objects))).toEqual(REFERENCE);
  });
  it('the CRD form of an IPIP pool', () => {
    const m = fromFiles('kubectl-nodes.yaml', 'crd-ippools-ipip.yaml');
    expect(m.pools.map((p) => [p.ipipMode, p.vxlanMode])).toEqual([['CrossSubnet', 'Never']]);
  });
  it('--vxlan/--ipip without --pool override the modes of pools from files', () => {
    const b = new ModelBuilder();
    addFile(b, join(FIX, 'reference-cluster.yaml'));
    addFlags(b, { pool: [], node: [], block: [], tunnelAddr: [], ipip: 'Always' });
    expect(b.build().pools.map((p) => [p.ipipMode, p.vxlanMode])).toEqual([['Always', 'Never']]);
  });
  it('a Node known only by its InternalIP is registered as /32', () => {
    const path = write('bare-node.yaml', 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus:\n  addresses:\n  - {type: InternalIP, address: 10.0.2.9}\n');
    expect(essence(fromFiles(path)).nodes).toEqual([['n1', '10.0.2.9/32', []]]);
  });
});

describe('model errors name the file and the field', () => {
  it('an unknown field in a cluster file', () => {
    const path = write('typo.yaml', 'pools:\n  - cidr: 10.200.0.0/16\n    vxlanMod: Always\n');
    expect(errorOf(() => fromFiles(path))).toBe(`${path}: unknown field pools[0].vxlanMod (known: name, cidr, blockSize, ipipMode, vxlanMode, disabled)`);
  });
  it('a bad mode, a bad CIDR, both tunnels on one pool', () => {
    expect(errorOf(() => fromFlags({ vxlan: 'sometimes', pool: ['10.200.0.0/16'] }))).toBe('flags: --vxlan "sometimes" is not Always, CrossSubnet or Never');
    expect(errorOf(() => fromFlags({ pool: ['10.200.0.0/33'] }))).toBe('flags: --pool "10.200.0.0/33" is not a CIDR');
    expect(errorOf(() => fromFlags({ pool: ['10.200.0.0/16'], vxlan: 'Always', ipip: 'Always' }))).toBe('flags: pool 10.200.0.0/16 sets both ipipMode Always and vxlanMode Always; Calico allows only one');
  });
  it('a block for a node with no address', () => {
    expect(errorOf(() => fromFlags({ block: ['ghost=10.200.9.0/24'] }))).toBe('flags: node ghost has blocks or tunnel addresses but no node address (give --node ghost=IP/PREFIX or its Node object)');
  });
  it('a missing file and a file that is not YAML', () => {
    expect(errorOf(() => fromFiles('/nonexistent/cluster.yaml'))).toBe('/nonexistent/cluster.yaml: no such file');
    const path = write('broken.yaml', 'pools: [unclosed\n');
    expect(errorOf(() => fromFiles(path))).toMatch(new RegExp(`^${path}: not YAML or JSON: `));
  });
});

describe('contradictions between sources are warnings; agreements are not', () => {
  it('the same facts from several sources: no warning', () => {
    // kubectl's annotation and calicoctl's spec.bgp give one address; the directory test's sources agree.
    expect(fromFiles('kubectl-nodes.yaml', 'calicoctl-nodes.yaml', 'calicoctl-ippools.yaml', 'ipamblocks.yaml', 'blockaffinities.yaml').warnings).toEqual([]);
    // A --pool for the exported pool's CIDR, with its modes, is the same pool under another name.
    const b = new ModelBuilder();
    addFile(b, join(FIX, 'reference-cluster.yaml'));
    addFlags(b, { pool: ['10.200.0.0/16'], blockSize: 24, vxlan: 'CrossSubnet', node: [], block: [], tunnelAddr: [] });
    expect(b.build().warnings).toEqual([]);
  });
  it('an InternalIP (/32) is only a fallback: a Calico address read later replaces it silently', () => {
    const bare = write('internal-only.yaml', 'apiVersion: v1\nkind: Node\nmetadata: {name: kube-node04}\nstatus:\n  addresses:\n  - {type: InternalIP, address: 192.168.9.4}\n');
    const m = fromFiles(bare, 'calicoctl-nodes.yaml', 'calicoctl-ippools.yaml');
    expect(m.warnings).toEqual([]);
    expect(essence(m).nodes.find(([name]) => name === 'kube-node04')![1]).toBe('10.0.1.204/24');
  });
  it('the same pool name for two CIDRs names both sources', () => {
    const other = write('renamed-pool.yaml', 'pools:\n  - {name: default-ipv4-ippool, cidr: 10.201.0.0/16, vxlanMode: Always}\n');
    expect(fromFiles('calicoctl-ippools.yaml', other).warnings).toEqual([
      `pool name default-ipv4-ippool is defined twice: default-ipv4-ippool 10.200.0.0/16 /24 ipipMode=Never vxlanMode=CrossSubnet (${join(FIX, 'calicoctl-ippools.yaml')} (IPPool default-ipv4-ippool)) and default-ipv4-ippool 10.201.0.0/16 /26 ipipMode=Never vxlanMode=Always (${other})`,
    ]);
  });
});

describe('the cluster as users export it', () => {
  it('a support bundle: kinds calico-pcap does not read are skipped with one note, not fatal', () => {
    const path = write('bundle.yaml', [
      'apiVersion: v1\nkind: Pod\nmetadata: {name: web}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: db}',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}',
      'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.200.0.0/16, vxlanMode: Always}',
    ].join('\n---\n'));
    const m = fromFiles(path);
    expect(m.pools.map((p) => formatCidr(p.cidr))).toEqual(['10.200.0.0/16']);
    expect(m.notes).toEqual([`skipped objects calico-pcap does not read: 2 Pod v1 (${path}), 1 Deployment apps/v1 (${path})`]);
  });

  it('FelixConfiguration default: VNI, port, WireGuard, eBPF; a per-node one is noted, not applied', () => {
    const path = write('felix.yaml', [
      'apiVersion: crd.projectcalico.org/v1\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {vxlanVNI: 4097, vxlanPort: 4790, vxlanEnabled: true, wireguardEnabled: true, wireguardListeningPort: 51900, bpfEnabled: true}',
      'apiVersion: crd.projectcalico.org/v1\nkind: FelixConfiguration\nmetadata: {name: node.kube-node01}\nspec: {vxlanPort: 9999}',
    ].join('\n---\n'));
    const m = fromFiles(path, 'calicoctl-ippools.yaml');
    expect(m.felix).toMatchObject({ vxlanVni: 4097, vxlanPort: 4790, vxlanEnabled: true, ipipEnabled: null, wireguardEnabled: true, wireguardEnabledV6: false, wireguardPort: 51900, wireguardPortV6: 51821, bpfEnabled: true });
    expect(m.felix.source).toBe(`${path} (FelixConfiguration default)`);
    expect(m.notes).toEqual([`${path} (FelixConfiguration node.kube-node01): a per-node FelixConfiguration is not applied (only "default" is)`]);
    expect(errorOf(() => fromFiles(write('felix-bad.yaml', 'apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {vxlanPort: 70000}\n'))))
      .toMatch(/felix-bad\.yaml: spec\.vxlanPort 70000 is not a whole number from 1 to 65535$/);
  });

  it('two sources setting Felix differently: a warning naming both', () => {
    const a = write('felix-a.yaml', 'apiVersion: crd.projectcalico.org/v1\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {vxlanPort: 4790}\n');
    expect(fromFiles(a, 'calicoctl-ippools.yaml').warnings).toEqual([]); // the pools set no Felix setting
    const b = write('cluster-port.yaml', 'vxlanPort: 4789\n');
    expect(fromFiles(a, b).warnings).toEqual([`Felix vxlanPort is set twice: 4790 (${a} (FelixConfiguration default)) and 4789 (${b}); the later is used`]);
  });

  it("the operator's Installation: calicoNetwork.ipPools become pools, linuxDataplane BPF the eBPF dataplane", () => {
    const path = write('installation.yaml', [
      'apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata: {name: default}',
      'spec:\n  calicoNetwork:\n    linuxDataplane: BPF\n    ipPools:',
      '    - {cidr: 10.200.0.0/16, encapsulation: VXLANCrossSubnet, blockSize: 24}',
      '    - {cidr: "fd10:200::/48", encapsulation: VXLAN}',
      '    - {name: legacy, cidr: 10.201.0.0/16}',
    ].join('\n'));
    const m = fromFiles(path);
    expect(m.pools.map((p) => [p.name, formatCidr(p.cidr), p.blockSize, p.ipipMode, p.vxlanMode])).toEqual([
      ['default-ipv4-ippool', '10.200.0.0/16', 24, 'Never', 'CrossSubnet'],
      ['default-ipv6-ippool', 'fd10:200::/48', 122, 'Never', 'Always'],
      ['legacy', '10.201.0.0/16', 26, 'Always', 'Never'], // the operator's default with BGP: IPIP
    ]);
    expect(m.felix.bpfEnabled).toBe(true);
    // The IPPool the operator made from it is the same definition: no warning.
    const made = write('made-pool.yaml', 'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: default-ipv4-ippool}\nspec: {cidr: 10.200.0.0/16, vxlanMode: CrossSubnet, ipipMode: Never, blockSize: 24}\n');
    expect(fromFiles(path, made).warnings).toEqual([]);
    expect(errorOf(() => fromFiles(write('inst-bad.yaml', 'apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata: {name: default}\nspec: {calicoNetwork: {ipPools: [{cidr: 10.9.0.0/16, encapsulation: GRE}]}}\n'))))
      .toMatch(/inst-bad\.yaml: spec\.calicoNetwork\.ipPools\[0\]\.encapsulation "GRE" is not IPIP, IPIPCrossSubnet, VXLAN, VXLANCrossSubnet or None$/);
  });

  it('a disabled pool (pool migration) is kept: the pods it holds still route by it', () => {
    const path = write('disabled.yaml', 'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: old}\nspec: {cidr: 10.200.0.0/16, ipipMode: Always, disabled: true}\n');
    expect(fromFiles(path).pools.map((p) => [p.name, p.disabled, p.ipipMode])).toEqual([['old', true, 'Always']]);
  });

  it('stale block affinities (deleted, pending) are ignored with a note', () => {
    const path = write('affinities.yaml', [
      'apiVersion: crd.projectcalico.org/v1\nkind: BlockAffinity\nmetadata: {name: a}\nspec: {cidr: 10.200.2.0/24, node: kube-node01, state: confirmed, deleted: "false"}',
      'apiVersion: crd.projectcalico.org/v1\nkind: BlockAffinity\nmetadata: {name: b}\nspec: {cidr: 10.200.9.0/24, node: kube-node01, state: confirmed, deleted: "true"}',
      'apiVersion: crd.projectcalico.org/v1\nkind: BlockAffinity\nmetadata: {name: c}\nspec: {cidr: 10.200.8.0/24, node: kube-node01, state: pendingDeletion}',
    ].join('\n---\n'));
    const m = fromFiles('reference-cluster.yaml', path);
    expect(m.nodes.find((n) => n.name === 'kube-node01')!.blocks.map(formatCidr)).toEqual(['10.200.2.0/24']);
    expect(m.notes).toEqual([
      `${path}: BlockAffinity b (10.200.9.0/24 on kube-node01) is marked deleted: ignored`,
      `${path}: BlockAffinity c (10.200.8.0/24 on kube-node01) is in state pendingDeletion: ignored`,
    ]);
  });

  it('a node given without a prefix is a warning when a pool is CrossSubnet: /32 turns it into Always', () => {
    const m = fromFlags({ pool: ['10.200.0.0/16'], vxlan: 'CrossSubnet', node: ['kube-node01=10.0.2.201', 'kube-node02=10.0.2.202/24'] });
    expect(m.warnings).toEqual(["--node kube-node01=10.0.2.201: node kube-node01: address 10.0.2.201 given without a prefix: Calico registers it as /32, so no other node is in its subnet and CrossSubnet behaves as Always; give IP/PREFIX as the node registered it"]);
    expect(fromFlags({ pool: ['10.200.0.0/16'], vxlan: 'Always', node: ['kube-node01=10.0.2.201'] }).warnings).toEqual([]);
  });

  it('conflicting definitions of one pool in two files: a warning naming both files', () => {
    const a = write('pool-a.yaml', 'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.200.0.0/16, vxlanMode: Always}\n');
    const b = write('pool-b.yaml', 'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.200.0.0/16, vxlanMode: CrossSubnet}\n');
    expect(fromFiles(a, b).warnings).toEqual([`pool 10.200.0.0/16 is defined twice: p 10.200.0.0/16 /26 ipipMode=Never vxlanMode=Always (${a} (IPPool p)) and p 10.200.0.0/16 /26 ipipMode=Never vxlanMode=CrossSubnet (${b} (IPPool p)); the later is used`]);
  });

  it('dual stack: IPv6 pools, node addresses, tunnel addresses and blocks from Calico objects', () => {
    const path = write('dual.yaml', [
      'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: v6}\nspec: {cidr: "fd10:200::/48", vxlanMode: CrossSubnet}',
      'apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: kube-node04}\nspec:\n  bgp: {ipv4Address: 10.0.1.204/24, ipv6Address: "fd00:0:1::204/64"}\n  ipv6VXLANTunnelAddr: "fd10:200::401"\n  vxlanTunnelMACAddrV6: "66:6A:00:00:01:04"',
      'apiVersion: crd.projectcalico.org/v1\nkind: BlockAffinity\nmetadata: {name: b6}\nspec: {cidr: "fd10:200::400/122", node: kube-node04, state: confirmed}',
    ].join('\n---\n'));
    const m = fromFiles(path);
    expect(m.pools.map((p) => [formatCidr(p.cidr), p.blockSize])).toEqual([['fd10:200::/48', 122]]);
    const n = m.nodes[0];
    expect([formatNodeAddress(n.ipv4!), formatNodeAddress(n.ipv6!), formatAddress(n.vxlanTunnelAddrV6!), n.vtepMacV6, n.blocks.map(formatCidr)])
      .toEqual(['10.0.1.204/24', 'fd00:0:1::204/64', 'fd10:200::401', '66:6a:00:00:01:04', ['fd10:200::400/122']]);
    expect(errorOf(() => fromFlags({ pool: ['fd10:200::/48'], ipip: 'Always' }))).toBe('flags: pool fd10:200::/48 sets ipipMode Always; IPIP is IPv4 only (an IPv6 pool uses VXLAN or nothing)');
  });
});
