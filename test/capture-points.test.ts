// Capture points and directions from files: pcapng epb_flags (written by the project's pcapng
// writer, read back by us and by tshark), SLL and SLL2 headers of the shared corpus against
// tshark's sll.* fields, interface ids across pcapng sections, and the bound on points.
// The kernel's own `tcpdump -i any` captures are in capture-points-netns.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture, type PipelineOptions } from '../src/analysis/pipeline.js';
import { formatMac } from '../src/analysis/address.js';
import { PcapWriter } from '../src/capture/pcap-writer.js';
import { EPB_FLAGS_INBOUND, EPB_FLAGS_OUTBOUND, NO_EPB_FLAGS, PcapngWriter } from '../src/capture/pcapng-writer.js';
import { buildDocument } from '../src/report/document.js';
import { buildPacket } from '../src/dev/synth/index.js';
import type { PacketSpec } from '../src/dev/synth/types.js';
import { partMissing } from './support/absent.js';
import { CORPUS_ROOT, corpusPresent } from './support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-points-'));
const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/** tshark's fields per packet (rows of columns), every occurrence joined by ','. */
function tshark(file: string, fields: string[]): string[][] {
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark -r ${file}: ${r.stderr}`);
  const lines = r.stdout.split('\n');
  lines.pop(); // after the last newline
  return lines.map((l) => l.split('\t'));
}

interface Seen {
  interfaceId: number;
  interfaceIndex: number;
  direction: number;
  sllPacketType: number;
  sllIfindex: number;
  sllHatype: number;
  sllAddress: number;
}

/** Runs the real pipeline, keeping what the reader and decoder said of each packet. */
async function analyze(path: string, options: PipelineOptions = {}) {
  const seen: Seen[] = [];
  const run = await analyzeCapture(path, options, (record, p) => {
    seen.push({
      interfaceId: record.interfaceId,
      interfaceIndex: record.interfaceIndex ?? -1,
      direction: record.direction ?? -1,
      sllPacketType: p.sllPacketType,
      sllIfindex: p.sllIfindex,
      sllHatype: p.sllHatype,
      sllAddress: p.sllAddress,
    });
  });
  return { run, seen, doc: buildDocument(run) };
}

const ping = (src: string, dst: string, type = 8) => buildPacket([{ eth: {} }, { ipv4: { src, dst } }, { icmp: { type } }, { payload: 56 }]);
const vxlanPing = buildPacket([
  { eth: {} }, { ipv4: { src: '10.0.2.201', dst: '10.0.1.204' } }, { udp: { sport: 40000, dport: 4789 } }, { vxlan: { vni: 4096 } },
  { eth: {} }, { ipv4: { src: '10.200.2.10', dst: '10.200.255.10' } }, { icmp: { type: 8 } }, { payload: 56 },
]);

describe('pcapng epb_flags: the direction a capture recorded', () => {
  // Interface 0 is the uplink (VXLAN), interface 1 the tunnel device (decapsulated copies).
  // The flags words include reception-type and FCS-length bits above the direction, and one
  // carries the undefined direction value 3: only bits 0-1 are the direction.
  const packets: { iface: number; data: Uint8Array; flags: number; direction: number }[] = [
    { iface: 0, data: vxlanPing, flags: EPB_FLAGS_OUTBOUND, direction: 2 },
    { iface: 1, data: ping('10.200.2.10', '10.200.255.10'), flags: EPB_FLAGS_OUTBOUND | (1 << 2), direction: 2 },
    { iface: 1, data: ping('10.200.2.10', '10.200.255.10'), flags: EPB_FLAGS_INBOUND | (4 << 2) | (4 << 5), direction: 1 },
    { iface: 0, data: vxlanPing, flags: NO_EPB_FLAGS, direction: 0 },
    { iface: 0, data: vxlanPing, flags: 0, direction: 0 },
    { iface: 1, data: ping('10.200.2.10', '10.200.255.10'), flags: 3, direction: 0 },
    { iface: 0, data: vxlanPing, flags: EPB_FLAGS_INBOUND, direction: 1 },
  ];

  for (const bigEndian of [false, true]) {
    it(`${bigEndian ? 'big' : 'little'}-endian: reader, tshark and the flow table agree`, async () => {
      const path = join(dir, `flags-${bigEndian ? 'be' : 'le'}.pcapng`);
      const w = PcapngWriter.openFile(path, { bigEndian, interfaces: [{ linktype: 1, name: 'ens37' }, { linktype: 1, name: 'vxlan.calico' }] });
      packets.forEach((p, i) => w.writePacket(p.iface, p.data, 1764064800 + i, 0, p.data.length, p.flags));
      await w.close();

      const { run, seen, doc } = await analyze(path);
      expect(run.analyzer.issueRecords).toEqual([]);
      expect(seen.map((s) => s.direction)).toEqual(packets.map((p) => p.direction));
      expect(seen.map((s) => s.interfaceIndex)).toEqual(packets.map((p) => p.iface));
      if (HAVE_TSHARK) {
        const rows = tshark(path, ['frame.interface_id', 'frame.packet_flags', 'frame.packet_flags_direction']);
        expect(rows.map((r) => Number(r[0]))).toEqual(seen.map((s) => s.interfaceIndex));
        // tshark shows no flags field where the block has no option; where it has, its direction.
        expect(rows.map((r) => (r[1] === '' ? 'none' : Number(r[2])))).toEqual(packets.map((p) => (p.flags === NO_EPB_FLAGS ? 'none' : p.flags & 3)));
      }

      // One point per interface, with the direction counts.
      expect(doc.capture.points).toEqual([
        { id: 0, interface: 0, linktype: 1, ifIndex: -1, hatype: -1, linkAddresses: ['02:00:00:00:00:01'], packets: 4, in: 1, out: 1, overflow: false },
        { id: 1, interface: 1, linktype: 1, ifIndex: -1, hatype: -1, linkAddresses: ['02:00:00:00:00:01'], packets: 3, in: 1, out: 1, overflow: false },
      ]);
      // The same packets split by point and direction: the outer VXLAN flow on the uplink, its
      // decapsulated copy on the tunnel device, each once per direction.
      const flows = doc.flows.map((f) => [f.point, f.direction, f.encapsulation, f.packets, f.firstPacket]);
      expect(flows).toEqual([
        [0, 'out', 'vxlan', 1, 1],
        [1, 'out', 'plain', 1, 2],
        [1, 'in', 'plain', 1, 3],
        [0, null, 'vxlan', 2, 4],
        [1, null, 'plain', 1, 6],
        [0, 'in', 'vxlan', 1, 7],
      ]);
    });
  }

  it('an option whose length runs past its block is reported; the packet is kept, its direction unknown', async () => {
    const path = join(dir, 'flags-bad-length.pcapng');
    const w = PcapngWriter.openFile(path, { interfaces: [{ linktype: 1 }] });
    const data = ping('10.200.2.10', '10.200.255.10');
    w.writePacket(0, data, 1764064800, 0, data.length, EPB_FLAGS_OUTBOUND);
    w.writePacket(0, data, 1764064801, 0, data.length, EPB_FLAGS_OUTBOUND);
    await w.close();
    const bytes = Buffer.from(await import('node:fs').then((fs) => fs.readFileSync(path)));
    // Second EPB: its option header follows the padded packet data; claim 200 bytes.
    const shbLen = bytes.readUInt32LE(4);
    const idbLen = bytes.readUInt32LE(shbLen + 4);
    const epb1 = shbLen + idbLen;
    const epb2 = epb1 + bytes.readUInt32LE(epb1 + 4);
    const optAt = epb2 + 28 + ((data.length + 3) & ~3);
    expect(bytes.readUInt16LE(optAt)).toBe(2); // epb_flags, as written
    bytes.writeUInt16LE(200, optAt + 2);
    writeFileSync(path, bytes);

    const { run, seen } = await analyze(path);
    expect(seen.map((s) => s.direction)).toEqual([2, 0]);
    expect(run.analyzer.packets).toBe(2);
    expect(run.analyzer.issueRecords.map((r) => [r.code, r.packet, r.offset])).toEqual([['pcapng.bad_option_length', 2, optAt + 2]]);
  });

  it('obsolete Packet Block: pack_flags carries the direction the same way (tshark agrees)', async () => {
    // Hand-built: no writer writes the obsolete PB (draft-ietf-opsawg-pcapng appendix A).
    const le = (n: number, size: 2 | 4) => {
      const b = Buffer.alloc(size);
      if (size === 2) b.writeUInt16LE(n);
      else b.writeUInt32LE(n);
      return b;
    };
    const block = (type: number, body: Buffer) => Buffer.concat([le(type, 4), le(body.length + 12, 4), body, le(body.length + 12, 4)]);
    const shb = block(0x0a0d0d0a, Buffer.concat([le(0x1a2b3c4d, 4), le(1, 2), le(0, 2), Buffer.alloc(8, 0xff)]));
    const idb = block(1, Buffer.concat([le(1, 2), le(0, 2), le(65535, 4)]));
    const data = Buffer.from(ping('10.200.2.10', '10.200.255.10'));
    const pad = Buffer.alloc(((data.length + 3) & ~3) - data.length);
    const pb = (flags: number | null) => block(2, Buffer.concat([
      le(0, 2), le(0, 2), le(0, 4), le(1000000, 4), le(data.length, 4), le(data.length, 4), data, pad,
      ...(flags === null ? [] : [le(2, 2), le(4, 2), le(flags, 4), le(0, 4)]),
    ]));
    const path = join(dir, 'pack-flags.pcapng');
    writeFileSync(path, Buffer.concat([shb, idb, pb(EPB_FLAGS_INBOUND), pb(null), pb(EPB_FLAGS_OUTBOUND)]));
    const { run, seen } = await analyze(path);
    expect(run.analyzer.issueRecords).toEqual([]);
    expect(seen.map((s) => s.direction)).toEqual([1, 0, 2]);
    if (HAVE_TSHARK) expect(tshark(path, ['frame.packet_flags_direction']).map((r) => (r[0] === '' ? 0 : Number(r[0])))).toEqual([1, 0, 2]);
  });

  it('interface ids start again in every section: capture points follow the interface list', async () => {
    const one = join(dir, 'section-1.pcapng');
    const two = join(dir, 'section-2.pcapng');
    const data = ping('10.200.2.10', '10.200.255.10');
    for (const [path, name] of [[one, 'ens37'], [two, 'vxlan.calico']] as const) {
      const w = PcapngWriter.openFile(path, { interfaces: [{ linktype: 1, name }] });
      w.writePacket(0, data, 1764064800, 0, data.length, EPB_FLAGS_OUTBOUND);
      await w.close();
    }
    const path = join(dir, 'two-sections.pcapng');
    const fs = await import('node:fs');
    writeFileSync(path, Buffer.concat([fs.readFileSync(one), fs.readFileSync(two)]));
    const { seen, doc } = await analyze(path);
    expect(seen.map((s) => [s.interfaceId, s.interfaceIndex])).toEqual([[0, 0], [0, 1]]);
    // tshark 4.0 gives the id within the section (and names it from the first section's list).
    if (HAVE_TSHARK) expect(tshark(path, ['frame.section_number', 'frame.interface_id'])).toEqual([['1', '0'], ['2', '0']]);
    expect(doc.capture.interfaces.map((i) => i.name)).toEqual(['ens37', 'vxlan.calico']);
    expect(doc.capture.points.map((p) => [p.id, p.interface, p.out])).toEqual([[0, 0, 1], [1, 1, 1]]);
    expect(doc.flows.map((f) => [f.point, f.direction, f.packets])).toEqual([[0, 'out', 1], [1, 'out', 1]]);
  });
});

describe('capture points are bounded', () => {
  it('past maxCapturePoints every new point shares one overflow point, whose packets are counted', async () => {
    // SLL2 from six devices (ifindex 11..16), two packets each, alternately in and out.
    const path = join(dir, 'many-devices.pcap');
    const w = PcapWriter.openFile(path, { linktype: 276 });
    const spec = (ifindex: number, packetType: number): PacketSpec => [
      { sll2: { ifindex, packetType, addr: `02:00:00:00:00:${ifindex.toString(16).padStart(2, '0')}` } },
      { ipv4: { src: '10.200.2.10', dst: '10.200.255.10' } }, { udp: { sport: 5000, dport: 53 } }, { payload: 20 },
    ];
    let n = 0;
    for (let ifindex = 11; ifindex <= 16; ifindex++) for (const t of [0, 4]) w.writePacket(buildPacket(spec(ifindex, t)), 1764064800 + n++, 0);
    await w.close();
    const { doc } = await analyze(path, { maxCapturePoints: 3 });
    expect(doc.capture.points.map((p) => [p.id, p.ifIndex, p.packets, p.in, p.out, p.overflow, p.linkAddresses])).toEqual([
      [0, 11, 2, 1, 1, false, ['02:00:00:00:00:0b']],
      [1, 12, 2, 1, 1, false, ['02:00:00:00:00:0c']],
      [2, 13, 2, 1, 1, false, ['02:00:00:00:00:0d']],
      [3, -1, 6, 3, 3, true, ['02:00:00:00:00:0e', '02:00:00:00:00:0f', '02:00:00:00:00:10']],
    ]);
    expect(doc.flows.map((f) => [f.point, f.direction, f.packets])).toEqual([
      [0, 'in', 1], [0, 'out', 1], [1, 'in', 1], [1, 'out', 1], [2, 'in', 1], [2, 'out', 1], [3, 'in', 3], [3, 'out', 3],
    ]);
  });

  it('at most 8 link-layer addresses are kept per point, in order of first sight', async () => {
    const path = join(dir, 'many-macs.pcap');
    const w = PcapWriter.openFile(path, { linktype: 276 });
    for (let i = 0; i < 12; i++) {
      const mac = `02:00:00:00:01:${(i % 10).toString(16).padStart(2, '0')}`; // 10 distinct, two seen twice
      w.writePacket(buildPacket([{ sll2: { ifindex: 3, addr: mac } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2' } }, { payload: 8 }]), 1764064800 + i, 0);
    }
    await w.close();
    const { doc } = await analyze(path);
    expect(doc.capture.points).toHaveLength(1);
    expect(doc.capture.points[0].packets).toBe(12);
    expect(doc.capture.points[0].linkAddresses).toEqual(Array.from({ length: 8 }, (_, i) => `02:00:00:00:01:0${i}`));
  });
});

// Every SLL and SLL2 capture of the shared corpus: our header fields against tshark's.
const SLL_CAPTURES = ['tcpdump/tcp-handshake-nano.pcap', 'pcapplusplus/SllPacket.pcap', 'zeek/linux_dlt_sll2.pcap'];

describe.skipIf(!corpusPresent || !HAVE_TSHARK)('SLL and SLL2 headers of the shared corpus against tshark', () => {
  for (const name of SLL_CAPTURES) {
    it(name, async () => {
      const path = join(CORPUS_ROOT, name);
      const rows = tshark(path, ['frame.number', 'sll.pkttype', 'sll.ifindex', 'sll.hatype', 'sll.halen', 'sll.src.eth']);
      const { seen } = await analyze(path);
      expect(seen.length).toBe(rows.length);
      rows.forEach(([frame, pkttype, ifindex, hatype, halen, srcEth], i) => {
        const s = seen[i];
        const at = `${name} packet ${frame}`;
        expect(s.sllPacketType, at).toBe(Number(pkttype));
        expect(s.sllIfindex, at).toBe(ifindex === '' ? -1 : Number(ifindex));
        expect(s.sllHatype, at).toBe(Number(hatype));
        if (Number(halen) !== 6) expect(s.sllAddress, at).toBe(-1);
        else if (srcEth !== '') expect(formatMac(s.sllAddress), at).toBe(srcEth);
        else expect(s.sllAddress, at).toBeGreaterThanOrEqual(0);
      });
    });
  }

  it('zeek/linux_dlt_sll2.pcap: one point per device (ifindex, ARPHRD), directions from the packet type', async () => {
    const path = join(CORPUS_ROOT, 'zeek/linux_dlt_sll2.pcap');
    const rows = tshark(path, ['sll.ifindex', 'sll.hatype', 'sll.pkttype', 'sll.src.eth']);
    // Expected points from tshark's rows, in order of first packet.
    const expected = new Map<string, { ifIndex: number; hatype: number; packets: number; in: number; out: number; linkAddresses: string[] }>();
    for (const [ifindex, hatype, pkttype, mac] of rows) {
      const key = `${ifindex}/${hatype}`;
      const e = expected.get(key) ?? { ifIndex: Number(ifindex), hatype: Number(hatype), packets: 0, in: 0, out: 0, linkAddresses: [] };
      e.packets++;
      if (Number(pkttype) === 4) e.out++;
      else if (Number(pkttype) <= 3) e.in++;
      if (!e.linkAddresses.includes(mac)) e.linkAddresses.push(mac);
      expected.set(key, e);
    }
    const { doc } = await analyze(path);
    expect(doc.capture.points.map(({ ifIndex, hatype, packets, in: i, out, linkAddresses }) => ({ ifIndex, hatype, packets, in: i, out, linkAddresses })))
      .toEqual([...expected.values()]);
    expect(doc.capture.points.length).toBe(2); // loopback (772) and an Ethernet device
    for (const f of doc.flows) expect(f.direction).not.toBeNull();
  });

  it('tcpdump/tcp-handshake-nano.pcap (SLL v1, no address): one point, per ARPHRD type', async () => {
    const { doc } = await analyze(join(CORPUS_ROOT, 'tcpdump/tcp-handshake-nano.pcap'));
    expect(doc.capture.points).toEqual([
      { id: 0, interface: 0, linktype: 113, ifIndex: -1, hatype: 512, linkAddresses: [], packets: 3, in: 1, out: 2, overflow: false },
    ]);
    // The handshake's two directions are two flows anyway; each says which way it went.
    expect(doc.flows.map((f) => [f.inner?.src, f.direction, f.packets])).toEqual([
      [expect.any(String), 'out', 2],
      [expect.any(String), 'in', 1],
    ]);
  });
});

if (!corpusPresent) partMissing('capture-points.test.ts', 'the shared corpus', `it is absent at ${CORPUS_ROOT} (set CALICO_PCAP_CORPUS)`);
if (!HAVE_TSHARK) partMissing('capture-points.test.ts', 'tshark', 'tshark is not installed: SLL headers and epb_flags were not checked against it (CI installs it)');
