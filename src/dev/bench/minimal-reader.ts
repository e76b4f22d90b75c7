// The reference "minimal reader": walks the classic-pcap record headers of a
// file, counting packets and captured bytes, and decodes nothing.  It is the
// floor any real pipeline is measured against: one reused 4 MiB buffer
// filled by fs.readSync, a leftover partial record moved to the front.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const MINIMAL_CHUNK = 4 * 1024 * 1024;

export interface MinimalReadResult {
  packets: number;
  /** Sum of caplen over all records. */
  capturedBytes: number;
  /** File offset just past the last complete record read. */
  endOffset: number;
  /** Bytes of an incomplete record at the end (or before limitBytes). */
  trailingBytes: number;
  seconds: number;
}

/**
 * Reads records until EOF, or until the next record would end past
 * limitBytes (used to cut a prefix copy at a record boundary).
 */
export function readPcapMinimal(path: string, opts: { chunkSize?: number; limitBytes?: number } = {}): MinimalReadResult {
  const t0 = process.hrtime.bigint();
  const fd = openSync(path, 'r');
  try {
    const limit = Math.min(opts.limitBytes ?? Infinity, fstatSync(fd).size);
    const buf = Buffer.allocUnsafe(opts.chunkSize ?? MINIMAL_CHUNK);
    if (readSync(fd, buf, 0, 24, 0) !== 24) throw new Error(`${path}: shorter than a pcap header`);
    const le = isLittleEndianPcap(buf, path);

    let packets = 0;
    let capturedBytes = 0;
    let bufFilePos = 24; // file offset of buf[0]
    let have = 0; // valid bytes in buf
    let at = 0; // next record header in buf
    for (;;) {
      // Keep the unread tail, then top the buffer up.
      if (at > 0) {
        buf.copyWithin(0, at, have);
        bufFilePos += at;
        have -= at;
        at = 0;
      }
      const want = Math.min(buf.length - have, limit - (bufFilePos + have));
      const got = want > 0 ? readSync(fd, buf, have, want, bufFilePos + have) : 0;
      // Everything complete was consumed last round, so no new bytes means done.
      if (got === 0) {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        return { packets, capturedBytes, endOffset: bufFilePos, trailingBytes: have, seconds };
      }
      have += got;

      while (at + 16 <= have) {
        const caplen = le
          ? (buf[at + 8]! | (buf[at + 9]! << 8) | (buf[at + 10]! << 16) | (buf[at + 11]! << 24)) >>> 0
          : ((buf[at + 8]! << 24) | (buf[at + 9]! << 16) | (buf[at + 10]! << 8) | buf[at + 11]!) >>> 0;
        const end = at + 16 + caplen;
        if (end > have) {
          // A record larger than the whole buffer: count it and seek past it.
          if (at === 0 && end > buf.length && bufFilePos + end <= limit) {
            packets++;
            capturedBytes += caplen;
            bufFilePos += end;
            have = 0;
          }
          break;
        }
        packets++;
        capturedBytes += caplen;
        at = end;
      }
    }
  } finally {
    closeSync(fd);
  }
}

function isLittleEndianPcap(header: Buffer, path: string): boolean {
  const magic = header.readUInt32LE(0);
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) return true;
  if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) return false;
  throw new Error(`${path}: not a classic pcap file (magic 0x${magic.toString(16)})`);
}
