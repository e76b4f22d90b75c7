// Streaming capture reader: classic pcap (four magics, plus the "modified" variant) and pcapng.
// It hands out one record at a time as a view into its own window buffer (valid until the next
// call to next()), so memory stays flat at any file size and nothing is copied per packet.
// It knows nothing of protocols: link type, timestamps and lengths are all it reads.
//
// Formats: pcap  https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html
//          pcapng https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html
import type { ByteSource } from './source.js';
import { issueId, type IssueSink } from '../issues.js';

/** One capture interface: pcap has exactly one, pcapng one per Interface Description Block. */
export interface CaptureInterface {
  id: number;
  linktype: number;
  snaplen: number;
  name?: string;
  /** Timestamp units per second are 10^tsExponent (tsBase 10) or 2^tsExponent (tsBase 2). */
  tsBase: 2 | 10;
  tsExponent: number;
  /** if_tsoffset: seconds to add to every timestamp. */
  tsOffset: number;
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** Direction of a packet as the capture recorded it (pcapng epb_flags bits 0-1): unknown, in, out. */
export const DIRECTION_UNKNOWN = 0;
export const DIRECTION_IN = 1;
export const DIRECTION_OUT = 2;

/** The input is not a capture this reader can read at all (exit code 2). */
export class CaptureFormatError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

// pcap magics as read little-endian from the first four bytes of the file.
const PCAP_MAGIC_USEC = 0xa1b2c3d4;
const PCAP_MAGIC_NSEC = 0xa1b23c4d;
const PCAP_MAGIC_MODIFIED = 0xa1b2cd34; // Alexey Kuznetzov's patched libpcap: 24-byte records
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const PCAPNG_MAJOR = 1;

/**
 * The versions libpcap opens a pcapng file with (sf-pcapng.c): 1.0, and 1.2, which some programs
 * wrote; 1.1 never existed as a format. tshark 4.0 accepts the same two.
 */
function firstSectionVersionOk(major: number, minor: number): boolean {
  return major === PCAPNG_MAJOR && (minor === 0 || minor === 2);
}

const PCAP_FILE_HEADER_LEN = 24;
const PCAP_RECORD_HEADER_LEN = 16;
const PCAP_MODIFIED_RECORD_HEADER_LEN = 24;

// pcapng block types
const BT_IDB = 0x00000001;
const BT_PB = 0x00000002; // obsolete Packet Block
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;

// pcapng option codes
const OPT_ENDOFOPT = 0;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
/** epb_flags (and the obsolete PB's pack_flags): a 32-bit word, bits 0-1 the direction. */
const OPT_EPB_FLAGS = 2;

/** The largest packet libpcap and Wireshark accept by default (MAXIMUM_SNAPLEN / WTAP_MAX_PACKET_SIZE_STANDARD). */
export const MAX_STANDARD_CAPLEN = 262144;
/** Hard ceiling for any record or block, whatever a header claims: bounds the window buffer. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
const INITIAL_WINDOW = 4 * 1024 * 1024;
const MIN_WINDOW = 64 * 1024;

const ID_PCAP_TRUNCATED = issueId('pcap.truncated_record');
const ID_PCAP_TOO_LARGE = issueId('pcap.record_too_large');
const ID_PCAP_CAPLEN_SNAPLEN = issueId('pcap.caplen_exceeds_snaplen');
const ID_PCAP_CAPLEN_LEN = issueId('pcap.caplen_exceeds_len');
const ID_PCAP_LINKTYPE_RESERVED = issueId('pcap.linktype_reserved_bits');
const ID_NG_TRUNCATED = issueId('pcapng.truncated_block');
const ID_NG_BAD_LENGTH = issueId('pcapng.bad_block_length');
const ID_NG_TOO_LARGE = issueId('pcapng.block_too_large');
const ID_NG_BAD_SHB = issueId('pcapng.bad_section_header');
const ID_NG_BAD_OPTION = issueId('pcapng.bad_option_length');
const ID_NG_BAD_IFACE = issueId('pcapng.bad_interface_id');
const ID_NG_SPB_NO_IFACE = issueId('pcapng.packet_before_interface');
const ID_NG_CAPLEN_BLOCK = issueId('pcapng.caplen_exceeds_block');
const ID_INPUT_ENDED_ON_FAULT = issueId('input.ended_on_fault');

export class CaptureReader {
  // ---- the current record: valid until the next call to next() ----
  /** 1-based packet number, as tcpdump and tshark count. */
  packetNumber = 0;
  /** Offset of the packet's first byte in `bytes`. */
  dataOffset = 0;
  caplen = 0;
  origLen = 0;
  tsSec = 0;
  tsNsec = 0;
  /** Interface id within the current pcapng section (0 for pcap). */
  interfaceId = 0;
  /** Index of the packet's interface in `allInterfaces` (differs from interfaceId after a second section). */
  interfaceIndex = 0;
  linktype = 0;
  /**
   * DIRECTION_IN / DIRECTION_OUT from the pcapng epb_flags option (pack_flags of an obsolete PB),
   * DIRECTION_UNKNOWN when the block has none or says "not available" (pcap, SPB, most writers).
   */
  direction = DIRECTION_UNKNOWN;
  /** File offset of the record (pcap record header / pcapng block) holding the packet. */
  recordOffset = 0;
  /** File offset of the packet's first byte: add a layer's offset inside the packet for error messages. */
  get dataFileOffset(): number {
    return this.fileBase + this.dataOffset;
  }

  /** The window buffer: a plain Uint8Array (not a Buffer) so decoders see one array shape. */
  bytes: Uint8Array;
  view: DataView;
  readonly interfaces: CaptureInterface[] = [];
  /** Every interface seen in the file, across pcapng sections (for reports). */
  readonly allInterfaces: CaptureInterface[] = [];
  /** Set when the read stopped early on a fault (the issue was reported). */
  endedEarly = false;
  /** Total bytes consumed from the (decompressed) input. */
  get bytesRead(): number {
    return this.fileBase + this.pos;
  }

  private pos = 0;
  private end = 0;
  /** File offset of bytes[0]. */
  private fileBase = 0;
  private eof = false;
  private done = false;
  /** Bytes needed from pos before the current record can be parsed. */
  private need = 0;
  /** Bytes of an oversized, uninteresting block still to be discarded, and where that block began. */
  private skip = 0;
  private skipBlockOffset = 0;
  private skipBlockLength = 0;
  private littleEndian = true;
  private pcapRecordHeaderLen = PCAP_RECORD_HEADER_LEN;
  private pcapNanoseconds = false;
  private pcapMaxCaplen = MAX_STANDARD_CAPLEN;
  /** allInterfaces.length when the current pcapng section began: its interface ids start there. */
  private sectionInterfaceBase = 0;

  private constructor(
    private readonly source: ByteSource,
    private readonly sink: IssueSink,
    readonly format: CaptureFormat,
  ) {
    // A small file needs no 4 MiB window; records larger than the window grow it on demand.
    const hint = source.sizeHint ?? INITIAL_WINDOW;
    this.bytes = new Uint8Array(Math.min(INITIAL_WINDOW, Math.max(MIN_WINDOW, hint)));
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** Reads the file header; throws CaptureFormatError when the input is not a capture it can read. */
  static async open(source: ByteSource, sink: IssueSink): Promise<CaptureReader> {
    const probe = Buffer.alloc(PCAP_FILE_HEADER_LEN);
    let got = 0;
    while (got < probe.length) {
      const n = await source.read(probe, got, probe.length - got);
      if (n === 0) break;
      got += n;
    }
    if (got < 4 && source.endFault) throw new CaptureFormatError(`${source.endFault}, before any capture data`, 0);
    if (got === 0) throw new CaptureFormatError('empty file, not a pcap or pcapng capture', 0);
    if (got < 4) throw new CaptureFormatError(`only ${got} bytes, not a pcap or pcapng capture`, 0);
    const magicLE = probe.readUInt32LE(0);
    const magicBE = probe.readUInt32BE(0);
    let format: CaptureFormat;
    if (magicLE === PCAPNG_SHB) format = 'pcapng';
    else if ([PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC, PCAP_MAGIC_MODIFIED].includes(magicLE) || [PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC, PCAP_MAGIC_MODIFIED].includes(magicBE)) format = 'pcap';
    else throw new CaptureFormatError(`not a pcap or pcapng capture (starts with 0x${probe.subarray(0, 4).toString('hex')})`, 0);

    const reader = new CaptureReader(source, sink, format);
    reader.bytes.set(probe.subarray(0, got), 0);
    reader.end = got;
    if (format === 'pcap') reader.readPcapHeader(magicLE, got);
    // pcapng: the first SHB is parsed by next() like any other, but it must be valid.
    else await reader.requireFirstSectionHeader();
    return reader;
  }

  private readPcapHeader(magicLE: number, got: number): void {
    if (got < PCAP_FILE_HEADER_LEN) throw new CaptureFormatError(`pcap file header cut short (${got} of 24 bytes)`, 0);
    const le = magicLE === PCAP_MAGIC_USEC || magicLE === PCAP_MAGIC_NSEC || magicLE === PCAP_MAGIC_MODIFIED;
    this.littleEndian = le;
    const magic = le ? magicLE : this.view.getUint32(0, false);
    this.pcapNanoseconds = magic === PCAP_MAGIC_NSEC;
    if (magic === PCAP_MAGIC_MODIFIED) this.pcapRecordHeaderLen = PCAP_MODIFIED_RECORD_HEADER_LEN;
    const major = this.view.getUint16(4, le);
    const minor = this.view.getUint16(6, le);
    if (major !== 2) throw new CaptureFormatError(`unsupported pcap version ${major}.${minor} (only 2.x exists)`, 4);
    const snaplen = this.view.getUint32(16, le);
    const linkField = this.view.getUint32(20, le);
    // Bits 16-25 are reserved and must be zero; bits 26-31 describe an FCS (draft-ietf-opsawg-pcap section 4).
    if ((linkField & 0x03ff0000) !== 0) {
      this.sink.report(ID_PCAP_LINKTYPE_RESERVED, 0, 20, -1, -1, `link type field 0x${linkField.toString(16).padStart(8, '0')}`);
    }
    const linktype = linkField & 0xffff;
    if (snaplen > MAX_STANDARD_CAPLEN) this.pcapMaxCaplen = Math.min(snaplen, MAX_RECORD_BYTES);
    const iface: CaptureInterface = { id: 0, linktype, snaplen, tsBase: 10, tsExponent: this.pcapNanoseconds ? 9 : 6, tsOffset: 0 };
    this.interfaces.push(iface);
    this.allInterfaces.push(iface);
    this.pos = PCAP_FILE_HEADER_LEN;
  }

  private async requireFirstSectionHeader(): Promise<void> {
    // Make sure the whole first block is buffered, then validate it strictly: a file whose first
    // section header is bad is not a capture we can read (exit 2), unlike a bad block later on.
    while (this.end < 12 && (await this.fillOnce())) {
      /* keep reading */
    }
    if (this.end < 12) throw new CaptureFormatError(`pcapng section header cut short (${this.end} bytes)`, 0);
    const bom = this.view.getUint32(8, true);
    let le: boolean;
    if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
    else if (bom === 0x4d3c2b1a) le = false;
    else throw new CaptureFormatError(`pcapng section header has an unknown byte-order magic 0x${bom.toString(16).padStart(8, '0')}`, 8);
    const blockLen = this.view.getUint32(4, le);
    if (blockLen < 28 || blockLen % 4 !== 0 || blockLen > MAX_RECORD_BYTES) {
      throw new CaptureFormatError(`pcapng section header has a bad block length ${blockLen}`, 4);
    }
    while (this.end < blockLen && (await this.fillOnce())) {
      /* keep reading */
    }
    if (this.end < blockLen) throw new CaptureFormatError(`pcapng section header cut short (${this.end} of ${blockLen} bytes)`, 0);
    const major = this.view.getUint16(12, le);
    const minor = this.view.getUint16(14, le);
    if (!firstSectionVersionOk(major, minor)) throw new CaptureFormatError(`unsupported pcapng version ${major}.${minor}`, 12);
    const trailer = this.view.getUint32(blockLen - 4, le);
    if (trailer !== blockLen) {
      throw new CaptureFormatError(`pcapng section header is damaged: block length ${blockLen} but trailing length ${trailer}`, blockLen - 4);
    }
  }

  /**
   * Advances to the next packet within the buffered window. Returns false when more input is
   * needed (call refill()) or when the capture has ended (refill() then returns false).
   */
  next(): boolean {
    return this.format === 'pcap' ? this.nextPcap() : this.nextPcapng();
  }

  private nextPcap(): boolean {
    const view = this.view;
    const le = this.littleEndian;
    const hdrLen = this.pcapRecordHeaderLen;
    const pos = this.pos;
    if (this.end - pos < hdrLen) {
      this.need = hdrLen;
      return false;
    }
    const caplen = view.getUint32(pos + 8, le);
    if (caplen > this.pcapMaxCaplen) {
      // A pcap file has no framing besides this length: past a wild one nothing can be trusted.
      this.sink.report(ID_PCAP_TOO_LARGE, this.packetNumber + 1, this.fileBase + pos + 8, caplen, this.pcapMaxCaplen,
        `record claims ${caplen} bytes, more than the maximum of ${this.pcapMaxCaplen}`);
      this.stop();
      return false;
    }
    const recordLen = hdrLen + caplen;
    if (this.end - pos < recordLen) {
      this.need = recordLen;
      return false;
    }
    const origLen = view.getUint32(pos + 12, le);
    this.packetNumber++;
    this.recordOffset = this.fileBase + pos;
    this.tsSec = view.getUint32(pos, le);
    const frac = view.getUint32(pos + 4, le);
    this.tsNsec = this.pcapNanoseconds ? frac : frac * 1000;
    this.caplen = caplen;
    this.origLen = origLen;
    this.dataOffset = pos + hdrLen;
    this.interfaceId = 0;
    this.interfaceIndex = 0;
    this.direction = DIRECTION_UNKNOWN;
    this.linktype = this.interfaces[0].linktype;
    if (caplen > this.interfaces[0].snaplen && this.interfaces[0].snaplen !== 0) {
      this.sink.report(ID_PCAP_CAPLEN_SNAPLEN, this.packetNumber, this.recordOffset + 8, caplen, this.interfaces[0].snaplen);
    }
    if (caplen > origLen) this.sink.report(ID_PCAP_CAPLEN_LEN, this.packetNumber, this.recordOffset + 8, caplen, origLen);
    this.pos = pos + recordLen;
    return true;
  }

  private nextPcapng(): boolean {
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.end - this.pos);
        this.pos += n;
        this.skip -= n;
        if (this.skip > 0) {
          this.need = 1;
          return false;
        }
      }
      const pos = this.pos;
      if (this.end - pos < 12) {
        this.need = 12;
        return false;
      }
      const view = this.view;
      const type = view.getUint32(pos, this.littleEndian);
      if (type === PCAPNG_SHB) {
        // The byte order may change with every section: read it before the length.
        const bom = view.getUint32(pos + 8, true);
        if (bom === PCAPNG_BYTE_ORDER_MAGIC) this.littleEndian = true;
        else if (bom === 0x4d3c2b1a) this.littleEndian = false;
        else {
          this.sink.report(ID_NG_BAD_SHB, this.packetNumber + 1, this.fileBase + pos + 8, -1, -1,
            `section header byte-order magic 0x${bom.toString(16).padStart(8, '0')}`);
          this.stop();
          return false;
        }
      }
      const le = this.littleEndian;
      const blockLen = view.getUint32(pos + 4, le);
      if (blockLen < 12 || blockLen % 4 !== 0) {
        this.sink.report(ID_NG_BAD_LENGTH, this.packetNumber + 1, this.fileBase + pos + 4, 12, blockLen, `block length ${blockLen}`);
        this.stop();
        return false;
      }
      const isPacketBlock = type === BT_EPB || type === BT_SPB || type === BT_PB;
      if (blockLen > MAX_RECORD_BYTES) {
        if (isPacketBlock || type === BT_IDB || type === PCAPNG_SHB) {
          this.sink.report(ID_NG_TOO_LARGE, this.packetNumber + 1, this.fileBase + pos + 4, blockLen, MAX_RECORD_BYTES,
            `block of ${blockLen} bytes, more than the maximum of ${MAX_RECORD_BYTES}`);
          this.stop();
          return false;
        }
        // A huge block we would ignore anyway: discard it as it streams by, never buffer it.
        this.skip = blockLen;
        this.skipBlockOffset = this.fileBase + pos;
        this.skipBlockLength = blockLen;
        continue;
      }
      if (this.end - pos < blockLen) {
        this.need = blockLen;
        return false;
      }
      const trailer = view.getUint32(pos + blockLen - 4, le);
      if (trailer !== blockLen) {
        this.sink.report(ID_NG_BAD_LENGTH, this.packetNumber + 1, this.fileBase + pos + blockLen - 4, blockLen, trailer,
          `block length ${blockLen} but trailing length ${trailer}`);
        this.stop();
        return false;
      }
      this.pos = pos + blockLen;
      switch (type) {
        case BT_EPB:
          if (this.takeEnhancedPacket(pos, blockLen)) return true;
          break;
        case BT_SPB:
          if (this.takeSimplePacket(pos, blockLen)) return true;
          break;
        case BT_PB:
          if (this.takeObsoletePacket(pos, blockLen)) return true;
          break;
        case BT_IDB:
          this.readInterfaceDescription(pos, blockLen);
          break;
        case PCAPNG_SHB:
          if (!this.readSectionHeader(pos, blockLen)) return false;
          break;
        default:
          break; // unknown, custom, statistics, name resolution, ...: not needed to find packets
      }
    }
  }

  private readSectionHeader(pos: number, blockLen: number): boolean {
    const le = this.littleEndian;
    if (blockLen < 28) {
      this.sink.report(ID_NG_BAD_LENGTH, this.packetNumber + 1, this.fileBase + pos + 4, 28, blockLen, `section header block length ${blockLen}`);
      this.stop();
      return false;
    }
    // Later sections: libpcap checks the major version only (sf-pcapng.c), and so do we.
    const major = this.view.getUint16(pos + 12, le);
    if (major !== PCAPNG_MAJOR) {
      this.sink.report(ID_NG_BAD_SHB, this.packetNumber + 1, this.fileBase + pos + 12, -1, -1, `pcapng version ${major}.${this.view.getUint16(pos + 14, le)}`);
      this.stop();
      return false;
    }
    this.interfaces.length = 0; // interface ids are per section
    this.sectionInterfaceBase = this.allInterfaces.length;
    this.walkOptions(pos + 24, pos + blockLen - 4, () => {});
    return true;
  }

  private readInterfaceDescription(pos: number, blockLen: number): void {
    const le = this.littleEndian;
    const view = this.view;
    if (blockLen < 20) {
      this.sink.report(ID_NG_BAD_LENGTH, this.packetNumber + 1, this.fileBase + pos + 4, 20, blockLen, `interface block length ${blockLen}`);
      return;
    }
    const iface: CaptureInterface = {
      id: this.interfaces.length,
      linktype: view.getUint16(pos + 8, le),
      snaplen: view.getUint32(pos + 12, le),
      tsBase: 10,
      tsExponent: 6,
      tsOffset: 0,
    };
    this.walkOptions(pos + 16, pos + blockLen - 4, (code, start, len) => {
      if (code === OPT_IF_TSRESOL && len >= 1) {
        const v = this.bytes[start];
        if (v & 0x80) {
          iface.tsBase = 2;
          iface.tsExponent = v & 0x7f;
        } else {
          iface.tsBase = 10;
          iface.tsExponent = v;
        }
      } else if (code === OPT_IF_TSOFFSET && len >= 8) {
        const hi = view.getInt32(le ? start + 4 : start, le);
        const lo = view.getUint32(le ? start : start + 4, le);
        iface.tsOffset = hi * 4294967296 + lo;
      } else if (code === OPT_IF_NAME && len > 0) {
        iface.name = UTF8.decode(this.bytes.subarray(start, start + len)).replace(/\0+$/, '');
      }
    });
    this.interfaces.push(iface);
    this.allInterfaces.push(iface);
  }

  /** Calls visit(code, valueStart, valueLength) per option; stops at opt_endofopt or a length that lies. */
  private walkOptions(start: number, end: number, visit: (code: number, start: number, len: number) => void): void {
    const le = this.littleEndian;
    let p = start;
    while (p + 4 <= end) {
      const code = this.view.getUint16(p, le);
      const len = this.view.getUint16(p + 2, le);
      if (code === OPT_ENDOFOPT) return;
      const padded = (len + 3) & ~3;
      if (p + 4 + padded > end) {
        this.sink.report(ID_NG_BAD_OPTION, this.packetNumber + 1, this.fileBase + p + 2, len, end - p - 4,
          `option ${code} of length ${len} runs past the end of its block`);
        return;
      }
      visit(code, p + 4, len);
      p += 4 + padded;
    }
  }

  private takeEnhancedPacket(pos: number, blockLen: number): boolean {
    const le = this.littleEndian;
    const view = this.view;
    if (blockLen < 32) {
      this.sink.report(ID_NG_BAD_LENGTH, this.packetNumber + 1, this.fileBase + pos + 4, 32, blockLen, `packet block length ${blockLen}`);
      return false;
    }
    const ifaceId = view.getUint32(pos + 8, le);
    const caplen = view.getUint32(pos + 20, le);
    if (!this.takePacket(pos, ifaceId, view.getUint32(pos + 12, le), view.getUint32(pos + 16, le), caplen, view.getUint32(pos + 24, le), pos + 28, blockLen - 32)) return false;
    this.direction = this.packetFlagsDirection(pos + 28 + ((caplen + 3) & ~3), pos + blockLen - 4);
    return true;
  }

  private takeObsoletePacket(pos: number, blockLen: number): boolean {
    const le = this.littleEndian;
    const view = this.view;
    if (blockLen < 32) {
      this.sink.report(ID_NG_BAD_LENGTH, this.packetNumber + 1, this.fileBase + pos + 4, 32, blockLen, `packet block length ${blockLen}`);
      return false;
    }
    const ifaceId = view.getUint16(pos + 8, le);
    const caplen = view.getUint32(pos + 20, le);
    if (!this.takePacket(pos, ifaceId, view.getUint32(pos + 12, le), view.getUint32(pos + 16, le), caplen, view.getUint32(pos + 24, le), pos + 28, blockLen - 32)) return false;
    this.direction = this.packetFlagsDirection(pos + 28 + ((caplen + 3) & ~3), pos + blockLen - 4);
    return true;
  }

  /**
   * The direction bits of the epb_flags option among the options in [start, end) of a packet
   * block (draft-ietf-opsawg-pcapng section 4.3.1: bits 0-1, 00 not available, 01 inbound,
   * 10 outbound; 11 is not defined and read as unknown: Wireshark's wiretap/wtap.h names only
   * PACK_FLAGS_DIRECTION_UNKNOWN/INBOUND/OUTBOUND). Most blocks carry no options at all: then
   * this is one comparison. No closure, no allocation.
   */
  private packetFlagsDirection(start: number, end: number): number {
    if (start >= end) return DIRECTION_UNKNOWN;
    const view = this.view;
    const le = this.littleEndian;
    let p = start;
    while (p + 4 <= end) {
      const code = view.getUint16(p, le);
      const len = view.getUint16(p + 2, le);
      if (code === OPT_ENDOFOPT) break;
      const padded = (len + 3) & ~3;
      if (p + 4 + padded > end) {
        this.sink.report(ID_NG_BAD_OPTION, this.packetNumber, this.fileBase + p + 2, len, end - p - 4,
          `option ${code} of length ${len} runs past the end of its block`);
        break;
      }
      if (code === OPT_EPB_FLAGS && len === 4) {
        const bits = view.getUint32(p + 4, le) & 3;
        return bits === 3 ? DIRECTION_UNKNOWN : bits;
      }
      p += 4 + padded;
    }
    return DIRECTION_UNKNOWN;
  }

  private takeSimplePacket(pos: number, blockLen: number): boolean {
    if (this.interfaces.length === 0) {
      this.sink.report(ID_NG_SPB_NO_IFACE, this.packetNumber + 1, this.fileBase + pos, -1, -1);
      return false;
    }
    const origLen = this.view.getUint32(pos + 8, this.littleEndian);
    const room = blockLen - 16;
    const snaplen = this.interfaces[0].snaplen;
    // The SPB has no captured length: it is the original length, cut by the snaplen and the block.
    let caplen = Math.min(origLen, room);
    if (snaplen !== 0) caplen = Math.min(caplen, snaplen);
    this.packetNumber++;
    this.recordOffset = this.fileBase + pos;
    this.interfaceId = 0;
    this.interfaceIndex = this.sectionInterfaceBase;
    this.direction = DIRECTION_UNKNOWN; // an SPB has no options
    this.linktype = this.interfaces[0].linktype;
    this.caplen = caplen;
    this.origLen = origLen;
    this.dataOffset = pos + 12;
    this.tsSec = 0; // an SPB carries no timestamp
    this.tsNsec = 0;
    return true;
  }

  private takePacket(pos: number, ifaceId: number, tsHigh: number, tsLow: number, caplen: number, origLen: number, dataPos: number, room: number): boolean {
    const packetNumber = this.packetNumber + 1;
    if (ifaceId >= this.interfaces.length) {
      this.packetNumber = packetNumber; // still a packet of the file: keep numbering aligned with tshark
      this.sink.report(ID_NG_BAD_IFACE, packetNumber, this.fileBase + pos + 8, this.interfaces.length, ifaceId,
        `interface id ${ifaceId} but ${this.interfaces.length} interface(s) declared`);
      return false;
    }
    if (caplen > room) {
      this.packetNumber = packetNumber;
      this.sink.report(ID_NG_CAPLEN_BLOCK, packetNumber, this.fileBase + pos + 20, caplen, room);
      return false;
    }
    const iface = this.interfaces[ifaceId];
    this.packetNumber = packetNumber;
    this.recordOffset = this.fileBase + pos;
    this.interfaceId = iface.id;
    this.interfaceIndex = this.sectionInterfaceBase + ifaceId;
    this.linktype = iface.linktype;
    this.caplen = caplen;
    this.origLen = origLen;
    this.dataOffset = dataPos;
    this.setTimestamp(iface, tsHigh, tsLow);
    return true;
  }

  /** Splits a 64-bit pcapng timestamp into seconds and nanoseconds exactly, without BigInt. */
  private setTimestamp(iface: CaptureInterface, high: number, low: number): void {
    const exp = iface.tsExponent;
    if (iface.tsBase === 10 && exp <= 9) {
      const unitsPerSec = POW10[exp];
      const nsPerUnit = POW10[9 - exp];
      if (high < 0x200000) {
        // Below 2^53 a double holds the value exactly.
        const v = high * 4294967296 + low;
        const sec = Math.floor(v / unitsPerSec);
        this.tsSec = sec + iface.tsOffset;
        this.tsNsec = (v - sec * unitsPerSec) * nsPerUnit;
        return;
      }
      const rem = divide64(high, low, unitsPerSec);
      this.tsSec = quotient + iface.tsOffset;
      this.tsNsec = rem * nsPerUnit;
      return;
    }
    // Binary fractions (2^-k) and exotic decimal resolutions: doubles are close enough.
    const units = iface.tsBase === 2 ? Math.pow(2, exp) : Math.pow(10, exp);
    const v = high * 4294967296 + low;
    const sec = Math.floor(v / units);
    this.tsSec = sec + iface.tsOffset;
    this.tsNsec = Math.min(999999999, Math.round(((v - sec * units) / units) * 1e9));
  }

  /**
   * Makes room and reads more input. Returns false once the capture has ended; a record cut
   * short at the end of the input is reported as truncated, and everything before it is kept.
   */
  async refill(): Promise<boolean> {
    if (this.done) return false;
    if (this.eof) {
      this.finishAtEof();
      return false;
    }
    if (this.pos > 0) {
      this.bytes.copyWithin(0, this.pos, this.end);
      this.fileBase += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    if (this.need > this.bytes.length) this.grow(this.need);
    const n = await this.source.read(this.bytes, this.end, this.bytes.length - this.end);
    if (n === 0) {
      this.eof = true;
      this.finishAtEof();
      return false;
    }
    this.end += n;
    return true;
  }

  private async fillOnce(): Promise<boolean> {
    const n = await this.source.read(this.bytes, this.end, this.bytes.length - this.end);
    this.end += n;
    return n > 0;
  }

  private finishAtEof(): void {
    if (this.done) return;
    this.done = true;
    // Stopped by the user (Ctrl-C): a record the stop cut is not a fault of the input.
    if (this.source.interrupted) return;
    const fault = this.source.endFault;
    if (fault) {
      // The input itself ended on a fault (gzip cut short, read error): say so, with where the
      // capture stopped, whether or not that was inside a record.
      const left = this.end - this.pos;
      this.sink.report(ID_INPUT_ENDED_ON_FAULT, this.packetNumber + 1, this.fileBase + this.pos, -1, -1,
        left > 0 ? `${fault}; it ends ${left} byte(s) into a ${this.format === 'pcap' ? 'record' : 'block'}` : fault);
      this.endedEarly = true;
      return;
    }
    if (this.skip > 0) {
      const into = this.skipBlockLength - this.skip;
      this.sink.report(ID_NG_TRUNCATED, this.packetNumber + 1, this.skipBlockOffset, this.skipBlockLength, into,
        `the file ends ${into} byte(s) into a block of ${this.skipBlockLength}`);
      this.endedEarly = true;
      return;
    }
    const left = this.end - this.pos;
    if (left > 0) {
      const id = this.format === 'pcap' ? ID_PCAP_TRUNCATED : ID_NG_TRUNCATED;
      this.sink.report(id, this.packetNumber + 1, this.fileBase + this.pos, this.need, left,
        `the file ends ${left} byte(s) into a ${this.format === 'pcap' ? 'record' : 'block'} of ${this.need}`);
      this.endedEarly = true;
    }
  }

  private grow(min: number): void {
    let size = this.bytes.length;
    while (size < min) size *= 2;
    size = Math.min(size, MAX_RECORD_BYTES + 64);
    const bigger = new Uint8Array(size);
    bigger.set(this.bytes.subarray(0, this.end), 0);
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
  }

  private stop(): void {
    this.done = true;
    this.endedEarly = true;
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

const UTF8 = new TextDecoder();
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

let quotient = 0;
/**
 * Divides the unsigned 64-bit value high:low by d (< 2^31) using 16-bit limbs so every step is
 * exact in a double; sets `quotient` and returns the remainder.
 */
function divide64(high: number, low: number, d: number): number {
  const limbs = [high >>> 16, high & 0xffff, low >>> 16, low & 0xffff];
  let rem = 0;
  let q = 0;
  for (const limb of limbs) {
    const cur = rem * 65536 + limb;
    const digit = Math.floor(cur / d);
    rem = cur - digit * d;
    q = q * 65536 + digit;
  }
  quotient = q;
  return rem;
}
