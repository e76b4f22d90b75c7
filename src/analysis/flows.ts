// The flow table: packets aggregated per (capture point, direction, encapsulation, outer src/dst,
// VNI, inner src/dst, protocol, ports). Keys are 22 32-bit words hashed into an open-addressing table of typed
// arrays, so the per-packet cost is a hash and a compare, with no strings and no objects.
import { ipv4, ipv6, type Address } from '../net/address.js';
import { formatMac } from './address.js';
import type { DecodedPacket } from '../decode/packet.js';
import type { Direction } from './capture-points.js';

// Key layout (words):
const K_ENCAP = 0; // tunnel types, 4 bits each, outermost lowest (0 = plain)
const K_KIND = 1; // outer family | inner family << 4 | protocol << 8 | has ports << 16 | has VNI << 17
const K_OUTER_SRC = 2; // 4 words (IPv4 in the first)
const K_OUTER_DST = 6;
const K_VNI = 10; // VNI / key of the outermost tunnel that has one (a 32-bit GRE key may be any value)
const K_INNER_SRC = 11;
const K_INNER_DST = 15;
const K_PORTS = 19; // sport << 16 | dport; for a tunnel with no inner IP, the inner EtherType or KIND_ value
const K_TUNNEL_PORT = 20; // UDP destination port of the outermost UDP tunnel (VXLAN 4789 or 8472...), or 0
const K_POINT = 21; // capture point id << 2 | direction (capture-points.ts); 0 for a one-interface capture
export const KEY_WORDS = 22; // even: the hash reads words in pairs

const EMPTY = -1;

/** A flow as reports see it. */
export interface FlowRecord {
  /** Capture point id (CaptureAnalyzer.points): where the flow's packets were captured. */
  point: number;
  /** Direction at the capture point: 0 unknown, 1 in, 2 out (pcapng epb_flags, SLL packet type). */
  direction: Direction;
  encapsulation: number;
  tunnelCount: number;
  outerFamily: number;
  /** Outer (carrier) addresses of the outermost tunnel, null for a plain packet. */
  outerSrc: Address | null;
  outerDst: Address | null;
  vni: number | null;
  innerFamily: number;
  innerSrc: Address | null;
  innerDst: Address | null;
  /** IP protocol of the inner header; null for a tunnel whose payload is not IP. */
  protocol: number | null;
  /** EtherType (or KIND_ value: STP, PPP control, ...) of a non-IP tunnel payload (ARP in VXLAN), else null. */
  innerEtherType: number | null;
  sport: number | null;
  dport: number | null;
  packets: number;
  bytes: number;
  capturedBytes: number;
  fragments: number;
  malformedPackets: number;
  /** Wrong IPv4 header / tunnel UDP checksums (corruption), and wrong ones explained by TX offload. */
  badChecksums: number;
  checksumOffloadSuspects: number;
  /** TCP SYNs (without ACK) seen: more than one on a flow is a retransmission ladder. */
  synPackets: number;
  /** Largest inner IP packet of the flow (IP total length), 0 when unknown. */
  maxInnerLength: number;
  /** Raw key of the outermost keyed GRE tunnel, from the flow's first packet (NVGRE: VSID and FlowID), or null. */
  key: number | null;
  /** UDP port of the outermost UDP tunnel (VXLAN, GENEVE) it was recognised by, or null. */
  tunnelPort: number | null;
  /** MACs of the Ethernet frame inside the outermost VXLAN (the vxlan.calico devices), or null. */
  vtepMacs: { src: string; dst: string } | null;
  firstPacket: number;
  lastPacket: number;
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;
}

// Per-flow counters, one row of STATS doubles per flow (one array: fewer loads, better locality).
const S_PACKETS = 0;
const S_BYTES = 1;
const S_CAPTURED = 2;
const S_FRAGMENTS = 3;
const S_MALFORMED = 4;
const S_FIRST_PACKET = 5;
const S_LAST_PACKET = 6;
const S_FIRST_SEC = 7;
const S_FIRST_NSEC = 8;
const S_LAST_SEC = 9;
const S_LAST_NSEC = 10;
const S_TUNNELS = 11;
const S_BAD_CHECKSUMS = 12;
const S_OFFLOAD_SUSPECTS = 13;
const S_SYNS = 14; // TCP SYNs without ACK: repeated ones are a retransmission ladder
const S_MAX_INNER_LENGTH = 15; // largest inner IP packet (total length), for tunnel MTU checks
const S_VTEP_DST_MAC = 16; // inner Ethernet MACs of the first VXLAN packet (48 bits in a double), -1 if none
const S_VTEP_SRC_MAC = 17;
const S_GRE_KEY = 18; // raw key of the outermost keyed GRE tunnel of the first packet, -1 if none
const STATS = 19;

export class FlowTable {
  /** Flows beyond this are not tracked individually (memory stays bounded); see `overflowPackets`. */
  readonly maxFlows: number;
  count = 0;
  overflowPackets = 0;
  overflowBytes = 0;

  private capacity = 0;
  private keys = new Uint32Array(0);
  private stats = new Float64Array(0);
  private slots = new Int32Array(0);
  private mask = 0;
  private readonly key = new Uint32Array(KEY_WORDS);

  constructor(maxFlows = 1_000_000) {
    this.maxFlows = maxFlows;
    this.resize(1024);
  }

  /**
   * Adds a decoded packet to its flow. Returns the flow id, or -1 when the packet has no IP
   * header at all (not a flow) or the table is full.
   */
  add(p: DecodedPacket, packetNumber: number, tsSec: number, tsNsec: number, malformed: boolean, pointWord = 0): number {
    if (p.ipCount === 0) return -1;
    const key = this.key;
    const h = fillKey(p, key, pointWord);
    const keys = this.keys;
    const slots = this.slots;
    const mask = this.mask;
    let slot = h & mask;
    let id: number;
    probe: for (;;) {
      id = slots[slot];
      if (id === EMPTY) break;
      const base = id * KEY_WORDS;
      for (let i = 0; i < KEY_WORDS; i++) {
        if (keys[base + i] !== key[i]) {
          slot = (slot + 1) & mask;
          continue probe;
        }
      }
      break;
    }
    if (id === EMPTY) {
      id = this.insert(h, p.tunnelCount, packetNumber, tsSec, tsNsec);
      if (id < 0) {
        this.overflowPackets++;
        this.overflowBytes += p.wireLen;
        return -1;
      }
    }
    const stats = this.stats;
    const s = id * STATS;
    stats[s + S_PACKETS]++;
    stats[s + S_BYTES] += p.wireLen;
    stats[s + S_CAPTURED] += p.caplen;
    if (p.fragment) stats[s + S_FRAGMENTS]++;
    if (malformed) stats[s + S_MALFORMED]++;
    if (p.badChecksums !== 0) stats[s + S_BAD_CHECKSUMS] += p.badChecksums;
    if (p.offloadSuspects !== 0) stats[s + S_OFFLOAD_SUSPECTS] += p.offloadSuspects;
    if (p.tcpFlags >= 0 && (p.tcpFlags & 0x12) === 0x02) stats[s + S_SYNS]++;
    if (p.vxlanInnerEthernet >= 0 && stats[s + S_VTEP_DST_MAC] < 0) {
      stats[s + S_VTEP_DST_MAC] = readMac(p.view, p.vxlanInnerEthernet);
      stats[s + S_VTEP_SRC_MAC] = readMac(p.view, p.vxlanInnerEthernet + 6);
    }
    if (stats[s + S_PACKETS] === 1) stats[s + S_GRE_KEY] = outerGreKey(p);
    const innerLength = innerIpLength(p);
    if (innerLength > stats[s + S_MAX_INNER_LENGTH]) stats[s + S_MAX_INNER_LENGTH] = innerLength;
    stats[s + S_LAST_PACKET] = packetNumber;
    // Captures are mostly in time order, but merged ones are not: keep the true first and last.
    const lastSec = stats[s + S_LAST_SEC];
    if (tsSec > lastSec || (tsSec === lastSec && tsNsec > stats[s + S_LAST_NSEC])) {
      stats[s + S_LAST_SEC] = tsSec;
      stats[s + S_LAST_NSEC] = tsNsec;
    } else {
      const firstSec = stats[s + S_FIRST_SEC];
      if (tsSec < firstSec || (tsSec === firstSec && tsNsec < stats[s + S_FIRST_NSEC])) {
        stats[s + S_FIRST_SEC] = tsSec;
        stats[s + S_FIRST_NSEC] = tsNsec;
      }
    }
    return id;
  }

  /** Starts a new flow with the key in this.key; -1 when the table is full. */
  private insert(h: number, tunnels: number, packetNumber: number, tsSec: number, tsNsec: number): number {
    if (this.count >= this.maxFlows) return -1;
    const id = this.count;
    if (id >= this.capacity) this.resize(this.capacity * 2); // rehashes the flows before this one
    this.count++;
    this.keys.set(this.key, id * KEY_WORDS);
    this.insertSlot(id, h);
    const s = id * STATS;
    this.stats.fill(0, s, s + STATS);
    this.stats[s + S_TUNNELS] = tunnels;
    this.stats[s + S_FIRST_PACKET] = packetNumber;
    this.stats[s + S_FIRST_SEC] = tsSec;
    this.stats[s + S_FIRST_NSEC] = tsNsec;
    this.stats[s + S_LAST_SEC] = tsSec;
    this.stats[s + S_LAST_NSEC] = tsNsec;
    this.stats[s + S_VTEP_DST_MAC] = -1;
    this.stats[s + S_VTEP_SRC_MAC] = -1;
    this.stats[s + S_GRE_KEY] = -1;
    return id;
  }

  private insertSlot(id: number, h: number): void {
    let slot = h & this.mask;
    while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.slots[slot] = id;
  }

  private resize(capacity: number): void {
    const keys = new Uint32Array(capacity * KEY_WORDS);
    keys.set(this.keys.subarray(0, this.count * KEY_WORDS));
    this.keys = keys;
    const stats = new Float64Array(capacity * STATS);
    stats.set(this.stats.subarray(0, this.count * STATS));
    this.stats = stats;
    this.capacity = capacity;
    // Hash slots at twice the capacity keep probe chains short.
    this.slots = new Int32Array(capacity * 2).fill(EMPTY);
    this.mask = capacity * 2 - 1;
    for (let id = 0; id < this.count; id++) this.insertSlot(id, hashKey(this.keys, id * KEY_WORDS));
  }

  /** Materialises one flow for a report. */
  record(id: number): FlowRecord {
    const k = this.keys;
    const b = id * KEY_WORDS;
    const st = this.stats;
    const s = id * STATS;
    const kind = k[b + K_KIND];
    const outerFamily = kind & 0xf;
    const innerFamily = (kind >>> 4) & 0xf;
    const hasPorts = (kind >>> 16) & 1;
    const hasVni = (kind >>> 17) & 1;
    const addr = (family: number, at: number): Address | null =>
      family === 0 ? null : family === 4 ? ipv4(k[b + at]) : ipv6(k[b + at], k[b + at + 1], k[b + at + 2], k[b + at + 3]);
    return {
      point: k[b + K_POINT] >>> 2,
      direction: (k[b + K_POINT] & 3) as Direction,
      encapsulation: k[b + K_ENCAP],
      tunnelCount: st[s + S_TUNNELS],
      outerFamily,
      outerSrc: addr(outerFamily, K_OUTER_SRC),
      outerDst: addr(outerFamily, K_OUTER_DST),
      vni: hasVni ? k[b + K_VNI] : null,
      innerFamily,
      innerSrc: addr(innerFamily, K_INNER_SRC),
      innerDst: addr(innerFamily, K_INNER_DST),
      protocol: innerFamily === 0 ? null : (kind >>> 8) & 0xff,
      innerEtherType: innerFamily === 0 ? k[b + K_PORTS] : null,
      sport: hasPorts ? k[b + K_PORTS] >>> 16 : null,
      dport: hasPorts ? k[b + K_PORTS] & 0xffff : null,
      packets: st[s + S_PACKETS],
      bytes: st[s + S_BYTES],
      capturedBytes: st[s + S_CAPTURED],
      fragments: st[s + S_FRAGMENTS],
      malformedPackets: st[s + S_MALFORMED],
      badChecksums: st[s + S_BAD_CHECKSUMS],
      checksumOffloadSuspects: st[s + S_OFFLOAD_SUSPECTS],
      synPackets: st[s + S_SYNS],
      maxInnerLength: st[s + S_MAX_INNER_LENGTH],
      key: st[s + S_GRE_KEY] < 0 ? null : st[s + S_GRE_KEY],
      tunnelPort: k[b + K_TUNNEL_PORT] === 0 ? null : k[b + K_TUNNEL_PORT],
      vtepMacs: st[s + S_VTEP_DST_MAC] < 0 ? null : { src: formatMac(st[s + S_VTEP_SRC_MAC]), dst: formatMac(st[s + S_VTEP_DST_MAC]) },
      firstPacket: st[s + S_FIRST_PACKET],
      lastPacket: st[s + S_LAST_PACKET],
      firstSec: st[s + S_FIRST_SEC],
      firstNsec: st[s + S_FIRST_NSEC],
      lastSec: st[s + S_LAST_SEC],
      lastNsec: st[s + S_LAST_NSEC],
    };
  }

  /** All flows, in order of their first packet. */
  records(): FlowRecord[] {
    const out: FlowRecord[] = [];
    for (let id = 0; id < this.count; id++) out.push(this.record(id));
    return out;
  }
}

/**
 * Fills the flow key of a decoded packet (which has at least one IP header); returns its hash.
 * `pointWord` is the capture point id << 2 | direction (pointWord() below).
 */
export function fillKey(p: DecodedPacket, key: Uint32Array, pointWord = 0): number {
  const view = p.view;
  let outerFamily = 0;
  let vni = 0;
  let hasVni = 0;
  if (p.tunnelCount > 0) {
    const carrier = p.tunnelIp[0];
    outerFamily = p.ipFamily[carrier];
    putAddresses(view, outerFamily, p.ipOffset[carrier], key, K_OUTER_SRC);
    for (let i = 0; i < p.tunnelCount; i++) {
      if (p.tunnelVni[i] >= 0) {
        vni = p.tunnelVni[i];
        hasVni = 1;
        break;
      }
    }
  } else {
    for (let i = K_OUTER_SRC; i < K_OUTER_SRC + 8; i++) key[i] = 0;
  }
  key[K_ENCAP] = p.encapChain;
  key[K_VNI] = vni;
  key[K_TUNNEL_PORT] = p.tunnelPort < 0 ? 0 : p.tunnelPort;
  key[K_POINT] = pointWord;
  const inner = p.innerIp;
  if (inner >= 0) {
    const family = p.ipFamily[inner];
    const hasPorts = p.sport >= 0 ? 1 : 0;
    key[K_KIND] = outerFamily | (family << 4) | (p.ipProto[inner] << 8) | (hasPorts << 16) | (hasVni << 17);
    putAddresses(view, family, p.ipOffset[inner], key, K_INNER_SRC);
    key[K_PORTS] = hasPorts ? ((p.sport << 16) | p.dport) >>> 0 : 0;
  } else {
    key[K_KIND] = outerFamily | (hasVni << 17);
    for (let i = K_INNER_SRC; i < K_INNER_SRC + 8; i++) key[i] = 0;
    key[K_PORTS] = p.etherType >= 0 ? p.etherType : 0;
  }
  return hashKey(key, 0);
}

/** The flow key word of a capture point and a direction. */
export function pointWord(point: number, direction: Direction): number {
  return ((point << 2) | direction) >>> 0;
}

/** The raw key of the outermost GRE tunnel that has one, or -1. */
function outerGreKey(p: DecodedPacket): number {
  for (let i = 0; i < p.tunnelCount; i++) if (p.tunnelKey[i] >= 0) return p.tunnelKey[i];
  return -1;
}

/** A 48-bit MAC read big-endian into a double (exact below 2^53). */
function readMac(view: DataView, o: number): number {
  return view.getUint16(o, false) * 4294967296 + view.getUint32(o + 2, false);
}

/** Total length of the inner IP packet as its header says (IPv6: payload + 40), or 0. */
function innerIpLength(p: DecodedPacket): number {
  if (p.innerIp < 0) return 0;
  const o = p.ipOffset[p.innerIp];
  const b = p.bytes;
  return p.ipFamily[p.innerIp] === 4 ? (b[o + 2] << 8) | b[o + 3] : ((b[o + 4] << 8) | b[o + 5]) + 40;
}

/** Writes source and destination of the IP header at `o` as 4 words each at key[at], key[at + 4]. */
function putAddresses(view: DataView, family: number, o: number, key: Uint32Array, at: number): void {
  if (family === 4) {
    key[at] = view.getUint32(o + 12, false);
    key[at + 1] = 0;
    key[at + 2] = 0;
    key[at + 3] = 0;
    key[at + 4] = view.getUint32(o + 16, false);
    key[at + 5] = 0;
    key[at + 6] = 0;
    key[at + 7] = 0;
  } else {
    for (let i = 0; i < 8; i++) key[at + i] = view.getUint32(o + 8 + 4 * i, false);
  }
}

/**
 * FNV-1a style over the words in two independent lanes (half the dependency chain of one), then
 * an avalanche so that neighbouring addresses spread over the table.
 */
function hashKey(words: Uint32Array, at: number): number {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < KEY_WORDS; i += 2) {
    a = Math.imul(a ^ words[at + i], 0x01000193);
    b = Math.imul(b ^ words[at + i + 1], 0x01000193);
  }
  let h = a ^ Math.imul(b, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
