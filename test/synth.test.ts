// The packet builder and the pcap/pcapng writers, checked against an
// independent oracle: tshark reads what we wrote and verifies every
// checksum.  Byte-exact assertions cover one packet worked out by hand.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePcapHeader, encodePcapRecord, LINKTYPE, PcapWriter } from '../src/capture/pcap-writer.js';
import { PcapngWriter } from '../src/capture/pcapng-writer.js';
import {
  buildPacket, buildPacketInto, internetChecksum, linkTypeFor, packetLength, parseIpv6, tcpFlags, tcpOptions,
  type LayerSpec, type PacketSpec,
} from '../src/dev/synth/index.js';

const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const NO_TSHARK = 'SKIPPED: tshark not found on PATH (apt-get install tshark) - the oracle checks need it';
if (!HAVE_TSHARK) console.warn(`synth.test.ts: ${NO_TSHARK}`);
const oracle = (name: string) => (HAVE_TSHARK ? name : `${name} [${NO_TSHARK}]`);

const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHECKSUM_PREFS = ['ip', 'udp', 'tcp'].flatMap((p) => ['-o', `${p}.check_checksum:TRUE`]);

/** One row per frame, one column per field (multi-occurrence fields comma-joined). */
function tshark(file: string, fields: string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-n', '-r', file, ...CHECKSUM_PREFS, '-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 },
  );
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

// Depending on the tshark version, -T fields prints checksum status as the
// number (1) or its label ("Good").
function statuses(cell: string): string[] {
  return cell === '' ? [] : cell.split(',').map((s) => ({ '0': 'Bad', '1': 'Good', '2': 'Unverified', '3': 'Not present' })[s] ?? s);
}

function writePcap(name: string, packets: PacketSpec[]): string {
  const file = join(dir, name);
  const w = PcapWriter.openFile(file, { linktype: linkTypeFor(packets[0]!) });
  packets.forEach((p, i) => w.writePacket(buildPacket(p), 1_732_521_600 + i, i * 1000));
  w.closeSync();
  return file;
}

const NODE04 = '10.0.1.204';
const NODE02 = '10.0.2.201';
const node04Mac = '66:a1:00:00:01:cc';
const gwMac = '00:00:5e:00:01:01';

describe('buildPacket: exact bytes', () => {
  it('builds Ethernet/IPv4/UDP with the checksums worked out by hand', () => {
    const spec: PacketSpec = [
      { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
      { ipv4: { src: NODE04, dst: NODE02, id: 0x1c46, df: true, ttl: 64 } },
      { udp: { sport: 1234, dport: 53 } },
      { payload: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) },
    ];
    // IPv4 header words: 4500 0020 1c46 4000 4011 [csum] 0a00 01cc 0a00 02c9
    //   sum = 4500+0020+1c46+4000+4011+0a00+01cc+0a00+02c9 = fa0c (no carry)
    //   checksum = ~fa0c = 05f3
    // UDP: pseudo header 0a00+01cc+0a00+02c9 + 0011 (proto) + 000c (len) = 18b2
    //   header 04d2+0035+000c = 0513, payload dead+beef = 19d9c
    //   18b2+0513+19d9c = 1bb61, folded bb61+1 = bb62, checksum = ~bb62 = 449d
    const expected =
      '020000000002' + '020000000001' + '0800' +
      '4500' + '0020' + '1c46' + '4000' + '4011' + '05f3' + '0a0001cc' + '0a0002c9' +
      '04d2' + '0035' + '000c' + '449d' +
      'deadbeef';
    const bytes = buildPacket(spec);
    expect(Buffer.from(bytes).toString('hex')).toBe(expected);
    expect(packetLength(spec)).toBe(46);
    // A correct header sums (checksum included) to 0xffff, so re-checksums to 0.
    expect(internetChecksum(bytes, 14, 34)).toBe(0);
  });

  it('writes VXLAN flags 0x08 and a 24-bit VNI, and derives tunnel ports and protocols', () => {
    const bytes = buildPacket([
      { eth: {} }, { ipv4: { src: NODE04, dst: NODE02 } }, { udp: { sport: 50000 } }, { vxlan: { vni: 4096 } },
      { eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { tcp: {} },
    ]);
    const hex = Buffer.from(bytes).toString('hex');
    expect(hex.slice(34 * 2 + 4, 34 * 2 + 8)).toBe('12b5'); // dport 4789
    expect(hex.slice(42 * 2, 50 * 2)).toBe('0800000000100000'); // flags, reserved, VNI 0x001000, reserved
    expect(bytes[23]).toBe(17); // outer protocol UDP
    const ipip = buildPacket([{ ipv4: { src: NODE04, dst: NODE02 } }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }]);
    expect(ipip[9]).toBe(4); // RFC 2003 IP-in-IP
    const sixInFour = buildPacket([{ ipv4: { src: NODE04, dst: NODE02 } }, { ipv6: { src: 'fd00::1', dst: 'fd00::2' } }]);
    expect(sixInFour[9]).toBe(41);
  });

  it('encodes VLAN tags, IPv4 fragment fields, padding and TCP details', () => {
    const bytes = buildPacket([
      { eth: { vlans: [{ vid: 100, pcp: 5 }, { vid: 200 }], padTo: 60 } },
      { ipv4: { src: '1.2.3.4', dst: '5.6.7.8', mf: true, fragmentOffset: 1480, id: 7 } },
      { payload: 4 },
    ]);
    expect(bytes.length).toBe(60);
    expect(Buffer.from(bytes.subarray(12, 22)).toString('hex')).toBe('88a8a064' + '810000c8' + '0800');
    expect(Buffer.from(bytes.subarray(22 + 6, 22 + 8)).toString('hex')).toBe('20b9'); // MF | 1480/8
    expect(bytes[22 + 3]).toBe(24); // total length excludes the Ethernet padding
    expect(bytes.subarray(22 + 24).every((b) => b === 0)).toBe(true);

    expect(tcpFlags('SA')).toBe(0x12);
    expect(tcpFlags('.')).toBe(0x10);
    expect(tcpFlags('FSRPAUEC')).toBe(0xff);
    expect(Array.from(tcpOptions({ timestamp: [1, 2] }))).toEqual([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(tcpOptions({ mss: 1460, sackPermitted: true, timestamp: [1, 0], wscale: 7 }).length).toBe(20);
  });

  it('builds into a reused buffer at an offset, overwriting stale bytes', () => {
    const spec: PacketSpec = [{ eth: { padTo: 60 } }, { ipv4: { src: '1.2.3.4', dst: '5.6.7.8' } }, { icmp: { id: 1, seq: 2 } }];
    const fresh = buildPacket(spec);
    const reused = new Uint8Array(200).fill(0xee);
    expect(buildPacketInto(spec, reused, 100)).toBe(60);
    expect(reused.subarray(100, 160)).toEqual(fresh);
    expect(reused[99]).toBe(0xee);
  });

  it('parses compressed and embedded-IPv4 IPv6 text, and rejects malformed specs', () => {
    expect(Buffer.from(parseIpv6('::ffff:10.0.1.204')).toString('hex')).toBe('00000000000000000000ffff0a0001cc');
    expect(Buffer.from(parseIpv6('fd00::1')).toString('hex')).toBe('fd000000000000000000000000000001');
    expect(() => parseIpv6('1::2::3')).toThrow();
    expect(() => buildPacket([{ eth: {} }, { tcp: {} }])).toThrow(/explicit/);
    expect(() => buildPacket([{ payload: 1 }, { eth: {} }])).toThrow(/last/);
    expect(() => buildPacket([{ eth: {}, ipv4: { src: '1.1.1.1', dst: '2.2.2.2' } } as unknown as LayerSpec])).toThrow(/one key/);
  });
});

describe('pcap and pcapng writers: exact bytes', () => {
  it('encodes the global header in all four variants', () => {
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    expect(hex(encodePcapHeader(1, 65535))).toBe('d4c3b2a1' + '02000400' + '00000000' + '00000000' + 'ffff0000' + '01000000');
    expect(hex(encodePcapHeader(1, 65535, { bigEndian: true }))).toBe('a1b2c3d4' + '00020004' + '0'.repeat(16) + '0000ffff' + '00000001');
    expect(hex(encodePcapHeader(113, 262144, { nanosecond: true })).slice(0, 8)).toBe('4d3cb2a1');
    expect(hex(encodePcapHeader(113, 262144, { nanosecond: true, bigEndian: true })).slice(0, 8)).toBe('a1b23c4d');
    expect(hex(encodePcapRecord(Uint8Array.of(0xab), 1, 2, { origLen: 60 }))).toBe('01000000' + '02000000' + '01000000' + '3c000000' + 'ab');
  });

  it('produces the same bytes on a Writable as on a file descriptor', async () => {
    const packet = buildPacket([{ eth: {} }, { ipv4: { src: '1.2.3.4', dst: '5.6.7.8' } }, { udp: {} }, { payload: 100 }]);
    const chunks: Buffer[] = [];
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => chunks.push(c));
    // A tiny buffer forces several flushes.
    const viaStream = new PcapWriter(stream, { bufferSize: 256 });
    const file = join(dir, 'fd.pcap');
    const viaFd = PcapWriter.openFile(file, { bufferSize: 256 });
    for (let i = 0; i < 10; i++) {
      viaStream.writePacket(packet, i, i);
      viaFd.writePacket(packet, i, i);
    }
    await viaStream.close();
    viaFd.closeSync();
    expect(Buffer.concat(chunks).equals(readFileSync(file))).toBe(true);
    expect(viaFd.bytesWritten).toBe(24 + 10 * (16 + packet.length));
  });

  it('pads pcapng blocks to 32 bits and repeats each block length at its end', () => {
    const file = join(dir, 'layout.pcapng');
    const w = PcapngWriter.openFile(file, { interfaces: [{ linktype: 1, tsresol: 9, name: 'eth0' }] });
    w.writePacket(0, Uint8Array.of(1, 2, 3, 4, 5), 1, 2);
    w.closeSync();
    const b = readFileSync(file);
    let at = 0;
    const types: number[] = [];
    while (at < b.length) {
      const len = b.readUInt32LE(at + 4);
      expect(len % 4).toBe(0);
      expect(b.readUInt32LE(at + len - 4)).toBe(len);
      types.push(b.readUInt32LE(at));
      at += len;
    }
    expect(at).toBe(b.length);
    expect(types).toEqual([0x0a0d0d0a, 1, 6]);
  });
});

describe('tshark oracle', () => {
  it.skipIf(!HAVE_TSHARK)(oracle('decodes Calico-like packets to the built addresses, VNI and good checksums'), () => {
    const ts = tcpOptions({ timestamp: [123456, 654321] });
    const cases: Array<{ spec: PacketSpec; src: string; dst: string; vni: string }> = [
      {
        // VXLAN node04 -> node02 carrying pod TCP
        spec: [
          { eth: { src: node04Mac, dst: gwMac } }, { ipv4: { src: NODE04, dst: NODE02, df: true, id: 0x5a5a } },
          { udp: { sport: 52811 } }, { vxlan: { vni: 4096 } },
          { eth: { src: '66:ff:00:00:00:01', dst: '66:ff:00:00:00:02' } },
          { ipv4: { src: '10.200.255.10', dst: '10.200.2.10', df: true } },
          { tcp: { sport: 8080, dport: 43512, flags: 'PA', seq: 1000, ack: 2000, options: ts } }, { payload: 1386 },
        ],
        src: `${NODE04},10.200.255.10`, dst: `${NODE02},10.200.2.10`, vni: '4096',
      },
      {
        // VXLAN pod UDP with an odd payload length (checksum pads the last byte)
        spec: [
          { eth: {} }, { ipv4: { src: NODE02, dst: NODE04 } }, { udp: { sport: 40000 } }, { vxlan: { vni: 4096 } },
          { eth: {} }, { ipv4: { src: '10.200.2.10', dst: '10.200.255.10' } }, { udp: { sport: 5353, dport: 41000 } },
          { payload: 33 },
        ],
        src: `${NODE02},10.200.2.10`, dst: `${NODE04},10.200.255.10`, vni: '4096',
      },
      {
        // IPIP node04 -> node01 carrying ICMP echo
        spec: [
          { eth: {} }, { ipv4: { src: NODE04, dst: '10.0.2.200' } },
          { ipv4: { src: '10.200.255.11', dst: '10.200.235.3' } }, { icmp: { id: 77, seq: 3 } }, { payload: 56 },
        ],
        src: `${NODE04},10.200.255.11`, dst: '10.0.2.200,10.200.235.3', vni: '',
      },
      {
        // plain pod-to-pod within the 10.0.2.0/24 subnet, 802.1Q tagged
        spec: [
          { eth: { vlans: [{ vid: 42 }] } }, { ipv4: { src: '10.200.2.10', dst: '10.200.175.7' } },
          { tcp: { sport: 43512, dport: 8080, flags: 'A', options: ts } },
        ],
        src: '10.200.2.10', dst: '10.200.175.7', vni: '',
      },
      {
        // host BGP between nodes
        spec: [
          { eth: {} }, { ipv4: { src: '10.0.2.200', dst: '10.0.2.202', ttl: 1 } },
          { tcp: { sport: 179, dport: 53001, flags: 'PA', options: ts } }, { payload: 19 },
        ],
        src: '10.0.2.200', dst: '10.0.2.202', vni: '',
      },
      {
        // GRE (with checksum and key) carrying bridged Ethernet
        spec: [
          { eth: {} }, { ipv4: { src: NODE04, dst: NODE02 } }, { gre: { checksum: true, key: 9 } }, { eth: {} },
          { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { udp: { sport: 1000, dport: 2000 } }, { payload: 7 },
        ],
        src: `${NODE04},10.200.255.10`, dst: `${NODE02},10.200.2.10`, vni: '',
      },
    ];
    const file = writePcap('calico-like.pcap', cases.map((c) => c.spec));
    const rows = tshark(file, [
      'ip.src', 'ip.dst', 'vxlan.vni', 'ip.checksum.status', 'udp.checksum.status', 'tcp.checksum.status',
      'icmp.checksum.status', 'gre.checksum.status',
    ]);
    expect(rows.length).toBe(cases.length);
    rows.forEach((row, i) => {
      const c = cases[i]!;
      expect({ frame: i + 1, src: row[0], dst: row[1], vni: row[2] }).toEqual({ frame: i + 1, src: c.src, dst: c.dst, vni: c.vni });
      const all = row.slice(3).flatMap(statuses);
      expect(all.length).toBeGreaterThan(0);
      expect(all.every((s) => s === 'Good'), `frame ${i + 1} checksum statuses ${row.slice(3).join(' | ')}`).toBe(true);
    });
    // The IP layers per frame: one checksum status per IPv4 header.
    expect(statuses(rows[0]![3]!)).toEqual(['Good', 'Good']);
    expect(statuses(rows[0]![4]!)).toEqual(['Good']);
    expect(statuses(rows[0]![5]!)).toEqual(['Good']);
  });

  it.skipIf(!HAVE_TSHARK)(oracle('decodes IPv6, 6in4, GENEVE, SLL and SLL2 captures'), () => {
    const v6 = writePcap('v6.pcap', [
      [{ eth: {} }, { ipv6: { src: 'fd00:10::1', dst: 'fd00:20::2', flowLabel: 0x12345 } }, { tcp: { flags: 'S' } }],
      [{ eth: {} }, { ipv4: { src: NODE04, dst: NODE02 } }, { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' } },
        { icmpv6: { id: 1, seq: 2 } }, { payload: 16 }],
      [{ eth: {} }, { ipv6: { src: 'fd00::a', dst: 'fd00::b' } }, { udp: {} }, { geneve: { vni: 0xabcdef, options: new Uint8Array(8) } },
        { eth: {} }, { ipv4: { src: '10.1.1.1', dst: '10.1.1.2' } }, { udp: { sport: 1111, dport: 2222 } }, { payload: 5 }],
    ]);
    const rows = tshark(v6, ['ipv6.src', 'ip.src', 'geneve.vni', 'tcp.checksum.status', 'udp.checksum.status', 'icmpv6.checksum.status']);
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      ['fd00:10::1', ''], ['2001:db8::1', NODE04], ['fd00::a', '10.1.1.1'],
    ]);
    expect(Number(rows[2]![2])).toBe(0xabcdef);
    expect(rows.flatMap((r) => r.slice(3).flatMap(statuses)).every((s) => s === 'Good')).toBe(true);

    // Wiretap encapsulation 25 is Linux cooked v1, 210 is v2.
    const links = [['sll', { sll: { packetType: 4, addr: node04Mac } }, '25', ''], ['sll2', { sll2: { ifindex: 3 } }, '210', '3']] as const;
    for (const [name, link, encap, ifindex] of links) {
      const f = writePcap(`${name}.pcap`, [[link, { ipv4: { src: NODE04, dst: NODE02 } }, { udp: {} }, { vxlan: { vni: 4096 } },
        { eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { icmp: {} }]]);
      const [row] = tshark(f, ['frame.encap_type', 'sll.ifindex', 'ip.src', 'vxlan.vni', 'ip.checksum.status', 'udp.checksum.status']);
      expect(row!.slice(0, 4)).toEqual([encap, ifindex, `${NODE04},10.200.255.10`, '4096']);
      expect(row!.slice(4).flatMap(statuses)).toEqual(['Good', 'Good', 'Good']);
    }
  });

  it.skipIf(!HAVE_TSHARK)(oracle('reads all four pcap variants and both pcapng byte orders, with truncation'), () => {
    const packets = [
      buildPacket([{ eth: {} }, { ipv4: { src: '1.2.3.4', dst: '5.6.7.8' } }, { tcp: {} }, { payload: 1400 }]),
      buildPacket([{ eth: {} }, { ipv4: { src: '1.2.3.4', dst: '5.6.7.8' } }, { udp: {} }, { payload: 3 }]),
    ];
    for (const bigEndian of [false, true]) {
      for (const nanosecond of [false, true]) {
        const file = join(dir, `v-${bigEndian}-${nanosecond}.pcap`);
        const w = PcapWriter.openFile(file, { bigEndian, nanosecond, snaplen: 128 });
        w.writePacket(packets[0]!, 1_700_000_000, nanosecond ? 123_456_789 : 123_456);
        w.writePacket(packets[1]!, 1_700_000_001, 5);
        w.closeSync();
        const rows = tshark(file, ['frame.time_epoch', 'frame.len', 'frame.cap_len']);
        expect(rows).toEqual([
          [nanosecond ? '1700000000.123456789' : '1700000000.123456000', '1454', '128'],
          [nanosecond ? '1700000001.000000005' : '1700000001.000005000', '45', '45'],
        ]);
      }
      const file = join(dir, `v-${bigEndian}.pcapng`);
      const w = PcapngWriter.openFile(file, {
        bigEndian,
        userAppl: 'calico-pcap test',
        interfaces: [{ linktype: LINKTYPE.ETHERNET, name: 'eth0', snaplen: 128 }, { linktype: LINKTYPE.ETHERNET, tsresol: 9 }],
      });
      w.writePacket(0, packets[0]!, 1_700_000_000, 123_456);
      w.writePacket(1, packets[1]!, 1_700_000_001, 5); // 45 bytes: needs 3 bytes of padding
      w.closeSync();
      const rows = tshark(file, ['frame.interface_id', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'ip.checksum.status']);
      expect(rows.map((r) => [...r.slice(0, 4), ...statuses(r[4]!)])).toEqual([
        ['0', '1700000000.123456000', '1454', '128', 'Good'],
        ['1', '1700000001.000000005', '45', '45', 'Good'],
      ]);
    }
  });

  it.skipIf(!HAVE_TSHARK)(oracle('random valid stacks decode to the built addresses with good checksums'), () => {
    const stacks = fc.sample(arbStack(), { numRuns: 300, seed: 20241125 });
    const file = join(dir, 'random.pcap');
    const w = PcapWriter.openFile(file);
    stacks.forEach((s, i) => w.writePacket(buildPacket(s.spec), 1_700_000_000 + i, 0));
    w.closeSync();
    const rows = tshark(file, [
      'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.checksum.status', 'udp.checksum.status', 'tcp.checksum.status',
      'icmp.checksum.status', 'icmpv6.checksum.status', 'gre.checksum.status',
    ]);
    expect(rows.length).toBe(stacks.length);
    rows.forEach((row, i) => {
      const s = stacks[i]!;
      const got = { frame: i + 1, v4src: row[0], v4dst: row[1], v6src: row[2], v6dst: row[3] };
      const want = { frame: i + 1, v4src: s.v4src.join(), v4dst: s.v4dst.join(), v6src: s.v6src.join(), v6dst: s.v6dst.join() };
      expect(got).toEqual(want);
      const bad = row.slice(4).flatMap(statuses).filter((st) => st !== 'Good');
      expect(bad, `frame ${i + 1}: ${JSON.stringify(s.spec)}`).toEqual([]);
    });
  });
});

// A random Ethernet stack: optional VLANs, outer IP, optional tunnel, inner
// IP, transport, payload; plus the addresses tshark should list, in order.
interface Stack {
  spec: LayerSpec[];
  v4src: string[];
  v4dst: string[];
  v6src: string[];
  v6dst: string[];
}

function arbStack(): fc.Arbitrary<Stack> {
  const v4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((o) => o.join('.'));
  // Two non-zero groups around "::" is already tshark's canonical text form.
  const v6 = fc.tuple(fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 1, max: 0xffff }))
    .map(([a, b]) => `fd00:${a.toString(16)}::${b.toString(16)}`);
  const ip = fc.oneof(
    fc.record({ v: fc.constant(4 as const), src: v4, dst: v4, ttl: fc.integer({ min: 1, max: 255 }), id: fc.nat(0xffff), df: fc.boolean() }),
    fc.record({ v: fc.constant(6 as const), src: v6, dst: v6, ttl: fc.integer({ min: 1, max: 255 }), flow: fc.nat(0xfffff) }),
  );
  // Ports tshark does not tie to a dissector that could find more IP inside.
  const port = fc.constantFrom(8080, 43512, 50123, 61000, 33333, 47000);
  const transport = fc.oneof(
    fc.record({ kind: fc.constant('tcp' as const), sport: port, dport: port, seq: fc.nat(), ack: fc.nat(), flags: fc.constantFrom('S', 'SA', 'A', 'PA', 'FA', 'R') }),
    fc.record({ kind: fc.constant('udp' as const), sport: port, dport: port }),
    fc.record({ kind: fc.constant('icmp' as const), id: fc.nat(0xffff), seq: fc.nat(0xffff), reply: fc.boolean() }),
  );
  const tunnel = fc.constantFrom('none', 'ipip', 'vxlan', 'geneve', 'gre-eth', 'gre-ip', 'gre-ip-csum');
  const vlans = fc.array(fc.integer({ min: 1, max: 4094 }), { maxLength: 2 });

  return fc.record({ vlans, outer: ip, tunnel, inner: ip, transport, payload: fc.nat(1400), vni: fc.nat(0xffffff) }).map((r) => {
    const s: Stack = { spec: [{ eth: { vlans: r.vlans.map((vid) => ({ vid })) } }], v4src: [], v4dst: [], v6src: [], v6dst: [] };
    const addIp = (x: typeof r.outer) => {
      if (x.v === 4) {
        s.spec.push({ ipv4: { src: x.src, dst: x.dst, ttl: x.ttl, id: x.id, df: x.df } });
        s.v4src.push(x.src);
        s.v4dst.push(x.dst);
      } else {
        s.spec.push({ ipv6: { src: x.src, dst: x.dst, hopLimit: x.ttl, flowLabel: x.flow } });
        s.v6src.push(x.src);
        s.v6dst.push(x.dst);
      }
    };
    if (r.tunnel !== 'none') {
      addIp(r.outer);
      switch (r.tunnel) {
        case 'ipip': break;
        case 'vxlan': s.spec.push({ udp: { sport: 49152 } }, { vxlan: { vni: r.vni } }, { eth: {} }); break;
        case 'geneve': s.spec.push({ udp: { sport: 49152 } }, { geneve: { vni: r.vni } }, { eth: {} }); break;
        case 'gre-eth': s.spec.push({ gre: { key: r.vni } }, { eth: {} }); break;
        case 'gre-ip': s.spec.push({ gre: {} }); break;
        case 'gre-ip-csum': s.spec.push({ gre: { checksum: true, seq: r.vni } }); break;
      }
    }
    addIp(r.inner);
    const t = r.transport;
    if (t.kind === 'tcp') s.spec.push({ tcp: { sport: t.sport, dport: t.dport, seq: t.seq, ack: t.ack, flags: t.flags } });
    else if (t.kind === 'udp') s.spec.push({ udp: { sport: t.sport, dport: t.dport } });
    else if (r.inner.v === 4) s.spec.push({ icmp: { type: t.reply ? 0 : 8, id: t.id, seq: t.seq } });
    else s.spec.push({ icmpv6: { type: t.reply ? 129 : 128, id: t.id, seq: t.seq } });
    s.spec.push({ payload: r.payload });
    return s;
  });
}

describe('IPv6 extension-header chains (ipv6ext)', () => {
  // Hop-by-hop first (RFC 8200 allows it only there), then destination options and routing
  // headers in turn, 100 in all, one of them with 14 bytes of data (a 16-byte header).
  const chain: LayerSpec[] = [{ ipv6ext: { type: 0 } }];
  for (let i = 1; i < 100; i++) chain.push({ ipv6ext: i === 50 ? { type: 60, data: new Uint8Array(14).fill(1) } : { type: i % 2 ? 60 : 43 } });
  const spec: PacketSpec = [{ eth: {} }, { ipv6: { src: 'fd00::1', dst: 'fd00::2' } }, ...chain, { udp: { sport: 1000, dport: 2000 } }, { payload: 21 }];

  it('writes each header with the next one named and its length in 8-byte units', () => {
    const b = buildPacket(spec);
    let next = b[14 + 6];
    let at = 14 + 40;
    const seen: number[] = [];
    while (next !== 17) {
      seen.push(next);
      const len = (b[at + 1] + 1) * 8;
      next = b[at];
      at += len;
    }
    expect(seen.length).toBe(100);
    expect(seen[0]).toBe(0);
    expect(seen[50]).toBe(60);
    expect((b[14 + 4] << 8) | b[14 + 5]).toBe(b.length - 14 - 40); // IPv6 payload length covers the chain
    expect((b[at] << 8) | b[at + 1]).toBe(1000);
    expect((b[at + 2] << 8) | b[at + 3]).toBe(2000);
    expect(b.length - at).toBe(8 + 21);
  });

  it.skipIf(!HAVE_TSHARK)(oracle('tshark reads the UDP ports behind the chain, with a good checksum'), () => {
    const file = writePcap('ipv6-ext-chain.pcap', [spec]);
    const [row] = tshark(file, ['udp.srcport', 'udp.dstport', 'udp.checksum.status', 'ipv6.plen']);
    expect(row!.slice(0, 2)).toEqual(['1000', '2000']);
    expect(statuses(row![2]!)).toEqual(['Good']);
    expect(Number(row![3])).toBe(buildPacket(spec).length - 14 - 40);
  });
});
