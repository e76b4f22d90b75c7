// Every capture of the shared corpus that tshark read: our per-packet IPv4/IPv6 address chains
// and VXLAN/GENEVE VNIs must equal tshark's (an independent dissector), packet by packet.
import { describe, expect, it } from 'vitest';
import { CORPUS_ROOT, corpusCaptures, corpusPresent, type OracleRow } from './support/corpus.js';
import { decodeFile, type PacketResult } from './support/run.js';
import type { CaptureRun } from '../src/pipeline.js';

/** tshark also lists the IP header quoted inside an ICMP error; that is not a tunnel, and we do not list it. */
function withoutIcmpQuote(row: OracleRow): { v4: number; v6: number } {
  let v4 = 0;
  let v6 = 0;
  for (const proto of row.protocols) {
    if (proto === 'icmp' || proto === 'icmpv6') break;
    if (proto === 'ip') v4++;
    if (proto === 'ipv6') v6++;
  }
  return { v4, v6 };
}

function expected(row: OracleRow) {
  const keep = withoutIcmpQuote(row);
  return {
    ipv4Src: row.ipSrc.slice(0, keep.v4),
    ipv4Dst: row.ipDst.slice(0, keep.v4),
    ipv6Src: row.ipv6Src.slice(0, keep.v6),
    ipv6Dst: row.ipv6Dst.slice(0, keep.v6),
    vxlanVni: row.vxlanVni,
    geneveVni: row.geneveVni,
  };
}

function actual(p: PacketResult) {
  return {
    ipv4Src: p.ipv4Src,
    ipv4Dst: p.ipv4Dst,
    ipv6Src: p.ipv6Src,
    ipv6Dst: p.ipv6Dst,
    vxlanVni: p.tunnels.filter((t) => t.type === 'vxlan' && t.vni !== undefined).map((t) => t.vni),
    geneveVni: p.tunnels.filter((t) => t.type === 'geneve' && t.vni !== undefined).map((t) => t.vni),
  };
}

/**
 * Captures where we knowingly differ from tshark 4.0, each with the reason and an assertion of
 * what we report instead (a second opinion: tcpdump/libpcap agree with us on both).
 */
const KNOWN_DIFFERENCES: Record<string, { reason: string; check: (packets: PacketResult[], run: CaptureRun) => void }> = {
  'tcpdump/bigtcp-ipv4-vxlan-ipv4.pcap': {
    reason:
      'a Linux BIG TCP packet: outer IPv4 total length 0 means "as long as the frame" (80116 bytes). ' +
      'tshark 4.0 stops at UDP; we follow the frame length as the kernel does and decode the VXLAN inside, ' +
      'which is what the tcpdump project added this capture to test.',
    check: (packets) => {
      expect(packets).toHaveLength(1);
      expect(packets[0].tunnels).toEqual([{ type: 'vxlan', src: '10.25.132.11', dst: '10.25.132.13', vni: 5001 }]);
      expect(packets[0].inner).toMatchObject({ src: '192.168.1.2', dst: '192.168.1.1', proto: 6 });
    },
  },
  'suricata-verify/bug-6875-01/fuzz.pcap': {
    reason:
      'a fuzzed file whose second standard pcap record claims 1409179648 bytes. Wireshark then guesses one of the ' +
      'non-standard 24-byte record header variants and reads two odd packets; libpcap (tcpdump) reads it as the ' +
      'standard format says, as we do: packet 1 is IPv4 TCP 192.168.0.0 -> 0.0.16.64, then the bad record ends the read.',
    check: (packets, run) => {
      expect(packets).toHaveLength(1);
      expect(packets[0].inner).toMatchObject({ src: '192.168.0.0', dst: '0.0.16.64', proto: 6 });
      expect(run.endedEarly).toBe(true);
      expect(run.analyzer.readFault).toMatchObject({ code: 'pcap.record_too_large', packet: 2, offset: 236 });
    },
  },
};

describe.skipIf(!corpusPresent)(`shared corpus against the tshark oracle (${CORPUS_ROOT})`, () => {
  const captures = corpusCaptures().filter((c) => c.rows.some((r) => r.encapType !== ''));
  it('finds the corpus', () => {
    expect(captures.length).toBeGreaterThan(30);
  });
  for (const capture of captures) {
    it(capture.name, async () => {
      const { run, packets } = await decodeFile(capture.path);
      const known = KNOWN_DIFFERENCES[capture.name];
      if (known) {
        known.check(packets, run);
        return;
      }
      const rows = capture.rows.filter((r) => r.encapType !== '');
      expect(packets.length).toBe(rows.length);
      for (const row of rows) {
        const ours = packets[row.frame - 1];
        expect(ours, `packet ${row.frame}`).toBeDefined();
        expect(ours.packet).toBe(row.frame);
        expect(actual(ours), `${capture.name} packet ${row.frame}`).toEqual(expected(row));
      }
    });
  }
});

describe.runIf(!corpusPresent)('shared corpus', () => {
  it(`is absent at ${CORPUS_ROOT}: the oracle comparison was SKIPPED (set CALICO_PCAP_CORPUS)`, () => {
    expect(corpusPresent).toBe(false);
  });
});
