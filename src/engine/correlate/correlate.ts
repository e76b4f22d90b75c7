// calico-pcap correlate: follow each inner packet across captures taken at the same time on
// several nodes and interfaces. The captures are read together in time order (a k-way merge of
// streaming readers, each through the shared pipeline: a PacketProcessor per capture, so every
// capture issue is counted as analyze counts it), sightings of the same inner packet are grouped
// inside a sliding window (--window), and a group leaving the window is judged: matched (seen in
// 2+ captures), lost (sent toward a node whose capture covers that moment, never seen there),
// decapsulated or dropped by the receiving node (its uplink saw it, its tunnel device never did).
// Memory is bounded by the window, not by the capture size. The hot path keeps identities,
// addresses and looks as numbers: text is made only for what is reported.
import { inputName, openSource } from '../../capture/source.js';
import { CaptureReader } from '../../capture/reader.js';
import type { DecoderOptions } from '../../decode/decoder.js';
import type { DecodedPacket } from '../../decode/packet.js';
import { TUNNEL_NAMES } from '../../decode/layers.js';
import { formatAddressWords, formatIpv4Word, formatIpv6 } from '../../analysis/address.js';
import { PacketProcessor, type PacketSelector, type RecordInfo } from '../../analysis/pipeline.js';
import { ISSUES, Severity } from '../../issues.js';
import type { FilterSummary } from '../../analysis/analyzer.js';
import { isoTime } from '../../capture/time.js';
import { TOOL_VERSION } from '../../version.js';
import type { ClusterModel } from '../../model/cluster.js';
import { ipv4, ipv4Value, ipv6, parseAddress, type Address } from '../../net/address.js';
import { ClusterIndex } from '../cluster-index.js';
import { pointFactsOf, resolvePoints } from '../capture-point.js';
import { formatIdentity, innerIdentity, NO_IDENTITY } from './identity.js';
import { CORRELATE_SCHEMA_VERSION, type CorrelateDocument, type CorrelatedCapture, type CorrelatedPacket, type DecapsulationCheck, type CorrelatedPair } from './types.js';

export interface CorrelateInput {
  file: string;
  /** Given as NODE=FILE on the command line. */
  node?: string;
}

/**
 * Inner packets held at once by default. A held packet costs ~0.8 KB (measured: 200,000 held took
 * ~160 MB of heap), so 100,000 keep the window under ~100 MB; a 2 s window reaches it only at
 * 50,000 packets per second summed over all captures, far above what node captures of pod
 * traffic show (and such rates call for a shorter --window anyway).
 */
export const DEFAULT_WINDOW_PACKETS = 100_000;

export interface CorrelateOptions extends DecoderOptions {
  windowSeconds: number;
  /** Most inner packets held in the window at once (default DEFAULT_WINDOW_PACKETS): memory stays bounded even when many packets share one timestamp. */
  windowPackets?: number;
  /**
   * 'shared' (default): the captures were taken at the same time, so each covers the whole span
   * from the first to the last packet of all of them (a quiet tunnel device saw nothing, it was
   * still running) - unless its own span does not overlap the other capture's at all: then they
   * were not taken at the same time, and packets between them are not judged. 'own': each covers
   * only its own first to last packet.
   */
  span?: 'shared' | 'own';
  model: ClusterModel | null;
  /** Called for every matched or lost packet (ndjson), as they are judged. */
  onPacket?: (p: CorrelatedPacket) => void;
  /** -Y/--where: a sighting the filter rejects is ignored (not counted, not followed). */
  where?: PacketSelector;
}

/** An outer address as one number: IPv4 as its uint32, IPv6 as 2^32 and up (see addressKey). */
const NO_ADDRESS = -1;
const IPV4_KEYS = 0x1_0000_0000;

/** How a packet looked in a capture, as one number: tunnel type (TUNNEL_NAMES) + 16 * (VNI + 1); 0 is plain. */
function lookCode(type: number, vni: number): number {
  return type + 16 * (vni >= 0 ? vni + 1 : 0);
}

function lookName(code: number): string {
  const type = TUNNEL_NAMES[code % 16] ?? 'unknown';
  const vni = Math.floor(code / 16) - 1;
  return vni >= 0 && type !== 'gre' ? `${type} vni ${vni}` : type;
}

/** Looks of tunnel-device captures in a pair's `looks`: what the device shows of the packet. */
const LOOK_DECAPSULATED = -1;
const LOOK_BEFORE_ENCAPSULATION = -2;

/** One sighting of an inner packet in one capture. */
interface Sighting {
  capture: number;
  packet: number;
  /** Seconds as a double, for ordering and latencies; the exact time is sec + nsec. */
  time: number;
  sec: number;
  nsec: number;
  /** Outer addresses as address keys, NO_ADDRESS when the packet was not tunnelled here. */
  outerSrc: number;
  outerDst: number;
  look: number;
}

/** The sightings of one inner packet; its addresses as 32-bit words (int32), IPv4 in the first. */
interface Group {
  id: number;
  family: number;
  src0: number; src1: number; src2: number; src3: number;
  dst0: number; dst1: number; dst2: number; dst3: number;
  protocol: number;
  first: number;
  sightings: Sighting[];
}

/** A capture being read: its reader and pipeline, its next sighting, what is known of it so far. */
interface Stream {
  info: CorrelatedCapture;
  reader: CaptureReader;
  processor: PacketProcessor;
  /** The next sighting, with its identity, protocol and inner addresses (src words 0..3, dst 4..7). */
  pending: Sighting | null;
  pendingId: number;
  pendingFamily: number;
  pendingProtocol: number;
  readonly pendingAddr: Int32Array;
  done: boolean;
  /** Earliest and latest packet time read so far (any packet, inner IP or not). */
  first: number;
  last: number;
  /** Outer addresses seen (address key -> count), to infer which node the capture was taken on. */
  outerIps: Map<number, number>;
}

/** Whether a capture ran at a given moment: decided, or not yet known (the merge has not got there). */
const NO = 0;
const YES = 1;
const UNKNOWN = 2;
type Coverage = typeof NO | typeof YES | typeof UNKNOWN;

export async function correlate(inputs: CorrelateInput[], options: CorrelateOptions): Promise<CorrelateDocument> {
  const streams: Stream[] = [];
  // IPv6 outer addresses have no 32-bit key: their text, made once per distinct address.
  const ipv6Names = new Map<number, string>();
  /** The IPv6 address behind each key, for the model lookups (once per address, never per packet). */
  const ipv6Addresses = new Map<number, Address>();

  const addressKey = (b: Uint8Array, family: number, offset: number, which: 0 | 1): number => {
    if (family === 4) {
      const o = offset + 12 + 4 * which;
      return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    }
    const o = offset + 8 + 16 * which;
    let h = 0x811c9dc5;
    let l = 0x9e3779b9;
    for (let k = o; k < o + 16; k++) {
      h = Math.imul(h ^ b[k], 0x01000193);
      l = Math.imul(l ^ b[k] ^ (k - o), 0x01000193);
    }
    const key = IPV4_KEYS * (1 + (h >>> 12)) + (l >>> 0);
    if (!ipv6Names.has(key)) {
      ipv6Names.set(key, formatIpv6(b, o));
      const v = new DataView(b.buffer, b.byteOffset + o, 16);
      ipv6Addresses.set(key, ipv6(v.getUint32(0), v.getUint32(4), v.getUint32(8), v.getUint32(12)));
    }
    return key;
  };
  const formatAddressKey = (key: number): string => (key < IPV4_KEYS ? formatIpv4Word(key) : ipv6Names.get(key) ?? '?');

  /** The pipeline's observer for one capture: every packet passes here after it was decoded and counted. */
  const see = (s: Stream, record: RecordInfo, packet: DecodedPacket): void => {
    const time = record.tsSec + record.tsNsec / 1e9;
    if (time < s.first) s.first = time;
    if (time > s.last) s.last = time;
    const id = innerIdentity(packet);
    if (id === NO_IDENTITY) return;
    s.info.innerPackets++;
    const b = packet.bytes;
    const inner = packet.innerIp;
    const o = packet.ipOffset[inner];
    const family = packet.ipFamily[inner];
    const a = s.pendingAddr;
    if (family === 4) {
      a[0] = word(b, o + 12);
      a[4] = word(b, o + 16);
      a[1] = a[2] = a[3] = a[5] = a[6] = a[7] = 0;
    } else {
      for (let k = 0; k < 4; k++) {
        a[k] = word(b, o + 8 + 4 * k);
        a[4 + k] = word(b, o + 24 + 4 * k);
      }
    }
    let outerSrc = NO_ADDRESS;
    let outerDst = NO_ADDRESS;
    let look = 0;
    if (packet.tunnelCount > 0) {
      const carrier = packet.tunnelIp[0];
      outerSrc = addressKey(b, packet.ipFamily[carrier], packet.ipOffset[carrier], 0);
      outerDst = addressKey(b, packet.ipFamily[carrier], packet.ipOffset[carrier], 1);
      s.outerIps.set(outerSrc, (s.outerIps.get(outerSrc) ?? 0) + 1);
      s.outerIps.set(outerDst, (s.outerIps.get(outerDst) ?? 0) + 1);
      look = lookCode(packet.tunnelType[0], packet.tunnelVni[0]);
    }
    s.pending = { capture: s.info.id, packet: record.packetNumber, time, sec: record.tsSec, nsec: record.tsNsec, outerSrc, outerDst, look };
    s.pendingId = id;
    s.pendingFamily = family;
    s.pendingProtocol = packet.ipProto[inner];
  };

  for (const [id, input] of inputs.entries()) {
    const info: CorrelatedCapture = {
      id, file: input.file, node: input.node ?? null, device: null, kind: 'uplink', packets: 0, innerPackets: 0, firstTime: null, lastTime: null, readFault: null,
      issues: {}, malformedPackets: 0, snaplenCutPackets: 0, disjointFrom: [],
    };
    const s: Stream = {
      info, reader: null as unknown as CaptureReader, processor: null as unknown as PacketProcessor,
      pending: null, pendingId: NO_IDENTITY, pendingFamily: 0, pendingProtocol: 0, pendingAddr: new Int32Array(8),
      done: false, first: Infinity, last: -Infinity, outerIps: new Map(),
    };
    // The analyzer counts issues as analyze does; correlate reports no flows, so it keeps none.
    s.processor = new PacketProcessor({ ...options, maxFlows: 0, strict: false }, (record, packet) => see(s, record, packet));
    let opened: Awaited<ReturnType<typeof openSource>> | undefined;
    try {
      opened = await openSource(input.file);
      s.reader = await CaptureReader.open(opened.source, s.processor.analyzer);
      s.processor.interfaces = s.reader.allInterfaces;
    } catch (err) {
      await opened?.source.close().catch(() => {});
      // Name the file: several are read together.
      if (err instanceof Error) err.message = `${inputName(input.file)}: ${err.message}`;
      for (const x of streams) await x.reader.close().catch(() => {});
      throw err;
    }
    streams.push(s);
  }

  // A stream that ends is news for held groups (below): the merge loop checks this flag.
  let streamEnded = false;
  /** Reads the next records of a stream through its pipeline until one has an inner packet. */
  const advance = async (s: Stream): Promise<void> => {
    s.pending = null;
    const r = s.reader;
    for (;;) {
      while (r.next()) {
        s.processor.process(r, r.bytes, r.view, r.dataOffset, r.dataFileOffset, r.linktype);
        if (s.pending !== null) return;
      }
      if (!(await r.refill())) {
        s.done = true;
        streamEnded = true;
        return;
      }
    }
  };
  for (const s of streams) await advance(s);

  // Which node each capture was taken on, and which kind of interface: decided up front from
  // what the first window of packets shows (NODE=FILE and the model win).
  for (const s of streams) {
    const only = s.reader.allInterfaces.length === 1 ? s.reader.allInterfaces[0] : undefined;
    const [point] = resolvePoints([{ id: 0, interfaceName: only?.name ?? null, linktype: s.reader.allInterfaces[0]?.linktype ?? 1, ifIndex: -1, hatype: -1, linkAddresses: [] }], { file: s.info.file, model: options.model, vtepMacs: new Set() });
    const device = { name: point.name, tunnel: point.kind === 'tunnel' ? point.tunnel : null };
    s.info.device = device.name ?? guessUplink(s.info.file);
    s.info.kind = device.tunnel ? 'tunnel' : 'uplink';
  }

  const index = options.model ? new ClusterIndex(options.model) : null;
  const groups = new Map<number, Group>();
  const pairs = new Map<string, Map<string, CorrelatedPair & { latencies: number[]; lookKeys: Set<number> }>>();
  const decap = new Map<number, DecapsulationCheck>(); // by tunnel-device capture id
  let matched = 0;
  let lost = 0;
  let notCovered = 0;
  let nodesResolved = false;

  const nodeKeys = new Map<string, number>(); // node name -> node IP key, for captures named by NODE=
  const nodeOfAddressMemo = new Map<number, string>();
  /** The node an outer address belongs to (its name, or the address itself); asked once per address. */
  const nodeOfAddress = (key: number): string | null => {
    if (key === NO_ADDRESS) return null;
    let node = nodeOfAddressMemo.get(key);
    if (node !== undefined) return node;
    const text = formatAddressKey(key);
    // IPv4 keys are the address itself; an IPv6 key is a hash, its text parsed once (memoized).
    const address = key < IPV4_KEYS ? ipv4(key) : ipv6Addresses.get(key) ?? null;
    const n = index && address !== null ? index.nodeByIp(address) : null;
    if (n) node = n.name;
    else node = streams.find((x) => x.info.node !== null && (x.info.node === text || nodeKeys.get(x.info.node) === key))?.info.node ?? text;
    nodeOfAddressMemo.set(key, node);
    return node;
  };
  /** The node owning an inner IPv4 address (pod block, node IP, tunnel address) by the model, or null. */
  const ownerOfInner = (family: number, word0: number): string | null => {
    if (!index || family !== 4) return null;
    return index.ownerOf(ipv4(word0))?.name ?? null;
  };

  // Each node's uplink and tunnel-device captures, once the nodes are known.
  const uplinksOf = new Map<string, Stream[]>();
  const tunnelsOf = new Map<string, Stream[]>();
  const NONE: Stream[] = [];

  /** Settles each capture's node once enough outer traffic was seen (or at the end). */
  const resolveNodes = () => {
    if (nodesResolved) return;
    nodesResolved = true;
    // The capture points seen so far, resolved as verify resolves them: a capture with an uplink
    // among its points (`-i any`, a pcapng of ens37 and vxlan.calico) sees outer headers.
    for (const s of streams) {
      const facts = pointFactsOf(s.processor.analyzer.points.records(), s.reader.allInterfaces);
      if (facts.length <= 1) continue; // one point: decided up front from its interface and file
      const points = resolvePoints(facts, { file: s.info.file, model: options.model, vtepMacs: new Set() });
      const uplink = points.find((p) => p.kind === 'uplink');
      s.info.kind = uplink ? 'uplink' : points.some((p) => p.kind === 'tunnel') ? 'tunnel' : s.info.kind;
      s.info.device = [...new Set(points.map((p) => p.name ?? '?'))].join(', ');
    }
    // The node IP is in every tunnel packet of an uplink capture, as source or destination. With
    // traffic in one direction only both addresses qualify: take one no other capture took.
    const taken = new Set<number>();
    for (const s of streams) {
      let max = 0;
      for (const n of s.outerIps.values()) if (n > max) max = n;
      const candidates = [...s.outerIps].filter(([, n]) => n === max && max > 0).map(([ip]) => ip);
      const parsed = s.info.node !== null ? parseAddress(s.info.node) : null;
      const given = parsed === null ? null : ipv4Value(parsed);
      const modelNode = s.info.node !== null && options.model ? options.model.nodes.find((n) => n.name === s.info.node) : undefined;
      const modelIp = modelNode?.ipv4 ? ipv4Value(modelNode.ipv4.address) : null;
      const best = given ?? modelIp ?? candidates.find((ip) => !taken.has(ip)) ?? candidates[0] ?? null;
      if (best !== null) taken.add(best);
      if (s.info.node !== null && best !== null) nodeKeys.set(s.info.node, best);
      if (s.info.node === null) {
        if (best !== null) {
          s.info.node = nodeOfAddress(best);
        } else if (options.model) {
          const base = s.info.file.split('/').pop() ?? '';
          const byName = options.model.nodes.find((n) => base.includes(n.name) || base.includes(n.name.split('-').pop()!));
          s.info.node = byName?.name ?? null;
        }
      }
    }
    // A tunnel-device capture with no node yet: the node whose name appears in the file name.
    for (const s of streams) {
      if (s.info.node !== null) continue;
      const base = s.info.file.split('/').pop() ?? '';
      const other = streams.find((x) => x.info.node !== null && base.includes(String(x.info.node).split('-').pop()!));
      if (other) s.info.node = other.info.node;
    }
    for (const s of streams) {
      if (s.info.node === null) continue;
      const byKind = s.info.kind === 'uplink' ? uplinksOf : tunnelsOf;
      const list = byKind.get(s.info.node);
      if (list) list.push(s);
      else byKind.set(s.info.node, [s]);
    }
  };

  const shared = (options.span ?? 'shared') === 'shared';
  const window = options.windowSeconds;
  /**
   * Did capture r run at time t, when capture a saw the packet? 'own': r's own span holds t.
   * 'shared': the captures ran together, unless their spans do not overlap, even stretched by the
   * window (spans further apart than it cannot share a packet: taken at different times). r's
   * start is known from the beginning (its first record is read before the merge starts) and a
   * stream that has not ended has packets at or after the merge point, so the answer is known at
   * once, except when r starts after t and a is still being read: it is known when the merge
   * reaches r's start (a overlaps r) or a ends before it (a may not).
   */
  const coverage = (a: Stream, r: Stream, t: number): Coverage => {
    if (r.first === Infinity) return shared ? YES : NO; // no packet at all: a quiet capture
    if (!shared) return r.first <= t && (!r.done || r.last >= t) ? YES : NO;
    if (r.first <= t) return !r.done || r.last + window >= a.first ? YES : NO;
    if (a.last + window >= r.first) return YES;
    return a.done ? NO : UNKNOWN;
  };
  const either = (x: Coverage, y: Coverage): Coverage => (x === YES || y === YES ? YES : x === UNKNOWN || y === UNKNOWN ? UNKNOWN : NO);
  const seenIn = (g: Group, capture: number): boolean => {
    for (const x of g.sightings) if (x.capture === capture) return true;
    return false;
  };
  const isAt = (s: Stream, node: string | null, kind: 'uplink' | 'tunnel'): boolean => s.info.node !== null && s.info.node === node && s.info.kind === kind;

  /**
   * Judges a group that left the window. False when it cannot be judged yet (whether a receiving
   * capture ran then is not known yet): the caller holds it. `force` takes not-known as "did not".
   */
  const judge = (g: Group, force: boolean): boolean => {
    let withOuter: Sighting | null = null;
    for (const x of g.sightings) {
      if (x.outerSrc !== NO_ADDRESS) {
        withOuter = x;
        break;
      }
    }
    const from = withOuter ? nodeOfAddress(withOuter.outerSrc) : ownerOfInner(g.family, g.src0);
    const to = withOuter ? nodeOfAddress(withOuter.outerDst) : ownerOfInner(g.family, g.dst0);
    const time = g.first;
    const crossNode = from !== null && to !== null && from !== to;
    const receivers = crossNode ? uplinksOf.get(to) ?? NONE : NONE;
    const tunnels = crossNode ? tunnelsOf.get(to) ?? NONE : NONE;

    // Where it left (the sender's uplinks) and arrived (the receiver's), earliest sightings.
    let left: Sighting | null = null;
    let arrived: Sighting | null = null;
    let uplinkSighting: Sighting | null = null; // on the receiver's uplink, still tunnelled
    for (const x of g.sightings) {
      const s = streams[x.capture];
      if (isAt(s, from, 'uplink') && (left === null || x.time < left.time)) left = x;
      if (isAt(s, to, 'uplink')) {
        if (arrived === null || x.time < arrived.time) arrived = x;
        if (uplinkSighting === null && x.outerSrc !== NO_ADDRESS) uplinkSighting = x;
      }
    }
    // Not arrived: was a receiver's capture running when it was sent?
    let sent: Coverage = NO;
    const judgesPair = crossNode && left !== null && receivers.length > 0;
    if (judgesPair && arrived === null) {
      for (const x of g.sightings) {
        if (!isAt(streams[x.capture], from, 'uplink')) continue;
        for (const r of receivers) sent = either(sent, coverage(streams[x.capture], r, time));
      }
      if (sent === UNKNOWN && !force) return false;
    }
    if (uplinkSighting !== null && !force) {
      const uplink = streams[uplinkSighting.capture];
      for (const t of tunnels) if (!seenIn(g, t.info.id) && coverage(uplink, t, uplinkSighting.time) === UNKNOWN) return false;
    }

    let status: 'matched' | 'lost' | null = g.sightings.length >= 2 ? 'matched' : null;
    if (judgesPair && left !== null && (arrived !== null || sent === YES)) {
      let byFrom = pairs.get(from!);
      if (!byFrom) pairs.set(from!, (byFrom = new Map()));
      let pair = byFrom.get(to!);
      if (!pair) byFrom.set(to!, (pair = { from: from!, to: to!, matched: 0, lost: 0, latency: null, looks: [], latencies: [], lookKeys: new Set() }));
      for (const x of g.sightings) {
        const s = streams[x.capture];
        const look = s.info.kind === 'tunnel' ? (s.info.node === to ? LOOK_DECAPSULATED : LOOK_BEFORE_ENCAPSULATION) : x.look;
        pair.lookKeys.add((look + 2) * streams.length + x.capture);
      }
      if (arrived !== null) {
        pair.matched++;
        pair.latencies.push((arrived.time - left.time) * 1000);
      } else {
        pair.lost++;
        lost++;
        status = 'lost';
      }
    } else if (judgesPair && left !== null) {
      notCovered++;
    }
    // The receiver's uplink against its tunnel device: was the packet decapsulated?
    if (uplinkSighting !== null) {
      const uplink = streams[uplinkSighting.capture];
      for (const t of tunnels) {
        const decapsulated = seenIn(g, t.info.id);
        if (!decapsulated && coverage(uplink, t, uplinkSighting.time) !== YES) continue;
        let d = decap.get(t.info.id);
        if (!d) decap.set(t.info.id, (d = { node: to!, uplink: uplink.info.device ?? uplink.info.file, tunnelDevice: t.info.device ?? t.info.file, arrived: 0, decapsulated: 0, dropped: 0, causes: [] }));
        d.arrived++;
        if (decapsulated) d.decapsulated++;
        else d.dropped++;
      }
    }
    if (status === 'matched') matched++;
    if (status !== null && options.onPacket) {
      options.onPacket({
        id: formatIdentity(g.id),
        src: formatAddressWords(g.family, g.src0, g.src1, g.src2, g.src3),
        dst: formatAddressWords(g.family, g.dst0, g.dst1, g.dst2, g.dst3),
        protocol: g.protocol, status, from, to,
        seen: g.sightings.map((x) => ({ capture: x.capture, packet: x.packet, time: isoTime(x.sec, x.nsec), look: lookName(x.look) })),
      });
    }
    return true;
  };

  const windowPackets = options.windowPackets ?? DEFAULT_WINDOW_PACKETS;
  let windowCut = 0;
  // Groups that left the window before the captures' nodes were known wait here (a few hundred
  // at most: the warm-up), then are judged like the others.
  const deferred: Group[] = [];
  // Groups sent toward a capture that had not started yet, while the sender's capture is still
  // being read: judged when the merge reaches that start or the sender's capture ends. At most
  // windowPackets of them; beyond, the oldest is taken as sent before its receiver's capture ran.
  let held: Group[] = [];
  let heldHead = 0;
  let forced = 0;
  const hold = (g: Group) => {
    held.push(g);
    if (held.length - heldHead > windowPackets) {
      judge(held[heldHead++], true);
      forced++;
      if (heldHead > 1024 && heldHead * 2 > held.length) {
        held = held.slice(heldHead);
        heldHead = 0;
      }
    }
  };
  const rejudgeHeld = () => {
    const waiting = held.slice(heldHead);
    held = [];
    heldHead = 0;
    for (const g of waiting) if (!judge(g, false)) held.push(g);
  };
  const settle = (g: Group) => {
    if (!nodesResolved) deferred.push(g);
    else if (!judge(g, false)) hold(g);
  };
  // The oldest group (insertion order is time order), read with one live iterator: a fresh
  // iterator per packet would step again over every entry deleted since the Map last compacted,
  // quadratic when the window is full. Every entry before `head` has been deleted, so the
  // iterator is only advanced while the Map still holds an entry after it, and never ends.
  const order = groups.entries();
  let head: [number, Group] | null = null;
  const oldest = (): [number, Group] | null => {
    while (groups.size > 0 && (head === null || groups.get(head[0]) !== head[1])) head = order.next().value ?? null;
    return groups.size > 0 ? head : null;
  };
  const evict = ([id, g]: [number, Group]) => {
    groups.delete(id);
    settle(g);
  };
  const evictBefore = (time: number) => {
    for (let o = oldest(); o !== null && o[1].first < time - window; o = oldest()) evict(o);
  };

  // Where the captures start, in time order: when the merge passes one, held groups may be decided.
  const starts = streams.map((s) => s.first).filter(Number.isFinite).sort((x, y) => x - y);
  let nextStart = 0;

  // The merge: always take the stream whose next sighting is earliest.
  let warmup = 0;
  let windowPeak = 0;
  for (;;) {
    let next: Stream | null = null;
    for (const s of streams) if (s.pending && (next === null || s.pending.time < next.pending!.time)) next = s;
    if (next === null) break;
    const p = next.pending!;
    if (!nodesResolved && ++warmup >= 200) {
      resolveNodes();
      for (const g of deferred.splice(0)) settle(g);
    }
    let started = false;
    while (nextStart < starts.length && starts[nextStart] <= p.time) {
      nextStart++;
      started = true;
    }
    if ((started || streamEnded) && held.length > heldHead) rejudgeHeld();
    streamEnded = false;
    evictBefore(p.time);
    const key = next.pendingId;
    let g = groups.get(key);
    if (g && p.time - g.first > window) {
      groups.delete(key);
      settle(g);
      g = undefined;
    }
    if (!g) {
      if (groups.size >= windowPackets) {
        // Full (packets too dense for --window): the oldest is judged now, before its time is up.
        evict(oldest()!);
        windowCut++;
      }
      const a = next.pendingAddr;
      g = {
        id: key, family: next.pendingFamily,
        src0: a[0], src1: a[1], src2: a[2], src3: a[3], dst0: a[4], dst1: a[5], dst2: a[6], dst3: a[7],
        protocol: next.pendingProtocol, first: p.time, sightings: [],
      };
      groups.set(key, g);
      if (groups.size > windowPeak) windowPeak = groups.size;
    }
    // The same packet twice in one capture (a retransmission with identical bytes) is kept once.
    if (!seenIn(g, p.capture)) g.sightings.push(p);
    await advance(next);
  }
  resolveNodes();
  for (const s of streams) s.done = true;
  // Every stream has ended: whether a capture ran at any moment is known now.
  for (const g of deferred.splice(0)) judge(g, true);
  for (let i = heldHead; i < held.length; i++) judge(held[i], true);
  held = [];
  for (const g of groups.values()) judge(g, true);
  groups.clear();
  for (const s of streams) {
    await s.reader.close().catch(() => {});
    const a = s.processor.analyzer;
    s.info.packets = a.packets;
    s.info.firstTime = a.packets > 0 ? isoTime(a.firstSec, a.firstNsec) : null;
    s.info.lastTime = a.packets > 0 ? isoTime(a.lastSec, a.lastNsec) : null;
    s.info.readFault = a.readFault;
    ISSUES.forEach((d, i) => {
      if (a.issueCounts[i] > 0) s.info.issues[d.code] = a.issueCounts[i];
    });
    s.info.malformedPackets = a.malformedPackets;
    s.info.snaplenCutPackets = a.snaplenCutPackets;
  }
  // Captures compared (uplinks of two nodes; a node's uplink and tunnel device) whose spans do
  // not overlap, even stretched by the window: taken at different times.
  for (const s of streams) {
    for (const o of streams) {
      if (o === s || s.info.packets === 0 || o.info.packets === 0 || s.info.node === null || o.info.node === null) continue;
      const compared = s.info.kind === 'uplink' && o.info.kind === 'uplink' ? s.info.node !== o.info.node : s.info.kind !== o.info.kind && s.info.node === o.info.node;
      if (compared && (s.last + window < o.first || o.last + window < s.first)) s.info.disjointFrom.push(o.info.id);
    }
  }

  const lookText = (key: number): string => {
    const s = streams[key % streams.length];
    const look = Math.floor(key / streams.length) - 2;
    const shown = look === LOOK_DECAPSULATED ? 'decapsulated' : look === LOOK_BEFORE_ENCAPSULATION ? 'before encapsulation' : lookName(look);
    return `${s.info.node ?? '?'} ${s.info.device ?? '?'}: ${shown}`;
  };
  const pairList: CorrelatedPair[] = [...pairs.values()]
    .flatMap((byFrom) => [...byFrom.values()])
    .map(({ latencies, lookKeys, ...p }) => ({ ...p, latency: summarize(latencies), looks: [...new Set([...lookKeys].map(lookText))].sort() }))
    .sort((a, b) => (a.from === b.from ? a.to.localeCompare(b.to) : a.from.localeCompare(b.from)));
  const decapList = [...decap.values()].map((d) => ({
    ...d,
    causes: d.dropped > 0 ? ['a bad outer UDP checksum (calico-pcap verify shows checksum.bad_outer_udp)', "Felix's rule that drops IPIP/VXLAN from hosts that are not Calico nodes", 'reverse-path filtering (rp_filter) on the receiving node', 'a wrong VNI or VTEP MAC'] : [],
  }));
  const captures = streams.map((s) => s.info);
  const warnings: string[] = [];
  if (pairList.some((p) => p.latency !== null)) warnings.push('one-way latencies compare the clocks of different nodes: they are only as good as the nodes\' time synchronisation');
  for (const c of captures) if (c.node === null) warnings.push(`${c.file}: the node it was taken on is unknown; name it as NODE=FILE`);
  if (windowCut > 0) warnings.push(windowCutWarning(windowCut, windowPackets));
  for (const c of captures) if (c.readFault) warnings.push(`${c.file}: the read stopped early (${c.readFault.code}): only the packets before it were correlated`);
  for (const c of captures) {
    const w = captureIssuesWarning(c);
    if (w !== null) warnings.push(w);
  }
  warnings.push(...disjointWarnings(captures));
  if (forced > 0) warnings.push(`${forced} inner packets were sent toward a capture that had not started yet, more than --window-packets ${windowPackets} could wait for: they were taken as sent before that capture ran, and not judged`);
  if (notCovered > 0) warnings.push(`${notCovered} inner packets were sent toward a node at a moment its capture did not cover (${shared ? 'captures that do not overlap in time' : '--own-span'}): they are neither matched nor lost (notCovered)`);
  const decapsulationDropped = decapList.reduce((n, d) => n + d.dropped, 0);
  const filter = options.where ? sumFilters(options.where.expression, streams.map((s) => s.processor.analyzer.filterSummary()!)) : undefined;
  return {
    schema: CORRELATE_SCHEMA_VERSION,
    tool: { name: 'calico-pcap', version: TOOL_VERSION },
    windowSeconds: window,
    windowPeakPackets: windowPeak,
    windowPackets,
    windowCutPackets: windowCut,
    captures,
    matched,
    lost,
    decapsulationDropped,
    notCovered,
    pairs: pairList,
    decapsulation: decapList,
    warnings,
    ...(filter ? { filter } : {}),
  };
}

/** The filter section of the correlation: the packets of all captures. */
function sumFilters(expression: string, summaries: FilterSummary[]): FilterSummary {
  const sum = (k: 'packetsRead' | 'packetsPassed' | 'packetsFilteredOut') => summaries.reduce((n, f) => n + f[k], 0);
  return { expression, packetsRead: sum('packetsRead'), packetsPassed: sum('packetsPassed'), packetsFilteredOut: sum('packetsFilteredOut') };
}

/** Four bytes as a signed 32-bit word (a small integer to V8, where an unsigned one may not be). */
function word(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/** Said when the window was full: the match of a packet judged early can be missed. */
export function windowCutWarning(cut: number, windowPackets: number): string {
  return `the window was full (--window-packets ${windowPackets}): ${cut} inner packets were judged before --window ended, and a later sighting of one of them counts as another packet; give a larger --window-packets or a shorter --window`;
}

/**
 * Said for captures whose time spans do not overlap (captures[].disjointFrom): they were not taken
 * at the same time. One line names a capture and every capture it does not overlap that no earlier
 * line named with it, the capture with the most first: one capture taken an hour off is one line.
 */
export function disjointWarnings(captures: CorrelatedCapture[]): string[] {
  const said = new Set<string>();
  const lines: string[] = [];
  for (const c of [...captures].sort((x, y) => y.disjointFrom.length - x.disjointFrom.length || x.id - y.id)) {
    const others = c.disjointFrom.filter((o) => !said.has(`${Math.min(c.id, o)} ${Math.max(c.id, o)}`)).map((o) => captures[o]);
    if (others.length === 0) continue;
    for (const o of others) said.add(`${Math.min(c.id, o.id)} ${Math.max(c.id, o.id)}`);
    const named = [c, ...others];
    const times = named.flatMap((x) => [x.firstTime ?? '', x.lastTime ?? '']);
    // The clock alone when all the times fall on one day (UTC), else the date too.
    const oneDay = times.every((t) => t.slice(0, 10) === times[0].slice(0, 10));
    const clock = (t: string) => (oneDay ? t.slice(11, 23) : `${t.slice(0, 10)} ${t.slice(11, 23)}`);
    const shown = (x: CorrelatedCapture) => `${inputName(x.file)} (${clock(x.firstTime ?? '')}-${clock(x.lastTime ?? '')} UTC)`;
    const list = others.length === 1 ? shown(others[0]) : `${others.slice(0, -1).map(shown).join(', ')} or ${shown(others[others.length - 1])}`;
    lines.push(others.length === 1 && c.id < others[0].id
      ? `${shown(c)} and ${list} do not overlap in time: packets between them are not judged`
      : others.length === 1
        ? `${list} and ${shown(c)} do not overlap in time: packets between them are not judged`
        : `${shown(c)} does not overlap in time with ${list}: packets between them are not judged`);
  }
  return lines;
}

/** Said for a capture with malformed or cut packets (counted as analyze counts them), or null. */
export function captureIssuesWarning(c: CorrelatedCapture): string | null {
  const parts: string[] = [];
  if (c.malformedPackets > 0) {
    const codes = Object.entries(c.issues)
      .filter(([code]) => ISSUES.find((d) => d.code === code)?.severity === Severity.Malformed && code !== c.readFault?.code)
      .sort((x, y) => y[1] - x[1]);
    const named = codes.slice(0, 3).map(([code, n]) => `${code} ${n}`).join(', ') + (codes.length > 3 ? ', ...' : '');
    parts.push(`${c.malformedPackets} malformed packets (${named}), correlated as far as they decode`);
  }
  if (c.snaplenCutPackets > 0) parts.push(`${c.snaplenCutPackets} packets cut by the snapshot length (one cut within the first 48 bytes after its inner IP header cannot match its whole copy)`);
  return parts.length === 0 ? null : `${inputName(c.file)}: ${parts.join('; ')}; calico-pcap analyze lists them`;
}

function summarize(values: number[]): CorrelatedPair['latency'] {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { minMs: round(sorted[0]), medianMs: round(at(0.5)), p99Ms: round(at(0.99)) };
}

/** "node04-ens37.pcap" -> "ens37": the interface name people put in capture file names. */
function guessUplink(file: string): string | null {
  const m = /(ens\d+\w*|eth\d+|eno\d+|enp\w+|bond\d+|any)/.exec(file.split('/').pop() ?? '');
  return m ? m[1] : null;
}
