// Capture points on the real kernel: `tcpdump -i any` (SLL2 and SLL v1) and a two-interface
// dumpcap pcapng, taken on node01 of the VXLAN lab (test/support/netns-lab.ts) while pod01
// pings pod04. Each echo request crosses node01 three times: in on the pod's cali veth, out on
// vxlan.calico (still plain), out on ens37 inside VXLAN; each reply the other way round. The
// capture points must name those devices (ifindex and MAC as `ip link` shows them), the
// directions must be the kernel's, and the outer VXLAN flow and its decapsulated copy must
// land on different points. Per point counts are checked against tshark.
//
// Network rule: every packet stays inside the lab's namespaces; afterAll tears them down (and
// netns-lab.ts also does on exit and signals).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../src/analysis/pipeline.js';
import { buildDocument, type AnalysisDocument, type CapturePointView, type FlowView } from '../src/report/document.js';
import { partMissing } from './support/absent.js';
import { buildLab, leftoverNamespaces, NODE_IP, POD_IP, type Lab } from './support/netns-lab.js';

const PINGS = 3;

function skipReason(): string | null {
  if (process.platform !== 'linux') return `needs Linux network namespaces (platform is ${process.platform})`;
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (uid !== 0) return `not running as root (uid ${uid}); the lab creates network namespaces`;
  for (const tool of ['ip', 'tcpdump', 'dumpcap', 'tshark']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return null;
}
const SKIP = skipReason();
if (SKIP) partMissing('capture-points-netns.test.ts', 'capture points on kernel captures', SKIP);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Link {
  ifname: string;
  ifindex: number;
  address: string;
}

/** `ip -n <ns> -j link`: the devices as the kernel numbers them. */
function links(lab: Lab, ns: 'node01' | 'node04' | 'pod01'): Map<string, Link> {
  const out = JSON.parse(lab.exec(ns, ['ip', '-j', 'link'])) as Link[];
  return new Map(out.map((l) => [l.ifname, l]));
}

/** tshark's fields per packet. */
function tshark(file: string, fields: string[]): string[][] {
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark -r ${file}: ${r.stderr}`);
  const lines = r.stdout.split('\n');
  lines.pop();
  return lines.map((l) => l.split('\t'));
}

/** Starts a capture in node01 and resolves once it says it is listening. */
async function startCapture(lab: Lab, cmd: string[], ready: RegExp): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = lab.spawnIn('node01', cmd, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const end = Date.now() + 10_000;
  while (!ready.test(err)) {
    if (child.exitCode !== null) throw new Error(`${cmd.join(' ')} exited ${child.exitCode}: ${err}`);
    if (Date.now() > end) throw new Error(`${cmd.join(' ')} did not start: ${err}`);
    await sleep(50);
  }
  return { child, stderr: () => err };
}

async function stop(c: { child: ChildProcess }): Promise<void> {
  if (c.child.exitCode !== null) return;
  const exited = new Promise((r) => c.child.once('exit', r));
  c.child.kill('SIGINT');
  await exited;
}

async function documentOf(path: string): Promise<AnalysisDocument> {
  return buildDocument(await analyzeCapture(path));
}

/** The ICMP flows between the two pods: outer (VXLAN) or plain, request or reply. */
function podFlows(doc: AnalysisDocument, src: string, dst: string): FlowView[] {
  return doc.flows.filter((f) => f.protocol === 'icmp' && f.inner?.src === src && f.inner?.dst === dst);
}

describe.skipIf(SKIP !== null)('capture points on kernel captures (node01 of the VXLAN lab)', () => {
  let lab: Lab;
  let dir: string;
  const files = { sll2: '', sll: '', pcapng: '' };
  let node01: Map<string, Link>;
  let node04: Map<string, Link>;
  let pod01: Map<string, Link>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'calico-pcap-points-netns-'));
    lab = await buildLab('vxlan');
    files.sll2 = join(dir, 'node01-any-sll2.pcap');
    files.sll = join(dir, 'node01-any-sll.pcap');
    files.pcapng = join(dir, 'node01-ens37-vxlan.pcapng');
    // -Z root: write the file as root (tcpdump would drop to its own user); --immediate-mode:
    // every packet is in the file when tcpdump stops.
    const tcpdump = (linktype: string, file: string) => ['tcpdump', '-i', 'any', '-y', linktype, '-n', '-U', '--immediate-mode', '-Z', 'root', '-w', file];
    const captures = [
      await startCapture(lab, tcpdump('LINUX_SLL2', files.sll2), /listening on/),
      await startCapture(lab, tcpdump('LINUX_SLL', files.sll), /listening on/),
      await startCapture(lab, ['dumpcap', '-q', '-i', 'ens37', '-i', 'vxlan.calico', '-w', files.pcapng], /Capturing on/),
    ];
    try {
      await sleep(200); // the sockets are open; let the first packet find them attached
      lab.exec('pod01', ['ping', '-c', String(PINGS), '-i', '0.2', '-W', '2', POD_IP.node04]);
      await sleep(300);
    } finally {
      for (const c of captures) await stop(c);
    }
    node01 = links(lab, 'node01');
    node04 = links(lab, 'node04');
    pod01 = links(lab, 'pod01');
  }, 60_000);

  afterAll(async () => {
    await lab?.teardown();
    expect(leftoverNamespaces()).toEqual([]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cali = () => lab.cali.node01;
  const pointOf = (doc: AnalysisDocument, f: FlowView): CapturePointView => doc.capture.points[f.point];

  it('SLL2: one point per device, numbered as `ip link` numbers them, ARPHRD_ETHER, with their MACs', async () => {
    const doc = await documentOf(files.sll2);
    const byIfindex = new Map(doc.capture.points.map((p) => [p.ifIndex, p]));
    const ens37 = byIfindex.get(node01.get('ens37')!.ifindex)!;
    const vxlan = byIfindex.get(node01.get('vxlan.calico')!.ifindex)!;
    const veth = byIfindex.get(node01.get(cali())!.ifindex)!;
    for (const p of [ens37, vxlan, veth]) {
      expect(p).toBeDefined();
      expect(p).toMatchObject({ interface: 0, linktype: 276, hatype: 1, overflow: false });
    }
    // Sent: the device's own MAC; received: the sender's (the peer node, the peer VTEP, the pod).
    expect(new Set(ens37.linkAddresses)).toEqual(new Set([node01.get('ens37')!.address, node04.get('ens37')!.address]));
    expect(new Set(vxlan.linkAddresses)).toEqual(new Set([node01.get('vxlan.calico')!.address, node04.get('vxlan.calico')!.address]));
    expect(veth.linkAddresses).toContain('ee:ee:ee:ee:ee:ee');
    expect(veth.linkAddresses).toContain(pod01.get('eth0')!.address);

    // Every point's counts against tshark's, grouped by sll.ifindex.
    const expected = new Map<number, { packets: number; in: number; out: number }>();
    for (const [ifindex, pkttype] of tshark(files.sll2, ['sll.ifindex', 'sll.pkttype'])) {
      const e = expected.get(Number(ifindex)) ?? { packets: 0, in: 0, out: 0 };
      e.packets++;
      if (Number(pkttype) === 4) e.out++;
      else if (Number(pkttype) <= 3) e.in++;
      expected.set(Number(ifindex), e);
    }
    expect(new Map(doc.capture.points.map((p) => [p.ifIndex, { packets: p.packets, in: p.in, out: p.out }]))).toEqual(expected);
  });

  it('SLL2: the echo requests go out of ens37 inside VXLAN and out of vxlan.calico plain, in from the pod; replies the other way', async () => {
    const doc = await documentOf(files.sll2);
    const name = (f: FlowView) => {
      const ifIndex = pointOf(doc, f).ifIndex;
      return [...node01.values()].find((l) => l.ifindex === ifIndex)?.ifname;
    };
    const requests = podFlows(doc, POD_IP.node01, POD_IP.node04);
    const replies = podFlows(doc, POD_IP.node04, POD_IP.node01);
    const where = (fs: FlowView[]) => fs.map((f) => [name(f), f.direction, f.encapsulation, f.packets]).sort();
    expect(where(requests)).toEqual([
      ['ens37', 'out', 'vxlan', PINGS],
      ['vxlan.calico', 'out', 'plain', PINGS],
      [cali(), 'in', 'plain', PINGS],
    ].sort());
    expect(where(replies)).toEqual([
      ['ens37', 'in', 'vxlan', PINGS],
      ['vxlan.calico', 'in', 'plain', PINGS],
      [cali(), 'out', 'plain', PINGS],
    ].sort());
    const outer = requests.find((f) => f.encapsulation === 'vxlan')!;
    expect(outer.outer).toEqual({ src: NODE_IP.node01, dst: NODE_IP.node04 });
    // The outer flow and its decapsulated copy: same inner packets, different capture points.
    const copy = requests.find((f) => f.encapsulation === 'plain' && name(f) === 'vxlan.calico')!;
    expect(outer.point).not.toBe(copy.point);
    expect(outer.packets).toBe(copy.packets);
  });

  it('SLL v1 has no ifindex: a point per (ARPHRD, link-layer address), counts as tshark groups them', async () => {
    const doc = await documentOf(files.sll);
    const expected = new Map<string, { hatype: number; packets: number; in: number; out: number }>();
    for (const [hatype, mac, pkttype] of tshark(files.sll, ['sll.hatype', 'sll.src.eth', 'sll.pkttype'])) {
      const e = expected.get(mac) ?? { hatype: Number(hatype), packets: 0, in: 0, out: 0 };
      e.packets++;
      if (Number(pkttype) === 4) e.out++;
      else if (Number(pkttype) <= 3) e.in++;
      expected.set(mac, e);
    }
    for (const p of doc.capture.points) {
      expect(p.ifIndex).toBe(-1);
      expect(p.linktype).toBe(113);
      expect(p.linkAddresses).toHaveLength(1);
    }
    expect(new Map(doc.capture.points.map((p) => [p.linkAddresses[0], { hatype: p.hatype, packets: p.packets, in: p.in, out: p.out }]))).toEqual(expected);
    // Sent by node01 on vxlan.calico: the point of its own VTEP MAC, distinct from the uplink's.
    const requests = podFlows(doc, POD_IP.node01, POD_IP.node04);
    const at = (f: FlowView) => pointOf(doc, f).linkAddresses[0];
    expect(requests.map((f) => [at(f), f.direction, f.encapsulation]).sort()).toEqual([
      [node01.get('ens37')!.address, 'out', 'vxlan'],
      [node01.get('vxlan.calico')!.address, 'out', 'plain'],
      [pod01.get('eth0')!.address, 'in', 'plain'],
    ].sort());
  });

  it('pcapng from two interfaces: a point per interface; dumpcap records no direction', async () => {
    const doc = await documentOf(files.pcapng);
    expect(doc.capture.interfaces.map((i) => i.name)).toEqual(['ens37', 'vxlan.calico']);
    const perInterface = new Map<number, number>();
    const rows = tshark(files.pcapng, ['frame.interface_id', 'frame.packet_flags']);
    for (const [id, flags] of rows) {
      perInterface.set(Number(id), (perInterface.get(Number(id)) ?? 0) + 1);
      expect(flags).toBe(''); // no epb_flags option in dumpcap's blocks
    }
    expect(doc.capture.points.map((p) => [p.interface, p.linktype, p.ifIndex, p.hatype, p.packets, p.in, p.out])).toEqual(
      [...perInterface].map(([id, n]) => [id, 1, -1, -1, n, 0, 0]),
    );
    const requests = podFlows(doc, POD_IP.node01, POD_IP.node04);
    expect(requests.map((f) => [doc.capture.interfaces[pointOf(doc, f).interface].name, f.encapsulation, f.direction, f.packets]).sort()).toEqual([
      ['ens37', 'vxlan', null, PINGS],
      ['vxlan.calico', 'plain', null, PINGS],
    ]);
  });
});
