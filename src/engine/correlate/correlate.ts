// calico-pcap correlate: follow each inner packet across captures taken at the same time on
// several nodes and interfaces. The captures are read together in time order (a k-way merge of
// streaming readers), sightings of the same inner packet are grouped inside a sliding window
// (--window), and a group leaving the window is judged: matched (seen in 2+ captures), lost
// (sent toward a node whose capture covers that moment, never seen there), decapsulated or
// dropped by the receiving node (its uplink saw it, its tunnel device never did). Memory is
// bounded by the window, not by the capture size.
import { inputName, openSource } from '../../capture/source.js';
import { CaptureReader } from '../../capture/reader.js';
import { PacketDecoder, type DecoderOptions } from '../../decode/decoder.js';
import { DecodedPacket } from '../../decode/packet.js';
import { TUNNEL_NAMES } from '../../decode/layers.js';
import { formatIpAddress } from '../../analysis/address.js';
import { issueRecord, ISSUES, type IssueSink } from '../../issues.js';
import { isoTime } from '../../capture/time.js';
import { TOOL_VERSION } from '../../version.js';
import type { ClusterModel } from '../../model/cluster.js';
import { formatAddress, parseAddress } from '../../net/address.js';
import { ClusterIndex } from '../cluster-index.js';
import { resolvePoints } from '../capture-point.js';
import { innerIdentity } from './identity.js';
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
   * still running). 'own': each covers only its own first to last packet.
   */
  span?: 'shared' | 'own';
  model: ClusterModel | null;
  /** Called for every matched or lost packet (ndjson), as they are judged. */
  onPacket?: (p: CorrelatedPacket) => void;
}

/** One sighting of an inner packet in one capture. */
interface Sighting {
  capture: number;
  packet: number;
  /** Seconds as a double, for ordering and latencies; the exact time is sec + nsec. */
  time: number;
  sec: number;
  nsec: number;
  outerSrc: string | null;
  outerDst: string | null;
  look: string;
}

interface Group {
  id: string;
  src: string;
  dst: string;
  protocol: number;
  first: number;
  sightings: Sighting[];
}

/** A capture being read: its reader, its next sighting, what is known of it so far. */
interface Stream {
  info: CorrelatedCapture;
  reader: CaptureReader;
  pending: { sighting: Sighting; id: string | null; src: string; dst: string; protocol: number } | null;
  done: boolean;
  first: number;
  last: number;
  firstExact: [number, number];
  lastExact: [number, number];
  /** Outer IPs seen, to infer which node the capture was taken on. */
  outerIps: Map<string, number>;
}

/** Packet-level issues are analyze's and verify's business; a fault that ends a read is kept. */
function readFaultSink(info: CorrelatedCapture): IssueSink {
  return {
    report(id, packetNumber, fileOffset, needed, present, detail) {
      if (ISSUES[id].endsRead && info.readFault === null) info.readFault = issueRecord(id, packetNumber, fileOffset, needed, present, detail);
    },
  };
}

export async function correlate(inputs: CorrelateInput[], options: CorrelateOptions): Promise<CorrelateDocument> {
  const decoder = new PacketDecoder(options);
  const packet = new DecodedPacket();
  const streams: Stream[] = [];
  for (const [id, input] of inputs.entries()) {
    let reader: CaptureReader;
    let opened: Awaited<ReturnType<typeof openSource>> | undefined;
    const info: CorrelatedCapture = { id, file: input.file, node: input.node ?? null, device: null, kind: 'uplink', packets: 0, innerPackets: 0, firstTime: null, lastTime: null, readFault: null };
    try {
      opened = await openSource(input.file);
      reader = await CaptureReader.open(opened.source, readFaultSink(info));
    } catch (err) {
      await opened?.source.close().catch(() => {});
      // Name the file: several are read together.
      if (err instanceof Error) err.message = `${inputName(input.file)}: ${err.message}`;
      for (const s of streams) await s.reader.close().catch(() => {});
      throw err;
    }
    streams.push({
      info,
      reader, pending: null, done: false, first: Infinity, last: -Infinity, firstExact: [0, 0], lastExact: [0, 0], outerIps: new Map(),
    });
  }

  /** Reads the next record of a stream into its pending sighting. */
  const advance = async (s: Stream): Promise<void> => {
    s.pending = null;
    for (;;) {
      if (s.reader.next()) {
        const r = s.reader;
        decoder.decode(packet, r.bytes, r.view, r.dataOffset, r.caplen, r.origLen, r.linktype);
        const time = r.tsSec + r.tsNsec / 1e9;
        s.info.packets++;
        if (time < s.first) [s.first, s.firstExact] = [time, [r.tsSec, r.tsNsec]];
        if (time > s.last) [s.last, s.lastExact] = [time, [r.tsSec, r.tsNsec]];
        const id = innerIdentity(packet);
        if (id === null) continue;
        s.info.innerPackets++;
        const inner = packet.innerIp;
        const src = formatIpAddress(packet.bytes, packet.ipFamily[inner], packet.ipOffset[inner], 0);
        const dst = formatIpAddress(packet.bytes, packet.ipFamily[inner], packet.ipOffset[inner], 1);
        let outerSrc: string | null = null;
        let outerDst: string | null = null;
        let look = 'plain';
        if (packet.tunnelCount > 0) {
          const carrier = packet.tunnelIp[0];
          outerSrc = formatIpAddress(packet.bytes, packet.ipFamily[carrier], packet.ipOffset[carrier], 0);
          outerDst = formatIpAddress(packet.bytes, packet.ipFamily[carrier], packet.ipOffset[carrier], 1);
          s.outerIps.set(outerSrc, (s.outerIps.get(outerSrc) ?? 0) + 1);
          s.outerIps.set(outerDst, (s.outerIps.get(outerDst) ?? 0) + 1);
          const type = TUNNEL_NAMES[packet.tunnelType[0]];
          look = packet.tunnelVni[0] >= 0 && type !== 'gre' ? `${type} vni ${packet.tunnelVni[0]}` : type;
        }
        s.pending = { sighting: { capture: s.info.id, packet: r.packetNumber, time, sec: r.tsSec, nsec: r.tsNsec, outerSrc, outerDst, look }, id, src, dst, protocol: packet.ipProto[inner] };
        return;
      }
      if (!(await s.reader.refill())) {
        s.done = true;
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
  const groups = new Map<string, Group>();
  const pairs = new Map<string, CorrelatedPair & { latencies: number[]; lookSet: Set<string> }>();
  const decap = new Map<string, DecapsulationCheck>();
  let matched = 0;
  let lost = 0;
  let nodesResolved = false;

  const nodeOfIp = (ip: string | null): string | null => {
    if (ip === null) return null;
    const v4 = parseAddress(ip);
    if (index && v4 !== null) {
      const n = index.nodeByIp(v4);
      if (n) return n.name;
    }
    const s = streams.find((x) => x.info.node === ip || (x.info.node !== null && nodeIps.get(x.info.node) === ip));
    return s ? s.info.node : ip;
  };
  const nodeIps = new Map<string, string>(); // node name -> node IP, for captures named by NODE=
  const ownerOfInner = (ip: string): string | null => {
    const v4 = parseAddress(ip);
    if (!index || v4 === null) return null;
    return index.ownerOf(v4)?.name ?? null;
  };

  /** Settles each capture's node once enough outer traffic was seen (or at the end). */
  const resolveNodes = () => {
    if (nodesResolved) return;
    nodesResolved = true;
    // The node IP is in every tunnel packet of an uplink capture, as source or destination. With
    // traffic in one direction only both addresses qualify: take one no other capture took.
    const taken = new Set<string>();
    for (const s of streams) {
      const max = Math.max(0, ...s.outerIps.values());
      const candidates = [...s.outerIps].filter(([, n]) => n === max && max > 0).map(([ip]) => ip);
      const given = s.info.node !== null && parseAddress(s.info.node) !== null ? s.info.node : null;
      const modelIp = s.info.node !== null && options.model ? options.model.nodes.find((n) => n.name === s.info.node) : undefined;
      const best = given ?? (modelIp?.ipv4 ? formatAddress(modelIp.ipv4.address) : candidates.find((ip) => !taken.has(ip)) ?? candidates[0] ?? null);
      if (best !== null) taken.add(best);
      if (s.info.node !== null && best !== null) nodeIps.set(s.info.node, best);
      if (s.info.node === null) {
        if (best !== null) {
          const v4 = parseAddress(best);
          const n = index && v4 !== null ? index.nodeByIp(v4) : null;
          s.info.node = n ? n.name : best;
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
  };

  const shared = (options.span ?? 'shared') === 'shared';
  const covers = (s: Stream, time: number) => {
    if (shared) return true; // every capture ran the whole time
    return s.first <= time && (!s.done || s.last >= time);
  };

  const judge = (g: Group) => {
    const seenIn = new Set(g.sightings.map((x) => x.capture));
    const withOuter = g.sightings.find((x) => x.outerSrc !== null);
    const from = withOuter ? nodeOfIp(withOuter.outerSrc) : ownerOfInner(g.src);
    const to = withOuter ? nodeOfIp(withOuter.outerDst) : ownerOfInner(g.dst);
    const at = (node: string | null, kind?: 'uplink' | 'tunnel') => streams.filter((s) => s.info.node !== null && s.info.node === node && (kind === undefined || s.info.kind === kind));
    const time = g.first;
    let status: 'matched' | 'lost' | null = null;
    if (seenIn.size >= 2) status = 'matched';

    if (from !== null && to !== null && from !== to) {
      const senderUplinks = at(from, 'uplink').filter((s) => seenIn.has(s.info.id));
      const receiverUplinks = at(to, 'uplink').filter((s) => covers(s, time));
      if (senderUplinks.length > 0 && receiverUplinks.length > 0) {
        const key = `${from}\n${to}`;
        let pair = pairs.get(key);
        if (!pair) pairs.set(key, (pair = { from, to, matched: 0, lost: 0, latency: null, looks: [], latencies: [], lookSet: new Set() }));
        const arrived = g.sightings.filter((x) => receiverUplinks.some((s) => s.info.id === x.capture));
        const left = g.sightings.filter((x) => senderUplinks.some((s) => s.info.id === x.capture));
        for (const x of g.sightings) pair.lookSet.add(`${streams[x.capture].info.node ?? '?'} ${streams[x.capture].info.device ?? '?'}: ${streams[x.capture].info.kind === 'tunnel' ? (streams[x.capture].info.node === to ? 'decapsulated' : 'before encapsulation') : x.look}`);
        if (arrived.length > 0) {
          pair.matched++;
          pair.latencies.push((Math.min(...arrived.map((x) => x.time)) - Math.min(...left.map((x) => x.time))) * 1000);
        } else {
          pair.lost++;
          lost++;
          status = 'lost';
        }
      }
      // The receiver's uplink against its tunnel device: was the packet decapsulated?
      const uplinkSighting = g.sightings.find((x) => streams[x.capture].info.node === to && streams[x.capture].info.kind === 'uplink' && x.outerSrc !== null);
      if (uplinkSighting) {
        for (const t of at(to, 'tunnel').filter((s) => covers(s, uplinkSighting.time))) {
          const key = `${to}\n${t.info.id}`;
          let d = decap.get(key);
          const uplink = streams[uplinkSighting.capture].info;
          if (!d) decap.set(key, (d = { node: to, uplink: uplink.device ?? uplink.file, tunnelDevice: t.info.device ?? t.info.file, arrived: 0, decapsulated: 0, dropped: 0, causes: [] }));
          d.arrived++;
          if (seenIn.has(t.info.id)) d.decapsulated++;
          else d.dropped++;
        }
      }
    }
    if (status === 'matched') matched++;
    if (status !== null && options.onPacket) {
      options.onPacket({
        id: g.id, src: g.src, dst: g.dst, protocol: g.protocol, status, from, to,
        seen: g.sightings.map((x) => ({ capture: x.capture, packet: x.packet, time: isoTime(x.sec, x.nsec), look: x.look })),
      });
    }
  };

  const window = options.windowSeconds;
  const windowPackets = options.windowPackets ?? DEFAULT_WINDOW_PACKETS;
  let windowCut = 0;
  // Groups that left the window before the captures' nodes were known wait here (a few hundred
  // at most: the warm-up), then are judged like the others.
  const deferred: Group[] = [];
  const settle = (g: Group) => {
    if (nodesResolved) judge(g);
    else deferred.push(g);
  };
  // The oldest group (insertion order is time order), read with one live iterator: a fresh
  // iterator per packet would step again over every entry deleted since the Map last compacted,
  // quadratic when the window is full. Every entry before `head` has been deleted, so the
  // iterator is only advanced while the Map still holds an entry after it, and never ends.
  const order = groups.entries();
  let head: [string, Group] | null = null;
  const oldest = (): [string, Group] | null => {
    while (groups.size > 0 && (head === null || groups.get(head[0]) !== head[1])) head = order.next().value ?? null;
    return groups.size > 0 ? head : null;
  };
  const evict = ([id, g]: [string, Group]) => {
    groups.delete(id);
    settle(g);
  };
  const evictBefore = (time: number) => {
    for (let o = oldest(); o !== null && o[1].first < time - window; o = oldest()) evict(o);
  };

  // The merge: always take the stream whose next sighting is earliest.
  let warmup = 0;
  let windowPeak = 0;
  for (;;) {
    let next: Stream | null = null;
    for (const s of streams) if (s.pending && (next === null || s.pending.sighting.time < next.pending!.sighting.time)) next = s;
    if (next === null) break;
    const p = next.pending!;
    if (!nodesResolved && ++warmup >= 200) {
      resolveNodes();
      for (const g of deferred.splice(0)) judge(g);
    }
    evictBefore(p.sighting.time);
    const key = p.id!;
    let g = groups.get(key);
    if (g && p.sighting.time - g.first > window) {
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
      groups.set(key, (g = { id: key, src: p.src, dst: p.dst, protocol: p.protocol, first: p.sighting.time, sightings: [] }));
      if (groups.size > windowPeak) windowPeak = groups.size;
    }
    // The same packet twice in one capture (a retransmission with identical bytes) is kept once.
    if (!g.sightings.some((x) => x.capture === p.sighting.capture)) g.sightings.push(p.sighting);
    await advance(next);
  }
  resolveNodes();
  for (const s of streams) s.done = true;
  for (const g of deferred.splice(0)) judge(g);
  for (const g of groups.values()) judge(g);
  groups.clear();
  for (const s of streams) {
    await s.reader.close().catch(() => {});
    s.info.firstTime = Number.isFinite(s.first) ? isoTime(...s.firstExact) : null;
    s.info.lastTime = Number.isFinite(s.last) ? isoTime(...s.lastExact) : null;
  }

  const pairList: CorrelatedPair[] = [...pairs.values()]
    .map(({ latencies, lookSet, ...p }) => ({ ...p, latency: summarize(latencies), looks: [...lookSet].sort() }))
    .sort((a, b) => (a.from === b.from ? a.to.localeCompare(b.to) : a.from.localeCompare(b.from)));
  const decapList = [...decap.values()].map((d) => ({
    ...d,
    causes: d.dropped > 0 ? ['a bad outer UDP checksum (calico-pcap verify shows checksum.bad_outer_udp)', "Felix's rule that drops IPIP/VXLAN from hosts that are not Calico nodes", 'reverse-path filtering (rp_filter) on the receiving node', 'a wrong VNI or VTEP MAC'] : [],
  }));
  const warnings: string[] = [];
  if (pairList.some((p) => p.latency !== null)) warnings.push('one-way latencies compare the clocks of different nodes: they are only as good as the nodes\' time synchronisation');
  for (const s of streams) if (s.info.node === null) warnings.push(`${s.info.file}: the node it was taken on is unknown; name it as NODE=FILE`);
  if (windowCut > 0) warnings.push(windowCutWarning(windowCut, windowPackets));
  for (const s of streams) if (s.info.readFault) warnings.push(`${s.info.file}: the read stopped early (${s.info.readFault.code}): only the packets before it were correlated`);
  return {
    schema: CORRELATE_SCHEMA_VERSION,
    tool: { name: 'calico-pcap', version: TOOL_VERSION },
    windowSeconds: window,
    windowPeakPackets: windowPeak,
    windowPackets,
    windowCutPackets: windowCut,
    captures: streams.map((s) => s.info),
    matched,
    lost,
    pairs: pairList,
    decapsulation: decapList,
    warnings,
  };
}

/** Said when the window was full: the match of a packet judged early can be missed. */
export function windowCutWarning(cut: number, windowPackets: number): string {
  return `the window was full (--window-packets ${windowPackets}): ${cut} inner packets were judged before --window ended, and a later sighting of one of them counts as another packet; give a larger --window-packets or a shorter --window`;
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
