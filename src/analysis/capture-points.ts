// Capture points: where in the host each packet was captured. One file may mix several:
// `tcpdump -i any` (Linux cooked capture, SLL/SLL2) interleaves the uplink (outer VXLAN/IPIP
// headers), the tunnel devices (decapsulated copies) and the pod veths; a pcapng file from
// `live -i ens37 -i vxlan.calico` has one interface per device. The verdict engine judges each
// packet where it was captured, so the flow table keys flows by capture point and direction.
//
// A capture point is
//   - (capture interface, SLL2 ifindex, ARPHRD type) for LINUX_SLL2, which names the device;
//   - (capture interface, ARPHRD type, link-layer address) for LINUX_SLL v1, which has no
//     ifindex: the address (the sending device's MAC for outgoing packets) tells devices apart;
//   - the capture interface alone for every other link type (one pcap file: one point).
// Per point: packets by direction and up to MAX_LINK_ADDRESSES distinct SLL link-layer addresses
// (the engine recognises vxlan.calico by its VTEP MAC, Calico's pod veths by ee:ee:ee:ee:ee:ee).
//
// Per packet this is a look in a small direct-mapped cache of recent points (a capture of one
// device always hits the same entry; `-i any` interleaves a few devices, each in its own entry),
// else a probe in an open-addressing table of typed arrays: no objects, no strings.
import { DIRECTION_IN, DIRECTION_OUT, DIRECTION_UNKNOWN } from '../capture/reader.js';
import type { DecodedPacket } from '../decode/packet.js';

/** Direction of a packet at its capture point: DIRECTION_UNKNOWN, DIRECTION_IN, DIRECTION_OUT (as CaptureReader.direction). */
export type Direction = 0 | 1 | 2;

/** Linux packet types (include/uapi/linux/if_packet.h) as SLL/SLL2 record sll_pkttype. */
const PACKET_OTHERHOST = 3; // PACKET_HOST 0, PACKET_BROADCAST 1, PACKET_MULTICAST 2: all received
const PACKET_OUTGOING = 4;

/**
 * The packet's direction: the capture's own record of it (pcapng epb_flags) when there is one,
 * else the SLL packet type: PACKET_OUTGOING is out; HOST, BROADCAST, MULTICAST, OTHERHOST are in;
 * anything else (PACKET_LOOPBACK, PACKET_USER, PACKET_KERNEL, no SLL header) is unknown.
 */
export function packetDirection(recorded: number, p: DecodedPacket): Direction {
  if (recorded === DIRECTION_IN || recorded === DIRECTION_OUT) return recorded;
  const t = p.sllPacketType;
  if (t === PACKET_OUTGOING) return DIRECTION_OUT;
  if (t >= 0 && t <= PACKET_OTHERHOST) return DIRECTION_IN;
  return DIRECTION_UNKNOWN;
}

/** Distinct link-layer addresses kept per point. */
export const MAX_LINK_ADDRESSES = 8;
/** Points tracked individually; packets of further ones share one overflow point. */
export const DEFAULT_MAX_POINTS = 4096;
/** The flow key packs the point id with the direction in one 32-bit word (id << 2 | direction). */
const MAX_POINT_ID = 2 ** 29 - 1;

/** A capture point as reports see it. */
export interface CapturePoint {
  id: number;
  /** Index of the capture interface in CaptureRun.interfaces (pcapng IDB across sections; 0 for pcap); -1 for the overflow point. */
  interface: number;
  linktype: number;
  /** SLL2 interface index (`ip link` numbering of the capturing host), -1 where the capture has none. */
  ifIndex: number;
  /** ARPHRD_ type from SLL/SLL2 (if_arp.h: 1 Ethernet, 768 IPIP, 772 loopback, 65534 none), -1 where the capture has none. */
  hatype: number;
  /** Distinct 6-byte link-layer addresses seen (SLL addresses, Ethernet source MACs; 48-bit numbers), in order of first sight, at most MAX_LINK_ADDRESSES. */
  linkAddresses: number[];
  packets: number;
  in: number;
  out: number;
  unknown: number;
  /** The point that collects every packet once maxPoints points exist. */
  overflow: boolean;
}

// Key fields per point (doubles: an ifindex is 32 bits unsigned, an address 48 bits).
const K_INTERFACE = 0;
const K_IFINDEX = 1;
const K_HATYPE = 2;
const K_ADDRESS = 3;
const KEY = 4;
// Counters per point, indexed by the direction itself (one increment per packet, no branch).
const C_UNKNOWN = DIRECTION_UNKNOWN;
const C_IN = DIRECTION_IN;
const C_OUT = DIRECTION_OUT;
const COUNTERS = 3;

const EMPTY = -1;
const LINKTYPE_ETHERNET = 1;
/** Entries of the recent-points cache (a power of two). */
const RECENT = 16;

export class CapturePointTable {
  readonly maxPoints: number;
  /** Points in the table, the overflow point included once it exists. */
  count = 0;
  /** Id of the overflow point, -1 until more than maxPoints points were seen. */
  overflowId = -1;

  private capacity = 0;
  private keys = new Float64Array(0);
  private linktypes = new Int32Array(0);
  private counters = new Float64Array(0);
  private addresses = new Float64Array(0);
  private addressCounts = new Uint8Array(0);
  /** Per point and direction, the link-layer address last noted: a repeat needs no scan. */
  private lastAddresses = new Float64Array(0);
  private slots = new Int32Array(0);
  private mask = 0;
  // The previous packet's point: with one device, every packet's.
  private lastInterface = NaN;
  private lastIfindex = NaN;
  private lastHatype = NaN;
  private lastAddress = NaN;
  private lastId = -1;
  // Recent points, direct-mapped by a cheap mix of the key; NaN keys match nothing.
  private readonly recentKeys = new Float64Array(RECENT * KEY).fill(NaN);
  private readonly recentIds = new Int32Array(RECENT);

  constructor(maxPoints = DEFAULT_MAX_POINTS) {
    this.maxPoints = Math.max(1, Math.min(MAX_POINT_ID, maxPoints));
    this.resize(8);
  }

  /**
   * Counts a packet at its capture point; returns the point id. `interfaceIndex` and `linktype`
   * are the capture interface's; the SLL fields come from the decoded packet.
   */
  add(interfaceIndex: number, linktype: number, p: DecodedPacket, direction: Direction): number {
    const ifindex = p.sllIfindex;
    const hatype = p.sllHatype;
    // SLL v1 has no ifindex: the address stands in for the device. SLL2's address is only recorded,
    // and so is an Ethernet frame's source MAC (a vxlan.calico capture shows the nodes' VTEP MACs).
    const keyAddress = ifindex < 0 ? p.sllAddress : -1;
    const address = p.sllAddress >= 0 ? p.sllAddress : linktype === LINKTYPE_ETHERNET && p.caplen >= 12 ? p.view.getUint16(p.start + 6, false) * 4294967296 + p.view.getUint32(p.start + 8, false) : -1;
    let id = this.lastId;
    if (interfaceIndex !== this.lastInterface || ifindex !== this.lastIfindex || hatype !== this.lastHatype || keyAddress !== this.lastAddress) {
      id = this.recentPoint(interfaceIndex, ifindex, hatype, keyAddress, linktype);
      this.lastInterface = interfaceIndex;
      this.lastIfindex = ifindex;
      this.lastHatype = hatype;
      this.lastAddress = keyAddress;
      this.lastId = id;
    }
    const c = id * COUNTERS + direction;
    this.counters[c]++;
    // Sent packets carry the device's own address, received ones their sender's: per direction
    // the address rarely changes, so most packets skip the scan.
    if (address >= 0 && address !== this.lastAddresses[c]) {
      this.lastAddresses[c] = address;
      this.noteAddress(id, address);
    }
    return id;
  }

  /** The point of a key, from the recent-points cache or else the table. */
  private recentPoint(iface: number, ifindex: number, hatype: number, address: number, linktype: number): number {
    const r = ((iface * 7) ^ ifindex ^ (hatype * 31) ^ address) & (RECENT - 1);
    const rk = r * KEY;
    const recent = this.recentKeys;
    if (recent[rk + K_INTERFACE] === iface && recent[rk + K_IFINDEX] === ifindex && recent[rk + K_HATYPE] === hatype && recent[rk + K_ADDRESS] === address) {
      return this.recentIds[r];
    }
    const id = this.find(iface, ifindex, hatype, address, linktype);
    recent[rk + K_INTERFACE] = iface;
    recent[rk + K_IFINDEX] = ifindex;
    recent[rk + K_HATYPE] = hatype;
    recent[rk + K_ADDRESS] = address;
    this.recentIds[r] = id;
    return id;
  }

  /** Materialises one point for a report. */
  record(id: number): CapturePoint {
    const k = id * KEY;
    const c = id * COUNTERS;
    const a = id * MAX_LINK_ADDRESSES;
    const counters = this.counters;
    return {
      id,
      interface: this.keys[k + K_INTERFACE],
      linktype: this.linktypes[id],
      ifIndex: this.keys[k + K_IFINDEX],
      hatype: this.keys[k + K_HATYPE],
      linkAddresses: Array.from(this.addresses.subarray(a, a + this.addressCounts[id])),
      packets: counters[c + C_UNKNOWN] + counters[c + C_IN] + counters[c + C_OUT],
      in: counters[c + C_IN],
      out: counters[c + C_OUT],
      unknown: counters[c + C_UNKNOWN],
      overflow: id === this.overflowId,
    };
  }

  /** All points, in order of their first packet (the overflow point where it first appeared). */
  records(): CapturePoint[] {
    const out: CapturePoint[] = [];
    for (let id = 0; id < this.count; id++) out.push(this.record(id));
    return out;
  }

  private find(iface: number, ifindex: number, hatype: number, address: number, linktype: number): number {
    const h = hashPoint(iface, ifindex, hatype, address);
    const keys = this.keys;
    let slot = h & this.mask;
    for (;;) {
      const id = this.slots[slot];
      if (id === EMPTY) break;
      const k = id * KEY;
      if (keys[k + K_INTERFACE] === iface && keys[k + K_IFINDEX] === ifindex && keys[k + K_HATYPE] === hatype && keys[k + K_ADDRESS] === address) return id;
      slot = (slot + 1) & this.mask;
    }
    const pointsSoFar = this.overflowId < 0 ? this.count : this.count - 1;
    if (pointsSoFar >= this.maxPoints) {
      if (this.overflowId < 0) this.overflowId = this.create(-1, -1, -1, -1, -1);
      return this.overflowId;
    }
    const id = this.create(iface, ifindex, hatype, address, linktype);
    this.insertSlot(id, h);
    return id;
  }

  private create(iface: number, ifindex: number, hatype: number, address: number, linktype: number): number {
    if (this.count >= this.capacity) this.resize(this.capacity * 2);
    const id = this.count++;
    const k = id * KEY;
    this.keys[k + K_INTERFACE] = iface;
    this.keys[k + K_IFINDEX] = ifindex;
    this.keys[k + K_HATYPE] = hatype;
    this.keys[k + K_ADDRESS] = address;
    this.linktypes[id] = linktype;
    return id;
  }

  /** Remembers a link-layer address at the point, up to MAX_LINK_ADDRESSES distinct ones. */
  private noteAddress(id: number, address: number): void {
    const a = id * MAX_LINK_ADDRESSES;
    const n = this.addressCounts[id];
    for (let i = 0; i < n; i++) if (this.addresses[a + i] === address) return;
    if (n >= MAX_LINK_ADDRESSES) return;
    this.addresses[a + n] = address;
    this.addressCounts[id] = n + 1;
  }

  private insertSlot(id: number, h: number): void {
    let slot = h & this.mask;
    while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.slots[slot] = id;
  }

  private resize(capacity: number): void {
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, fresh: T, per: number): T => {
      fresh.set(old.subarray(0, this.count * per));
      return fresh;
    };
    this.keys = grow(this.keys, new Float64Array(capacity * KEY), KEY);
    this.linktypes = grow(this.linktypes, new Int32Array(capacity), 1);
    this.counters = grow(this.counters, new Float64Array(capacity * COUNTERS), COUNTERS);
    this.lastAddresses = grow(this.lastAddresses, new Float64Array(capacity * COUNTERS).fill(-1), COUNTERS);
    this.addresses = grow(this.addresses, new Float64Array(capacity * MAX_LINK_ADDRESSES), MAX_LINK_ADDRESSES);
    this.addressCounts = grow(this.addressCounts, new Uint8Array(capacity), 1);
    this.capacity = capacity;
    this.slots = new Int32Array(capacity * 2).fill(EMPTY);
    this.mask = capacity * 2 - 1;
    for (let id = 0; id < this.count; id++) {
      if (id === this.overflowId) continue;
      const k = id * KEY;
      this.insertSlot(id, hashPoint(this.keys[k + K_INTERFACE], this.keys[k + K_IFINDEX], this.keys[k + K_HATYPE], this.keys[k + K_ADDRESS]));
    }
  }
}

/** Mixes the key fields (all integers; the address up to 48 bits) into 32 bits. */
function hashPoint(iface: number, ifindex: number, hatype: number, address: number): number {
  const addressHigh = address < 0 ? -1 : Math.floor(address / 4294967296);
  let h = Math.imul(iface ^ 0x811c9dc5, 0x01000193);
  h = Math.imul(h ^ ifindex, 0x01000193);
  h = Math.imul(h ^ hatype, 0x01000193);
  h = Math.imul(h ^ (address >>> 0), 0x01000193);
  h = Math.imul(h ^ addressHigh, 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

