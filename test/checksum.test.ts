// Checksums: the outer IPv4 header, the outer UDP of VXLAN (zero means none), the inner IPv4
// header. Corruption is told apart from TX offload (a capture on the sending host).
import { describe, expect, it } from 'vitest';
import { buildPacket, type PacketSpec } from '../src/dev/synth/index.js';
import { decodeBytes } from './support/decode.js';

const vxlan = (udpChecksum?: number): PacketSpec => [
  { eth: {} },
  { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } },
  { udp: { sport: 40000, dport: 4789, ...(udpChecksum === undefined ? {} : { checksum: udpChecksum }) } },
  { vxlan: { vni: 4096 } },
  { eth: {} },
  { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } },
  { tcp: { sport: 8080, dport: 43512, flags: 'S' } },
];
const UDP_CHECKSUM_AT = 14 + 20 + 6;

/** The folded pseudo-header sum Linux leaves in the field for the NIC (CHECKSUM_PARTIAL). */
function partialSum(bytes: Uint8Array): number {
  const words = [0x0a00, 0x01cc, 0x0a00, 0x02c9, 17, bytes.length - 34];
  let s = words.reduce((a, b) => a + b, 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

describe('checksums', () => {
  it('a correct outer UDP checksum and correct IPv4 headers give no issue', () => {
    const d = decodeBytes(buildPacket(vxlan()), 1);
    expect(d.issues).toEqual([]);
    expect(d.tunnels[0].vni).toBe(4096);
  });

  it('zero outer UDP checksum means none (what Linux sends by default)', () => {
    expect(decodeBytes(buildPacket(vxlan(0)), 1).issues).toEqual([]);
  });

  it('a corrupted outer UDP checksum on a received packet is udp.bad_checksum; decoding goes on', () => {
    const bytes = buildPacket(vxlan());
    bytes[UDP_CHECKSUM_AT] ^= 0x5a;
    const d = decodeBytes(bytes, 1);
    expect(d.issues).toEqual(['udp.bad_checksum']);
    expect(d.inner).toMatchObject({ src: '10.200.255.10', dst: '10.200.2.10', sport: 8080 });
  });

  it('a payload byte flipped in flight is caught by the UDP checksum too', () => {
    const bytes = buildPacket(vxlan());
    bytes[bytes.length - 1] ^= 0x01;
    expect(decodeBytes(bytes, 1).issues).toEqual(['udp.bad_checksum']);
  });

  it('the partial pseudo-header sum left for the NIC is a TX offload suspect, not corruption', () => {
    const bytes = buildPacket(vxlan());
    const partial = partialSum(bytes);
    bytes[UDP_CHECKSUM_AT] = partial >> 8;
    bytes[UDP_CHECKSUM_AT + 1] = partial & 0xff;
    expect(decodeBytes(bytes, 1).issues).toEqual(['udp.checksum_offload_suspect']);
  });

  it('any wrong checksum on an outgoing packet of a cooked capture (-i any) is an offload suspect', () => {
    const bytes = buildPacket([{ sll2: { packetType: 4 } }, ...vxlan().slice(1)]);
    bytes[20 + 20 + 6] ^= 0xff;
    expect(decodeBytes(bytes, 276).issues).toEqual(['udp.checksum_offload_suspect']);
    const incoming = buildPacket([{ sll2: { packetType: 0 } }, ...vxlan().slice(1)]);
    incoming[20 + 20 + 6] ^= 0xff;
    expect(decodeBytes(incoming, 276).issues).toEqual(['udp.bad_checksum']);
  });

  it('outer and inner IPv4 header checksums are each verified', () => {
    const outer = buildPacket(vxlan(0));
    outer[14 + 8] ^= 0x01; // TTL changed without fixing the checksum
    expect(decodeBytes(outer, 1).issues).toEqual(['ipv4.bad_checksum']);
    const inner = buildPacket(vxlan(0));
    inner[14 + 20 + 8 + 8 + 14 + 8] ^= 0x01;
    expect(decodeBytes(inner, 1).issues).toEqual(['ipv4.bad_checksum']);
    const blank = buildPacket(vxlan(0));
    blank[14 + 10] = 0;
    blank[14 + 11] = 0;
    expect(decodeBytes(blank, 1).issues).toEqual(['ipv4.checksum_offload_suspect']);
  });

  it('a UDP checksum cannot be checked on a packet cut by the snapshot length: no verdict', () => {
    const bytes = buildPacket(vxlan());
    bytes[UDP_CHECKSUM_AT] ^= 0x5a;
    expect(decodeBytes(bytes.subarray(0, 80), 1, { wireLen: bytes.length }).issues).not.toContain('udp.bad_checksum');
  });
});
