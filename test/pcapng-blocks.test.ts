// pcapng blocks the writer does not make, built here byte by byte from the pcapng draft:
// Simple Packet Blocks, obsolete Packet Blocks, binary timestamp resolution and if_tsoffset.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPacket } from '../src/dev/synth/index.js';
import { decodeFile } from './support/run.js';

const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-blocks-'));
const packet = buildPacket([{ ipv4: { src: '10.0.2.202', dst: '10.0.1.204' } }, { ipv4: { src: '10.200.175.10', dst: '10.200.255.10' } }, { icmp: { type: 8 } }]);

function block(type: number, body: Buffer): Buffer {
  const padded = Buffer.alloc((body.length + 3) & ~3);
  body.copy(padded);
  const total = 12 + padded.length;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(total, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(total, 0);
  return Buffer.concat([head, padded, tail]);
}

function shb(): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(0x1a2b3c4d, 0);
  body.writeUInt16LE(1, 4);
  body.writeUInt16LE(0, 6);
  body.writeBigInt64LE(-1n, 8);
  return block(0x0a0d0d0a, body);
}

function option(code: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(code, 0);
  head.writeUInt16LE(value.length, 2);
  return Buffer.concat([head, value, Buffer.alloc(((value.length + 3) & ~3) - value.length)]);
}

function idb(linktype: number, snaplen: number, options: Buffer[] = []): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(linktype, 0);
  body.writeUInt32LE(snaplen, 4);
  return block(1, Buffer.concat([body, ...options, options.length ? Buffer.alloc(4) : Buffer.alloc(0)]));
}

describe('pcapng blocks', () => {
  it('Simple Packet Block: no timestamp, caplen from the original length and the snaplen', async () => {
    const spb = (data: Uint8Array) => {
      const body = Buffer.alloc(4);
      body.writeUInt32LE(data.length, 0);
      return block(3, Buffer.concat([body, Buffer.from(data)]));
    };
    const path = join(dir, 'spb.pcapng');
    writeFileSync(path, Buffer.concat([shb(), idb(101, 0), spb(packet), spb(packet)]));
    const { run, packets } = await decodeFile(path);
    expect(packets).toHaveLength(2);
    expect(packets[0].tunnels).toEqual([{ type: 'ipip', src: '10.0.2.202', dst: '10.0.1.204' }]);
    expect(packets[0].caplen).toBe(packet.length);
    expect(run.analyzer.issueRecords).toEqual([]);
  });

  it('obsolete Packet Block with 2^-20 s timestamps and an if_tsoffset of 100 s', async () => {
    const resol = Buffer.from([0x80 | 20]);
    const offset = Buffer.alloc(8);
    offset.writeBigInt64LE(100n, 0);
    const pb = (units: bigint, data: Uint8Array) => {
      const body = Buffer.alloc(20);
      body.writeUInt16LE(0, 0); // interface id
      body.writeUInt16LE(0, 2); // drops
      body.writeUInt32LE(Number(units >> 32n), 4);
      body.writeUInt32LE(Number(units & 0xffffffffn), 8);
      body.writeUInt32LE(data.length, 12);
      body.writeUInt32LE(data.length, 16);
      return block(2, Buffer.concat([body, Buffer.from(data)]));
    };
    const path = join(dir, 'pb.pcapng');
    // 1764064800.5 s in units of 2^-20 s
    const units = 1764064800n * 1048576n + 524288n;
    writeFileSync(path, Buffer.concat([shb(), idb(101, 65535, [option(9, resol), option(14, offset)]), pb(units, packet)]));
    const { packets } = await decodeFile(path);
    expect(packets).toHaveLength(1);
    expect(packets[0].time).toBe('2025-11-25T10:01:40.500000000Z');
    expect(packets[0].inner).toMatchObject({ src: '10.200.175.10', dst: '10.200.255.10', proto: 1 });
  });

  it('a packet naming an undeclared interface is skipped, numbering kept', async () => {
    const epb = (ifaceId: number, data: Uint8Array) => {
      const body = Buffer.alloc(20);
      body.writeUInt32LE(ifaceId, 0);
      body.writeUInt32LE(data.length, 12);
      body.writeUInt32LE(data.length, 16);
      return block(6, Buffer.concat([body, Buffer.from(data)]));
    };
    const path = join(dir, 'bad-if.pcapng');
    writeFileSync(path, Buffer.concat([shb(), idb(101, 0), epb(0, packet), epb(5, packet), epb(0, packet)]));
    const { run, packets } = await decodeFile(path);
    expect(packets.map((p) => p.packet)).toEqual([1, 3]);
    expect(run.analyzer.issueRecords.map((r) => [r.code, r.packet])).toEqual([['pcapng.bad_interface_id', 2]]);
  });
});
