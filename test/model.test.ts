// The cluster model from flags, a cluster file (YAML and JSON), and kubectl/calicoctl objects:
// all give the same model; anything unknown is a clear error naming the file and the field.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addFile, addFlags, ModelBuilder, type ModelFlags } from '../src/model/sources.js';
import { ModelError } from '../src/model/model-error.js';
import { formatCidr, formatIpv4 } from '../src/model/ipv4.js';
import type { ClusterModel } from '../src/model/cluster.js';

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
    nodes: m.nodes.map((n) => [n.name, `${formatIpv4(n.ip)}/${n.prefix}`, n.blocks.map(formatCidr)]).sort(),
    vni: m.vni,
    vxlanPort: m.vxlanPort,
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

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModelError) return err.message;
    throw err;
  }
  throw new Error('expected a ModelError');
}

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
    expect(formatIpv4(m.nodes.find((n) => n.name === 'kube-node04')!.vxlanTunnelAddr!)).toBe('10.200.255.0');
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
    expect(errorOf(() => fromFiles(path))).toBe(`${path}: unknown field pools[0].vxlanMod (known: name, cidr, blockSize, ipipMode, vxlanMode)`);
  });
  it('an object kind that is not read', () => {
    const path = write('pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n');
    expect(errorOf(() => fromFiles(path))).toBe(`${path}: kind Pod (apiVersion v1) is not one calico-pcap reads: use Node, IPPool, IPAMBlock, BlockAffinity, or a cluster file`);
  });
  it('a bad mode, a bad CIDR, both tunnels on one pool', () => {
    expect(errorOf(() => fromFlags({ vxlan: 'sometimes', pool: ['10.200.0.0/16'] }))).toBe('flags: --vxlan "sometimes" is not Always, CrossSubnet or Never');
    expect(errorOf(() => fromFlags({ pool: ['10.200.0.0/33'] }))).toBe('flags: --pool "10.200.0.0/33" is not an IPv4 CIDR');
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
