// The JSON document of several captures (`analyze a.pcap b.pcap -o json`). One capture keeps the
// single-capture document (document.ts) unchanged; several give
//   { schema, tool, captures: [per-capture documents], merged: {...}, unreadable: [...] }
// where each per-capture document is the single-capture document less schema and tool, its
// flows those of the capture that --sort/--top listed. docs/many-captures.md describes it.
import type { AnalysisDocument, EncapsulationTotals } from './document.js';
import { SCHEMA_VERSION } from './document.js';
import type { CaptureFlow } from './flow-order.js';
import { TOOL_VERSION } from '../version.js';

/** A capture's document inside the several-captures document. */
export type CaptureDocument = Omit<AnalysisDocument, 'schema' | 'tool'> & {
  /** Flows of this capture that --top (or the terminal's top 50) left out of `flows`; absent when none. */
  flowsOmitted?: number;
};

/** The counts of all captures together: sums, and the earliest and latest packet. */
export interface MergedSummary {
  captures: number;
  totals: AnalysisDocument['totals'];
  encapsulations: Record<string, EncapsulationTotals>;
  nonIp: Record<string, number>;
  issues: { counts: Record<string, number> };
}

/** A capture that could not be read: the others are still reported (exit 2). */
export interface UnreadableCapture {
  file: string;
  message: string;
}

export interface ManyDocument {
  schema: number;
  tool: { name: string; version: string };
  captures: CaptureDocument[];
  merged: MergedSummary;
  unreadable: UnreadableCapture[];
}

function add<K extends string>(into: Record<K, number>, from: Record<K, number>): void {
  for (const k of Object.keys(from) as K[]) into[k] = (into[k] ?? 0) + from[k];
}

export function mergeSummaries(docs: readonly Pick<AnalysisDocument, 'totals' | 'encapsulations' | 'nonIp' | 'issues'>[]): MergedSummary {
  const totals: AnalysisDocument['totals'] = {
    packets: 0, bytes: 0, capturedBytes: 0, flows: 0, untrackedFlowPackets: 0, nonIpPackets: 0, fragments: 0,
    malformedPackets: 0, snaplenCutPackets: 0, badChecksums: 0, checksumOffloadSuspects: 0, firstTime: null, lastTime: null,
  };
  const encapsulations: Record<string, EncapsulationTotals> = {};
  const nonIp: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const d of docs) {
    const t = d.totals;
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) {
      if (k === 'firstTime' || k === 'lastTime') continue;
      (totals[k] as number) += t[k] as number;
    }
    // ISO times of the same fixed width compare as strings.
    if (t.firstTime !== null && (totals.firstTime === null || t.firstTime < totals.firstTime)) totals.firstTime = t.firstTime;
    if (t.lastTime !== null && (totals.lastTime === null || t.lastTime > totals.lastTime)) totals.lastTime = t.lastTime;
    for (const [name, e] of Object.entries(d.encapsulations)) add((encapsulations[name] ??= { packets: 0, bytes: 0, flows: 0 }) as unknown as Record<string, number>, e as unknown as Record<string, number>);
    add(nonIp, d.nonIp);
    add(counts, d.issues.counts);
  }
  return { captures: docs.length, totals, encapsulations, nonIp, issues: { counts } };
}

/** The several-captures document: each capture's document with the flows listed of it, in the listed order. */
export function buildManyDocument(docs: readonly AnalysisDocument[], listed: readonly CaptureFlow[], unreadable: UnreadableCapture[]): ManyDocument {
  const flowsOf: AnalysisDocument['flows'][] = docs.map(() => []);
  for (const cf of listed) flowsOf[cf.capture].push(cf.flow);
  const captures = docs.map((d, i): CaptureDocument => {
    const { schema: _schema, tool: _tool, ...rest } = d;
    const c: CaptureDocument = { ...rest, flows: flowsOf[i] };
    if (flowsOf[i].length < d.flows.length) c.flowsOmitted = d.flows.length - flowsOf[i].length;
    return c;
  });
  return {
    schema: SCHEMA_VERSION,
    tool: { name: 'calico-pcap', version: TOOL_VERSION },
    captures,
    merged: mergeSummaries(docs),
    unreadable,
  };
}
