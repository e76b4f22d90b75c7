// Every capture of the shared corpus that tshark read: our per-packet IPv4/IPv6 address chains
// and VXLAN/GENEVE VNIs must equal tshark's (an independent dissector), packet by packet.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { partMissing } from './support/absent.js';
import { CORPUS_ROOT, corpusCaptures, corpusPresent, parseOracle, type OracleRow } from './support/corpus.js';
import { decodeFile, type PacketResult } from './support/run.js';
import type { CaptureRun } from '../src/analysis/pipeline.js';

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
    // tshark's vxlan.vni covers VXLAN-GPE too (one dissector for both).
    vxlanVni: p.tunnels.filter((t) => (t.type === 'vxlan' || t.type === 'vxlan-gpe') && t.vni !== undefined).map((t) => t.vni),
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

// Registered only when absent, so that a normal run shows no skipped test at all.
if (!corpusPresent) partMissing('corpus-oracle.test.ts', 'the shared corpus', `it is absent at ${CORPUS_ROOT} (set CALICO_PCAP_CORPUS); the oracle comparison was not run`);

// The project's own kernel fixtures, dissected by tshark on the spot (CI installs it).
const tsharkPresent = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
const FIXTURES = join(__dirname, '..', 'fixtures');
const fixtureCaptures = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'make' && d.name !== 'golden')
  .flatMap((d) => readdirSync(join(FIXTURES, d.name)).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(d.name, f)));

describe.skipIf(!tsharkPresent)('kernel fixtures against tshark run now', () => {
  for (const name of fixtureCaptures) {
    it(name, async () => {
      const fields = ['frame.number', 'frame.encap_type', 'ip.src', 'ip.dst', 'ip.proto', 'udp.srcport', 'udp.dstport', 'vxlan.vni', 'ipv6.src', 'ipv6.dst', 'geneve.vni', 'frame.protocols'];
      // Reassembly off, as in the corpus's nodefrag oracle: we decode packet by packet.
      const r = spawnSync('tshark', ['-n', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', ...(name.includes('vxlan-port-4790') ? ['-d', 'udp.port==4790,vxlan'] : []), '-r', join(FIXTURES, name), '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const rows = parseOracle(r.stdout);
      const { packets } = await decodeFile(join(FIXTURES, name));
      expect(packets.length).toBe(rows.length);
      for (const row of rows) expect(actual(packets[row.frame - 1]), `${name} packet ${row.frame}`).toEqual(expected(row));
    });
  }
});

if (!tsharkPresent) partMissing('corpus-oracle.test.ts', 'tshark', 'tshark is not installed: the kernel fixtures were not checked against it (CI installs it)');
