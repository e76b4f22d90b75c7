// Minimal pcapng writer (draft-ietf-opsawg-pcapng): one Section Header Block,
// an Interface Description Block per interface, an Enhanced Packet Block per
// packet.  Every block is: type, total length, body padded to 32 bits,
// total length again (so readers can walk backwards too).

import { openSync } from 'node:fs';
import { BufferedSink, DEFAULT_SNAPLEN, type ByteSink, type CaptureWriteError, type RecordWalker } from './pcap-writer.js';

export const PCAPNG_BLOCK = { SHB: 0x0a0d0d0a, IDB: 0x00000001, EPB: 0x00000006 } as const;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_EPB_FLAGS = 2;
const EPB_FIXED_LEN = 32; // 28 bytes of fields + trailing length
/** epb_flags option with its 32-bit value and the end-of-options marker. */
const EPB_FLAGS_OPTION_LEN = 4 + 4 + 4;

/** epb_flags word for a packet direction (draft-ietf-opsawg-pcapng section 4.3.1, bits 0-1). */
export const EPB_FLAGS_INBOUND = 0x1;
export const EPB_FLAGS_OUTBOUND = 0x2;
/** No epb_flags option at all (the default): readers take the direction as not available. */
export const NO_EPB_FLAGS = -1;

export interface PcapngInterface {
  linktype: number;
  /** 0 means no limit.  Default 262144. */
  snaplen?: number;
  /**
   * Raw if_tsresol byte: n means 10^-n seconds, 0x80|n means 2^-n.  Omitted
   * means no option, i.e. the format's default of microseconds.
   */
  tsresol?: number;
  /** if_name option, e.g. "eth0". */
  name?: string;
}

export interface PcapngWriterOptions {
  bigEndian?: boolean;
  /** Batch buffer size in bytes, default 4 MiB. */
  bufferSize?: number;
  /** shb_userappl option. */
  userAppl?: string;
  /** Interfaces to describe right after the section header. */
  interfaces?: PcapngInterface[];
}

interface IfaceState {
  snaplen: number;
  unitsPerSec: number;
}

const textEncoder = new TextEncoder();

export class PcapngWriter {
  readonly bigEndian: boolean;
  private readonly le: boolean;
  private readonly out: BufferedSink;
  private readonly ifaces: IfaceState[] = [];
  private count = 0;

  /** Writer on an open file descriptor or a Writable; writes the SHB (and IDBs). */
  constructor(sink: ByteSink, opts: PcapngWriterOptions = {}, ownsFd = false) {
    this.bigEndian = opts.bigEndian ?? false;
    this.le = !this.bigEndian;
    const le = this.le;
    // Every block starts with its type and total length.
    const walker: RecordWalker = (buf, at) => {
      const view = new DataView(buf.buffer, buf.byteOffset + at, 8);
      return { length: view.getUint32(4, le), packet: view.getUint32(0, le) === PCAPNG_BLOCK.EPB };
    };
    this.out = new BufferedSink(sink, opts.bufferSize, ownsFd, walker);
    this.writeSectionHeader(opts.userAppl);
    for (const iface of opts.interfaces ?? []) this.addInterface(iface);
  }

  static openFile(path: string, opts: PcapngWriterOptions = {}): PcapngWriter {
    return new PcapngWriter(openSync(path, 'w'), opts, true);
  }

  /** Writes an IDB; returns the interface id for writePacket. */
  addInterface(iface: PcapngInterface): number {
    const options: Array<[number, Uint8Array]> = [];
    if (iface.name !== undefined) options.push([OPT_IF_NAME, textEncoder.encode(iface.name)]);
    if (iface.tsresol !== undefined) options.push([OPT_IF_TSRESOL, Uint8Array.of(iface.tsresol)]);
    const optLen = optionsLength(options);
    const total = 20 + optLen;
    const { view, at } = this.begin(PCAPNG_BLOCK.IDB, total);
    view.setUint16(at + 8, iface.linktype, this.le);
    view.setUint16(at + 10, 0, this.le); // reserved
    const snaplen = iface.snaplen ?? DEFAULT_SNAPLEN;
    view.setUint32(at + 12, snaplen, this.le);
    this.writeOptions(at + 16, options);
    this.end(at, total);
    this.ifaces.push({ snaplen, unitsPerSec: unitsPerSecond(iface.tsresol ?? 6) });
    return this.ifaces.length - 1;
  }

  /**
   * Appends an EPB.  tsFrac is in the interface's resolution units (micro-
   * seconds by default, nanoseconds with tsresol 9).  flags, when not
   * NO_EPB_FLAGS, is written as the epb_flags option (EPB_FLAGS_INBOUND ...).
   */
  writePacket(ifaceId: number, data: Uint8Array, tsSec: number, tsFrac = 0, origLen = data.length, flags = NO_EPB_FLAGS): void {
    const iface = this.ifaces[ifaceId];
    if (!iface) throw new RangeError(`no interface ${ifaceId}`);
    if (tsFrac < 0 || tsFrac >= iface.unitsPerSec) throw new RangeError(`sub-second timestamp ${tsFrac} out of range`);
    const whole = tsSec * iface.unitsPerSec;
    if (whole + tsFrac <= Number.MAX_SAFE_INTEGER) {
      const units = whole + tsFrac;
      const high = Math.floor(units / 0x100000000);
      this.writeEpb(ifaceId, iface, data, high, units - high * 0x100000000, origLen, flags);
    } else {
      this.writePacketUnits(ifaceId, data, BigInt(tsSec) * BigInt(iface.unitsPerSec) + BigInt(tsFrac), origLen, flags);
    }
  }

  /** Appends an EPB with the timestamp given directly in interface units. */
  writePacketUnits(ifaceId: number, data: Uint8Array, units: bigint, origLen = data.length, flags = NO_EPB_FLAGS): void {
    const iface = this.ifaces[ifaceId];
    if (!iface) throw new RangeError(`no interface ${ifaceId}`);
    this.writeEpb(ifaceId, iface, data, Number(units >> 32n), Number(units & 0xffffffffn), origLen, flags);
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

  flush(): void {
    this.out.flush();
  }

  close(endStream = true): Promise<void> {
    return this.out.close(endStream);
  }

  closeSync(): void {
    this.out.closeSync();
  }

  private writeEpb(ifaceId: number, iface: IfaceState, data: Uint8Array, high: number, low: number, origLen: number, flags: number): void {
    if (flags !== NO_EPB_FLAGS && !(Number.isInteger(flags) && flags >= 0 && flags <= 0xffffffff)) throw new RangeError(`epb_flags ${flags} is not a 32-bit word`);
    const caplen = iface.snaplen !== 0 && data.length > iface.snaplen ? iface.snaplen : data.length;
    const padded = (caplen + 3) & ~3;
    const optionsLen = flags === NO_EPB_FLAGS ? 0 : EPB_FLAGS_OPTION_LEN;
    const total = EPB_FIXED_LEN + padded + optionsLen;
    const { view, at } = this.begin(PCAPNG_BLOCK.EPB, total);
    const le = this.le;
    view.setUint32(at + 8, ifaceId, le);
    view.setUint32(at + 12, high, le);
    view.setUint32(at + 16, low, le);
    view.setUint32(at + 20, caplen, le);
    view.setUint32(at + 24, origLen > data.length ? origLen : data.length, le);
    const buf = this.out.buf;
    buf.set(caplen === data.length ? data : data.subarray(0, caplen), at + 28);
    buf.fill(0, at + 28 + caplen, at + 28 + padded);
    if (optionsLen !== 0) {
      // Written in place, not through writeOptions: no per-packet arrays.
      const o = at + 28 + padded;
      view.setUint16(o, OPT_EPB_FLAGS, le);
      view.setUint16(o + 2, 4, le);
      view.setUint32(o + 4, flags, le);
      view.setUint32(o + 8, 0, le); // opt_endofopt, length 0
    }
    this.end(at, total);
    this.out.bufferedPackets++;
    this.count++;
  }

  private writeSectionHeader(userAppl: string | undefined): void {
    const options: Array<[number, Uint8Array]> = [];
    if (userAppl !== undefined) options.push([OPT_SHB_USERAPPL, textEncoder.encode(userAppl)]);
    const total = 28 + optionsLength(options);
    const { view, at } = this.begin(PCAPNG_BLOCK.SHB, total);
    view.setUint32(at + 8, PCAPNG_BYTE_ORDER_MAGIC, this.le);
    view.setUint16(at + 12, 1, this.le); // version 1.0
    view.setUint16(at + 14, 0, this.le);
    // Section length -1: not specified, so readers do not try to skip by it.
    view.setUint32(at + 16, 0xffffffff, this.le);
    view.setUint32(at + 20, 0xffffffff, this.le);
    this.writeOptions(at + 24, options);
    this.end(at, total);
  }

  // Reserves a block, writes its type and leading length.
  private begin(type: number, total: number): { view: DataView; at: number } {
    this.out.reserve(total);
    const at = this.out.pos;
    this.out.view.setUint32(at, type, this.le);
    this.out.view.setUint32(at + 4, total, this.le);
    return { view: this.out.view, at };
  }

  // Writes the trailing length and commits the block.
  private end(at: number, total: number): void {
    this.out.view.setUint32(at + total - 4, total, this.le);
    this.out.pos = at + total;
  }

  private writeOptions(at: number, options: Array<[number, Uint8Array]>): void {
    if (options.length === 0) return;
    const view = this.out.view;
    let o = at;
    for (const [code, value] of options) {
      view.setUint16(o, code, this.le);
      view.setUint16(o + 2, value.length, this.le);
      this.out.buf.set(value, o + 4);
      const padded = (value.length + 3) & ~3;
      this.out.buf.fill(0, o + 4 + value.length, o + 4 + padded);
      o += 4 + padded;
    }
    view.setUint16(o, OPT_ENDOFOPT, this.le);
    view.setUint16(o + 2, 0, this.le);
  }
}

// Option bytes including the end-of-options marker (none if no options).
function optionsLength(options: Array<[number, Uint8Array]>): number {
  if (options.length === 0) return 0;
  let len = 4;
  for (const [, value] of options) len += 4 + ((value.length + 3) & ~3);
  return len;
}

function unitsPerSecond(tsresol: number): number {
  const exp = tsresol & 0x7f;
  const units = tsresol & 0x80 ? 2 ** exp : 10 ** exp;
  if (!Number.isSafeInteger(units)) throw new RangeError(`if_tsresol ${tsresol} is finer than this writer supports`);
  return units;
}
