// The versioned JSON document (`--format json`): what scripts and CI jobs read. Field names are
// a contract documented in docs/analyze.md; bump SCHEMA_VERSION for any incompatible change.
import type { SliceSummary } from '../analysis/slice.js';
import { ISSUES } from '../issues.js';
import { linkTypeName } from '../decode/dispatch.js';
import { encapsulationName, etherTypeName, protocolName } from '../decode/layers.js';
import type { FlowRecord } from '../analysis/flows.js';
import type { CapturePoint } from '../analysis/capture-points.js';
import { formatMac } from '../analysis/address.js';
import type { CaptureRun } from '../analysis/pipeline.js';
import type { FilterSummary } from '../analysis/analyzer.js';
import { isoTime } from '../capture/time.js';
import { TOOL_VERSION } from '../version.js';
import { formatAddress } from '../net/address.js';
import type { PodNames, PodsSection } from './pod-names.js';

export const SCHEMA_VERSION = 1;

/** Direction of a flow's packets at its capture point, as the JSON document spells it. */
export type DirectionName = 'in' | 'out' | null;
const DIRECTION_NAMES: DirectionName[] = [null, 'in', 'out'];

export interface FlowView {
  /** Id of the capture point (capture.points) the flow's packets were captured at. */
  point: number;
  /** Direction at that point (pcapng epb_flags, SLL packet type); null when the capture does not say. */
  direction: DirectionName;
  encapsulation: string;
  outer: { src: string; dst: string } | null;
  vni: number | null;
  key: number | null;
  tunnelPort: number | null;
  vtepMacs: { src: string; dst: string } | null;
  /** srcPod and dstPod ("namespace/name", null for an address no pod holds) only with --pods. */
  inner: { src: string; dst: string; srcPod?: string | null; dstPod?: string | null } | null;
  protocol: string | null;
  protocolNumber: number | null;
  innerEtherType: string | null;
  sport: number | null;
  dport: number | null;
  packets: number;
  bytes: number;
  capturedBytes: number;
  fragments: number;
  malformedPackets: number;
  badChecksums: number;
  checksumOffloadSuspects: number;
  synPackets: number;
  maxInnerLength: number;
  firstPacket: number;
  lastPacket: number;
  firstTime: string;
  lastTime: string;
}

export function flowView(f: FlowRecord, names: PodNames | null = null): FlowView {
  return {
    point: f.point,
    direction: DIRECTION_NAMES[f.direction],
    encapsulation: encapsulationName(f.encapsulation),
    outer: f.outerSrc === null ? null : { src: formatAddress(f.outerSrc), dst: formatAddress(f.outerDst!) },
    vni: f.vni,
    key: f.key,
    tunnelPort: f.tunnelPort,
    vtepMacs: f.vtepMacs,
    inner: f.innerSrc === null ? null : names === null ? { src: formatAddress(f.innerSrc), dst: formatAddress(f.innerDst!) } : { src: formatAddress(f.innerSrc), dst: formatAddress(f.innerDst!), srcPod: names.of(f.innerSrc), dstPod: names.of(f.innerDst) },
    protocol: f.protocol === null ? null : protocolName(f.protocol),
    protocolNumber: f.protocol,
    innerEtherType: f.innerEtherType === null ? null : etherTypeName(f.innerEtherType),
    sport: f.sport,
    dport: f.dport,
    packets: f.packets,
    bytes: f.bytes,
    capturedBytes: f.capturedBytes,
    fragments: f.fragments,
    malformedPackets: f.malformedPackets,
    badChecksums: f.badChecksums,
    checksumOffloadSuspects: f.checksumOffloadSuspects,
    synPackets: f.synPackets,
    maxInnerLength: f.maxInnerLength,
    firstPacket: f.firstPacket,
    lastPacket: f.lastPacket,
    firstTime: isoTime(f.firstSec, f.firstNsec),
    lastTime: isoTime(f.lastSec, f.lastNsec),
  };
}

/** A capture point in the JSON document (capture.points). */
export interface CapturePointView {
  id: number;
  /** Index into capture.interfaces; -1 for the overflow point. */
  interface: number;
  linktype: number;
  /** SLL2 interface index on the capturing host, -1 where absent. */
  ifIndex: number;
  /** ARPHRD_ type from SLL/SLL2, -1 where absent. */
  hatype: number;
  /** Distinct SLL link-layer addresses seen (at most 8), "aa:bb:cc:dd:ee:ff". */
  linkAddresses: string[];
  packets: number;
  in: number;
  out: number;
  /** True for the point that collects packets once 4096 points exist. */
  overflow: boolean;
}

export function capturePointView(p: CapturePoint): CapturePointView {
  return {
    id: p.id,
    interface: p.interface,
    linktype: p.linktype,
    ifIndex: p.ifIndex,
    hatype: p.hatype,
    linkAddresses: p.linkAddresses.map(formatMac),
    packets: p.packets,
    in: p.in,
    out: p.out,
    overflow: p.overflow,
  };
}

export interface EncapsulationTotals {
  packets: number;
  bytes: number;
  flows: number;
}

export interface AnalysisDocument {
  schema: number;
  tool: { name: string; version: string };
  capture: {
    file: string;
    format: string;
    gzip: boolean;
    bytesRead: number;
    endedEarly: boolean;
    interfaces: { id: number; linktype: number; linktypeName: string; snaplen: number; name: string | null; timestampResolution: string }[];
    points: CapturePointView[];
  };
  totals: {
    packets: number;
    bytes: number;
    capturedBytes: number;
    flows: number;
    untrackedFlowPackets: number;
    nonIpPackets: number;
    fragments: number;
    malformedPackets: number;
    snaplenCutPackets: number;
    badChecksums: number;
    checksumOffloadSuspects: number;
    firstTime: string | null;
    lastTime: string | null;
  };
  encapsulations: Record<string, EncapsulationTotals>;
  nonIp: Record<string, number>;
  flows: FlowView[];
  issues: {
    counts: Record<string, number>;
    records: { code: string; layer: string; severity: string; packet: number; offset: number; needed?: number; present?: number; message: string }[];
    recordsTruncated: boolean;
  };
  /** With -Y/--where only: the expression and the packets read, selected and filtered out (totals count the selected ones). */
  filter?: FilterSummary;
  /** With --since, --until or -c only: the slice asked for and the records it kept out (totals count the records inside). */
  slice?: SliceSummary;
  /** Only with --pods: where the pod names of flows[].inner came from. */
  pods?: PodsSection;
}

/** The analysis document of a run; `records` when the caller already materialised the flows; `names` with --pods. */
export function buildDocument(run: CaptureRun, records: readonly FlowRecord[] = run.analyzer.flows.records(), names: PodNames | null = null): AnalysisDocument {
  const a = run.analyzer;
  const flows = records.map((f) => flowView(f, names));
  const encapsulations: Record<string, EncapsulationTotals> = {};
  for (const f of flows) {
    const e = (encapsulations[f.encapsulation] ??= { packets: 0, bytes: 0, flows: 0 });
    e.packets += f.packets;
    e.bytes += f.bytes;
    e.flows++;
  }
  const nonIp: Record<string, number> = {};
  for (const [etherType, n] of [...a.nonIpByEtherType].sort((x, y) => x[0] - y[0])) {
    nonIp[etherType < 0 ? 'unknown' : etherTypeName(etherType)] = n;
  }
  const counts: Record<string, number> = {};
  let issueTotal = 0;
  ISSUES.forEach((d, i) => {
    if (a.issueCounts[i] > 0) {
      counts[d.code] = a.issueCounts[i];
      issueTotal += a.issueCounts[i];
    }
  });
  return {
    schema: SCHEMA_VERSION,
    tool: { name: 'calico-pcap', version: TOOL_VERSION },
    capture: {
      file: run.file,
      format: run.format,
      gzip: run.gzip,
      bytesRead: run.bytesRead,
      endedEarly: run.endedEarly,
      interfaces: run.interfaces.map((i) => ({
        id: i.id,
        linktype: i.linktype,
        linktypeName: linkTypeName(i.linktype),
        snaplen: i.snaplen,
        name: i.name ?? null,
        timestampResolution: `${i.tsBase}^-${i.tsExponent}`,
      })),
      points: a.points.records().map(capturePointView),
    },
    totals: {
      packets: a.packets,
      bytes: a.wireBytes,
      capturedBytes: a.capturedBytes,
      flows: flows.length,
      untrackedFlowPackets: a.flows.overflowPackets,
      nonIpPackets: a.nonIpPackets,
      fragments: a.fragments,
      malformedPackets: a.malformedPackets,
      snaplenCutPackets: a.snaplenCutPackets,
      badChecksums: a.badChecksums,
      checksumOffloadSuspects: a.checksumOffloadSuspects,
      firstTime: a.packets > 0 ? isoTime(a.firstSec, a.firstNsec) : null,
      lastTime: a.packets > 0 ? isoTime(a.lastSec, a.lastNsec) : null,
    },
    encapsulations,
    nonIp,
    flows,
    issues: { counts, records: a.issueRecords, recordsTruncated: issueTotal > a.issueRecords.length },
    ...(a.where !== null ? { filter: a.filterSummary()! } : {}),
    ...(a.slice !== null ? { slice: a.slice.summary() } : {}),
    ...(names === null ? {} : { pods: names.section() }),
  };
}
