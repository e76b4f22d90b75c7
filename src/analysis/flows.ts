// The flow table: packets aggregated per (encapsulation, outer src/dst, VNI, inner src/dst,
// protocol, ports). Keys are 20 32-bit words hashed into an open-addressing table of typed
// arrays, so the per-packet cost is a hash and a compare, with no strings and no objects.
import { formatAddressWords } from './address.js';
import type { DecodedPacket } from '../decode/packet.js';

// Key layout (words):
const K_ENCAP = 0; // tunnel types, 4 bits each, outermost lowest (0 = plain)
const K_KIND = 1; // outer family | inner family << 4 | protocol << 8 | has ports << 16
const K_OUTER_SRC = 2; // 4 words (IPv4 in the first)
const K_OUTER_DST = 6;
const K_VNI = 10; // VNI / key of the outermost tunnel that has one, 0xffffffff for none
const K_INNER_SRC = 11;
const K_INNER_DST = 15;
const K_PORTS = 19; // sport << 16 | dport; for a tunnel with no inner IP, the inner EtherType
export const KEY_WORDS = 20;

const NO_VNI = 0xffffffff;
const EMPTY = -1;

/** A flow as reports see it. */
export interface FlowRecord {
  encapsulation: number;
  tunnelCount: number;
  outerFamily: number;
  outerSrc: string | null;
  outerDst: string | null;
  vni: number | null;
  innerFamily: number;
  innerSrc: string | null;
  innerDst: string | null;
  /** IP protocol of the inner header; null for a tunnel whose payload is not IP. */
  protocol: number | null;
  /** EtherType of a non-IP tunnel payload (ARP in VXLAN), else null. */
  innerEtherType: number | null;
  sport: number | null;
  dport: number | null;
  packets: number;
  bytes: number;
  capturedBytes: number;
  fragments: number;
  malformedPackets: number;
  firstPacket: number;
  lastPacket: number;
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;
}

export class FlowTable {
  /** Flows beyond this are not tracked individually (memory stays bounded); see `overflowPackets`. */
  readonly maxFlows: number;
  count = 0;
  overflowPackets = 0;
  overflowBytes = 0;

  private capacity = 0;
  private keys = new Uint32Array(0);
  private slots = new Int32Array(0);
  private mask = 0;
  private packets = new Float64Array(0);
  private bytes = new Float64Array(0);
  private capturedBytes = new Float64Array(0);
  private fragments = new Uint32Array(0);
  private malformed = new Uint32Array(0);
  private firstPacket = new Float64Array(0);
  private lastPacket = new Float64Array(0);
  private firstSec = new Float64Array(0);
  private firstNsec = new Uint32Array(0);
  private lastSec = new Float64Array(0);
  private lastNsec = new Uint32Array(0);
  private tunnelCounts = new Uint8Array(0);
  private readonly key = new Uint32Array(KEY_WORDS);

  constructor(maxFlows = 1_000_000) {
    this.maxFlows = maxFlows;
    this.resize(1024);
  }

  /**
   * Adds a decoded packet to its flow. Returns the flow id, or -1 when the packet has no IP
   * header at all (not a flow) or the table is full.
   */
  add(p: DecodedPacket, packetNumber: number, tsSec: number, tsNsec: number, malformed: boolean): number {
    if (p.ipCount === 0) return -1;
    const key = this.key;
    const h = fillKey(p, key);
    const mask = this.mask;
    let slot = h & mask;
    let id: number;
    for (;;) {
      id = this.slots[slot];
      if (id === EMPTY) break;
      if (this.sameKey(id, key)) break;
      slot = (slot + 1) & mask;
    }
    if (id === EMPTY) {
      if (this.count >= this.maxFlows) {
        this.overflowPackets++;
        this.overflowBytes += p.wireLen;
        return -1;
      }
      id = this.count;
      if (id >= this.capacity) this.resize(this.capacity * 2); // rehashes the flows before this one
      this.count++;
      this.keys.set(key, id * KEY_WORDS);
      this.insertSlot(id, h);
      this.tunnelCounts[id] = p.tunnelCount;
      this.firstPacket[id] = packetNumber;
      this.firstSec[id] = tsSec;
      this.firstNsec[id] = tsNsec;
      this.packets[id] = 0;
      this.bytes[id] = 0;
      this.capturedBytes[id] = 0;
      this.fragments[id] = 0;
      this.malformed[id] = 0;
      this.lastSec[id] = tsSec;
      this.lastNsec[id] = tsNsec;
    }
    this.packets[id]++;
    this.bytes[id] += p.wireLen;
    this.capturedBytes[id] += p.caplen;
    if (p.fragment) this.fragments[id]++;
    if (malformed) this.malformed[id]++;
    this.lastPacket[id] = packetNumber;
    // Captures are mostly in time order, but merged ones are not: keep the true first and last.
    if (tsSec > this.lastSec[id] || (tsSec === this.lastSec[id] && tsNsec > this.lastNsec[id])) {
      this.lastSec[id] = tsSec;
      this.lastNsec[id] = tsNsec;
    }
    if (tsSec < this.firstSec[id] || (tsSec === this.firstSec[id] && tsNsec < this.firstNsec[id])) {
      this.firstSec[id] = tsSec;
      this.firstNsec[id] = tsNsec;
    }
    return id;
  }

  private sameKey(id: number, key: Uint32Array): boolean {
    const keys = this.keys;
    const base = id * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) if (keys[base + i] !== key[i]) return false;
    return true;
  }

  private insertSlot(id: number, h: number): void {
    let slot = h & this.mask;
    while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.slots[slot] = id;
  }

  private resize(capacity: number): void {
    const grow = <T extends Float64Array | Uint32Array | Uint8Array>(old: T, make: (n: number) => T, stride = 1): T => {
      const next = make(capacity * stride);
      next.set(old.subarray(0, this.count * stride) as never);
      return next;
    };
    this.keys = grow(this.keys, (n) => new Uint32Array(n), KEY_WORDS);
    this.packets = grow(this.packets, (n) => new Float64Array(n));
    this.bytes = grow(this.bytes, (n) => new Float64Array(n));
    this.capturedBytes = grow(this.capturedBytes, (n) => new Float64Array(n));
    this.fragments = grow(this.fragments, (n) => new Uint32Array(n));
    this.malformed = grow(this.malformed, (n) => new Uint32Array(n));
    this.firstPacket = grow(this.firstPacket, (n) => new Float64Array(n));
    this.lastPacket = grow(this.lastPacket, (n) => new Float64Array(n));
    this.firstSec = grow(this.firstSec, (n) => new Float64Array(n));
    this.firstNsec = grow(this.firstNsec, (n) => new Uint32Array(n));
    this.lastSec = grow(this.lastSec, (n) => new Float64Array(n));
    this.lastNsec = grow(this.lastNsec, (n) => new Uint32Array(n));
    this.tunnelCounts = grow(this.tunnelCounts, (n) => new Uint8Array(n));
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
    const kind = k[b + K_KIND];
    const outerFamily = kind & 0xf;
    const innerFamily = (kind >>> 4) & 0xf;
    const hasPorts = (kind >>> 16) & 1;
    const vni = k[b + K_VNI];
    const addr = (family: number, at: number) =>
      family === 0 ? null : formatAddressWords(family, k[b + at], k[b + at + 1], k[b + at + 2], k[b + at + 3]);
    return {
      encapsulation: k[b + K_ENCAP],
      tunnelCount: this.tunnelCounts[id],
      outerFamily,
      outerSrc: addr(outerFamily, K_OUTER_SRC),
      outerDst: addr(outerFamily, K_OUTER_DST),
      vni: vni === NO_VNI ? null : vni,
      innerFamily,
      innerSrc: addr(innerFamily, K_INNER_SRC),
      innerDst: addr(innerFamily, K_INNER_DST),
      protocol: innerFamily === 0 ? null : (kind >>> 8) & 0xff,
      innerEtherType: innerFamily === 0 ? k[b + K_PORTS] : null,
      sport: hasPorts ? k[b + K_PORTS] >>> 16 : null,
      dport: hasPorts ? k[b + K_PORTS] & 0xffff : null,
      packets: this.packets[id],
      bytes: this.bytes[id],
      capturedBytes: this.capturedBytes[id],
      fragments: this.fragments[id],
      malformedPackets: this.malformed[id],
      firstPacket: this.firstPacket[id],
      lastPacket: this.lastPacket[id],
      firstSec: this.firstSec[id],
      firstNsec: this.firstNsec[id],
      lastSec: this.lastSec[id],
      lastNsec: this.lastNsec[id],
    };
  }

  /** All flows, in order of their first packet. */
  records(): FlowRecord[] {
    const out: FlowRecord[] = [];
    for (let id = 0; id < this.count; id++) out.push(this.record(id));
    return out;
  }
}

/** Writes the IP header's source (which = 0) or destination (1) address as 4 words at key[at]. */
function putAddress(p: DecodedPacket, ip: number, which: number, key: Uint32Array, at: number): void {
  const o = p.ipOffset[ip];
  const view = p.view;
  if (p.ipFamily[ip] === 4) {
    key[at] = view.getUint32(o + 12 + 4 * which, false);
    key[at + 1] = 0;
    key[at + 2] = 0;
    key[at + 3] = 0;
  } else {
    const a = o + 8 + 16 * which;
    key[at] = view.getUint32(a, false);
    key[at + 1] = view.getUint32(a + 4, false);
    key[at + 2] = view.getUint32(a + 8, false);
    key[at + 3] = view.getUint32(a + 12, false);
  }
}

function clearAddress(key: Uint32Array, at: number): void {
  key[at] = 0;
  key[at + 1] = 0;
  key[at + 2] = 0;
  key[at + 3] = 0;
}

/** Fills the flow key of a decoded packet (which has at least one IP header); returns its hash. */
export function fillKey(p: DecodedPacket, key: Uint32Array): number {
  key[K_ENCAP] = p.encapChain;
  let outerFamily = 0;
  if (p.tunnelCount > 0) {
    const carrier = p.tunnelIp[0];
    outerFamily = p.ipFamily[carrier];
    putAddress(p, carrier, 0, key, K_OUTER_SRC);
    putAddress(p, carrier, 1, key, K_OUTER_DST);
    let vni = NO_VNI;
    for (let i = 0; i < p.tunnelCount; i++) {
      if (p.tunnelVni[i] >= 0) {
        vni = p.tunnelVni[i];
        break;
      }
    }
    key[K_VNI] = vni;
  } else {
    clearAddress(key, K_OUTER_SRC);
    clearAddress(key, K_OUTER_DST);
    key[K_VNI] = NO_VNI;
  }
  const inner = p.innerIp;
  if (inner >= 0) {
    const hasPorts = p.sport >= 0 ? 1 : 0;
    key[K_KIND] = outerFamily | (p.ipFamily[inner] << 4) | (p.ipProto[inner] << 8) | (hasPorts << 16);
    putAddress(p, inner, 0, key, K_INNER_SRC);
    putAddress(p, inner, 1, key, K_INNER_DST);
    key[K_PORTS] = hasPorts ? ((p.sport << 16) | p.dport) >>> 0 : 0;
  } else {
    key[K_KIND] = outerFamily;
    clearAddress(key, K_INNER_SRC);
    clearAddress(key, K_INNER_DST);
    key[K_PORTS] = p.etherType >= 0 ? p.etherType : 0;
  }
  return hashKey(key, 0);
}

/** FNV-1a over the words, with a final avalanche so consecutive addresses spread over the table. */
function hashKey(words: Uint32Array, at: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < KEY_WORDS; i++) h = Math.imul(h ^ words[at + i], 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
