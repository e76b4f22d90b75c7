// Packet builder: turns a layer list (outermost first) into wire bytes.
//
// Three passes over the layers:
//   1. plan: header size of each layer and the byte span it covers
//      (its header, everything inside it, and its own trailer);
//   2. write every header front to back, with lengths and next-protocol
//      fields taken from the plan and checksum fields zeroed;
//   3. fill checksums inside out, because an outer UDP/GRE checksum covers
//      the inner headers, including their already-final checksums.

import { LINKTYPE } from '../../capture/pcap-writer.js';
import { parseIpv4, parseIpv6, parseMac } from './addr.js';
import { finishChecksum, internetChecksum, pseudoHeaderSumV4, pseudoHeaderSumV6, sum16 } from './checksum.js';
import type {
  EthSpec, GeneveSpec, GreSpec, Icmpv6Spec, IcmpSpec, Ipv4Spec, Ipv6ExtSpec, Ipv6Spec, LayerKind, LayerSpec,
  PacketSpec, PayloadSpec, Sll2Spec, SllSpec, TcpFlags, TcpSpec, UdpSpec, VxlanSpec,
} from './types.js';

export const ETHERTYPE = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  /** Transparent Ethernet Bridging: Ethernet inside GRE / GENEVE. */
  TEB: 0x6558,
  /** IEEE local experimental; used when nothing follows to name. */
  EXPERIMENTAL: 0x88b5,
} as const;

export const IPPROTO = {
  ICMP: 1,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  /** IPv6 fragment extension header. */
  FRAGMENT: 44,
  GRE: 47,
  ICMPV6: 58,
  NONE: 59,
  EXPERIMENTAL: 253,
} as const;

export const UDP_PORT = { VXLAN: 4789, GENEVE: 6081 } as const;

const KINDS: readonly LayerKind[] = [
  'eth', 'sll', 'sll2', 'ipv4', 'ipv6', 'ipv6ext', 'udp', 'tcp', 'icmp', 'icmpv6', 'vxlan', 'gre', 'geneve', 'payload',
];

const DEFAULT_SRC_MAC = new Uint8Array([0x02, 0, 0, 0, 0, 0x01]);
const DEFAULT_DST_MAC = new Uint8Array([0x02, 0, 0, 0, 0, 0x02]);

/** The kind of a layer spec, i.e. its single key. */
export function layerKind(layer: LayerSpec): LayerKind {
  const keys = Object.keys(layer);
  if (keys.length !== 1 || !KINDS.includes(keys[0] as LayerKind)) {
    throw new Error(`a layer needs exactly one key out of ${KINDS.join(', ')}; got {${keys.join(', ')}}`);
  }
  return keys[0] as LayerKind;
}

/** Pcap link type matching the outermost layer. */
export function linkTypeFor(spec: PacketSpec): number {
  const first = spec[0];
  if (!first) throw new Error('empty packet spec');
  switch (layerKind(first)) {
    case 'eth': return LINKTYPE.ETHERNET;
    case 'sll': return LINKTYPE.LINUX_SLL;
    case 'sll2': return LINKTYPE.LINUX_SLL2;
    case 'ipv4':
    case 'ipv6': return LINKTYPE.RAW;
    default: throw new Error(`no link type starts with ${layerKind(first)}`);
  }
}

/** Wire length of the packet the spec describes. */
export function packetLength(spec: PacketSpec): number {
  return plan(spec).total;
}

/** Builds the packet into a fresh buffer. */
export function buildPacket(spec: PacketSpec): Uint8Array {
  const p = plan(spec);
  const out = new Uint8Array(p.total);
  writePlanned(p, out, 0);
  return out;
}

/** Builds the packet into out at offset; returns the number of bytes written. */
export function buildPacketInto(spec: PacketSpec, out: Uint8Array, offset = 0): number {
  const p = plan(spec);
  if (offset + p.total > out.length) {
    throw new RangeError(`packet of ${p.total} bytes does not fit at offset ${offset} of ${out.length}`);
  }
  writePlanned(p, out, offset);
  return p.total;
}

/** TCP flag bits from a number or letters (F S R P A U E C; "." means ACK). */
export function tcpFlags(flags: TcpFlags): number {
  if (typeof flags === 'number') return flags & 0xff;
  let bits = 0;
  for (const c of flags.toUpperCase()) {
    const bit = TCP_FLAG_BITS[c];
    if (bit === undefined) throw new Error(`unknown TCP flag '${c}' in "${flags}"`);
    bits |= bit;
  }
  return bits;
}

const TCP_FLAG_BITS: Record<string, number> = {
  F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, '.': 0x10, U: 0x20, E: 0x40, C: 0x80,
};

/**
 * TCP options laid out as Linux sends them (every option NOP-aligned so the
 * result is a multiple of 4): MSS, SACK-permitted, timestamps, window scale.
 */
export function tcpOptions(o: {
  mss?: number;
  sackPermitted?: boolean;
  timestamp?: readonly [tsval: number, tsecr: number];
  wscale?: number;
}): Uint8Array {
  const bytes: number[] = [];
  if (o.mss !== undefined) bytes.push(2, 4, (o.mss >> 8) & 0xff, o.mss & 0xff);
  if (o.timestamp) {
    // With SACK-permitted, Linux uses its two bytes instead of the NOP pair.
    bytes.push(...(o.sackPermitted ? [4, 2] : [1, 1]), 8, 10, ...be32(o.timestamp[0]), ...be32(o.timestamp[1]));
  } else if (o.sackPermitted) {
    bytes.push(1, 1, 4, 2);
  }
  if (o.wscale !== undefined) bytes.push(1, 3, 3, o.wscale & 0xff);
  return Uint8Array.from(bytes);
}

function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

// ---------------------------------------------------------------- planning

interface Plan {
  kinds: LayerKind[];
  specs: unknown[];
  /** Header bytes of each layer (the whole payload for 'payload'). */
  hdr: number[];
  /** Bytes covered by each layer: header + inner layers + own trailer. */
  span: number[];
  /** Offset of each layer from the packet start. */
  start: number[];
  total: number;
}

function plan(spec: PacketSpec): Plan {
  const n = spec.length;
  if (n === 0) throw new Error('empty packet spec');
  const kinds = spec.map(layerKind);
  const specs = spec.map((layer, i) => (layer as Record<string, unknown>)[kinds[i]!]);
  const payloadAt = kinds.indexOf('payload');
  if (payloadAt !== -1 && payloadAt !== n - 1) throw new Error('payload must be the last layer');

  const hdr = kinds.map((k, i) => headerLength(k, specs[i]));
  const start = new Array<number>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    start[i] = at;
    at += hdr[i]!;
  }
  const span = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    const inner = hdr[i]! + (i + 1 < n ? span[i + 1]! : 0);
    const padTo = kinds[i] === 'eth' ? ((specs[i] as EthSpec).padTo ?? 0) : 0;
    span[i] = Math.max(inner, padTo);
  }
  return { kinds, specs, hdr, span, start, total: span[0]! };
}

function headerLength(kind: LayerKind, s: unknown): number {
  switch (kind) {
    case 'eth': return 14 + 4 * ((s as EthSpec).vlans?.length ?? 0);
    case 'sll': return 16;
    case 'sll2': return 20;
    case 'ipv4': return 20 + optionBytes((s as Ipv4Spec).options, 40, 'IPv4');
    case 'ipv6': return 40;
    case 'ipv6ext': return ipv6ExtLength(s as Ipv6ExtSpec);
    case 'udp': return 8;
    case 'tcp': return 20 + optionBytes((s as TcpSpec).options, 40, 'TCP');
    case 'icmp':
    case 'icmpv6': return 8;
    case 'vxlan': return 8;
    case 'gre': {
      const g = s as GreSpec;
      return 4 + (g.checksum ? 4 : 0) + (g.key !== undefined ? 4 : 0) + (g.seq !== undefined ? 4 : 0);
    }
    case 'geneve': return 8 + optionBytes((s as GeneveSpec).options, 252, 'GENEVE');
    case 'payload': return payloadLength(s as PayloadSpec);
  }
}

function ipv6ExtLength(s: Ipv6ExtSpec): number {
  const data = s.data?.length ?? 6;
  if (s.type === IPPROTO.FRAGMENT && data > 6) throw new Error(`an IPv6 fragment header has 6 bytes after its first two; got ${data}`);
  const length = Math.max(8, Math.ceil((2 + data) / 8) * 8);
  if (length > 2048) throw new Error(`IPv6 extension header data of ${data} bytes does not fit its 8-bit length`);
  return length;
}

function optionBytes(options: Uint8Array | undefined, max: number, what: string): number {
  const len = options?.length ?? 0;
  if (len % 4 !== 0 || len > max) throw new Error(`${what} options must be a multiple of 4 bytes, at most ${max}; got ${len}`);
  return len;
}

function payloadLength(p: PayloadSpec): number {
  const len = typeof p === 'number' ? p : p.length;
  if (!Number.isInteger(len) || len < 0) throw new Error(`bad payload length ${len}`);
  return len;
}

// ----------------------------------------------------------------- writing

function writePlanned(p: Plan, out: Uint8Array, base: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const n = p.kinds.length;
  for (let i = 0; i < n; i++) {
    const at = base + p.start[i]!;
    const next = p.kinds[i + 1];
    const s = p.specs[i];
    switch (p.kinds[i]!) {
      case 'eth': writeEth(out, view, at, s as EthSpec, next); break;
      case 'sll': writeSll(out, view, at, s as SllSpec, next); break;
      case 'sll2': writeSll2(out, view, at, s as Sll2Spec, next); break;
      case 'ipv4': writeIpv4(out, view, at, s as Ipv4Spec, next, p.span[i]!); break;
      case 'ipv6': writeIpv6(out, view, at, s as Ipv6Spec, nextIpProtocol(p, i), p.span[i]!); break;
      case 'ipv6ext': writeIpv6Ext(out, at, s as Ipv6ExtSpec, nextIpProtocol(p, i), p.hdr[i]!); break;
      case 'udp': writeUdp(view, at, s as UdpSpec, next, p.span[i]!); break;
      case 'tcp': writeTcp(out, view, at, s as TcpSpec); break;
      case 'icmp': writeIcmp(view, at, s as IcmpSpec, 8); break;
      case 'icmpv6': writeIcmp(view, at, s as Icmpv6Spec, 128); break;
      case 'vxlan': writeVxlan(view, at, s as VxlanSpec, next); break;
      case 'gre': writeGre(view, at, s as GreSpec, next); break;
      case 'geneve': writeGeneve(out, view, at, s as GeneveSpec, next); break;
      case 'payload': writePayload(out, at, s as PayloadSpec); break;
    }
    // Only Ethernet padding leaves room after the inner layers; zero it, as
    // out may be a reused buffer.
    const innerEnd = at + p.hdr[i]! + (i + 1 < n ? p.span[i + 1]! : 0);
    out.fill(0, innerEnd, at + p.span[i]!);
  }
  for (let i = n - 1; i >= 0; i--) fillChecksum(p, i, out, view, base);
}

function writeEth(out: Uint8Array, view: DataView, at: number, s: EthSpec, next: LayerKind | undefined): void {
  out.set(s.dst === undefined ? DEFAULT_DST_MAC : parseMac(s.dst), at);
  out.set(s.src === undefined ? DEFAULT_SRC_MAC : parseMac(s.src), at + 6);
  let o = at + 12;
  const vlans = s.vlans ?? [];
  vlans.forEach((tag, k) => {
    const tpid = tag.tpid ?? (vlans.length > 1 && k === 0 ? ETHERTYPE.QINQ : ETHERTYPE.VLAN);
    view.setUint16(o, tpid);
    view.setUint16(o + 2, ((tag.pcp ?? 0) & 7) << 13 | (tag.dei ? 0x1000 : 0) | (tag.vid & 0xfff));
    o += 4;
  });
  view.setUint16(o, s.etherType ?? etherTypeOf('Ethernet', next, false));
}

function writeSll(out: Uint8Array, view: DataView, at: number, s: SllSpec, next: LayerKind | undefined): void {
  view.setUint16(at, s.packetType ?? 0);
  view.setUint16(at + 2, s.arphrd ?? 1);
  const addrLen = writeLinkAddr(out, at + 6, s.addr);
  view.setUint16(at + 4, addrLen);
  view.setUint16(at + 14, s.protocol ?? etherTypeOf('SLL', next, false));
}

function writeSll2(out: Uint8Array, view: DataView, at: number, s: Sll2Spec, next: LayerKind | undefined): void {
  view.setUint16(at, s.protocol ?? etherTypeOf('SLL2', next, false));
  view.setUint16(at + 2, 0); // reserved
  view.setUint32(at + 4, s.ifindex ?? 1);
  view.setUint16(at + 8, s.arphrd ?? 1);
  out[at + 10] = s.packetType ?? 0;
  out[at + 11] = writeLinkAddr(out, at + 12, s.addr);
}

// SLL address field: 8 bytes, address left-aligned, rest zero.
function writeLinkAddr(out: Uint8Array, at: number, addr: SllSpec['addr']): number {
  const bytes = addr === undefined ? new Uint8Array(6) : typeof addr === 'string' ? parseMac(addr) : addr;
  if (bytes.length > 8) throw new Error('SLL address longer than 8 bytes');
  out.fill(0, at, at + 8);
  out.set(bytes, at);
  return bytes.length;
}

function writeIpv4(
  out: Uint8Array, view: DataView, at: number, s: Ipv4Spec, next: LayerKind | undefined, span: number,
): void {
  const optLen = s.options?.length ?? 0;
  const fragOffset = s.fragmentOffset ?? 0;
  if (fragOffset % 8 !== 0 || fragOffset > 0x1fff * 8) throw new Error(`bad IPv4 fragment offset ${fragOffset}`);
  out[at] = 0x40 | ((20 + optLen) >> 2);
  out[at + 1] = s.tos ?? 0;
  view.setUint16(at + 2, s.totalLength ?? span);
  view.setUint16(at + 4, s.id ?? 0);
  view.setUint16(at + 6, (s.df ? 0x4000 : 0) | (s.mf ? 0x2000 : 0) | (fragOffset >> 3));
  out[at + 8] = s.ttl ?? 64;
  out[at + 9] = s.protocol ?? ipProtocolOf(next, IPPROTO.EXPERIMENTAL);
  view.setUint16(at + 10, 0);
  out.set(parseIpv4(s.src), at + 12);
  out.set(parseIpv4(s.dst), at + 16);
  if (s.options) out.set(s.options, at + 20);
}

function writeIpv6(
  out: Uint8Array, view: DataView, at: number, s: Ipv6Spec, nextProtocol: number, span: number,
): void {
  const tc = s.trafficClass ?? 0;
  view.setUint32(at, (6 << 28 | (tc & 0xff) << 20 | ((s.flowLabel ?? 0) & 0xfffff)) >>> 0);
  view.setUint16(at + 4, s.payloadLength ?? span - 40);
  out[at + 6] = s.nextHeader ?? nextProtocol;
  out[at + 7] = s.hopLimit ?? 64;
  out.set(parseIpv6(s.src), at + 8);
  out.set(parseIpv6(s.dst), at + 24);
}

function writeIpv6Ext(out: Uint8Array, at: number, s: Ipv6ExtSpec, nextProtocol: number, length: number): void {
  out[at] = s.nextHeader ?? nextProtocol;
  out[at + 1] = s.hdrExtLen ?? (s.type === IPPROTO.FRAGMENT ? 0 : length / 8 - 1);
  out.fill(0, at + 2, at + length);
  out.set(s.data ?? new Uint8Array(6), at + 2);
}

// What an IPv6 header or extension header names as its next header: the following extension
// header's own type, else the protocol of the next layer (59 "no next header" if none).
function nextIpProtocol(p: Plan, i: number): number {
  if (p.kinds[i + 1] === 'ipv6ext') return (p.specs[i + 1] as Ipv6ExtSpec).type;
  return ipProtocolOf(p.kinds[i + 1], IPPROTO.NONE);
}

function writeUdp(view: DataView, at: number, s: UdpSpec, next: LayerKind | undefined, span: number): void {
  const tunnelPort = next === 'vxlan' ? UDP_PORT.VXLAN : next === 'geneve' ? UDP_PORT.GENEVE : undefined;
  view.setUint16(at, s.sport ?? 40000);
  view.setUint16(at + 2, s.dport ?? tunnelPort ?? 40001);
  view.setUint16(at + 4, s.length ?? span);
  view.setUint16(at + 6, 0);
}

function writeTcp(out: Uint8Array, view: DataView, at: number, s: TcpSpec): void {
  const optLen = s.options?.length ?? 0;
  view.setUint16(at, s.sport ?? 40000);
  view.setUint16(at + 2, s.dport ?? 80);
  view.setUint32(at + 4, (s.seq ?? 1) >>> 0);
  view.setUint32(at + 8, (s.ack ?? 1) >>> 0);
  out[at + 12] = ((20 + optLen) >> 2) << 4;
  out[at + 13] = tcpFlags(s.flags ?? 'A');
  view.setUint16(at + 14, s.window ?? 502);
  view.setUint16(at + 16, 0);
  view.setUint16(at + 18, s.urgent ?? 0);
  if (s.options) out.set(s.options, at + 20);
}

function writeIcmp(view: DataView, at: number, s: IcmpSpec | Icmpv6Spec, defaultType: number): void {
  view.setUint8(at, s.type ?? defaultType);
  view.setUint8(at + 1, s.code ?? 0);
  view.setUint16(at + 2, 0);
  view.setUint16(at + 4, s.id ?? 0);
  view.setUint16(at + 6, s.seq ?? 0);
}

function writeVxlan(view: DataView, at: number, s: VxlanSpec, next: LayerKind | undefined): void {
  if (next !== undefined && next !== 'eth' && next !== 'payload') throw new Error(`VXLAN carries Ethernet, not ${next}`);
  // flags(8) reserved(24) | VNI(24) reserved(8)
  view.setUint32(at, ((s.flags ?? 0x08) << 24) >>> 0);
  view.setUint32(at + 4, ((s.vni & 0xffffff) << 8) >>> 0);
}

function writeGre(view: DataView, at: number, s: GreSpec, next: LayerKind | undefined): void {
  const c = s.checksum ? 0x8000 : 0;
  const k = s.key !== undefined ? 0x2000 : 0;
  const sq = s.seq !== undefined ? 0x1000 : 0;
  view.setUint16(at, c | k | sq); // version 0
  view.setUint16(at + 2, s.protocol ?? etherTypeOf('GRE', next, true));
  let o = at + 4;
  if (c) {
    view.setUint32(o, 0); // checksum + reserved1, checksum filled later
    o += 4;
  }
  if (k) {
    view.setUint32(o, s.key! >>> 0);
    o += 4;
  }
  if (sq) view.setUint32(o, s.seq! >>> 0);
}

function writeGeneve(out: Uint8Array, view: DataView, at: number, s: GeneveSpec, next: LayerKind | undefined): void {
  const optLen = s.options?.length ?? 0;
  out[at] = optLen >> 2; // version 0 in the top two bits
  out[at + 1] = (s.oam ? 0x80 : 0) | (s.critical ? 0x40 : 0);
  view.setUint16(at + 2, s.protocol ?? etherTypeOf('GENEVE', next, true));
  view.setUint32(at + 4, ((s.vni & 0xffffff) << 8) >>> 0);
  if (s.options) out.set(s.options, at + 8);
}

function writePayload(out: Uint8Array, at: number, p: PayloadSpec): void {
  if (p instanceof Uint8Array) {
    out.set(p, at);
  } else if (typeof p === 'number') {
    for (let i = 0; i < p; i++) out[at + i] = i & 0xff;
  } else {
    out.fill(p.fill ?? 0, at, at + p.length);
  }
}

// EtherType announcing the next layer.  Ethernet itself has one only inside
// GRE / GENEVE (transparent bridging).
function etherTypeOf(what: string, next: LayerKind | undefined, allowEth: boolean): number {
  switch (next) {
    case 'ipv4': return ETHERTYPE.IPV4;
    case 'ipv6': return ETHERTYPE.IPV6;
    case undefined:
    case 'payload': return ETHERTYPE.EXPERIMENTAL;
    case 'eth': if (allowEth) return ETHERTYPE.TEB;
  }
  throw new Error(`${what} cannot carry ${next} without an explicit protocol/etherType`);
}

function ipProtocolOf(next: LayerKind | undefined, none: number): number {
  switch (next) {
    case 'ipv4': return IPPROTO.IPIP;
    case 'ipv6': return IPPROTO.IPV6;
    case 'udp': return IPPROTO.UDP;
    case 'tcp': return IPPROTO.TCP;
    case 'icmp': return IPPROTO.ICMP;
    case 'icmpv6': return IPPROTO.ICMPV6;
    case 'gre': return IPPROTO.GRE;
    case undefined:
    case 'payload': return none;
    default: throw new Error(`IP cannot carry ${next} without an explicit protocol`);
  }
}

// --------------------------------------------------------------- checksums

function fillChecksum(p: Plan, i: number, out: Uint8Array, view: DataView, base: number): void {
  const kind = p.kinds[i]!;
  const at = base + p.start[i]!;
  const end = at + p.span[i]!;
  switch (kind) {
    case 'ipv4': {
      const s = p.specs[i] as Ipv4Spec;
      view.setUint16(at + 10, s.checksum ?? internetChecksum(out, at, at + p.hdr[i]!));
      return;
    }
    case 'udp': {
      const s = p.specs[i] as UdpSpec;
      let sum = s.checksum;
      if (sum === undefined) {
        sum = finishChecksum(sum16(out, at, end, pseudoSum(p, i, out, base, IPPROTO.UDP)));
        // RFC 768: a computed zero is sent as all ones; zero means "none".
        if (sum === 0) sum = 0xffff;
      }
      view.setUint16(at + 6, sum);
      return;
    }
    case 'tcp': {
      const s = p.specs[i] as TcpSpec;
      view.setUint16(at + 16, s.checksum ?? finishChecksum(sum16(out, at, end, pseudoSum(p, i, out, base, IPPROTO.TCP))));
      return;
    }
    case 'icmp': {
      const s = p.specs[i] as IcmpSpec;
      view.setUint16(at + 2, s.checksum ?? internetChecksum(out, at, end));
      return;
    }
    case 'icmpv6': {
      const s = p.specs[i] as Icmpv6Spec;
      view.setUint16(at + 2, s.checksum ?? finishChecksum(sum16(out, at, end, pseudoSum(p, i, out, base, IPPROTO.ICMPV6))));
      return;
    }
    case 'gre': {
      if ((p.specs[i] as GreSpec).checksum) view.setUint16(at + 4, internetChecksum(out, at, end));
      return;
    }
    default:
      return;
  }
}

// Pseudo-header sum for the transport layer i, from the IP header right
// before it (already written: addresses do not depend on checksums).
function pseudoSum(p: Plan, i: number, out: Uint8Array, base: number, protocol: number): number {
  // Extension headers sit between IPv6 and the transport; the pseudo header is IPv6's (a routing
  // header's final destination is not substituted: the builder keeps the IPv6 destination).
  let ipAt = i - 1;
  while (p.kinds[ipAt] === 'ipv6ext' && ipAt > 0) ipAt--;
  if (ipAt !== i - 1 && p.kinds[ipAt] !== 'ipv6') ipAt = i - 1;
  const ipKind = p.kinds[ipAt];
  const ip = base + (p.start[ipAt] ?? 0);
  const length = p.span[i]!;
  if (ipKind === 'ipv4' && protocol !== IPPROTO.ICMPV6) {
    return pseudoHeaderSumV4(out.subarray(ip + 12, ip + 16), out.subarray(ip + 16, ip + 20), protocol, length);
  }
  if (ipKind === 'ipv6') {
    return pseudoHeaderSumV6(out.subarray(ip + 8, ip + 24), out.subarray(ip + 24, ip + 40), protocol, length);
  }
  throw new Error(`${p.kinds[i]} must directly follow ${protocol === IPPROTO.ICMPV6 ? 'ipv6' : 'ipv4 or ipv6'}`);
}
