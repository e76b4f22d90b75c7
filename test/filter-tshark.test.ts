// -Y/--where against tshark's own display filters on the kernel fixtures: for each expression,
// the packets `calico-pcap analyze -o json -Y EXPR` counts (totals.packets) must be exactly the
// packets tshark selects with the equivalent expression, run here on the same file. tshark's
// layer operator `#N` names the Nth IP header: `ip.src#2` is the inner source of a VXLAN or
// IPIP packet. docs/filter.md lists these translations.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { partMissing } from './support/absent.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const tsharkPresent = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;

interface Case {
  file: string;
  ours: string;
  tshark: string;
  /** The count both must give: pinned, so that a case selecting nothing (or everything) by mistake shows. */
  packets: number;
  /** verify (with the fixture's cluster file) instead of analyze: node fields need a model. */
  cluster?: string;
  /** --pods FILE (src.pod, dst.pod). */
  pods?: string;
}

const VXLAN = 'fixtures/vxlan-crosssubnet/node04-ens37.pcap';
const IPIP = 'fixtures/ipip-always/node04-ens37.pcap';
const DUAL = 'fixtures/dual-stack-vxlan/node04-ens37.pcap';
const V6PLAIN = 'fixtures/ipv6-plain-cross-subnet/node04-ens37.pcap';
const ANY = 'fixtures/any-vxlan/node04-any.pcap'; // tcpdump -i any: SLL2, direction and ifindex
const PCAPNG = 'fixtures/pcapng-uplink-vxlan/node04-live.pcapng'; // interfaces ens37 and vxlan.calico

const CASES: Case[] = [
  { file: VXLAN, ours: 'inner.addr in 10.200.2.0/24', tshark: 'ip.addr#2 == 10.200.2.0/24', packets: 18 },
  { file: VXLAN, ours: 'vni == 4096', tshark: 'vxlan.vni == 4096', packets: 28 },
  { file: VXLAN, ours: 'vni != 4096', tshark: 'vxlan.vni != 4096', packets: 0 },
  { file: VXLAN, ours: 'encap == plain', tshark: '!vxlan', packets: 2 },
  { file: VXLAN, ours: 'proto == tcp and dport == 8080', tshark: 'tcp.dstport == 8080', packets: 5 },
  { file: VXLAN, ours: 'not proto == icmp', tshark: '!icmp', packets: 12 },
  { file: VXLAN, ours: 'encap == vxlan and inner.addr in 10.200.0.0/16', tshark: 'vxlan && ip.addr#2 == 10.200.0.0/16', packets: 28 },
  { file: VXLAN, ours: 'port == 5353 or proto == icmp and outer.src == 10.0.2.202', tshark: 'udp.port#2 == 5353 || (icmp && ip.src#1 == 10.0.2.202)', packets: 5 },
  { file: VXLAN, ours: '(port == 5353 || proto == icmp) && outer.src == 10.0.2.202', tshark: '(udp.port#2 == 5353 || icmp) && ip.src#1 == 10.0.2.202', packets: 4 },
  // A plain packet's inner header is its only one: tshark needs two cases for it.
  { file: VXLAN, ours: 'inner.src != 10.200.2.10', tshark: '(vxlan && ip.src#2 != 10.200.2.10) || (!vxlan && ip.src#1 != 10.200.2.10)', packets: 21 },
  { file: VXLAN, ours: 'src.node == kube-node01', tshark: 'ip.src#1 == 10.0.2.201', packets: 10, cluster: 'fixtures/vxlan-crosssubnet/cluster.yaml' },
  { file: VXLAN, ours: 'dst.node == kube-node02 or src.node == kube-master01', tshark: 'ip.dst#1 == 10.0.2.202 || ip.src#1 == 10.0.2.200', packets: 5, cluster: 'fixtures/vxlan-crosssubnet/cluster.yaml' },
  { file: VXLAN, ours: 'not dst.node == kube-node04', tshark: '!(ip.dst#1 == 10.0.1.204)', packets: 15, cluster: 'fixtures/vxlan-crosssubnet/cluster.yaml' },
  { file: VXLAN, ours: 'src.pod == pod-node01 or dst.pod == default/pod-master01', tshark: 'ip.src#2 == 10.200.2.10 || ip.dst#2 == 10.200.235.10', packets: 10, pods: 'fixtures/pods/lab-pods.yaml' },
  { file: IPIP, ours: 'encap == ipip', tshark: 'ip.proto#1 == 4', packets: 28 },
  { file: IPIP, ours: 'encap == ipip and inner.src == 10.200.2.10 and proto == tcp', tshark: 'ip.proto#1 == 4 && ip.src#2 == 10.200.2.10 && tcp', packets: 5 },
  { file: DUAL, ours: 'inner.addr in fd00:10:200::/48', tshark: 'ipv6.addr == fd00:10:200::/48', packets: 20 },
  { file: DUAL, ours: 'encap == vxlan and inner.dst == fd00:10:200::255:10 and proto == icmpv6', tshark: 'vxlan && ipv6.dst == fd00:10:200::255:10 && icmpv6', packets: 5 },
  { file: V6PLAIN, ours: 'encap == plain and inner.src in fd00::/16', tshark: '!vxlan && ipv6.src == fd00::/16', packets: 5 },
  { file: V6PLAIN, ours: 'outer.addr == fd00:0:1::204', tshark: 'ipv6.addr#1 == fd00:0:1::204', packets: 2 },
  { file: ANY, ours: 'dir == out', tshark: 'sll.pkttype == 4', packets: 44 },
  { file: ANY, ours: 'dir == in and encap == vxlan', tshark: 'sll.pkttype != 4 && vxlan', packets: 14 },
  { file: ANY, ours: 'ifindex in {3 5}', tshark: 'sll.ifindex == 3 || sll.ifindex == 5', packets: 28 },
  { file: PCAPNG, ours: 'iface == ens37', tshark: 'frame.interface_name == "ens37"', packets: 30 },
  { file: PCAPNG, ours: 'iface == vxlan.calico and proto == tcp', tshark: 'frame.interface_name == "vxlan.calico" && tcp', packets: 10 },
];

function tsharkCount(file: string, expression: string): number {
  // Reassembly off: we decode packet by packet (as the corpus oracle does).
  const r = spawnSync('tshark', ['-n', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-r', join(ROOT, file), '-Y', expression, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  expect(r.status, `tshark -Y '${expression}': ${r.stderr}`).toBe(0);
  return r.stdout.split('\n').filter((l) => /^\d+$/.test(l.trim())).length;
}

function ourCount(c: Case): number {
  const args = c.cluster
    ? ['verify', '-o', 'json', '-Y', c.ours, '--cluster', join(ROOT, c.cluster), join(ROOT, c.file)]
    : ['analyze', '-o', 'json', '-Y', c.ours, join(ROOT, c.file), ...(c.pods ? ['--pods', join(ROOT, c.pods)] : [])];
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  expect(r.stderr.includes('--where') || r.stdout === '', r.stderr).toBe(false);
  const doc = JSON.parse(r.stdout);
  expect(doc.filter.expression).toBe(c.ours);
  expect(doc.filter.packetsPassed + doc.filter.packetsFilteredOut).toBe(doc.filter.packetsRead);
  expect(doc.filter.packetsPassed).toBe(doc.totals.packets);
  return doc.totals.packets;
}

describe.skipIf(!tsharkPresent)('-Y agrees with tshark -Y on the kernel fixtures', () => {
  for (const c of CASES) {
    it(`${c.file}: ${c.ours}  ~  ${c.tshark}`, () => {
      const theirs = tsharkCount(c.file, c.tshark);
      expect(theirs, 'tshark count (the case pins it)').toBe(c.packets);
      expect(ourCount(c)).toBe(theirs);
    });
  }
});

if (!tsharkPresent) partMissing('filter-tshark.test.ts', 'tshark', 'tshark is not installed: -Y was not compared with tshark -Y (CI installs it)');
