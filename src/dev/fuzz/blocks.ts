// Capture containers at the byte level, for the fuzzer: encode pcapng blocks with any options
// (lying or not), split a file into its blocks or records, and turn a classic pcap into pcapng
// so that the block mutations have material from every fixture. Deliberately independent of
// src/capture: the fuzzer must be able to write what the real writers never would.

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_PB = 0x00000002;
export const BT_SPB = 0x00000003;
export const BT_NRB = 0x00000004;
export const BT_ISB = 0x00000005;
export const BT_EPB = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const OPT_IF_NAME = 2;
export const OPT_IF_TSRESOL = 9;
export const OPT_IF_TSOFFSET = 14;

export type Option = [code: number, value: Uint8Array];

const pad4 = (n: number) => (n + 3) & ~3;

/** Option list bytes; `endOfOpt` false leaves the list running to the end of the block. */
export function encodeOptions(options: readonly Option[], le: boolean, endOfOpt = true): Uint8Array {
  let size = endOfOpt && options.length > 0 ? 4 : 0;
  for (const [, v] of options) size += 4 + pad4(v.length);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [code, v] of options) {
    view.setUint16(at, code, le);
    view.setUint16(at + 2, v.length, le);
    out.set(v, at + 4);
    at += 4 + pad4(v.length);
  }
  return out; // the end-of-options option is 4 zero bytes, already there
}

/** One block: type, total length, body padded to 32 bits, total length again. */
export function encodeBlock(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const total = 12 + pad4(body.length);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, type >>> 0, le);
  view.setUint32(4, total, le);
  out.set(body, 8);
  view.setUint32(total - 4, total, le);
  return out;
}

export function shb(le: boolean, options: readonly Option[] = [], version: [number, number] = [1, 0]): Uint8Array {
  const opts = encodeOptions(options, le);
  const body = new Uint8Array(16 + opts.length);
  const view = new DataView(body.buffer);
  view.setUint32(0, BYTE_ORDER_MAGIC, le);
  view.setUint16(4, version[0], le);
  view.setUint16(6, version[1], le);
  view.setBigInt64(8, -1n, le); // section length unknown
  body.set(opts, 16);
  return encodeBlock(BT_SHB, body, le);
}

export function idb(le: boolean, linktype: number, snaplen: number, options: readonly Option[] = [], endOfOpt = true): Uint8Array {
  const opts = encodeOptions(options, le, endOfOpt);
  const body = new Uint8Array(8 + opts.length);
  const view = new DataView(body.buffer);
  view.setUint16(0, linktype, le);
  view.setUint32(4, snaplen >>> 0, le);
  body.set(opts, 8);
  return encodeBlock(BT_IDB, body, le);
}

export function epb(le: boolean, iface: number, tsHigh: number, tsLow: number, data: Uint8Array, origLen = data.length, options: readonly Option[] = []): Uint8Array {
  const opts = encodeOptions(options, le);
  const body = new Uint8Array(20 + pad4(data.length) + opts.length);
  const view = new DataView(body.buffer);
  view.setUint32(0, iface >>> 0, le);
  view.setUint32(4, tsHigh >>> 0, le);
  view.setUint32(8, tsLow >>> 0, le);
  view.setUint32(12, data.length, le);
  view.setUint32(16, origLen >>> 0, le);
  body.set(data, 20);
  body.set(opts, 20 + pad4(data.length));
  return encodeBlock(BT_EPB, body, le);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface BlockRef {
  offset: number;
  type: number;
  length: number;
  /** Byte order of the section the block is in. */
  le: boolean;
}

/** The blocks of a pcapng file as far as their lengths hold up; null if it does not start with an SHB. */
export function splitBlocks(bytes: Uint8Array): BlockRef[] | null {
  if (bytes.length < 12) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== BT_SHB) return null;
  const blocks: BlockRef[] = [];
  let le = true;
  let at = 0;
  while (at + 12 <= bytes.length) {
    const type = view.getUint32(at, le);
    if (type === BT_SHB) le = view.getUint32(at + 8, true) === BYTE_ORDER_MAGIC;
    const length = view.getUint32(at + 4, le);
    if (length < 12 || length % 4 !== 0 || at + length > bytes.length) break;
    blocks.push({ offset: at, type: view.getUint32(at, le), length, le });
    at += length;
  }
  return blocks;
}

export interface PcapRecords {
  le: boolean;
  nano: boolean;
  linktype: number;
  snaplen: number;
  /** Offset of each record header; records whose header or data do not fit are left out. */
  records: { offset: number; caplen: number; origLen: number; sec: number; frac: number }[];
}

/** The records of a classic pcap file (standard magics only); null for anything else. */
export function splitPcap(bytes: Uint8Array): PcapRecords | null {
  if (bytes.length < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLe = view.getUint32(0, true);
  const magicBe = view.getUint32(0, false);
  const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
  if (!le && magicBe !== 0xa1b2c3d4 && magicBe !== 0xa1b23c4d) return null;
  const nano = (le ? magicLe : magicBe) === 0xa1b23c4d;
  const out: PcapRecords = { le, nano, linktype: view.getUint32(20, le) & 0xffff, snaplen: view.getUint32(16, le), records: [] };
  let at = 24;
  while (at + 16 <= bytes.length) {
    const caplen = view.getUint32(at + 8, le);
    if (at + 16 + caplen > bytes.length) break;
    out.records.push({ offset: at, caplen, origLen: view.getUint32(at + 12, le), sec: view.getUint32(at, le), frac: view.getUint32(at + 4, le) });
    at += 16 + caplen;
  }
  return out;
}

/** The same packets as pcapng (one interface, nanosecond resolution when the pcap had it). */
export function pcapToPcapng(bytes: Uint8Array, le: boolean, ifName = 'eth0'): Uint8Array | null {
  const pcap = splitPcap(bytes);
  if (!pcap) return null;
  const options: Option[] = [[OPT_IF_NAME, new TextEncoder().encode(ifName)]];
  if (pcap.nano) options.push([OPT_IF_TSRESOL, Uint8Array.of(9)]);
  const parts = [shb(le), idb(le, pcap.linktype, pcap.snaplen, options)];
  const unit = pcap.nano ? 1_000_000_000 : 1_000_000;
  for (const r of pcap.records) {
    const ts = BigInt(r.sec) * BigInt(unit) + BigInt(r.frac);
    const data = bytes.subarray(r.offset + 16, r.offset + 16 + r.caplen);
    parts.push(epb(le, 0, Number(ts >> 32n), Number(ts & 0xffffffffn), data, r.origLen));
  }
  return concat(parts);
}

/** A classic pcap file around ready packets. */
export function pcapFile(linktype: number, packets: readonly Uint8Array[], opts: { le?: boolean; nano?: boolean; snaplen?: number } = {}): Uint8Array {
  const le = opts.le ?? true;
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  hv.setUint16(4, 2, le);
  hv.setUint16(6, 4, le);
  hv.setUint32(16, opts.snaplen ?? 262144, le);
  hv.setUint32(20, linktype, le);
  parts.push(header);
  packets.forEach((data, i) => {
    const rec = new Uint8Array(16);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, 1_700_000_000 + i, le);
    rv.setUint32(8, data.length, le);
    rv.setUint32(12, data.length, le);
    parts.push(rec, data);
  });
  return concat(parts);
}
