// calico-pcap verify through the real command line: the kernel captures under their own mode
// and under the wrong ones, the same verdicts from every model source, findings on captures
// built to show each problem, and JUnit output that parses.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../src/capture/pcap-writer.js';
import { buildPacket, type LayerSpec, type PacketSpec } from '../src/dev/synth/index.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-verify-'));

function verify(capture: string, args: string[]) {
  const r = spawnSync('node', [CLI, 'verify', capture, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function verifyJson(capture: string, args: string[]) {
  const r = verify(capture, [...args, '--format', 'json']);
  return { code: r.code, doc: JSON.parse(r.stdout), stderr: r.stderr };
}

const FLAGS = [
  '--pool', '10.200.0.0/16', '--block-size', '24',
  '--node', 'kube-master01=10.0.2.200/24', '--node', 'kube-node01=10.0.2.201/24', '--node', 'kube-node02=10.0.2.202/24', '--node', 'kube-node04=10.0.1.204/24',
  '--block', 'kube-master01=10.200.235.0/24', '--block', 'kube-node01=10.200.2.0/24', '--block', 'kube-node02=10.200.175.0/24', '--block', 'kube-node04=10.200.255.0/24',
];
const SOURCES: Record<string, (mode: string[]) => string[]> = {
  flags: (mode) => [...FLAGS, ...mode],
  'cluster file': (mode) => ['--cluster', 'fixtures/cluster/reference-cluster.yaml', ...mode],
  'kubectl + calicoctl YAML': (mode) => ['--cluster', 'fixtures/cluster/kubectl-nodes.yaml', '--cluster', 'fixtures/cluster/calicoctl-ippools.yaml', '--cluster', 'fixtures/cluster/ipamblocks.yaml', ...mode],
};

describe('kernel captures of the reference cluster', () => {
  for (const [source, args] of Object.entries(SOURCES)) {
    describe(`model from ${source}`, () => {
      for (const capture of ['node04-ens37', 'node02-ens37']) {
        it(`VXLAN CrossSubnet ${capture}: pass under its own mode, fail under IPIP or Never`, () => {
          const path = `fixtures/vxlan-crosssubnet/${capture}.pcap`;
          const ok = verifyJson(path, args(['--vxlan', 'CrossSubnet']));
          expect(ok.code).toBe(0);
          expect(ok.doc.verify.result).toBe('pass');
          expect(ok.doc.verify.pairs.length).toBeGreaterThanOrEqual(4);
          expect(ok.doc.verify.pairs.every((p: { verdict: string }) => p.verdict === 'ok')).toBe(true);
          const ipip = verifyJson(path, args(['--ipip', 'CrossSubnet']));
          expect(ipip.code).toBe(1);
          expect(ipip.doc.verify.findings.map((f: { code: string }) => f.code)).toContain('encap.wrong_tunnel_type');
          const never = verifyJson(path, args(['--vxlan', 'Never']));
          expect(never.code).toBe(1);
          expect(never.doc.verify.findings.map((f: { code: string }) => f.code)).toContain('encap.tunnel_where_never');
        });
        it(`IPIP CrossSubnet ${capture}: pass under its own mode, fail under VXLAN or Never`, () => {
          const path = `fixtures/ipip-crosssubnet/${capture}.pcap`;
          expect(verify(path, args(['--ipip', 'CrossSubnet'])).code).toBe(0);
          expect(verify(path, args(['--vxlan', 'CrossSubnet'])).code).toBe(1);
          expect(verify(path, args(['--ipip', 'Never'])).code).toBe(1);
        });
      }
    });
  }

  it('same-subnet pod traffic that is plain fails under Always (and passes CrossSubnet)', () => {
    const always = verifyJson('fixtures/vxlan-crosssubnet/node02-ens37.pcap', SOURCES['cluster file'](['--vxlan', 'Always']));
    expect(always.code).toBe(1);
    const finding = always.doc.verify.findings.find((f: { code: string }) => f.code === 'encap.plain_where_tunnel_expected');
    expect(finding.message).toBe('kube-node01 -> kube-node02: expected vxlan, seen plain (pool default-ipv4-ippool: vxlanMode Always)');
  });

  it('a same-subnet capture with VXLAN Always fails CrossSubnet and passes Always', () => {
    const path = 'fixtures/vxlan-always/node02-ens37.pcap';
    const cs = verifyJson(path, SOURCES['cluster file'](['--vxlan', 'CrossSubnet']));
    expect(cs.code).toBe(1);
    expect([...new Set(cs.doc.verify.findings.map((f: { code: string }) => f.code))]).toEqual(['encap.tunnel_within_subnet']);
    expect(verify(path, SOURCES['cluster file'](['--vxlan', 'Always'])).code).toBe(0);
    expect(verify('fixtures/ipip-always/node02-ens37.pcap', SOURCES['cluster file'](['--ipip', 'Always'])).code).toBe(0);
  });

  it('VTEP MACs from calicoctl nodes match the lab; a wrong one is a finding', () => {
    const objects = ['--cluster', 'fixtures/cluster/calicoctl-nodes.yaml', '--cluster', 'fixtures/cluster/calicoctl-ippools.yaml', '--cluster', 'fixtures/cluster/ipamblocks.yaml'];
    const ok = verifyJson('fixtures/vxlan-crosssubnet/node04-ens37.pcap', objects);
    expect(ok.code).toBe(0);
    expect(ok.doc.verify.model.nodes.find((n: { name: string }) => n.name === 'kube-node04').vtepMac).toBe('66:00:0a:00:01:cc');
    expect(ok.doc.flows[0].vtepMacs).toEqual({ src: '66:00:0a:00:02:c9', dst: '66:00:0a:00:01:cc' });
    const wrong = verifyJson('fixtures/vxlan-crosssubnet/node04-ens37.pcap', [...objects, '--vtep-mac', 'kube-node04=66:00:0a:00:01:cd']);
    expect(wrong.code).toBe(1);
    expect(wrong.doc.verify.findings[0]).toMatchObject({ code: 'vxlan.vtep_mac_mismatch', message: "kube-node01 -> kube-node04: inner destination MAC 66:00:0a:00:01:cc is not kube-node04's 66:00:0a:00:01:cd" });
  });

  it('reports pairs in words, with the nodes named', () => {
    const r = verify('fixtures/vxlan-crosssubnet/node04-ens37.pcap', SOURCES['cluster file']([]));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("kube-node01 -> kube-node04: expected vxlan, seen vxlan, ok (pool default-ipv4-ippool: vxlanMode CrossSubnet, kube-node04 outside kube-node01's /24; 2 flows, 9 packets)");
    expect(r.stdout).toMatch(/result: PASS\n$/);
  });

  it('learns the node-to-block map from the tunnelled flows when blocks are not given, and says so', () => {
    const r = verifyJson('fixtures/vxlan-crosssubnet/node04-ens37.pcap', ['--pool', '10.200.0.0/16', '--block-size', '24', '--vxlan', 'CrossSubnet', '--node', 'kube-node01=10.0.2.201/24', '--node', 'kube-node02=10.0.2.202/24', '--node', 'kube-master01=10.0.2.200/24', '--node', 'kube-node04=10.0.1.204/24']);
    expect(r.code).toBe(0);
    expect(r.doc.verify.model.learnedBlocks).toEqual(expect.arrayContaining([{ node: 'kube-node04', block: '10.200.255.0/24' }, { node: 'kube-node01', block: '10.200.2.0/24' }]));
  });
});

describe('findings on captures built to show them', () => {
  const NODES = ['--pool', '10.200.0.0/16', '--block-size', '24', '--vxlan', 'CrossSubnet', '--node', 'kube-node01=10.0.2.201/24', '--node', 'kube-node02=10.0.2.202/24', '--node', 'kube-node04=10.0.1.204/24',
    '--block', 'kube-node01=10.200.2.0/24', '--block', 'kube-node02=10.200.175.0/24', '--block', 'kube-node04=10.200.255.0/24'];
  const vxlan = (o: { src?: string; dst?: string; vni?: number; port?: number; innerSrc?: string; tcp?: LayerSpec; payload?: number; udpChecksum?: number }): PacketSpec => [
    { eth: {} },
    { ipv4: { src: o.src ?? '10.0.2.202', dst: o.dst ?? '10.0.1.204' } },
    { udp: { sport: 40000, dport: o.port ?? 4789, ...(o.udpChecksum === undefined ? {} : { checksum: o.udpChecksum }) } },
    { vxlan: { vni: o.vni ?? 4096 } },
    { eth: {} },
    { ipv4: { src: o.innerSrc ?? '10.200.175.10', dst: '10.200.255.10' } },
    o.tcp ?? { tcp: { sport: 43512, dport: 8080, flags: 'S' } },
    { payload: o.payload ?? 0 },
  ];
  async function capture(name: string, packets: Uint8Array[]): Promise<string> {
    const path = join(dir, name);
    const w = PcapWriter.openFile(path, { linktype: 1 });
    packets.forEach((p, i) => w.writePacket(p, 1764064800 + i, 0));
    await w.close();
    return path;
  }
  const codes = (doc: { verify: { findings: { code: string }[] } }) => doc.verify.findings.map((f) => f.code);

  it('wrong VNI and wrong VXLAN port', async () => {
    const path = await capture('vni.pcap', [buildPacket(vxlan({ vni: 4097 })), buildPacket(vxlan({ port: 8472 }))]);
    const r = verifyJson(path, NODES);
    expect(r.code).toBe(1);
    expect(codes(r.doc)).toEqual(['vxlan.wrong_vni', 'vxlan.wrong_port']);
    expect(r.doc.verify.findings[0].message).toBe('kube-node02 -> kube-node04: VNI 4097, expected 4096');
    expect(r.doc.verify.findings[1].message).toBe('kube-node02 -> kube-node04: VXLAN on UDP 8472, expected 4789');
  });

  it('an outer source that is not a node', async () => {
    const path = await capture('stranger.pcap', [buildPacket(vxlan({ src: '192.168.7.7' }))]);
    const r = verifyJson(path, NODES);
    expect(r.code).toBe(1);
    expect(r.doc.verify.findings[0]).toMatchObject({ code: 'tunnel.unknown_outer_node', severity: 'error', message: 'vxlan between 192.168.7.7 and 10.0.1.204: 192.168.7.7 is not a node IP', packets: [1] });
  });

  it('bad outer UDP checksums with a SYN retransmission ladder on the same flow', async () => {
    const syn = buildPacket(vxlan({}));
    syn[14 + 20 + 6] ^= 0x55; // break the outer UDP checksum
    const path = await capture('badsum.pcap', [syn, syn, syn, syn]);
    const r = verifyJson(path, NODES);
    expect(r.code).toBe(1);
    expect(r.doc.verify.findings[0]).toMatchObject({
      code: 'checksum.bad_outer_udp',
      message: 'kube-node02 -> kube-node04 10.200.175.10:43512 -> 10.200.255.10:8080: 4 bad outer UDP checksums in 4 packets; 4 SYNs on the same flow: the connection never completes',
      packets: [1],
    });
  });

  it('inner packets larger than the VXLAN MTU', async () => {
    const path = await capture('mtu.pcap', [buildPacket(vxlan({ tcp: { tcp: { sport: 43512, dport: 8080, flags: 'A' } }, payload: 1440 }))]);
    const r = verifyJson(path, NODES);
    expect(codes(r.doc)).toEqual(['mtu.inner_too_large']);
    expect(r.doc.verify.findings[0].message).toBe('kube-node02 -> kube-node04: inner packets up to 1480 bytes in vxlan, more than 1450');
  });

  it('plain pod traffic across subnets, and asymmetric encapsulation', async () => {
    const plainOut = buildPacket([{ eth: {} }, { ipv4: { src: '10.200.175.10', dst: '10.200.255.10' } }, { icmp: { type: 8 } }]);
    const vxlanBack = buildPacket([{ eth: {} }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.202' } }, { udp: { dport: 4789 } }, { vxlan: { vni: 4096 } }, { eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.175.10' } }, { icmp: { type: 0 } }]);
    const path = await capture('plain.pcap', [plainOut, vxlanBack]);
    const r = verifyJson(path, NODES);
    expect(r.code).toBe(1);
    expect(codes(r.doc)).toEqual(['encap.plain_across_subnets', 'encap.asymmetric']);
    expect(r.doc.verify.findings[1].message).toBe('kube-node02 -> kube-node04: plain, kube-node04 -> kube-node02: vxlan');
  });

  it('a node\'s own traffic tunnelled with the node IP as inner source', async () => {
    const path = await capture('nodeip.pcap', [buildPacket(vxlan({ innerSrc: '10.0.2.202', tcp: { icmp: { type: 8 } } }))]);
    const r = verifyJson(path, NODES);
    expect(codes(r.doc)).toContain('tunnel.inner_source_is_node_ip');
  });
});

describe('--format junit', () => {
  it('is valid JUnit XML with one test case per node pair and direction', () => {
    const r = verify('fixtures/ipip-crosssubnet/node04-ens37.pcap', ['--cluster', 'fixtures/cluster/reference-cluster.yaml', '--format', 'junit']);
    expect(r.code).toBe(1);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(r.stdout);
    const suite = xml.testsuites.testsuite;
    const cases = [suite.testcase].flat();
    expect(cases.map((c: { name: string }) => c.name)).toEqual([
      'kube-master01 -> kube-node04', 'kube-node01 -> kube-node04', 'kube-node02 -> kube-node04',
      'kube-node04 -> kube-master01', 'kube-node04 -> kube-node01', 'kube-node04 -> kube-node02',
    ]);
    expect(Number(suite.failures)).toBe(6);
    expect(cases[1].failure.message).toBe('expected vxlan, seen ipip');
    expect(cases[1].failure.type).toBe('encap.wrong_tunnel_type');
  });

  it('passes with no failure elements under the right mode', () => {
    const r = verify('fixtures/ipip-crosssubnet/node04-ens37.pcap', ['--cluster', 'fixtures/cluster/reference-cluster.yaml', '--ipip', 'CrossSubnet', '--format', 'junit']);
    expect(r.code).toBe(0);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    expect(r.stdout).not.toContain('<failure');
  });
});

describe('model errors exit 2 with one line', () => {
  it('no model at all', () => {
    const r = verify('fixtures/vxlan-crosssubnet/node04-ens37.pcap', []);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('calico-pcap: verify needs the IP pools: --pool CIDR, or --cluster FILE with pools or IPPool objects\n');
  });
  it('a cluster file that does not exist', () => {
    const r = verify('fixtures/vxlan-crosssubnet/node04-ens37.pcap', ['--cluster', 'nope.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('calico-pcap: nope.yaml: no such file\n');
  });
});

// Misconfigurations captured for real in the namespace lab (fixtures/make/calico-lab.sh), each
// verified against the cluster as it was meant to be configured (VXLAN CrossSubnet, or IPIP).
describe('misconfiguration captures from the kernel lab', () => {
  const CASES: [string, string, string, string[]][] = [
    ['vxlan-always', 'node02-ens37', 'fixtures/vxlan-crosssubnet/cluster.yaml', ['encap.tunnel_within_subnet']],
    ['ipip-always', 'node02-ens37', 'fixtures/ipip-crosssubnet/cluster.yaml', ['encap.tunnel_within_subnet']],
    ['plain-cross-subnet', 'node02-ens37', 'fixtures/vxlan-crosssubnet/cluster.yaml', ['encap.plain_across_subnets']],
    ['vxlan-bad-udp-checksum', 'node04-ens37', 'fixtures/vxlan-crosssubnet/cluster.yaml', ['checksum.bad_outer_udp']],
    ['vxlan-mtu-fragmentation', 'node04-ens37', 'fixtures/vxlan-crosssubnet/cluster.yaml', ['mtu.outer_fragmentation', 'mtu.inner_too_large']],
    ['vxlan-crosssubnet-wrong-vni', 'node04-ens37', 'fixtures/vxlan-crosssubnet/cluster.yaml', ['vxlan.wrong_vni']],
    ['ipip-crosssubnet', 'node04-ens37', 'fixtures/vxlan-crosssubnet/cluster.yaml', ['encap.wrong_tunnel_type']],
  ];
  for (const [scenario, capture, cluster, expected] of CASES) {
    it(`${scenario}/${capture}: exit 1 with ${expected.join(', ')}`, () => {
      const r = verifyJson(`fixtures/${scenario}/${capture}.pcap`, ['--cluster', cluster]);
      expect(r.code).toBe(1);
      const found = new Set(r.doc.verify.findings.filter((f: { severity: string }) => f.severity === 'error').map((f: { code: string }) => f.code));
      expect([...found].sort()).toEqual([...expected].sort());
    });
  }

  it('the SYN ladder under bad outer UDP checksums is named on the TCP flow', () => {
    const r = verifyJson('fixtures/vxlan-bad-udp-checksum/node04-ens37.pcap', ['--cluster', 'fixtures/vxlan-crosssubnet/cluster.yaml']);
    const messages = r.doc.verify.findings.filter((f: { code: string }) => f.code === 'checksum.bad_outer_udp').map((f: { message: string }) => f.message);
    expect(messages.some((m: string) => /10\.200\.175\.10:\d+ -> 10\.200\.255\.10:8080: \d+ bad outer UDP checksums in \d+ packets received by kube-node04; \d+ SYNs on the same flow/.test(m))).toBe(true);
  });
});
