// The damaged files of the shared corpus, through the real command line: each gives its
// documented exit code and one-line message, never a stack trace, and whatever was readable
// before the fault is still reported.
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CORPUS_ROOT, corpusPresent } from './support/corpus.js';
import { partMissing } from './support/absent.js';

const CLI = join(__dirname, '..', 'dist', 'cli.js');

interface Case {
  file: string;
  exit: number;
  stderr: string;
  packets?: number;
  issues?: Record<string, number>;
}

const CASES: Case[] = [
  { file: 'libpcap/pcap-invalid-version-1.pcap', exit: 2, stderr: 'calico-pcap: libpcap/pcap-invalid-version-1.pcap at byte 4: unsupported pcap version 1.4 (only 2.x exists)\n' },
  { file: 'libpcap/pcapng-invalid-vers-1.pcapng', exit: 2, stderr: 'calico-pcap: libpcap/pcapng-invalid-vers-1.pcapng at byte 12: unsupported pcapng version 0.1\n' },
  { file: 'libpcap/shb-option-too-long.pcapng', exit: 2, stderr: 'calico-pcap: libpcap/shb-option-too-long.pcapng at byte 48: pcapng section header is damaged: block length 52 but trailing length 808464432\n' },
  // Reserved link type bits: libpcap refuses; we note it and read on (there are no packets).
  { file: 'libpcap/linktype-reserved-field-not-zero.pcap', exit: 0, stderr: '', packets: 0, issues: { 'pcap.linktype_reserved_bits': 1 } },
  {
    file: 'suricata-verify/bug-6875-01/fuzz.pcap', exit: 0, packets: 1,
    stderr: 'calico-pcap: suricata-verify/bug-6875-01/fuzz.pcap: packet 2 at byte 236: record claims 1409179648 bytes, more than the maximum of 262144 (read stopped; 1 packets before it were analysed)\n',
    issues: { 'pcap.record_too_large': 1, 'tcp.bad_data_offset': 1, 'ipv4.checksum_offload_suspect': 1 },
  },
  { file: 'suricata-verify/ipv4-truncated/truncated.pcap', exit: 0, stderr: '', packets: 1, issues: { 'ipv4.total_length_exceeds_captured': 1, 'udp.bad_length': 1 } },
  { file: 'pcapplusplus/ip4_bad_fragment.pcap', exit: 0, stderr: '', packets: 1, issues: { 'ipv4.truncated': 1 } },
  { file: 'zeek/ip4-trunc.pcap', exit: 0, stderr: '', packets: 1, issues: { 'captured.snaplen_cut': 1 } },
  { file: 'zeek/udp-contents-truncated-oob.pcap', exit: 0, stderr: '', packets: 1, issues: { 'captured.snaplen_cut': 2 } },
  { file: 'zeek/geneve-truncated.pcapng', exit: 0, stderr: '', packets: 1, issues: { 'captured.snaplen_cut': 1 } },
  { file: 'tcpdump/esp_truncated.pcap', exit: 0, stderr: '', packets: 1, issues: { 'captured.snaplen_cut': 2, 'ipv4.checksum_offload_suspect': 1 } },
];

describe.skipIf(!corpusPresent)('malformed corpus files through the CLI', () => {
  for (const c of CASES) {
    it(c.file, () => {
      const r = spawnSync('node', [CLI, 'analyze', c.file, '--format', 'json'], { cwd: CORPUS_ROOT, encoding: 'utf8' });
      expect(r.status).toBe(c.exit);
      expect(r.stderr).toBe(c.stderr);
      expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
      if (c.exit === 2) {
        expect(r.stdout).toBe('');
        return;
      }
      const doc = JSON.parse(r.stdout);
      expect(doc.totals.packets).toBe(c.packets);
      expect(doc.issues.counts).toEqual(c.issues);
    });
  }

  it('--strict turns the first malformed packet into exit 1, after reporting what came before', () => {
    const r = spawnSync('node', [CLI, 'analyze', 'suricata-verify/ipv4-truncated/truncated.pcap', '--strict', '--format', 'json'], { cwd: CORPUS_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('calico-pcap: suricata-verify/ipv4-truncated/truncated.pcap: packet 1 at byte 54: IPv4 total length is larger than the bytes the packet had (65028 bytes needed, 1516 present)\n');
    expect(JSON.parse(r.stdout).totals.packets).toBe(1);
  });

  it('--strict does not stop for a packet the snapshot length cut', () => {
    const r = spawnSync('node', [CLI, 'analyze', 'zeek/ip4-trunc.pcap', '--strict'], { cwd: CORPUS_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
  });
});

if (!corpusPresent) partMissing('corpus-malformed.test.ts', 'the shared corpus', `it is absent at ${CORPUS_ROOT} (set CALICO_PCAP_CORPUS)`);
