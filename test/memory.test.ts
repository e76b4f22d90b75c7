// Bounded memory whatever a length field claims: records and blocks that claim gigabytes
// allocate nothing, and the process stays small (peak RSS measured in the real CLI process).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../src/capture/pcap-writer.js';
import { PcapngWriter } from '../src/capture/pcapng-writer.js';
import { buildPacket } from '../src/dev/synth/index.js';

const ROOT = join(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-mem-'));
const packet = buildPacket([{ eth: {} }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { udp: { sport: 1, dport: 2 } }, { payload: 100 }]);

/** Runs the CLI and returns its exit code, stderr and peak RSS in MB. */
function runMeasured(args: string[]) {
  const rusage = join(dir, `rusage-${Math.random()}.json`);
  const r = spawnSync('node', ['--import', join(ROOT, 'dist-dev', 'dev', 'bench', 'rusage-preload.js'), join(ROOT, 'dist', 'cli.js'), ...args], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, CALICO_PCAP_BENCH_RUSAGE: rusage },
  });
  const peakMb = JSON.parse(readFileSync(rusage, 'utf8')).maxRSS_kB / 1024;
  return { code: r.status, stderr: r.stderr, stdout: r.stdout, peakMb };
}

describe('bounded memory', () => {
  it('a first record claiming 4 GB: one-line message, nothing allocated, peak RSS < 100 MB', async () => {
    const w = PcapWriter.openFile(join(dir, 'src.pcap'));
    w.writePacket(packet, 1, 0);
    await w.close();
    const bytes = Buffer.from(readFileSync(join(dir, 'src.pcap')));
    bytes.writeUInt32LE(0xffffffff, 24 + 8); // caplen
    bytes.writeUInt32LE(0xffffffff, 24 + 12); // len
    writeFileSync(join(dir, 'huge.pcap'), bytes);
    const r = runMeasured(['analyze', 'huge.pcap']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('calico-pcap: huge.pcap: packet 1 at byte 32: record claims 4294967295 bytes, more than the maximum of 262144 (read stopped; 0 packets before it were analysed)\n');
    expect(r.peakMb).toBeLessThan(100);
  });

  it('a pcapng block claiming 4 GB after a good packet: the packet is kept, peak RSS < 100 MB', async () => {
    const w = PcapngWriter.openFile(join(dir, 'src.pcapng'), { interfaces: [{ linktype: 1 }] });
    w.writePacket(0, packet, 1, 0);
    w.writePacket(0, packet, 2, 0);
    await w.close();
    const bytes = Buffer.from(readFileSync(join(dir, 'src.pcapng')));
    const secondEpb = bytes.length - (32 + packet.length + ((4 - (packet.length % 4)) % 4));
    bytes.writeUInt32LE(0xfffffffc, secondEpb + 4);
    writeFileSync(join(dir, 'huge.pcapng'), bytes);
    const r = runMeasured(['analyze', 'huge.pcapng', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).totals.packets).toBe(1);
    expect(r.stderr).toMatch(/packet 2 at byte [\d ]+: block of 4294967292 bytes, more than the maximum of 16777216/);
    expect(r.peakMb).toBeLessThan(100);
  });

  it('an unknown pcapng block claiming 1 GB in a short file is skipped as it streams, not buffered', async () => {
    const w = PcapngWriter.openFile(join(dir, 'src2.pcapng'), { interfaces: [{ linktype: 1 }] });
    w.writePacket(0, packet, 1, 0);
    await w.close();
    const custom = Buffer.alloc(16);
    custom.writeUInt32LE(0x40000bad, 0);
    custom.writeUInt32LE(1 << 30, 4);
    writeFileSync(join(dir, 'skip.pcapng'), Buffer.concat([readFileSync(join(dir, 'src2.pcapng')), custom]));
    const r = runMeasured(['analyze', 'skip.pcapng', '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.totals.packets).toBe(1);
    expect(doc.issues.records).toEqual([expect.objectContaining({ code: 'pcapng.truncated_block', packet: 2, needed: 1 << 30, present: 16 })]);
    expect(r.peakMb).toBeLessThan(100);
  });

  it('a zstd bomb (32 KB of RLE blocks that decode to 1 GiB of empty records) is decoded into the reader\'s buffer: peak RSS < 150 MB', () => {
    // RFC 8878: frame header (no content size, window 2^17), one raw block holding a pcap header,
    // then 8192 RLE blocks of 128 KiB of zero bytes: zero-length records, 16 bytes each.
    const blockHeader = (size: number, type: number, last: boolean) => {
      const v = size * 8 + type * 2 + (last ? 1 : 0);
      return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff];
    };
    const pcapHeader = Buffer.alloc(24);
    pcapHeader.writeUInt32LE(0xa1b2c3d4, 0);
    pcapHeader.writeUInt16LE(2, 4);
    pcapHeader.writeUInt16LE(4, 6);
    pcapHeader.writeUInt32LE(65535, 16);
    pcapHeader.writeUInt32LE(1, 20);
    const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, ...blockHeader(24, 0, false), ...pcapHeader];
    const blocks = 8192;
    for (let i = 0; i < blocks; i++) parts.push(...blockHeader(128 << 10, 1, i === blocks - 1), 0);
    writeFileSync(join(dir, 'bomb.pcap.zst'), Buffer.from(parts));
    const r = runMeasured(['analyze', 'bomb.pcap.zst', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.capture.bytesRead).toBe(24 + blocks * (128 << 10));
    expect(doc.totals.packets).toBe((blocks * (128 << 10)) / 16);
    expect(r.peakMb).toBeLessThan(150);
  }, 60_000);
});
