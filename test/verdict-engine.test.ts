// The verdict engine on the captures people really take: where the capture was taken (a pipe, a
// renamed file, the link type), results that cannot lie (INCONCLUSIVE when pod traffic was not
// judged), the cluster as users export it (disabled pools, stale affinities), one meaning of
// --vxlan-port, and the same verdict from verify, report and live's engine. Kernel captures from
// the namespace lab; WireGuard and eBPF NodePort packets built with the project's writer.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../src/capture/pcap-writer.js';
import { buildPacket, type PacketSpec } from '../src/dev/synth/index.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-engine-'));

function cli(args: string[], input?: Buffer) {
  const r = spawnSync('node', [CLI, ...args], { cwd: ROOT, encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function verifyJson(args: string[], input?: Buffer) {
  const r = cli(['verify', ...args, '--format', 'json'], input);
  return { code: r.code, doc: JSON.parse(r.stdout), stderr: r.stderr };
}

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const REF = 'fixtures/cluster/reference-cluster.yaml';
const NODES_ONLY = ['--pool', '10.200.0.0/16', '--block-size', '24', '--vxlan', 'CrossSubnet', '--node', 'kube-master01=10.0.2.200/24', '--node', 'kube-node01=10.0.2.201/24', '--node', 'kube-node02=10.0.2.202/24', '--node', 'kube-node04=10.0.1.204/24'];

describe('the capture point is known without the file name', () => {
  it('a tunl0 capture on stdin: the RAW link type is a tunnel device, as for the named file', () => {
    const file = 'fixtures/ipip-crosssubnet/node04-tunl0.pcap';
    const named = verifyJson([file, '--cluster', 'fixtures/ipip-crosssubnet/cluster.yaml']);
    expect(named.code).toBe(0);
    const piped = verifyJson(['-', '--cluster', 'fixtures/ipip-crosssubnet/cluster.yaml'], readFileSync(join(ROOT, file)));
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(piped.doc.verify.points).toEqual([{ id: 0, name: 'tunl0', kind: 'tunnel', tunnel: 'ipip', how: 'the link type: RAW IP is a tunnel device (tunl0)' }]);
    expect(piped.doc.verify.pairs).toEqual(named.doc.verify.pairs);
    expect(piped.doc.verify.pairs.map((p: { seen: string[] }) => p.seen.join())).toContain('ipip');
  });

  it('a vxlan.calico capture renamed capture.pcap: its Ethernet addresses are the VTEP MACs of the model', () => {
    const renamed = join(dir, 'capture.pcap');
    writeFileSync(renamed, readFileSync(join(ROOT, 'fixtures/vxlan-crosssubnet/node04-vxlan.calico.pcap')));
    const model = ['--cluster', 'fixtures/cluster/calicoctl-nodes.yaml', '--cluster', 'fixtures/cluster/calicoctl-ippools.yaml', '--cluster', 'fixtures/cluster/blockaffinities.yaml'];
    const withMacs = verifyJson([renamed, ...model]);
    expect(withMacs.stderr).toBe('');
    expect(withMacs.code).toBe(0);
    expect(withMacs.doc.verify.points[0]).toMatchObject({ name: 'vxlan.calico', kind: 'tunnel', tunnel: 'vxlan' });
    // Without VTEP MACs nothing says it is a tunnel device: judged as an uplink it fails, --device fixes it.
    expect(verifyJson([renamed, '--cluster', REF]).code).toBe(1);
    expect(verifyJson([renamed, '--cluster', REF, '--device', 'vxlan.calico']).code).toBe(0);
  });
});

describe('results that cannot lie', () => {
  it('plain pod traffic across subnets with no blocks known is INCONCLUSIVE (exit 4), with a hint, not PASS', () => {
    const r = verifyJson(['fixtures/plain-cross-subnet/node04-ens37.pcap', ...NODES_ONLY]);
    expect(r.code).toBe(4);
    expect(r.doc.verify.result).toBe('inconclusive');
    expect(r.doc.verify.hint).toMatch(/pod flow\(s\) could not be judged: give the nodes' pod blocks \(--block NODE=CIDR, or BlockAffinity \/ IPAMBlock objects\) for kube-master01, kube-node01, kube-node02, kube-node04/);
    expect(r.stderr).toMatch(/^calico-pcap: fixtures\/plain-cross-subnet\/node04-ens37.pcap: inconclusive: \d+ pod flow\(s\) could not be judged/);
    const table = cli(['verify', 'fixtures/plain-cross-subnet/node04-ens37.pcap', ...NODES_ONLY]);
    expect(table.stdout).toMatch(/\nresult: INCONCLUSIVE\nhint: /);
    // With the blocks the same capture is judged: plain across subnets under CrossSubnet fails.
    const judged = verifyJson(['fixtures/plain-cross-subnet/node04-ens37.pcap', '--cluster', REF]);
    expect(judged.code).toBe(1);
    expect(judged.doc.verify.findings.map((f: { code: string }) => f.code)).toContain('encap.plain_across_subnets');
  });

  it('tunnelled traffic teaches the blocks: the same capture without blocks passes, and says what it learned', () => {
    const r = verifyJson(['fixtures/vxlan-always/node04-ens37.pcap', ...NODES_ONLY, '--vxlan', 'Always']);
    expect(r.code).toBe(0);
    expect(r.doc.verify.model.learnedBlocks.length).toBeGreaterThan(0);
  });

  it('a capture with no pod traffic of the pools is INCONCLUSIVE: nothing was judged', () => {
    const r = verifyJson(['fixtures/vxlan-crosssubnet/node04-ens37.pcap', '--pool', '10.99.0.0/16', '--vxlan', 'Always', '--node', 'kube-node04=10.0.1.204/24']);
    expect(r.code).toBe(4);
    expect(r.doc.verify.hint).toMatch(/^no pod traffic of the pools in this capture/);
  });

  it('pinned expectations may pin inconclusive', () => {
    const pin = join(dir, 'inconclusive.expect.yaml');
    const first = cli(['verify', 'fixtures/plain-cross-subnet/node04-ens37.pcap', ...NODES_ONLY, '--write-expect', pin]);
    expect(first.code).toBe(4);
    expect(readFileSync(pin, 'utf8')).toMatch(/\nresult: inconclusive\n/);
    expect(cli(['verify', 'fixtures/plain-cross-subnet/node04-ens37.pcap', ...NODES_ONLY, '--expect', pin]).code).toBe(0);
  });
});

describe('the cluster as users export it, on kernel captures', () => {
  it('a disabled pool (pool migration) still judges the pods it holds', () => {
    const disabled = write('disabled-pool.yaml', readFileSync(join(ROOT, 'fixtures/ipip-crosssubnet/cluster.yaml'), 'utf8').replace('    ipipMode: CrossSubnet\n', '    ipipMode: CrossSubnet\n    disabled: true\n'));
    for (const capture of ['node04-ens37', 'node02-ens37']) {
      const r = verifyJson([`fixtures/ipip-crosssubnet/${capture}.pcap`, '--cluster', disabled]);
      expect(r.code, capture).toBe(0);
      expect(r.doc.verify.model.pools[0].disabled).toBe(true);
      expect(r.doc.verify.pairs.every((p: { verdict: string; reason: string }) => p.verdict === 'ok' && p.reason.includes('(disabled)'))).toBe(true);
    }
  });

  it('two pool files with the same name and different modes: a warning naming both files; the later decides', () => {
    const always = write('pool-always.yaml', 'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: default-ipv4-ippool}\nspec: {cidr: 10.200.0.0/16, blockSize: 24, vxlanMode: Always}\n');
    const nodes = ['--cluster', 'fixtures/cluster/calicoctl-nodes.yaml', '--cluster', 'fixtures/cluster/blockaffinities.yaml'];
    const r = verifyJson(['fixtures/vxlan-crosssubnet/node02-ens37.pcap', ...nodes, '--cluster', 'fixtures/cluster/calicoctl-ippools.yaml', '--cluster', always]);
    expect(r.stderr).toContain(`calico-pcap: warning: pool 10.200.0.0/16 is defined twice: default-ipv4-ippool 10.200.0.0/16 /24 ipipMode=Never vxlanMode=CrossSubnet (fixtures/cluster/calicoctl-ippools.yaml (IPPool default-ipv4-ippool)) and default-ipv4-ippool 10.200.0.0/16 /24 ipipMode=Never vxlanMode=Always (${always} (IPPool default-ipv4-ippool)); the later is used`);
    expect(r.doc.verify.model.warnings).toHaveLength(1);
    // Under the later (Always) the same-subnet plain traffic of this CrossSubnet capture fails.
    expect(r.code).toBe(1);
    expect(r.doc.verify.findings.map((f: { code: string }) => f.code)).toContain('encap.plain_where_tunnel_expected');
  });

  it('a support bundle with other kinds and stale affinities: notes on stderr, the verdict unchanged', () => {
    const bundle = write('bundle.yaml', [
      readFileSync(join(ROOT, 'fixtures/cluster/calicoctl-nodes.yaml'), 'utf8'),
      readFileSync(join(ROOT, 'fixtures/cluster/calicoctl-ippools.yaml'), 'utf8'),
      readFileSync(join(ROOT, 'fixtures/cluster/blockaffinities.yaml'), 'utf8'),
      'apiVersion: crd.projectcalico.org/v1\nkind: BlockAffinity\nmetadata: {name: stale}\nspec: {cidr: 10.200.9.0/24, node: kube-node04, state: confirmed, deleted: "true"}',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: calico-config}\ndata: {}',
    ].join('\n---\n'));
    const r = verifyJson(['fixtures/vxlan-crosssubnet/node04-ens37.pcap', '--cluster', bundle]);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `calico-pcap: note: ${bundle}: BlockAffinity stale (10.200.9.0/24 on kube-node04) is marked deleted: ignored`,
      `calico-pcap: note: skipped objects calico-pcap does not read: 1 ConfigMap v1 (${bundle})`,
    ]);
    expect(r.doc.verify.model.notes).toHaveLength(2);
  });
});

describe('one meaning of --vxlan-port; the Felix port reaches the decoder', () => {
  // The reference VXLAN traffic rewritten to UDP 4790 is what a cluster with FelixConfiguration
  // vxlanPort 4790 sends: built with the project's writer from the kernel capture's own flows.
  const on4790: PacketSpec = [
    { eth: {} }, { ipv4: { src: '10.0.2.202', dst: '10.0.1.204' } }, { udp: { sport: 40000, dport: 4790 } }, { vxlan: { vni: 4096 } },
    // addressed from kube-node02's vxlan.calico to kube-node04's (their MACs in calicoctl-nodes.yaml)
    { eth: { src: '66:00:0a:00:02:ca', dst: '66:00:0a:00:01:cc' } }, { ipv4: { src: '10.200.175.10', dst: '10.200.255.10' } }, { tcp: { sport: 43512, dport: 8080, flags: 'S' } }, { payload: 0 },
  ];
  async function capture(name: string, specs: PacketSpec[]): Promise<string> {
    const path = join(dir, name);
    const w = PcapWriter.openFile(path, { linktype: 1 });
    specs.forEach((s, i) => w.writePacket(buildPacket(s), 1764064800 + i, 0));
    await w.close();
    return path;
  }

  it('a FelixConfiguration with vxlanPort 4790 is read, decodes 4790 as VXLAN and judges it right', async () => {
    const path = await capture('port4790.pcap', [on4790]);
    const felix = write('felix-4790.yaml', 'apiVersion: crd.projectcalico.org/v1\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {vxlanPort: 4790}\n');
    const objects = ['--cluster', 'fixtures/cluster/calicoctl-nodes.yaml', '--cluster', 'fixtures/cluster/calicoctl-ippools.yaml', '--cluster', 'fixtures/cluster/blockaffinities.yaml'];
    const r = verifyJson([path, ...objects, '--cluster', felix]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.doc.flows[0].encapsulation).toBe('vxlan');
    expect(r.doc.verify.model.felix.vxlanPort).toBe(4790);
    // A cluster file that says 4789 as well: a warning naming both, the later wins.
    expect(verifyJson([path, '--cluster', REF, '--cluster', felix]).stderr).toBe(`calico-pcap: warning: Felix vxlanPort is set twice: 4789 (${join(ROOT, REF).slice(ROOT.length + 1)}) and 4790 (${felix} (FelixConfiguration default)); the later is used\n`);
    // Without it, the VXLAN on 4790 (decoded there as VXLAN-GPE's port takes a header without the
    // P bit) is on the wrong port for Felix's default: a FAIL, never a PASS of "host traffic".
    const without = verifyJson([path, '--cluster', REF]);
    expect(without.code).toBe(1);
    expect(without.doc.verify.findings.map((f: { code: string }) => f.code)).toEqual(['vxlan.wrong_port']);
    // --vxlan-port only says "decode it": Felix's port is still 4789, so it is the wrong port.
    const flag = verifyJson([path, '--cluster', REF, '--vxlan-port', '4790']);
    expect(flag.code).toBe(1);
    expect(flag.doc.verify.findings.map((f: { code: string }) => f.code)).toEqual(['vxlan.wrong_port']);
    // analyze with the same flag decodes it the same way.
    expect(JSON.parse(cli(['analyze', path, '--vxlan-port', '4790', '-o', 'json']).stdout).flows[0].encapsulation).toBe('vxlan');
  });

  it('eBPF NodePort forwarding (VNI 0xca11c0) is recognised, not a wrong VNI', async () => {
    const nodeport: PacketSpec = [
      { eth: {} }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { udp: { sport: 41000, dport: 4789 } }, { vxlan: { vni: 0xca11c0 } },
      { eth: {} }, { ipv4: { src: '10.0.1.50', dst: '10.200.2.10' } }, { tcp: { sport: 51000, dport: 8080, flags: 'S' } }, { payload: 0 },
    ];
    const pod: PacketSpec = [
      { eth: {} }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { udp: { sport: 41001, dport: 4789 } }, { vxlan: { vni: 4096 } },
      { eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { tcp: { sport: 43512, dport: 8080, flags: 'S' } }, { payload: 0 },
    ];
    const path = await capture('nodeport.pcap', [nodeport, pod]);
    const r = verifyJson([path, '--cluster', REF]);
    expect(r.code).toBe(0);
    expect(r.doc.verify.flows.map((f: { verdict: string }) => f.verdict)).toEqual(['nodeport', 'ok']);
    expect(r.doc.verify.findings.map((f: { code: string; severity: string }) => [f.code, f.severity])).toEqual([['ebpf.nodeport_forwarding', 'info']]);
  });

  it('WireGuard between nodes: judged when the model enables it, INCONCLUSIVE when it does not', async () => {
    // A WireGuard transport data message (type 4, reserved zero, receiver index, counter, then 64 encrypted bytes).
    const message = new Uint8Array(16 + 64);
    message.set([4, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 1]);
    const wg = (src: string, dst: string): PacketSpec => [{ eth: {} }, { ipv4: { src, dst } }, { udp: { sport: 51820, dport: 51820 } }, { payload: message }];
    const path = await capture('wireguard.pcap', [wg('10.0.1.204', '10.0.2.201'), wg('10.0.2.201', '10.0.1.204')]);
    const unknown = verifyJson([path, '--cluster', REF]);
    expect(unknown.code).toBe(4);
    expect(unknown.doc.verify.flows.map((f: { verdict: string }) => f.verdict)).toEqual(['encrypted', 'encrypted']);
    expect(unknown.doc.verify.hint).toMatch(/wireguardEnabled/);
    const felix = write('felix-wg.yaml', 'apiVersion: crd.projectcalico.org/v1\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {wireguardEnabled: true}\n');
    const judged = verifyJson([path, '--cluster', REF, '--cluster', felix]);
    expect(judged.code).toBe(0);
    expect(judged.doc.verify.pairs.map((p: { from: string; to: string; seen: string[] }) => `${p.from}>${p.to}:${p.seen}`)).toEqual(['kube-node01>kube-node04:wireguard', 'kube-node04>kube-node01:wireguard']);
    // Plain pod traffic between nodes while WireGuard is on is a finding.
    const plain = verifyJson(['fixtures/vxlan-crosssubnet/node02-ens37.pcap', '--cluster', REF, '--cluster', felix]);
    expect(plain.code).toBe(1);
    expect(plain.doc.verify.findings.map((f: { code: string }) => f.code)).toContain('wireguard.unencrypted');
  });
});

describe('the same verdict from every command', () => {
  it('report judges each capture on its own: blocks learned from one never change another', () => {
    const html = join(dir, 'r.html');
    const solo = verifyJson(['fixtures/plain-cross-subnet/node04-ens37.pcap', ...NODES_ONLY]);
    const r = cli(['report', '--html', html, 'fixtures/vxlan-always/node04-ens37.pcap', 'fixtures/plain-cross-subnet/node04-ens37.pcap', ...NODES_ONLY]);
    expect(r.code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(solo.doc.verify.result).toBe('inconclusive');
    // The second capture stays inconclusive in the report, although the first taught node04's block.
    expect(page).toMatch(/INCONCLUSIVE/);
  });
});

describe('kernel captures of every capture point (the namespace lab), judged where each packet was seen', () => {
  const verdicts = (doc: { verify: { flows: { verdict: string }[] } }) => [...new Set(doc.verify.flows.map((f) => f.verdict))].sort();

  for (const mode of ['vxlan', 'ipip'] as const) {
    for (const file of ['node04-any.pcap', 'node04-any-sll.pcap']) {
      it(`tcpdump -i any, ${mode.toUpperCase()} CrossSubnet, ${file}: PASS; tunnel-device and veth copies judged on the uplink`, () => {
        const r = verifyJson([`fixtures/any-${mode}/${file}`, '--cluster', `fixtures/any-${mode}/cluster.yaml`]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.doc.capture.interfaces[0].linktype).toBe(file.includes('sll') ? 113 : 276);
        const kinds = new Set(r.doc.verify.points.map((p: { kind: string }) => p.kind));
        expect([...kinds].sort()).toEqual(['pod', 'tunnel', 'uplink']);
        expect(r.doc.verify.points.filter((p: { kind: string }) => p.kind === 'tunnel').every((p: { tunnel: string }) => p.tunnel === mode)).toBe(true);
        expect(verdicts(r.doc)).toContain('copy');
        expect(r.doc.verify.findings).toEqual([]);
        expect(r.doc.verify.captureNode).toEqual({ name: 'kube-node04', how: expect.stringMatching(/^inferred: its IP is in every tunnel packet/) });
        // The uplink alone (tcpdump -i ens37 at the same time) gives the same pairs.
        const uplink = verifyJson([`fixtures/any-${mode}/node04-ens37.pcap`, '--cluster', `fixtures/any-${mode}/cluster.yaml`]);
        expect(r.doc.verify.pairs.map((p: { from: string; to: string; seen: string[] }) => `${p.from}>${p.to}:${p.seen}`)).toEqual(uplink.doc.verify.pairs.map((p: { from: string; to: string; seen: string[] }) => `${p.from}>${p.to}:${p.seen}`));
      });
    }
  }

  for (const file of ['node04-live.pcapng', 'node04-dumpcap.pcapng']) {
    it(`-i ens37 -i vxlan.calico in one pcapng (${file}): each interface is its own capture point, PASS`, () => {
      const r = verifyJson([`fixtures/pcapng-uplink-vxlan/${file}`, '--cluster', 'fixtures/pcapng-uplink-vxlan/cluster.yaml']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.doc.verify.points.map((p: { name: string; kind: string; how: string }) => [p.name, p.kind, p.how])).toEqual([
        ['ens37', 'uplink', 'the capture interface name'],
        ['vxlan.calico', 'tunnel', 'the capture interface name'],
      ]);
      expect(verdicts(r.doc)).toEqual(['copy', 'host', 'ok']);
    });
  }

  it("TX checksum offload at the sender: a note on the sender's capture, nothing at the receiver; the same wrong checksum received is an error", () => {
    const sender = verifyJson(['fixtures/tx-offload-sender/node01-ens37.pcap', '--cluster', 'fixtures/tx-offload-sender/cluster.yaml']);
    expect(sender.code).toBe(0);
    expect(sender.doc.totals.checksumOffloadSuspects + sender.doc.totals.badChecksums).toBe(9);
    expect([...new Set(sender.doc.verify.findings.map((f: { code: string; severity: string }) => `${f.code} ${f.severity}`))]).toEqual(['checksum.tx_offload info']);
    expect(sender.doc.verify.findings[0].message).toMatch(/sent by kube-node01$/);
    const receiver = verifyJson(['fixtures/tx-offload-sender/node04-ens37.pcap', '--cluster', 'fixtures/tx-offload-sender/cluster.yaml']);
    expect(receiver.code).toBe(0);
    expect(receiver.doc.verify.findings).toEqual([]);
    // Told that the sender's capture was taken on node04 (the receiver), the same packets are received corrupt.
    const asReceived = verifyJson(['fixtures/tx-offload-sender/node01-ens37.pcap', '--cluster', 'fixtures/tx-offload-sender/cluster.yaml', '--capture-node', 'kube-node04']);
    expect(asReceived.code).toBe(1);
    expect([...new Set(asReceived.doc.verify.findings.map((f: { code: string }) => f.code))]).toEqual(['checksum.bad_outer_udp']);
  });

  it('FelixConfiguration vxlanPort 4790 (kernel capture): the objects as exported, PASS; the default port FAILs', () => {
    const r = verifyJson(['fixtures/vxlan-port-4790/node04-ens37.pcap', '--cluster', 'fixtures/vxlan-port-4790/model']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.doc.verify.model.felix.vxlanPort).toBe(4790);
    expect(r.doc.flows.filter((f: { encapsulation: string }) => f.encapsulation === 'vxlan').length).toBeGreaterThan(0);
    const wrong = verifyJson(['fixtures/vxlan-port-4790/node04-ens37.pcap', '--cluster', 'fixtures/vxlan-port-4790/cluster.yaml', '--felix-vxlan-port', '4789']);
    expect(wrong.code).toBe(1);
    expect(wrong.doc.verify.findings.map((f: { code: string }) => f.code)).toContain('vxlan.wrong_port');
  });

  it('dual stack: IPv4 and IPv6 pods in vxlan.calico and vxlan-v6.calico (outer IPv6), each pair judged by its own pool', () => {
    const r = verifyJson(['fixtures/dual-stack-vxlan/node04-ens37.pcap', '--cluster', 'fixtures/dual-stack-vxlan/cluster.yaml']);
    expect(r.code, r.stderr).toBe(0);
    const v6 = r.doc.verify.pairs.filter((p: { family: number }) => p.family === 6);
    expect(v6.length).toBeGreaterThan(0);
    expect(v6.every((p: { seen: string[]; reason: string }) => p.seen.join() === 'vxlan' && /pool \S+: vxlanMode CrossSubnet, .* outside .*'s \/64/.test(p.reason))).toBe(true);
    expect(r.doc.flows.some((f: { outer: { src: string } | null }) => f.outer?.src.includes(':'))).toBe(true);
  });

  it('plain IPv6 pod traffic across subnets: a warning under its own Never pool, a FAIL under the CrossSubnet pool it needed', () => {
    const own = verifyJson(['fixtures/ipv6-plain-cross-subnet/node04-ens37.pcap', '--cluster', 'fixtures/ipv6-plain-cross-subnet/cluster.yaml']);
    expect(own.code).toBe(0);
    expect(own.doc.verify.findings.map((f: { code: string; severity: string }) => [f.code, f.severity])).toEqual([['routing.plain_across_subnets', 'warning']]);
    const intended = write('ipv6-crosssubnet.yaml', readFileSync(join(ROOT, 'fixtures/ipv6-plain-cross-subnet/cluster.yaml'), 'utf8').replace(/(cidr: "?fd[^\n]*\n(?:[^\n]*\n)*?\s*vxlanMode: )Never/, '$1CrossSubnet'));
    const r = verifyJson(['fixtures/ipv6-plain-cross-subnet/node04-ens37.pcap', '--cluster', intended]);
    expect(r.code).toBe(1);
    expect(r.doc.verify.findings.map((f: { code: string }) => f.code)).toContain('encap.plain_across_subnets');
  });

  it('eBPF NodePort forwarding (kernel capture): VNI 0xca11c0 is recognised, PASS', () => {
    const r = verifyJson(['fixtures/ebpf-nodeport/node04-ens37.pcap', '--cluster', 'fixtures/ebpf-nodeport/model']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.doc.verify.flows.filter((f: { verdict: string }) => f.verdict === 'nodeport').length).toBeGreaterThan(0);
    expect([...new Set(r.doc.verify.findings.map((f: { code: string }) => f.code))]).toEqual(['ebpf.nodeport_forwarding']);
  });
});

describe('correlate places captures with the engine', () => {
  it('dual stack: captures whose busiest outer addresses are IPv6 are placed on their nodes, and packets match both ways', () => {
    const c = 'fixtures/dual-stack-vxlan';
    const r = cli(['correlate', `${c}/node02-ens37.pcap`, `${c}/node04-ens37.pcap`, '--cluster', `${c}/cluster.yaml`, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.captures.map((x: { node: string; kind: string }) => `${x.node}:${x.kind}`)).toEqual(['kube-node02:uplink', 'kube-node04:uplink']);
    expect(doc.lost).toBe(0);
    expect(doc.pairs.map((p: { from: string; to: string; matched: number }) => `${p.from}>${p.to}`)).toEqual(['kube-node02>kube-node04', 'kube-node04>kube-node02']);
    expect(doc.pairs.every((p: { matched: number }) => p.matched > 0)).toBe(true);
  });

  it('a tcpdump -i any capture next to a plain uplink one: its points resolved as verify resolves them (an uplink among them)', () => {
    const r = cli(['correlate', 'fixtures/any-vxlan/node04-any.pcap', 'fixtures/any-vxlan/node04-ens37.pcap', '--cluster', 'fixtures/any-vxlan/cluster.yaml', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.captures[0].kind).toBe('uplink');
    expect(doc.captures[0].device).toMatch(/^ifindex 2, .*cali\? \(ifindex 4\)/);
  });
});
