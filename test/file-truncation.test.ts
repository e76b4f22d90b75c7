// Every valid capture (the kernel fixtures and the corpus files tshark read cleanly) cut at every
// record boundary and at seeded random offsets inside each record: nothing throws, every complete
// packet before the cut is reported exactly as in the whole file, and a cut inside a record is
// reported as a truncated record at that record's offset.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusCaptures } from './support/corpus.js';
import { decodeFile } from './support/run.js';

const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-cut-'));
const FIXTURES = join(__dirname, '..', 'fixtures');

const files = [
  ...readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'make' && d.name !== 'golden')
    .flatMap((d) => readdirSync(join(FIXTURES, d.name)).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(FIXTURES, d.name, f))),
  ...corpusCaptures().filter((c) => c.tsharkExit === 0 && c.rows.length > 0 && !c.name.includes('truncated') && !c.name.includes('esp_truncated')).map((c) => c.path),
];

/** Record (pcap) or block (pcapng) boundaries, walked independently of the reader under test. */
function boundaries(bytes: Buffer): { start: number; end: number; isPacket: boolean }[] {
  const out: { start: number; end: number; isPacket: boolean }[] = [];
  const magic = bytes.readUInt32LE(0);
  if (magic === 0x0a0d0d0a) {
    let le = true;
    for (let at = 0; at + 12 <= bytes.length; ) {
      const type = le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
      if (type === 0x0a0d0d0a) le = bytes.readUInt32LE(at + 8) === 0x1a2b3c4d;
      const len = le ? bytes.readUInt32LE(at + 4) : bytes.readUInt32BE(at + 4);
      out.push({ start: at, end: at + len, isPacket: type === 6 || type === 3 || type === 2 });
      at += len;
    }
  } else {
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d || magic === 0xa1b2cd34;
    const header = magic === 0xa1b2cd34 || magic === 0x34cdb2a1 ? 24 : 16;
    for (let at = 24; at + header <= bytes.length; ) {
      const caplen = le ? bytes.readUInt32LE(at + 8) : bytes.readUInt32BE(at + 8);
      out.push({ start: at, end: at + header + caplen, isPacket: true });
      at += header + caplen;
    }
  }
  return out;
}

/** A small deterministic PRNG (mulberry32): the sweep is the same on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('every capture cut at every record boundary and inside records', () => {
  it('has captures', () => expect(files.length).toBeGreaterThan(20));
  for (const file of files) {
    it(file.replace(/^.*\/(fixtures|corpus)\//, ''), async () => {
      const whole = readFileSync(file);
      const full = await decodeFile(file);
      const records = boundaries(whole);
      const random = prng(whole.length);
      const cuts = new Set<number>();
      for (const r of records) {
        cuts.add(r.end);
        cuts.add(r.start + 1 + Math.floor(random() * (r.end - r.start - 1)));
      }
      // The file header (pcap) or first section header (pcapng) cut short is not a capture at all:
      // exit 2, covered by the CLI tests. Cut everywhere after it.
      const headerEnd = whole.readUInt32LE(0) === 0x0a0d0d0a ? records[0].end : 24;
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        if (cut < headerEnd) continue;
        const path = join(dir, 'cut');
        writeFileSync(path, whole.subarray(0, cut));
        const { run, packets } = await decodeFile(path);
        const complete = records.filter((r) => r.end <= cut);
        const expectedPackets = complete.filter((r) => r.isPacket).length;
        expect(packets, `${file} cut at ${cut}`).toEqual(full.packets.slice(0, expectedPackets));
        const inside = records.find((r) => r.start < cut && cut < r.end);
        if (inside) {
          expect(run.analyzer.readFault?.code, `cut at ${cut}`).toMatch(/^(pcap\.truncated_record|pcapng\.truncated_block)$/);
          expect(run.analyzer.readFault?.offset).toBe(inside.start);
        } else {
          expect(run.analyzer.readFault, `cut at ${cut}`).toBeNull();
        }
      }
    });
  }
});
