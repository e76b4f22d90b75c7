// Capture readers: all four pcap magics, pcapng in both byte orders with two interfaces of
// different link types and timestamp resolutions, gzip, stdin, truncation and lying lengths.
// The captures are written by the project's own writers from built packets.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../src/capture/pcap-writer.js';
import { PcapngWriter } from '../src/capture/pcapng-writer.js';
import { buildPacket } from '../src/dev/synth/index.js';
import { decodeFile } from './support/run.js';

const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-reader-'));
const CLI = join(__dirname, '..', 'dist', 'cli.js');

const vxlan = buildPacket([{ eth: {} }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { udp: { sport: 54321, dport: 4789 } }, { vxlan: { vni: 4096 } }, { eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { tcp: { sport: 8080, dport: 43512 } }, { payload: 100 }]);
const plain = buildPacket([{ eth: {} }, { ipv4: { src: '10.200.2.10', dst: '10.200.175.10' } }, { icmp: { type: 8 } }, { payload: 56 }]);
const ipipRaw = buildPacket([{ ipv4: { src: '10.0.2.201', dst: '10.0.1.204' } }, { ipv4: { src: '10.200.2.10', dst: '10.200.255.10' } }, { udp: { sport: 5000, dport: 53 } }, { payload: 30 }]);

async function writePcap(name: string, opts: { nanosecond?: boolean; bigEndian?: boolean; snaplen?: number }): Promise<string> {
  const path = join(dir, name);
  const w = PcapWriter.openFile(path, { linktype: 1, ...opts });
  w.writePacket(vxlan, 1764064800, opts.nanosecond ? 123456789 : 123456);
  w.writePacket(plain, 1764064801, opts.nanosecond ? 999999999 : 999999);
  w.writePacket(vxlan, 1764064802, 0);
  await w.close();
  return path;
}

describe('classic pcap, all four variants', () => {
  for (const variant of [
    { name: 'le-usec.pcap', nanosecond: false, bigEndian: false },
    { name: 'be-usec.pcap', nanosecond: false, bigEndian: true },
    { name: 'le-nsec.pcap', nanosecond: true, bigEndian: false },
    { name: 'be-nsec.pcap', nanosecond: true, bigEndian: true },
  ]) {
    it(variant.name, async () => {
      const path = await writePcap(variant.name, variant);
      const magic = readFileSync(path).subarray(0, 4).toString('hex');
      expect(magic).toBe({ 'le-usec.pcap': 'd4c3b2a1', 'be-usec.pcap': 'a1b2c3d4', 'le-nsec.pcap': '4d3cb2a1', 'be-nsec.pcap': 'a1b23c4d' }[variant.name]);
      const { run, packets } = await decodeFile(path);
      expect(run.format).toBe('pcap');
      expect(packets.map((p) => p.time)).toEqual([
        variant.nanosecond ? '2025-11-25T10:00:00.123456789Z' : '2025-11-25T10:00:00.123456000Z',
        variant.nanosecond ? '2025-11-25T10:00:01.999999999Z' : '2025-11-25T10:00:01.999999000Z',
        '2025-11-25T10:00:02.000000000Z',
      ]);
      expect(packets[0].tunnels).toEqual([{ type: 'vxlan', src: '10.0.1.204', dst: '10.0.2.201', vni: 4096 }]);
      expect(packets[1].inner).toMatchObject({ src: '10.200.2.10', dst: '10.200.175.10', proto: 1 });
      expect(packets.map((p) => p.caplen)).toEqual([vxlan.length, plain.length, vxlan.length]);
      expect(run.analyzer.issueRecords).toEqual([]);
    });
  }

  it('flags caplen > snaplen without stopping (pcapgo once refused such real files)', async () => {
    const path = join(dir, 'snaplen.pcap');
    const bytes = Buffer.from(readFileSync(await writePcap('snaplen-src.pcap', {})));
    bytes.writeUInt32LE(64, 16); // header snaplen 64, records longer
    writeFileSync(path, bytes);
    const { run, packets } = await decodeFile(path);
    expect(packets).toHaveLength(3);
    expect(run.analyzer.issueCounts[0]).toBe(0);
    expect(run.analyzer.issueRecords.map((r) => r.code)).toEqual(Array(3).fill('pcap.caplen_exceeds_snaplen'));
  });
});

describe('pcapng', () => {
  for (const bigEndian of [false, true]) {
    it(`${bigEndian ? 'big' : 'little'}-endian section with two interfaces (Ethernet ns, raw IP us)`, async () => {
      const path = join(dir, `two-if-${bigEndian ? 'be' : 'le'}.pcapng`);
      const w = PcapngWriter.openFile(path, { bigEndian, interfaces: [{ linktype: 1, tsresol: 9, name: 'ens37' }, { linktype: 101, name: 'tunl0' }] });
      w.writePacket(0, vxlan, 1764064800, 123456789);
      w.writePacket(1, ipipRaw, 1764064800, 500000);
      w.writePacket(0, plain, 1764064801, 1);
      await w.close();
      const { run, packets } = await decodeFile(path);
      expect(run.format).toBe('pcapng');
      expect(run.interfaces.map((i) => [i.linktype, i.name, i.tsExponent])).toEqual([[1, 'ens37', 9], [101, 'tunl0', 6]]);
      expect(packets.map((p) => p.interface)).toEqual([0, 1, 0]);
      expect(packets.map((p) => p.time)).toEqual(['2025-11-25T10:00:00.123456789Z', '2025-11-25T10:00:00.500000000Z', '2025-11-25T10:00:01.000000001Z']);
      expect(packets[1].layers).toEqual(['ipv4', 'ipv4', 'udp']);
      expect(packets[1].tunnels).toEqual([{ type: 'ipip', src: '10.0.2.201', dst: '10.0.1.204' }]);
      expect(packets[0].tunnels[0].vni).toBe(4096);
      expect(run.analyzer.issueRecords).toEqual([]);
    });
  }

  it('skips unknown blocks and reads a second section of the other byte order', async () => {
    const a = join(dir, 'sec-a.pcapng');
    const b = join(dir, 'sec-b.pcapng');
    const wa = PcapngWriter.openFile(a, { interfaces: [{ linktype: 1 }] });
    wa.writePacket(0, vxlan, 10, 0);
    await wa.close();
    const wb = PcapngWriter.openFile(b, { bigEndian: true, interfaces: [{ linktype: 101 }] });
    wb.writePacket(0, ipipRaw, 20, 0);
    await wb.close();
    // A custom block (type 0x00000BAD, 16 bytes) between the sections.
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32LE(0xbad, 0);
    unknown.writeUInt32LE(16, 4);
    unknown.writeUInt32LE(16, 12);
    const path = join(dir, 'two-sections.pcapng');
    writeFileSync(path, Buffer.concat([readFileSync(a), unknown, readFileSync(b)]));
    const { run, packets } = await decodeFile(path);
    expect(packets.map((p) => p.layers[0])).toEqual(['eth', 'ipv4']);
    expect(packets[1].tunnels[0].type).toBe('ipip');
    expect(run.analyzer.issueRecords).toEqual([]);
  });
});

describe('inputs', () => {
  it('reads gzip-compressed captures, detected by magic', async () => {
    const path = await writePcap('plain-for-gz.pcap', { nanosecond: true });
    const gz = join(dir, 'capture.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(path)));
    const direct = await decodeFile(path);
    const viaGzip = await decodeFile(gz);
    expect(viaGzip.run.gzip).toBe(true);
    expect(viaGzip.packets).toEqual(direct.packets);
  });

  it('reads standard input (`-`), plain and gzip, giving the same ndjson as the file', async () => {
    const path = await writePcap('stdin.pcap', {});
    const fromFile = spawnSync('node', [CLI, 'analyze', path, '--format', 'ndjson'], { encoding: 'utf8' });
    expect(fromFile.status).toBe(0);
    for (const input of [readFileSync(path), gzipSync(readFileSync(path))]) {
      const fromStdin = spawnSync('node', [CLI, 'analyze', '-', '--format', 'ndjson'], { input, encoding: 'utf8' });
      expect(fromStdin.status).toBe(0);
      expect(fromStdin.stdout).toBe(fromFile.stdout);
    }
    expect(fromFile.stdout.split('\n').filter((l) => l.startsWith('{"packet"'))).toHaveLength(3);
  });
});

describe('truncated and lying files', () => {
  it('a file cut at every byte keeps every complete packet and reports the cut record', async () => {
    const whole = readFileSync(await writePcap('cut-src.pcap', {}));
    const recordEnds = [24, 24 + 16 + vxlan.length, 24 + 32 + vxlan.length + plain.length, whole.length];
    for (let len = 24; len <= whole.length; len++) {
      const path = join(dir, 'cut.pcap');
      writeFileSync(path, whole.subarray(0, len));
      const { run, packets } = await decodeFile(path);
      const complete = recordEnds.filter((e) => e <= len).length - 1;
      expect(packets, `cut at ${len}`).toHaveLength(complete);
      if (recordEnds.includes(len)) {
        expect(run.analyzer.readFault, `cut at ${len}`).toBeNull();
      } else {
        expect(run.analyzer.readFault, `cut at ${len}`).toMatchObject({ code: 'pcap.truncated_record', packet: complete + 1, offset: recordEnds[complete] });
      }
    }
  });

  it('a record claiming 4 GB allocates nothing and ends the read with a clear issue', async () => {
    const whole = Buffer.from(readFileSync(await writePcap('huge-src.pcap', {})));
    whole.writeUInt32LE(0xffffffff, 24 + 8);
    const path = join(dir, 'huge.pcap');
    writeFileSync(path, whole);
    const { run, packets } = await decodeFile(path);
    expect(packets).toHaveLength(0);
    expect(run.analyzer.readFault).toMatchObject({ code: 'pcap.record_too_large', packet: 1, offset: 32, needed: 0xffffffff });
  });

  it('a pcapng block whose trailing length disagrees stops the read after the good packets', async () => {
    const path = join(dir, 'bad-trailer.pcapng');
    const w = PcapngWriter.openFile(path, { interfaces: [{ linktype: 1 }] });
    w.writePacket(0, plain, 1, 0);
    w.writePacket(0, vxlan, 2, 0);
    await w.close();
    const bytes = Buffer.from(readFileSync(path));
    bytes.writeUInt32LE(12345, bytes.length - 4); // trailing length of the last EPB
    writeFileSync(path, bytes);
    const { run, packets } = await decodeFile(path);
    expect(packets).toHaveLength(1);
    expect(run.analyzer.readFault).toMatchObject({ code: 'pcapng.bad_block_length', packet: 2, offset: bytes.length - 4 });
  });
});
