// Truncation sweep: every valid packet cut at every length. Nothing throws; a packet cut by the
// snapshot length reports only captured.snaplen_cut; a packet whose length fields claim bytes
// that are not there reports the exact malformed code; what lies before the cut is kept.
import { describe, expect, it } from 'vitest';
import { buildPacket, type PacketSpec } from '../src/dev/synth/index.js';
import { decodeBytes, type Decoded } from './support/decode.js';

const ETH = { eth: {} } as const;
const STACKS: Record<string, [PacketSpec, number]> = {
  'eth/ipv4/tcp': [[ETH, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { tcp: { sport: 179, dport: 40000 } }, { payload: 10 }], 1],
  'eth/ipv4/udp/vxlan/eth/ipv4/tcp': [[ETH, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { udp: { dport: 4789 } }, { vxlan: { vni: 4096 } }, ETH, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { tcp: { sport: 8080, dport: 43512 } }, { payload: 6 }], 1],
  'raw/ipv4/ipv4/icmp (IPIP)': [[{ ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { icmp: { type: 8 } }, { payload: 8 }], 101],
  'sll2/ipv6/udp/geneve/eth/ipv4/udp': [[{ sll2: { ifindex: 3 } }, { ipv6: { src: 'fd00::1', dst: 'fd00::2' } }, { udp: { dport: 6081 } }, { geneve: { vni: 9, options: new Uint8Array(4) } }, ETH, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { udp: { sport: 1, dport: 2 } }], 276],
  'eth/vlan/ipv4/gre/ipv4/udp': [[{ eth: { vlans: [{ vid: 5 }] } }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { gre: { key: 7 } }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { udp: { sport: 1, dport: 2 } }], 1],
};

/** The outermost layer a cut at `len` leaves incomplete, and the code its decoder must report. */
const TRUNCATED_CODE: Record<string, string> = {
  eth: 'eth.truncated', vlan: 'vlan.truncated', sll2: 'sll.truncated', ipv4: 'ipv4.truncated', ipv6: 'ipv6.truncated',
  udp: 'udp.truncated', tcp: 'tcp.truncated', icmp: 'icmp.truncated', vxlan: 'vxlan.truncated', geneve: 'geneve.truncated', gre: 'gre.truncated',
};
const FIXED_HEADER: Record<string, number> = { eth: 14, vlan: 4, sll2: 20, ipv4: 20, ipv6: 40, udp: 8, tcp: 20, icmp: 4, vxlan: 8, geneve: 8, gre: 4 };

function expectedFirstIssue(full: Decoded, len: number): string {
  if (len === 0 && full.layers[0] === 'ipv4') return 'ip.truncated'; // raw IP: not even a version nibble
  // An IP (or UDP) header that is complete but whose length field reaches past the cut speaks first.
  for (let i = 0; i < full.layers.length; i++) {
    const kind = full.layers[i];
    const start = full.layerOffsets[i];
    const headerEnd = i + 1 < full.layers.length ? full.layerOffsets[i + 1] : start + FIXED_HEADER[kind];
    if (len < start + FIXED_HEADER[kind]) return TRUNCATED_CODE[kind];
    if (len < headerEnd) {
      // Fixed part present, variable part (options, GENEVE options, GRE key) cut.
      return kind === 'ipv4' ? 'ipv4.truncated' : TRUNCATED_CODE[kind];
    }
    if (kind === 'ipv4') return 'ipv4.total_length_exceeds_captured';
    if (kind === 'ipv6') return 'ipv6.payload_length_exceeds_captured';
    if (kind === 'udp') return 'udp.bad_length';
  }
  throw new Error('cut past the end');
}

describe('truncation sweep', () => {
  for (const [name, [spec, linktype]] of Object.entries(STACKS)) {
    it(name, () => {
      const bytes = buildPacket(spec);
      const full = decodeBytes(bytes, linktype);
      expect(full.issues).toEqual([]);
      for (let len = 0; len < bytes.length; len++) {
        const cut = bytes.subarray(0, len);
        // 1. Cut by the snapshot length: the wire had every byte.
        const snap = decodeBytes(cut, linktype, { wireLen: bytes.length });
        expect(snap.issues.length, `len ${len}`).toBeGreaterThan(0);
        expect(new Set(snap.issues), `len ${len}`).toEqual(new Set(['captured.snaplen_cut']));
        // 2. The packet claims to be complete: the length fields lie.
        const lying = decodeBytes(cut, linktype);
        expect(lying.issues[0], `len ${len}`).toBe(expectedFirstIssue(full, len));
        expect(lying.issues).not.toContain('captured.snaplen_cut');
        // 3. Whatever was complete before the cut is still reported, identically.
        for (const d of [snap, lying]) {
          expect(full.layers.slice(0, d.layers.length), `len ${len}`).toEqual(d.layers);
          const completeIps = full.ips.filter((_, i) => i < d.ips.length);
          expect(d.ips, `len ${len}`).toEqual(completeIps);
          expect(full.tunnels.slice(0, d.tunnels.length).map((t) => t.src), `len ${len}`).toEqual(d.tunnels.map((t) => t.src));
        }
      }
    });
  }
});
