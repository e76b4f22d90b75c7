// calico-pcap correlate: the same inner packet followed across captures of several nodes.
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../src/capture/pcap-writer.js';
import { CaptureReader } from '../src/capture/reader.js';
import { openSource } from '../src/capture/source.js';
import { PacketDecoder } from '../src/decode/decoder.js';
import { DecodedPacket } from '../src/decode/packet.js';
import { formatIdentity, innerIdentity } from '../src/engine/correlate/identity.js';
import { buildPacket, type PacketSpec } from '../src/dev/synth/index.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-correlate-'));

/** The JSON document of a run; stderr must be exactly the lines given. */
function correlate(args: string[], stderr: string[] = [], cwd = ROOT) {
  const r = spawnSync('node', [CLI, 'correlate', ...args, '--format', 'json'], { cwd, encoding: 'utf8' });
  expect(r.stderr).toBe(stderr.map((l) => `calico-pcap: ${l}\n`).join(''));
  return { code: r.status, doc: JSON.parse(r.stdout) };
}

/** analyze's issue counts of a capture, to compare with what correlate counted. */
function analyzeIssues(file: string): Record<string, number> {
  const r = spawnSync('node', [CLI, 'analyze', file, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(r.stdout).issues.counts;
}

/** Rewrites a capture with the project's writer, every timestamp moved by `seconds`. */
async function shifted(file: string, seconds: number, path: string): Promise<string> {
  const opened = await openSource(file);
  const reader = await CaptureReader.open(opened.source, { report() {} });
  const w = PcapWriter.openFile(path, { linktype: reader.allInterfaces[0].linktype, nanosecond: true });
  for (;;) {
    while (reader.next()) w.writePacket(reader.bytes.slice(reader.dataOffset, reader.dataOffset + reader.caplen), reader.tsSec + seconds, reader.tsNsec, reader.origLen);
    if (!(await reader.refill())) break;
  }
  await reader.close();
  await w.close();
  return path;
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
    // 3 s apart with a 2 s window: the two captures cannot share a packet, and say so.
    const apart = `warning: ${a} (10:00:00.100-10:00:00.100 UTC) and ${b} (10:00:03.100-10:00:03.100 UTC) do not overlap in time: packets between them are not judged`;
    const narrow = correlate([a, b, '--window', '2s'], [apart]).doc;
    expect([narrow.matched, narrow.lost, narrow.notCovered]).toEqual([0, 0, 1]);
    expect(correlate([a, b, '--window', '5s']).doc.matched).toBe(1);
  });

  it('numeric identity: one number per inner packet, the same through encapsulation and TTL, written as 16 hex digits', () => {
    const decoder = new PacketDecoder();
    const idOf = (bytes: Uint8Array) => {
      const p = new DecodedPacket();
      decoder.decode(p, bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.length, bytes.length, 1);
      return innerIdentity(p);
    };
    const plain = (seq: number, ttl: number) => buildPacket([{ eth: {} }, { ipv4: { src: '10.200.2.10', dst: '10.200.255.10', id: 1000 + seq, ttl } }, { icmp: { type: 8, id: 7, seq } }, { payload: 56 }]);
    const id = idOf(echo(1));
    expect(Number.isSafeInteger(id) && id >= 0).toBe(true);
    expect(idOf(echo(1, 12))).toBe(id); // another outer TTL
    expect(idOf(plain(1, 63))).toBe(id); // decapsulated, one hop later
    expect(idOf(echo(2))).not.toBe(id);
    expect(formatIdentity(id)).toMatch(/^[0-9a-f]{16}$/);
    expect(parseInt(formatIdentity(id), 16)).toBe(id);
    // No inner IP (ARP): no identity.
    expect(idOf(buildPacket([{ eth: {} }, { payload: 28 }]))).toBe(-1);
  });

  it('--own-span: packets sent before the receiver\'s capture started are not judged; the default (captures taken together) counts them lost', async () => {
    // node04's capture begins after seq 1 was sent and ends after seq 5: its own span covers 2..5.
    const a = await write('own-a.pcap', [1, 2, 3, 4, 5].map((s) => [echo(s), s * 0.1]));
    const b = await write('own-b.pcap', [2, 3, 5].map((s) => [echo(s, 63), s * 0.1 + 0.0003]));
    const own = correlate([`kube-node01=${a}`, `kube-node04=${b}`, '--own-span']).doc;
    expect([own.matched, own.lost, own.notCovered]).toEqual([3, 1, 1]);
    expect(own.warnings).toContain('1 inner packets were sent toward a node at a moment its capture did not cover (--own-span): they are neither matched nor lost (notCovered)');
    const together = correlate([`kube-node01=${a}`, `kube-node04=${b}`]).doc;
    expect([together.matched, together.lost, together.notCovered]).toEqual([3, 2, 0]);
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
    // The pipeline counts the capture's issues as analyze does, and one line names the malformed ones.
    const { doc } = correlate([`${s}/node02-ens37.pcap`, `${s}/node04-ens37.pcap`, `${s}/node04-vxlan.calico.pcap`, '--cluster', `${s}/cluster.yaml`], [
      `warning: ${s}/node04-ens37.pcap: 6 malformed packets (udp.bad_checksum 6), correlated as far as they decode; calico-pcap analyze lists them`,
    ]);
    expect(doc.decapsulation).toEqual([expect.objectContaining({ node: 'kube-node04', arrived: 8, decapsulated: 2, dropped: 6 })]);
    expect(doc.decapsulation[0].causes[0]).toMatch(/bad outer UDP checksum/);
    expect(doc.decapsulationDropped).toBe(6);
    expect(doc.captures.map((c: { issues: object; malformedPackets: number }) => [c.issues, c.malformedPackets])).toEqual([[{}, 0], [{ 'udp.bad_checksum': 6 }, 6], [{}, 0]]);
    expect(doc.captures[1].issues).toEqual(analyzeIssues(`${s}/node04-ens37.pcap`));
  });
});

describe('correlate reads every capture through the pipeline', () => {
  it('a truncated capture: the read-stopped line on stderr, its readFault and issue counts as analyze has them', () => {
    const s = 'fixtures/correlate-vxlan';
    const whole = readFileSync(`${s}/node04-ens37.pcap`);
    const cut = join(dir, 'node04-ens37-cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 30));
    const r = spawnSync('node', [CLI, 'correlate', `${s}/node01-ens37.pcap`, cut, '--cluster', `${s}/cluster.yaml`, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    const fault = doc.captures[1].readFault;
    expect(fault).toEqual(expect.objectContaining({ code: 'pcap.truncated_record', packet: 26 }));
    expect(doc.captures[1].packets).toBe(25);
    expect(r.stderr).toBe(`calico-pcap: ${cut}: packet 26 at byte ${fault.offset.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ')}: ${fault.message} (read stopped; 25 packets before it were correlated)\n`);
    expect(doc.captures[1].issues).toEqual(analyzeIssues(cut));
    expect(doc.captures[1].issues).toEqual({ 'pcap.truncated_record': 1 });
    expect(doc.warnings).toContain(`${cut}: the read stopped early (pcap.truncated_record): only the packets before it were correlated`);
    expect(statSync(cut).size).toBe(whole.length - 30);
  });
});

describe('captures taken at different times', () => {
  it('node04\'s uplink captured an hour later: nothing toward it is lost, nothing is dropped at decapsulation, and the warning names the captures and their spans', async () => {
    // The correlate-vxlan captures under their own names, node04's uplink rewritten an hour later.
    // Before the time spans were compared, this reported 26 lost and 13 dropped by node04.
    const s = mkdtempSync(join(dir, 'hour-'));
    for (const f of ['node01-ens37.pcap', 'node02-ens37.pcap', 'node04-vxlan.calico.pcap', 'cluster.yaml']) copyFileSync(join(ROOT, 'fixtures', 'correlate-vxlan', f), join(s, f));
    await shifted(join(ROOT, 'fixtures', 'correlate-vxlan', 'node04-ens37.pcap'), 3600, join(s, 'node04-ens37.pcap'));
    const apart = 'node04-ens37.pcap (12:36:14.491-12:36:16.482 UTC) does not overlap in time with node01-ens37.pcap (11:36:14.491-11:36:16.990 UTC), ' +
      'node02-ens37.pcap (11:36:16.077-11:36:16.990 UTC) or node04-vxlan.calico.pcap (11:36:14.491-11:36:16.482 UTC): packets between them are not judged';
    const { doc } = correlate(['node01-ens37.pcap', 'node02-ens37.pcap', 'node04-ens37.pcap', 'node04-vxlan.calico.pcap', '--cluster', 'cluster.yaml'], [`warning: ${apart}`], s);
    expect([doc.lost, doc.decapsulationDropped, doc.notCovered]).toEqual([0, 0, 26]);
    expect(doc.decapsulation).toEqual([]);
    expect(doc.warnings).toContain(apart);
    expect(doc.captures.map((c: { disjointFrom: number[] }) => c.disjointFrom)).toEqual([[2], [2], [0, 1, 3], [2]]);
    // The pairs that did run together are judged as before.
    expect(doc.pairs.map((p: { from: string; to: string; matched: number; lost: number }) => [p.from, p.to, p.matched, p.lost])).toEqual([
      ['kube-node01', 'kube-node02', 2, 0], ['kube-node02', 'kube-node01', 2, 0],
    ]);
  });

  // Enough packets to pass the warm-up (200 sightings), so groups are judged while the captures
  // are still being read: those sent toward a capture that has not started yet wait.
  const many = (count: number, at: number): [Uint8Array, number][] => Array.from({ length: count }, (_, i) => [echo(i), at + i * 0.001]);

  it('a receiver whose capture starts an hour after the sender\'s ended: held until the sender\'s ends, then not judged; bounded by --window-packets', async () => {
    const a = await write('hour-a.pcap', many(300, 0));
    const b = await write('hour-b.pcap', many(300, 3600).map(([p, t]) => [p, t + 0.0003]));
    const apart = `warning: ${a} (10:00:00.000-10:00:00.299 UTC) and ${b} (11:00:00.000-11:00:00.299 UTC) do not overlap in time: packets between them are not judged`;
    const { doc } = correlate([`kube-node01=${a}`, `kube-node04=${b}`], [apart]);
    expect([doc.matched, doc.lost, doc.notCovered]).toEqual([0, 0, 300]);
    const cut = 'warning: the window was full (--window-packets 50): 500 inner packets were judged before --window ended, and a later sighting of one of them counts as another packet; give a larger --window-packets or a shorter --window';
    const bounded = correlate([`kube-node01=${a}`, `kube-node04=${b}`, '--window-packets', '50'], [cut, apart]).doc;
    expect([bounded.matched, bounded.lost, bounded.notCovered]).toEqual([0, 0, 300]);
    expect(bounded.warnings.some((w: string) => /^\d+ inner packets were sent toward a capture that had not started yet, more than --window-packets 50 could wait for/.test(w))).toBe(true);
  });

  it('captures that overlap only in part were taken together: what the receiver never saw is lost (the default), not judged with --own-span', async () => {
    // node01 sends 300 packets at once, one at 3 s, 10 more at 5 s; node04's capture starts at 5 s.
    // The first 300 are judged at 3 s, when node04's capture has not started and node01's may
    // still overlap it: they wait, and are judged lost when the merge reaches node04's start.
    const a = await write('part-a.pcap', [...many(300, 0), [echo(999), 3], ...many(10, 5).map(([, t], i): [Uint8Array, number] => [echo(1000 + i), t])]);
    const b = await write('part-b.pcap', many(10, 5).map(([, t], i) => [echo(1000 + i, 63), t + 0.0003]));
    const together = correlate([`kube-node01=${a}`, `kube-node04=${b}`]).doc;
    expect([together.matched, together.lost, together.notCovered]).toEqual([10, 301, 0]);
    const own = correlate([`kube-node01=${a}`, `kube-node04=${b}`, '--own-span']).doc;
    expect([own.matched, own.lost, own.notCovered]).toEqual([10, 0, 301]);
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
    expect(r.stderr).toBe('calico-pcap: --window "soon" is not a duration (2s, 500ms, 1.5, 2m, 1h)\n');
  });
  it('a window in minutes or hours, as kubectl writes durations', () => {
    const c = 'fixtures/vxlan-crosssubnet';
    for (const [text, seconds] of [['2m', 120], ['1h', 3600], ['1.5', 1.5], ['500ms', 0.5]] as const) {
      const r = spawnSync('node', [CLI, 'correlate', `${c}/node02-ens37.pcap`, `${c}/node04-ens37.pcap`, '--window', text, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).windowSeconds).toBe(seconds);
    }
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
    // In the headline, next to matched and lost: the JSON summary, the table's first line, the ndjson summary.
    expect([doc.matched, doc.lost, doc.decapsulationDropped, doc.notCovered]).toEqual([20, 4, 2, 0]);
    expect(run('correlate-vxlan-drops', 'table').stdout.split('\n')[0]).toBe('20 inner packets matched across captures, 4 lost, 2 dropped by the receiving node before decapsulation (window 2 s)');
    expect(pairsOf(doc)).toContainEqual(['kube-node01', 'kube-node04', 5, 4]);
    expect(doc.decapsulation).toEqual([expect.objectContaining({ node: 'kube-node04', arrived: 11, decapsulated: 9, dropped: 2 })]);
    // ndjson names them: frames 7-10 of node01-ens37.pcap (EXPECTED.txt), echo requests pod node01 -> pod node04.
    const lines = run('correlate-vxlan-drops', 'ndjson').stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1).summary).toEqual(expect.objectContaining({ matched: 20, lost: 4, decapsulationDropped: 2, notCovered: 0 }));
    expect(lines.slice(0, -1).every((l) => /^[0-9a-f]{16}$/.test(l.id))).toBe(true);
    const lost = lines.filter((l) => l.status === 'lost');
    expect(new Set(lost.map((l) => l.id)).size).toBe(4);
    expect(lost.map((l) => [l.src, l.dst, l.from, l.to, l.seen.map((s: { capture: number; packet: number }) => `${s.capture}:${s.packet}`).join()])).toEqual([
      ['10.200.2.10', '10.200.255.10', 'kube-node01', 'kube-node04', '0:7'],
      ['10.200.2.10', '10.200.255.10', 'kube-node01', 'kube-node04', '0:8'],
      ['10.200.2.10', '10.200.255.10', 'kube-node01', 'kube-node04', '0:9'],
      ['10.200.2.10', '10.200.255.10', 'kube-node01', 'kube-node04', '0:10'],
    ]);
  });

  it('--fail-on-loss: the 2 packets node04 dropped after its uplink fail the run alone (nothing lost between nodes without node01)', () => {
    const s = 'fixtures/correlate-vxlan-drops';
    const r = spawnSync('node', [CLI, 'correlate', `${s}/node02-ens37.pcap`, `${s}/node04-ens37.pcap`, `${s}/node04-vxlan.calico.pcap`, '--cluster', `${s}/cluster.yaml`, '--fail-on-loss', '--no-color'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toMatch(/^\d+ inner packets matched across captures, 0 lost, 2 dropped by the receiving node before decapsulation \(window 2 s\)$/);
    expect(r.status).toBe(1);
  });
});
