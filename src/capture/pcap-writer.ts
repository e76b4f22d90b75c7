// Classic libpcap file writer (the "2.4" format): a 24-byte global header,
// then per packet a 16-byte record header and the captured bytes.
//
// Records are batched into one large reused buffer and flushed with
// fs.writeSync (or handed to a Writable), so writing a packet is a header
// store plus one memcpy.

import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';

/** Link-layer header types (tcpdump.org/linktypes.html). */
export const LINKTYPE = {
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const DEFAULT_SNAPLEN = 262144;
export const DEFAULT_WRITE_BUFFER = 4 * 1024 * 1024;

export interface PcapFormatOptions {
  /** Timestamps in nanoseconds (magic 0xa1b23c4d) instead of microseconds. */
  nanosecond?: boolean;
  /** Write every field big-endian instead of little-endian. */
  bigEndian?: boolean;
}

export interface PcapWriterOptions extends PcapFormatOptions {
  /** Default LINKTYPE.ETHERNET. */
  linktype?: number;
  /** Packets longer than this are truncated (caplen < orig len). Default 262144. */
  snaplen?: number;
  /** Batch buffer size in bytes, default 4 MiB. */
  bufferSize?: number;
}

/** A file descriptor (written with fs.writeSync) or a Node Writable. */
export type ByteSink = number | Writable;

/** Writes the 24-byte global header at target[offset]; returns bytes written. */
export function writePcapHeader(
  target: Uint8Array, offset: number, linktype: number, snaplen = DEFAULT_SNAPLEN, opts: PcapFormatOptions = {},
): number {
  const v = new DataView(target.buffer, target.byteOffset + offset, PCAP_GLOBAL_HEADER_LEN);
  const le = !opts.bigEndian;
  v.setUint32(0, opts.nanosecond ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO, le);
  v.setUint16(4, 2, le); // version 2.4
  v.setUint16(6, 4, le);
  v.setInt32(8, 0, le); // thiszone: always 0 (UTC) in practice
  v.setUint32(12, 0, le); // sigfigs: always 0 in practice
  v.setUint32(16, snaplen, le);
  v.setUint32(20, linktype, le);
  return PCAP_GLOBAL_HEADER_LEN;
}

export function encodePcapHeader(linktype: number, snaplen = DEFAULT_SNAPLEN, opts: PcapFormatOptions = {}): Uint8Array {
  const out = new Uint8Array(PCAP_GLOBAL_HEADER_LEN);
  writePcapHeader(out, 0, linktype, snaplen, opts);
  return out;
}

/**
 * Writes a 16-byte record header into view at offset.  tsFrac is in micro-
 * or nanoseconds, matching the file's magic.
 */
export function writePcapRecordHeader(
  view: DataView, offset: number, tsSec: number, tsFrac: number, caplen: number, origLen: number, littleEndian: boolean,
): void {
  view.setUint32(offset, tsSec, littleEndian);
  view.setUint32(offset + 4, tsFrac, littleEndian);
  view.setUint32(offset + 8, caplen, littleEndian);
  view.setUint32(offset + 12, origLen, littleEndian);
}

/** One record (header + data) as bytes; data is stored whole (no snaplen cut). */
export function encodePcapRecord(
  data: Uint8Array, tsSec: number, tsFrac: number, opts: { origLen?: number; bigEndian?: boolean } = {},
): Uint8Array {
  const out = new Uint8Array(PCAP_RECORD_HEADER_LEN + data.length);
  const view = new DataView(out.buffer);
  writePcapRecordHeader(view, 0, tsSec, tsFrac, data.length, Math.max(opts.origLen ?? data.length, data.length), !opts.bigEndian);
  out.set(data, PCAP_RECORD_HEADER_LEN);
  return out;
}

/** How a format's records lie in the written bytes: the unit (header, record, block) at `at`. */
export type RecordWalker = (buf: Uint8Array, at: number, fileOffset: number) => { length: number; packet: boolean };

/**
 * A write to the capture file failed (disk full, I/O error, ...). The file was cut back to the
 * last whole record, so it stays readable: it holds the first `keptPackets` packets. The writer
 * accepts no more packets.
 */
export class CaptureWriteError extends Error {
  constructor(readonly error: NodeJS.ErrnoException, readonly keptBytes: number, readonly keptPackets: number) {
    super(`${error.code ?? error.message}; the file keeps its first ${keptPackets} packets (${keptBytes} bytes)`);
  }
}

/**
 * Reused output buffer in front of a file descriptor or a Writable.  Shared
 * by the pcap and pcapng writers.  A Writable gets whole batches and no
 * backpressure handling: meant for tests and modest outputs; big files
 * should go to a file descriptor.
 *
 * A flush to a file descriptor that fails part way keeps every whole record that was written
 * and cuts the file back to the end of the last one (never half a record), then throws a
 * CaptureWriteError; so does every later write.
 */
export class BufferedSink {
  buf: Buffer;
  view: DataView;
  pos = 0;
  /** Bytes handed to the sink so far (excluding what is still buffered). */
  flushed = 0;
  /** Packets in the buffer (counted by the writer), and packets handed to the sink. */
  bufferedPackets = 0;
  flushedPackets = 0;
  /** Set once a write failed: the file then ends at failure.keptBytes. */
  failure: CaptureWriteError | null = null;
  private closed = false;

  constructor(
    private readonly sink: ByteSink,
    bufferSize = DEFAULT_WRITE_BUFFER,
    private readonly ownsFd = false,
    private readonly walker?: RecordWalker,
  ) {
    this.buf = Buffer.allocUnsafe(bufferSize);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Makes room for n contiguous bytes at this.pos, flushing (or growing) as needed. */
  reserve(n: number): void {
    if (this.failure) throw this.failure;
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = Buffer.allocUnsafe(n);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
  }

  flush(): void {
    if (this.failure) throw this.failure;
    if (this.pos === 0) return;
    if (typeof this.sink === 'number') {
      let off = 0;
      try {
        while (off < this.pos) off += writeSync(this.sink, this.buf, off, this.pos - off);
      } catch (err) {
        throw this.fail(this.sink, err as NodeJS.ErrnoException, off);
      }
    } else {
      // The stream keeps a reference to what it is given, so hand over this
      // buffer and continue in a fresh one.
      this.sink.write(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(this.buf.length);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
    this.flushed += this.pos;
    this.flushedPackets += this.bufferedPackets;
    this.bufferedPackets = 0;
    this.pos = 0;
  }

  // `written` bytes of the buffer reached the file before the error: keep the whole records
  // among them and cut the file after the last one (a reader would see a torn record otherwise).
  private fail(fd: number, error: NodeJS.ErrnoException, written: number): CaptureWriteError {
    let keep = 0;
    let packets = 0;
    if (this.walker) {
      while (keep < written) {
        const unit = this.walker(this.buf, keep, this.flushed + keep);
        if (unit.length <= 0 || keep + unit.length > written) break;
        keep += unit.length;
        if (unit.packet) packets++;
      }
    }
    if (keep < written) {
      try {
        ftruncateSync(fd, this.flushed + keep);
      } catch {
        // not a regular file (/dev/full): nothing of the torn record can be taken back
      }
    }
    this.failure = new CaptureWriteError(error, this.flushed + keep, this.flushedPackets + packets);
    this.flushed += keep;
    this.flushedPackets += packets;
    this.bufferedPackets = 0;
    this.pos = 0;
    return this.failure;
  }

  /**
   * Flushes; closes a file descriptor the writer opened itself, or ends a
   * Writable (unless endStream is false) and resolves once it has finished.
   * After a failed write it only closes (the failure was thrown already).
   */
  async close(endStream = true): Promise<void> {
    if (this.closed) return;
    if (typeof this.sink === 'number') {
      this.closeSync();
      return;
    }
    this.flush();
    this.closed = true;
    if (!endStream) return;
    const stream = this.sink;
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(() => resolve());
    });
  }

  /** Synchronous close; only for file-descriptor sinks. */
  closeSync(): void {
    if (typeof this.sink !== 'number') throw new Error('closeSync() needs a file descriptor sink; use close()');
    if (this.closed) return;
    try {
      if (!this.failure) this.flush();
    } finally {
      this.closed = true;
      if (this.ownsFd) closeSync(this.sink);
    }
  }
}

export class PcapWriter {
  readonly linktype: number;
  readonly snaplen: number;
  readonly nanosecond: boolean;
  readonly bigEndian: boolean;
  private readonly le: boolean;
  private readonly fracLimit: number;
  private readonly out: BufferedSink;
  private count = 0;

  /** Writer on an open file descriptor or a Writable; writes the global header. */
  constructor(sink: ByteSink, opts: PcapWriterOptions = {}, ownsFd = false) {
    this.linktype = opts.linktype ?? LINKTYPE.ETHERNET;
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    this.nanosecond = opts.nanosecond ?? false;
    this.bigEndian = opts.bigEndian ?? false;
    this.le = !this.bigEndian;
    this.fracLimit = this.nanosecond ? 1e9 : 1e6;
    const le = this.le;
    // The global header, then records of 16 bytes plus their caplen.
    const walker: RecordWalker = (buf, at, fileOffset) =>
      fileOffset === 0
        ? { length: PCAP_GLOBAL_HEADER_LEN, packet: false }
        : { length: PCAP_RECORD_HEADER_LEN + new DataView(buf.buffer, buf.byteOffset + at + 8, 4).getUint32(0, le), packet: true };
    this.out = new BufferedSink(sink, opts.bufferSize, ownsFd, walker);
    this.out.reserve(PCAP_GLOBAL_HEADER_LEN);
    this.out.pos += writePcapHeader(this.out.buf, this.out.pos, this.linktype, this.snaplen, opts);
  }

  /** Creates (truncates) path and writes to it; close() closes the file. */
  static openFile(path: string, opts: PcapWriterOptions = {}): PcapWriter {
    return new PcapWriter(openSync(path, 'w'), opts, true);
  }

  /**
   * Appends one record.  tsFrac is micro- or nanoseconds per the `nanosecond`
   * option; origLen defaults to data.length (set it larger for data that was
   * already truncated).  Data beyond snaplen is cut off.
   */
  writePacket(data: Uint8Array, tsSec: number, tsFrac = 0, origLen = data.length): void {
    if (tsFrac >= this.fracLimit || tsFrac < 0) throw new RangeError(`sub-second timestamp ${tsFrac} out of range`);
    const caplen = data.length < this.snaplen ? data.length : this.snaplen;
    const out = this.out;
    out.reserve(PCAP_RECORD_HEADER_LEN + caplen);
    const at = out.pos;
    writePcapRecordHeader(out.view, at, tsSec, tsFrac, caplen, origLen > data.length ? origLen : data.length, this.le);
    out.buf.set(caplen === data.length ? data : data.subarray(0, caplen), at + PCAP_RECORD_HEADER_LEN);
    out.pos = at + PCAP_RECORD_HEADER_LEN + caplen;
    out.bufferedPackets++;
    this.count++;
  }

  get packets(): number {
    return this.count;
  }

  /** Packets handed to the file (not counting the buffered ones). */
  get packetsFlushed(): number {
    return this.out.flushedPackets;
  }

  /** The failed write, once one failed (the file then holds failure.keptPackets packets). */
  get failure(): CaptureWriteError | null {
    return this.out.failure;
  }

  /** File bytes produced so far, buffered or not. */
  get bytesWritten(): number {
    return this.out.flushed + this.out.pos;
  }

  flush(): void {
    this.out.flush();
  }

  close(endStream = true): Promise<void> {
    return this.out.close(endStream);
  }

  closeSync(): void {
    this.out.closeSync();
  }
}
