// Structure-aware mutations: instead of flipping random bytes, damage the fields a capture
// reader trusts. pcapng: block lengths and their trailing copies, block types, the section
// header's byte order and version, interface link types and snap lengths, the interface id of
// packet blocks, option lists (lengths, if_tsresol, if_tsoffset, a missing end-of-options,
// hostile if_name strings), extra interfaces and sections. Classic pcap: header fields and
// record lengths. A classic pcap is first rewritten as pcapng half the time, so every fixture
// feeds the block mutations.
import {
  BT_EPB, BT_IDB, BT_ISB, BT_NRB, BT_PB, BT_SHB, BT_SPB, BYTE_ORDER_MAGIC, concat, encodeBlock, epb, idb,
  OPT_COMMENT, OPT_IF_NAME, OPT_IF_TSOFFSET, OPT_IF_TSRESOL, pcapToPcapng, shb, splitBlocks, splitPcap,
  type BlockRef, type Option,
} from './blocks.js';

const U32 = [0, 1, 4, 8, 11, 12, 13, 16, 28, 32, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x40000, 0x1000000, 0x1000004, 0x7ffffffc, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff];
const LINKTYPES = [0, 1, 12, 101, 105, 113, 127, 147, 228, 229, 276, 0x7fff, 0xffff, 0x8001];
/** if_tsresol bytes: powers of ten up to and past what fits, powers of two likewise. */
const TSRESOL = [0, 1, 3, 6, 9, 12, 15, 18, 19, 20, 63, 64, 100, 127, 0x80, 0x81, 0x80 | 30, 0x80 | 63, 0x80 | 64, 0x80 | 100, 0xff];
const TSOFFSET = [0n, 1n, -1n, 0x7fffffffffffffffn, -0x8000000000000000n, 1_700_000_000n, -1_700_000_000n, 0xffffffffn];

/** Strings that must never reach a terminal raw: escape sequences, bidi controls, NUL, C1. */
export const HOSTILE_STRINGS = [
  '\x1b[2J\x1b[31mred\x1b[0m', '\x1b]0;title\x07', 'a\u202eevil\u202c', '\u2066x\u2069', 'nul\x00byte', 'cr\rline',
  'new\nline', '\x9b31m', 'bell\x07', 'x'.repeat(70_000), '\ud800', '%s%n{}', '<script>alert(1)</script>',
];

export type StructureMutation =
  | 'to-pcapng' | 'block-length' | 'trailing-length' | 'block-type' | 'shb-byte-order' | 'shb-version' | 'section-length'
  | 'idb-linktype' | 'idb-snaplen' | 'epb-interface' | 'epb-caplen' | 'option-length' | 'if-tsresol' | 'if-tsoffset'
  | 'no-endofopt' | 'hostile-if-name' | 'many-interfaces' | 'second-section' | 'odd-blocks' | 'drop-block'
  | 'pcap-header' | 'pcap-record-length' | 'pcap-timestamp';

const NG_MUTATIONS: StructureMutation[] = [
  'block-length', 'trailing-length', 'block-type', 'shb-byte-order', 'shb-version', 'section-length', 'idb-linktype',
  'idb-snaplen', 'epb-interface', 'epb-caplen', 'option-length', 'if-tsresol', 'if-tsoffset', 'no-endofopt',
  'hostile-if-name', 'many-interfaces', 'second-section', 'odd-blocks', 'drop-block',
];
const PCAP_MUTATIONS: StructureMutation[] = ['pcap-header', 'pcap-record-length', 'pcap-timestamp'];

const text = new TextEncoder();

/** Returns a structurally damaged copy of a pcap or pcapng input (1 to 3 mutations) and what was done. */
export function mutateStructure(input: Uint8Array, random: () => number): { bytes: Uint8Array; applied: StructureMutation[] } {
  const int = (n: number) => Math.floor(random() * Math.max(1, n));
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  let bytes: Uint8Array = Uint8Array.from(input);
  const applied: StructureMutation[] = [];
  if (splitPcap(bytes) && random() < 0.5) {
    const ng = pcapToPcapng(bytes, random() < 0.7, pick(['eth0', 'ens37', 'vxlan.calico', 'tunl0', ...HOSTILE_STRINGS]));
    if (ng) {
      bytes = ng;
      applied.push('to-pcapng');
    }
  }
  const rounds = 1 + int(3);
  for (let r = 0; r < rounds; r++) {
    const blocks = splitBlocks(bytes);
    if (blocks && blocks.length > 0) {
      const m = pick(NG_MUTATIONS);
      applied.push(m);
      bytes = mutateBlocks(bytes, blocks, m, random, int, pick);
    } else if (splitPcap(bytes)) {
      const m = pick(PCAP_MUTATIONS);
      applied.push(m);
      mutatePcap(bytes, m, int, pick);
    }
  }
  return { bytes, applied };
}

function mutateBlocks(
  bytes: Uint8Array, blocks: BlockRef[], m: StructureMutation, random: () => number,
  int: (n: number) => number, pick: <T>(xs: readonly T[]) => T,
): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ofType = (type: number) => blocks.filter((b) => b.type === type);
  const anyOf = (bs: BlockRef[]) => (bs.length > 0 ? pick(bs) : pick(blocks));
  const b = pick(blocks);
  switch (m) {
    case 'block-length': {
      const near = [b.length - 4, b.length + 4, b.length + 1, b.length - 1, b.length * 2];
      view.setUint32(b.offset + 4, pick([...U32, ...near]) >>> 0, b.le);
      return bytes;
    }
    case 'trailing-length':
      view.setUint32(b.offset + b.length - 4, pick([0, b.length + 4, b.length - 4, 0xffffffff]) >>> 0, b.le);
      return bytes;
    case 'block-type':
      view.setUint32(b.offset, pick([0, BT_SHB, BT_IDB, BT_PB, BT_SPB, BT_NRB, BT_ISB, BT_EPB, 7, 0xbad, 0x80000001, 0x40000000, 0x0a0d0a0d]) >>> 0, b.le);
      return bytes;
    case 'shb-byte-order': {
      const s = anyOf(ofType(BT_SHB));
      // The other byte order without swapping the rest, or a magic that is neither.
      view.setUint32(s.offset + 8, pick([BYTE_ORDER_MAGIC, 0x4d3c2b1a, 0, 0xffffffff]), random() < 0.5);
      return bytes;
    }
    case 'shb-version': {
      const s = anyOf(ofType(BT_SHB));
      view.setUint16(s.offset + 12, pick([0, 1, 2, 0xffff]), s.le);
      view.setUint16(s.offset + 14, pick([0, 1, 2, 0xffff]), s.le);
      return bytes;
    }
    case 'section-length': {
      const s = anyOf(ofType(BT_SHB));
      if (s.length >= 28) view.setBigUint64(s.offset + 16, pick([0n, 4n, 0xffffffffffffffffn, 0x7fffffffffffffffn, BigInt(bytes.length)]), s.le);
      return bytes;
    }
    case 'idb-linktype': {
      const i = anyOf(ofType(BT_IDB));
      if (i.type === BT_IDB) view.setUint16(i.offset + 8, pick(LINKTYPES), i.le);
      return bytes;
    }
    case 'idb-snaplen': {
      const i = anyOf(ofType(BT_IDB));
      if (i.type === BT_IDB) view.setUint32(i.offset + 12, pick([0, 1, 14, 60, 0x40000, 0x40001, 0xffffffff]) >>> 0, i.le);
      return bytes;
    }
    case 'epb-interface': {
      const e = anyOf(ofType(BT_EPB));
      if (e.type === BT_EPB) view.setUint32(e.offset + 8, pick([1, 2, 255, 0xffff, 0x7fffffff, 0xffffffff]) >>> 0, e.le);
      return bytes;
    }
    case 'epb-caplen': {
      const e = anyOf(ofType(BT_EPB));
      if (e.type !== BT_EPB) return bytes;
      const caplen = view.getUint32(e.offset + 20, e.le);
      view.setUint32(e.offset + (random() < 0.7 ? 20 : 24), pick([...U32, caplen + 1, caplen + 4, e.length - 32, e.length - 31]) >>> 0, e.le);
      return bytes;
    }
    case 'option-length': {
      const o = firstOption(bytes, view, blocks, int);
      if (o) view.setUint16(o.at + 2, pick([0, 1, 3, 0xff, 0x100, 0x7fff, 0xfff0, 0xffff, o.blockEnd - o.at, o.blockEnd - o.at - 3]), o.le);
      return bytes;
    }
    case 'if-tsresol':
    case 'if-tsoffset':
    case 'no-endofopt':
    case 'hostile-if-name': {
      // Rebuild one interface with the chosen options; it replaces an existing IDB or joins them.
      const i = anyOf(ofType(BT_IDB));
      const le = i.le;
      const linktype = i.type === BT_IDB ? view.getUint16(i.offset + 8, le) : 1;
      const options: Option[] = [];
      if (m === 'hostile-if-name' || random() < 0.3) options.push([OPT_IF_NAME, text.encode(pick(HOSTILE_STRINGS))]);
      if (m === 'if-tsresol' || random() < 0.3) options.push([OPT_IF_TSRESOL, Uint8Array.of(pick(TSRESOL))]);
      if (m === 'if-tsoffset' || random() < 0.3) {
        const v = new Uint8Array(8);
        new DataView(v.buffer).setBigInt64(0, pick(TSOFFSET), le);
        options.push([OPT_IF_TSOFFSET, v]);
      }
      if (random() < 0.2) options.push([OPT_COMMENT, text.encode(pick(HOSTILE_STRINGS))]);
      const replacement = idb(le, linktype, 262144, options, m !== 'no-endofopt');
      return i.type === BT_IDB ? splice(bytes, i.offset, i.length, replacement) : splice(bytes, i.offset + i.length, 0, replacement);
    }
    case 'many-interfaces': {
      // Thousands of interfaces: the per-interface state must stay small or be bounded.
      const le = b.le;
      const n = pick([300, 5000, 40_000]);
      const one = idb(le, pick(LINKTYPES), 262144, [[OPT_IF_NAME, text.encode(`if${n}`)]]);
      const parts = new Array<Uint8Array>(n).fill(one);
      const data = new Uint8Array(60);
      parts.push(epb(le, n - 1, 0, 0, data), epb(le, 0xfffffffe, 0, 0, data));
      return splice(bytes, b.offset + b.length, 0, concat(parts));
    }
    case 'second-section': {
      // A new section mid-file, in either byte order, with or without its own interfaces.
      const le = random() < 0.5;
      const parts = [shb(le, [], pick<[number, number]>([[1, 0], [1, 2], [2, 0]]))];
      if (random() < 0.6) parts.push(idb(le, pick(LINKTYPES), 262144));
      parts.push(epb(le, int(2), 0, 0, new Uint8Array(64)));
      return splice(bytes, b.offset, 0, concat(parts));
    }
    case 'odd-blocks': {
      // Blocks a reader may skip or misread: custom, NRB, ISB, obsolete PB, SPB, an empty body.
      const le = b.le;
      const body = new Uint8Array(int(40));
      for (let k = 0; k < body.length; k++) body[k] = int(256);
      const type = pick([BT_NRB, BT_ISB, BT_PB, BT_SPB, 0x80000001, 0x00000bad, 0x40000bad, 9, 10]);
      return splice(bytes, b.offset + b.length, 0, encodeBlock(type, body, le));
    }
    case 'drop-block':
      return blocks.length > 1 ? splice(bytes, b.offset, b.length, new Uint8Array(0)) : bytes;
    default:
      return bytes;
  }
}

/** An option inside a random SHB/IDB/EPB, found by walking its list. */
function firstOption(bytes: Uint8Array, view: DataView, blocks: BlockRef[], int: (n: number) => number): { at: number; blockEnd: number; le: boolean } | null {
  const candidates: { at: number; blockEnd: number; le: boolean }[] = [];
  for (const b of blocks) {
    let at: number;
    if (b.type === BT_SHB) at = b.offset + 24;
    else if (b.type === BT_IDB) at = b.offset + 16;
    else if (b.type === BT_EPB && b.length >= 32) {
      // caplen can be anything up to 2^32 - 1: padded in plain arithmetic, not 32-bit `& ~3`.
      const caplen = view.getUint32(b.offset + 20, b.le);
      at = b.offset + 28 + caplen + ((4 - (caplen % 4)) % 4);
    }
    else continue;
    const end = Math.min(b.offset + b.length - 4, bytes.length); // a truncated file: the block runs past it
    while (at + 4 <= end) {
      candidates.push({ at, blockEnd: end, le: b.le });
      const len = view.getUint16(at + 2, b.le);
      if (view.getUint16(at, b.le) === 0) break;
      at += 4 + ((len + 3) & ~3);
    }
  }
  return candidates.length > 0 ? candidates[int(candidates.length)]! : null;
}

function mutatePcap(bytes: Uint8Array, m: StructureMutation, int: (n: number) => number, pick: <T>(xs: readonly T[]) => T): void {
  const pcap = splitPcap(bytes)!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = pcap.le;
  switch (m) {
    case 'pcap-header': {
      const field = int(5);
      if (field === 0) view.setUint16(4, pick([0, 1, 2, 3, 0xffff]), le);
      else if (field === 1) view.setUint16(6, pick([0, 3, 4, 5, 0xffff]), le);
      else if (field === 2) view.setUint32(16, pick([0, 1, 14, 60, 0x40000, 0x40001, 0x1000000, 0xffffffff]) >>> 0, le);
      else if (field === 3) view.setUint32(20, (pick(LINKTYPES) | pick([0, 0x10000000, 0x04000000, 0xffff0000])) >>> 0, le);
      else view.setUint32(0, pick([0xa1b2cd34, 0x34cdb2a1, 0xa1b23c4d, 0x4d3cb2a1]), true);
      return;
    }
    case 'pcap-record-length': {
      if (pcap.records.length === 0) return;
      const r = pick(pcap.records);
      view.setUint32(r.offset + (int(3) === 0 ? 12 : 8), pick([...U32, r.caplen + 1, r.caplen - 1, pcap.snaplen + 1]) >>> 0, le);
      return;
    }
    case 'pcap-timestamp': {
      if (pcap.records.length === 0) return;
      const r = pick(pcap.records);
      view.setUint32(r.offset + pick([0, 4]), pick([0, 999_999, 1_000_000, 999_999_999, 1_000_000_000, 0x7fffffff, 0xffffffff]) >>> 0, le);
      return;
    }
    default:
  }
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  return concat([bytes.subarray(0, at), insert, bytes.subarray(at + remove)]);
}
