// calico-pcap correlate: the same inner packet followed across captures of several nodes.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../src/capture/pcap-writer.js';
import { buildPacket, type PacketSpec } from '../src/dev/synth/index.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-correlate-'));

function correlate(args: string[]) {
  const r = spawnSync('node', [CLI, 'correlate', ...args, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return { code: r.status, doc: JSON.parse(r.stdout) };
}

/** An echo request from pod node01 to pod node04 in VXLAN, with its own ICMP sequence number. */
function echo(seq: number, ttl = 64): Uint8Array {
  const spec: PacketSpec = [
    { eth: {} }, { ipv4: { src: '10.0.2.201', dst: '10.0.1.204', ttl } }, { udp: { sport: 40000 + seq, dport: 4789 } }, { vxlan: { vni: 4096 } },
    { eth: {} }, { ipv4: { src: '10.200.2.10', dst: '10.200.255.10', id: 1000 + seq } }, { icmp: { type: 8, id: 7, seq } }, { payload: 56 },
  ];
  return buildPacket(spec);
}

async function write(name: string, packets: [Uint8Array, number][]): Promise<string> {
  const path = join(dir, name);
  const w = PcapWriter.openFile(path, { linktype: 1 });
  for (const [p, t] of packets) w.writePacket(p, 1764064800 + Math.floor(t), Math.round((t % 1) * 1e6));
  await w.close();
  return path;
}

describe('correlate on captures built to show it', () => {
  it('packets that left node01 and never reached node04 are lost; the rest matched, with latency', async () => {
    // node01 sends seq 1..5; the uplink of node04 sees 1, 2 and 5, 300 us later (and another TTL).
    const a = await write('node01-ens37.pcap', [1, 2, 3, 4, 5].map((s) => [echo(s), s * 0.1]));
    const b = await write('node04-ens37.pcap', [1, 2, 5].map((s) => [echo(s, 63), s * 0.1 + 0.0003]));
    const { code, doc } = correlate([`kube-node01=${a}`, `kube-node04=${b}`]);
    expect(code).toBe(0);
    expect(doc.matched).toBe(3);
    expect(doc.lost).toBe(2);
    expect(doc.pairs).toEqual([{
      from: 'kube-node01', to: 'kube-node04', matched: 3, lost: 2,
      latency: { minMs: 0.3, medianMs: 0.3, p99Ms: 0.3 },
      looks: ['kube-node01 ens37: vxlan vni 4096', 'kube-node04 ens37: vxlan vni 4096'],
    }]);
    expect(doc.warnings[0]).toMatch(/clocks of different nodes/);
  });

  it('--fail-on-loss makes lost packets exit 1', async () => {
    const a = await write('a.pcap', [[echo(1), 0.1], [echo(2), 0.2]]);
    const b = await write('b.pcap', [[echo(1), 0.1002]]);
    const r = spawnSync('node', [CLI, 'correlate', a, b, '--fail-on-loss'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('1 inner packets matched across captures, 1 lost');
  });

  it('sightings further apart than the window are different packets', async () => {
    const a = await write('w1.pcap', [[echo(1), 0.1]]);
    const b = await write('w2.pcap', [[echo(1), 3.1]]);
    expect(correlate([a, b, '--window', '2s']).doc.matched).toBe(0);
    expect(correlate([a, b, '--window', '5s']).doc.matched).toBe(1);
  });

  it('memory follows the window, not the capture size', async () => {
    // 3000 distinct packets, 10 ms apart: a 50 ms window holds a handful at a time.
    const many: [Uint8Array, number][] = Array.from({ length: 3000 }, (_, i) => [echo(i % 60000), i * 0.01]);
    const a = await write('many-a.pcap', many);
    const b = await write('many-b.pcap', many.map(([p, t]) => [p, t + 0.0001]));
    const { doc } = correlate([a, b, '--window', '50ms']);
    expect(doc.matched).toBe(3000);
    expect(doc.windowPeakPackets).toBeLessThan(20);
  });

  it('packets sharing one timestamp: the window is bounded by --window-packets too, and the cut is reported', async () => {
    // 200,000 distinct inner packets per capture, every one stamped with the same microsecond:
    // the time window alone would hold them all (~300 MB of peak RSS measured before the bound).
    const same = (ttl: number): [Uint8Array, number][] => Array.from({ length: 200_000 }, (_, i) => [buildPacket([
      { eth: {} }, { ipv4: { src: '10.0.2.201', dst: '10.0.1.204', ttl } }, { udp: { sport: 40000, dport: 4789 } }, { vxlan: { vni: 4096 } },
      { eth: {} }, { ipv4: { src: '10.200.2.10', dst: '10.200.255.10', id: i >>> 16 } }, { icmp: { type: 8, id: 7, seq: i & 0xffff } }, { payload: 16 },
    ]), 0.5]);
    const a = await write('same-time-a.pcap', same(64));
    const b = await write('same-time-b.pcap', same(63));
    const rusage = join(dir, 'same-time-rusage.json');
    const r = spawnSync('node', ['--import', join(ROOT, 'dist-dev', 'dev', 'bench', 'rusage-preload.js'), CLI, 'correlate', a, b, '--window-packets', '1000', '--format', 'json'], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, CALICO_PCAP_BENCH_RUSAGE: rusage }, maxBuffer: 64 << 20,
    });
    expect(r.status).toBe(0);
    // Capture a's 200,000 pass through 1,000 places, then b's 200,000 each push one out: 1,000 stay.
    const warning = 'the window was full (--window-packets 1000): 399000 inner packets were judged before --window ended, and a later sighting of one of them counts as another packet; give a larger --window-packets or a shorter --window';
    expect(r.stderr).toBe(`calico-pcap: warning: ${warning}\n`);
    const doc = JSON.parse(r.stdout);
    expect([doc.windowPackets, doc.windowPeakPackets, doc.windowCutPackets]).toEqual([1000, 1000, 399000]);
    expect(doc.warnings).toContain(warning);
    expect(doc.captures.map((c: { packets: number; innerPackets: number }) => [c.packets, c.innerPackets])).toEqual([[200_000, 200_000], [200_000, 200_000]]);
    expect(JSON.parse(readFileSync(rusage, 'utf8')).maxRSS_kB / 1024).toBeLessThan(200);
  }, 120_000);

  it('the default --window-packets leaves ordinary captures uncut', async () => {
    const a = await write('uncut-a.pcap', [1, 2, 3].map((s) => [echo(s), 0.1]));
    const b = await write('uncut-b.pcap', [1, 2, 3].map((s) => [echo(s, 63), 0.1003]));
    const { doc } = correlate([a, b]);
    expect([doc.matched, doc.windowPackets, doc.windowPeakPackets, doc.windowCutPackets]).toEqual([3, 100_000, 3, 0]);
  });
});

describe('correlate on kernel captures taken at the same time', () => {
  it('VXLAN CrossSubnet, node02 and node04 uplinks and node04 vxlan.calico: every packet matched, all decapsulated', () => {
    const s = 'fixtures/vxlan-crosssubnet';
    const { doc } = correlate([`${s}/node02-ens37.pcap`, `${s}/node04-ens37.pcap`, `${s}/node04-vxlan.calico.pcap`, '--cluster', `${s}/cluster.yaml`]);
    expect(doc.lost).toBe(0);
    expect(doc.pairs.map((p: { from: string; to: string; matched: number; lost: number }) => [p.from, p.to, p.matched, p.lost])).toEqual([
      ['kube-node02', 'kube-node04', 4, 0],
      ['kube-node04', 'kube-node02', 4, 0],
    ]);
    expect(doc.decapsulation).toEqual([expect.objectContaining({ node: 'kube-node04', uplink: 'ens37', tunnelDevice: 'vxlan.calico', arrived: 14, decapsulated: 14, dropped: 0 })]);
  });

  it('bad outer UDP checksums: node04 saw them on its uplink and never decapsulated them (its kernel counted 6 UdpInCsumErrors)', () => {
    const s = 'fixtures/vxlan-bad-udp-checksum';
    const { doc } = correlate([`${s}/node02-ens37.pcap`, `${s}/node04-ens37.pcap`, `${s}/node04-vxlan.calico.pcap`, '--cluster', `${s}/cluster.yaml`]);
    expect(doc.decapsulation).toEqual([expect.objectContaining({ node: 'kube-node04', arrived: 8, decapsulated: 2, dropped: 6 })]);
    expect(doc.decapsulation[0].causes[0]).toMatch(/bad outer UDP checksum/);
  });
});

describe('correlate errors', () => {
  it('a missing capture: one line naming it, exit 2', () => {
    const r = spawnSync('node', [CLI, 'correlate', 'nope.pcap', 'fixtures/vxlan-crosssubnet/node02-ens37.pcap'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('calico-pcap: nope.pcap: no such file\n');
  });
  it('a bad window', () => {
    const r = spawnSync('node', [CLI, 'correlate', 'a.pcap', '--window', 'soon'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('calico-pcap: --window "soon" is not a duration (2s, 500ms, 1.5)\n');
  });
});

// Captures taken at the same time on node01, node02 and node04 of the kernel lab; the drops run
// dropped 4 tunnel packets at the router and 2 more in node04 after its uplink (EXPECTED.txt).
describe('correlate on the lab runs made for it', () => {
  const run = (s: string, format = 'json') =>
    spawnSync('node', [CLI, 'correlate', `fixtures/${s}/node01-ens37.pcap`, `fixtures/${s}/node02-ens37.pcap`, `fixtures/${s}/node04-ens37.pcap`, `fixtures/${s}/node04-vxlan.calico.pcap`, '--cluster', `fixtures/${s}/cluster.yaml`, '--format', format], { cwd: ROOT, encoding: 'utf8' });
  const pairsOf = (doc: { pairs: { from: string; to: string; matched: number; lost: number }[] }) => doc.pairs.map((p) => [p.from, p.to, p.matched, p.lost]);

  it('VXLAN CrossSubnet: every VXLAN packet from node01 to node04 is matched (lost 0), all decapsulated', () => {
    const doc = JSON.parse(run('correlate-vxlan').stdout);
    expect(doc.lost).toBe(0);
    expect(pairsOf(doc)).toEqual([
      ['kube-node01', 'kube-node02', 2, 0], ['kube-node01', 'kube-node04', 10, 0], ['kube-node02', 'kube-node01', 2, 0],
      ['kube-node02', 'kube-node04', 3, 0], ['kube-node04', 'kube-node01', 10, 0], ['kube-node04', 'kube-node02', 3, 0],
    ]);
    expect(doc.decapsulation).toEqual([expect.objectContaining({ node: 'kube-node04', uplink: 'ens37', tunnelDevice: 'vxlan.calico', arrived: 13, decapsulated: 13, dropped: 0 })]);
    expect(doc.captures.map((c: { node: string; kind: string }) => `${c.node} ${c.kind}`)).toEqual(['kube-node01 uplink', 'kube-node02 uplink', 'kube-node04 uplink', 'kube-node04 tunnel']);
  });

  it('dropped on purpose: exactly the 4 packets the router dropped are lost, and the 2 node04 dropped were not decapsulated', () => {
    const doc = JSON.parse(run('correlate-vxlan-drops').stdout);
    expect(doc.lost).toBe(4);
    expect(pairsOf(doc)).toContainEqual(['kube-node01', 'kube-node04', 5, 4]);
    expect(doc.decapsulation).toEqual([expect.objectContaining({ node: 'kube-node04', arrived: 11, decapsulated: 9, dropped: 2 })]);
    // ndjson names them: frames 7-10 of node01-ens37.pcap (EXPECTED.txt), echo requests pod node01 -> pod node04.
    const lost = run('correlate-vxlan-drops', 'ndjson').stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.status === 'lost');
    expect(lost.map((l) => [l.src, l.dst, l.from, l.to, l.seen.map((s: { capture: number; packet: number }) => `${s.capture}:${s.packet}`).join()])).toEqual([
      ['10.200.2.10', '10.200.255.10', 'kube-node01', 'kube-node04', '0:7'],
      ['10.200.2.10', '10.200.255.10', 'kube-node01', 'kube-node04', '0:8'],
      ['10.200.2.10', '10.200.255.10', 'kube-node01', 'kube-node04', '0:9'],
      ['10.200.2.10', '10.200.255.10', 'kube-node01', 'kube-node04', '0:10'],
    ]);
  });
});
