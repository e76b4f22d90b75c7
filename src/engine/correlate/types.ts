// The correlation document (`calico-pcap correlate --format json`): one inner packet followed
// across captures taken at the same time on several nodes and interfaces. A contract, like the
// analysis document: documented in docs/correlate.md, versioned by `schema`.
import type { IssueRecord } from '../../issues.js';
import type { FilterSummary } from '../../analysis/analyzer.js';

export const CORRELATE_SCHEMA_VERSION = 1;

export interface CorrelatedCapture {
  /** Index in the command line order. */
  id: number;
  file: string;
  /** The node the capture was taken on (NODE=FILE, the model, or inferred from its tunnel traffic), or null. */
  node: string | null;
  /** The interface: uplink name, tunl0 / vxlan.calico, or null when unknown. */
  device: string | null;
  /** 'uplink' (outer headers visible) or 'tunnel' (tunl0 / vxlan.calico: already decapsulated). */
  kind: 'uplink' | 'tunnel';
  packets: number;
  /** Packets with an inner IP header, the ones that can be followed. */
  innerPackets: number;
  firstTime: string | null;
  lastTime: string | null;
  /** The fault that ended the read of this capture early (cut short, gzip cut short), or null. */
  readFault: IssueRecord | null;
  /** Issues counted by code, exactly as `calico-pcap analyze` counts them (its `issues.counts`). */
  issues: Record<string, number>;
  /** Packets with at least one malformed issue, and packets cut by the snapshot length (as analyze's totals). */
  malformedPackets: number;
  snaplenCutPackets: number;
  /**
   * Ids of the captures compared with this one (the uplinks of other nodes; its node's tunnel
   * device or uplink) whose time span does not overlap this one's, even stretched by the window:
   * taken at different times, so packets between them are not judged.
   */
  disjointFrom: number[];
}

export interface LatencySummary {
  minMs: number;
  medianMs: number;
  p99Ms: number;
}

/** One sender node -> receiver node direction. */
export interface CorrelatedPair {
  from: string;
  to: string;
  /** Inner packets seen both where they left (the sender's capture) and where they arrived (the receiver's). */
  matched: number;
  /** Sent toward the receiver inside the time span both captures cover, never seen there. */
  lost: number;
  /** One-way latency from the sender's capture to the receiver's (node clocks may differ), or null. */
  latency: LatencySummary | null;
  /** How the packets looked at each point, e.g. "kube-node01 ens37: vxlan vni 4096". */
  looks: string[];
}

/** A node's uplink capture against its own tunnel-device capture: proof of decapsulation. */
export interface DecapsulationCheck {
  node: string;
  uplink: string;
  tunnelDevice: string;
  /** Tunnel packets to this node seen on its uplink while the tunnel-device capture ran. */
  arrived: number;
  /** ... of which seen again, decapsulated, on the tunnel device. */
  decapsulated: number;
  /** ... never seen on the tunnel device: dropped by the receiving node. */
  dropped: number;
  /** Likely causes when dropped > 0 (bad outer UDP checksum, Felix's unknown-host rule, rp_filter). */
  causes: string[];
}

export interface CorrelatedPacket {
  /** Stable identity, 16 hex digits (a 53-bit digest of inner addresses, protocol, IP ID and the first payload bytes). */
  id: string;
  src: string;
  dst: string;
  protocol: number;
  /** Every sighting: capture id, packet number, time, and how it looked there. */
  seen: { capture: number; packet: number; time: string; look: string }[];
  /** matched (seen in 2+ captures) or lost (sent toward a captured node, never seen there). */
  status: 'matched' | 'lost';
  from: string | null;
  to: string | null;
}

export interface CorrelateDocument {
  schema: number;
  tool: { name: string; version: string };
  /** The matching window in seconds: sightings further apart are different packets. */
  windowSeconds: number;
  /** Most inner packets held in the window at once: memory follows this, not the capture size. */
  windowPeakPackets: number;
  /** The bound on inner packets held at once (--window-packets). */
  windowPackets: number;
  /** Inner packets judged before their window ended because the window was full (then also a warning). */
  windowCutPackets: number;
  captures: CorrelatedCapture[];
  /** Inner packets seen in two or more captures. */
  matched: number;
  /** Inner packets sent toward a node whose capture is given, inside the span both cover, never seen there. */
  lost: number;
  /** Tunnel packets that reached a node's uplink and never came out of its tunnel device (the sum of decapsulation[].dropped). */
  decapsulationDropped: number;
  /** Inner packets sent toward a node whose capture did not run at that moment (spans that do not overlap, or --own-span): neither matched nor lost. */
  notCovered: number;
  pairs: CorrelatedPair[];
  decapsulation: DecapsulationCheck[];
  /** Always includes the clock warning when latencies are reported. */
  warnings: string[];
  /** With -Y/--where only: the expression, and packets read and selected over all captures. */
  filter?: FilterSummary;
}
