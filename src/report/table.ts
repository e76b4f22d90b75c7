// The human report: one table row per flow with the columns a person scans first, then totals.
// With several captures, a first column names each flow's capture, then a summary per capture
// and one for all of them. The grid is drawn by renderGrid (cli-table3 is far too slow for the
// 100k-flow tables of big captures; see grid.ts).
import type { AnalysisDocument, FlowView } from './document.js';
import type { CaptureFlow } from './flow-order.js';
import type { MergedSummary } from './many-document.js';
import { renderGrid, type Align } from './grid.js';
import { terminalSafe as safe } from './terminal-safe.js';
import { innerPair } from './pod-names.js';

function ports(f: FlowView): string {
  if (f.protocol === null) return f.innerEtherType ?? '';
  if (f.sport === null) return f.protocol;
  return `${f.protocol} ${f.sport} -> ${f.dport}`;
}

function pair(p: { src: string; dst: string } | null): string {
  return p === null ? '-' : `${p.src} -> ${p.dst}`;
}

const HEAD = ['encap', 'outer src -> dst (nodes)', 'vni', 'inner src -> dst (pods)', 'proto/ports', 'packets', 'bytes'];
const ALIGN: Align[] = ['left', 'left', 'right', 'left', 'left', 'right', 'right'];

function flowCells(f: FlowView): (string | number)[] {
  return [f.encapsulation, pair(f.outer), f.vni ?? '-', innerPair(f.inner, safe), ports(f), f.packets, f.bytes];
}

/** What the list left out (--top, or the top 50 on a terminal), and how to see it all. */
export interface TableListing {
  omitted: number;
  /** e.g. "top 50 by packets". */
  shown: string;
}

function omittedLine(listing: TableListing | undefined): string[] {
  if (!listing || listing.omitted === 0) return [];
  return [`${listing.omitted} more flows (use --top 0; shown: ${listing.shown})`];
}

function captureLine(doc: Pick<AnalysisDocument, 'capture'>): string {
  return `${safe(doc.capture.file)}: ${doc.capture.format}${doc.capture.gzip ? ' (gzip)' : ''}, ${doc.capture.interfaces.map((i) => i.linktypeName).join(', ') || 'no interfaces'}`;
}

function countsLine(t: AnalysisDocument['totals'], encapsulations: AnalysisDocument['encapsulations'], nonIp: AnalysisDocument['nonIp']): string {
  const encaps = Object.entries(encapsulations).map(([name, e]) => `${name} ${e.packets}`).join(', ');
  return `${t.packets} packets, ${t.bytes} bytes, ${t.flows} flows${encaps ? ` (${encaps})` : ''}${t.nonIpPackets ? `, ${t.nonIpPackets} non-IP (${Object.entries(nonIp).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`;
}

/** The lines under the flows of one capture: counts, the notable totals, issues, an early end. */
function summaryLines(doc: Omit<AnalysisDocument, 'schema' | 'tool' | 'flows'>, indent: string): string[] {
  const t = doc.totals;
  const lines: string[] = [];
  if (doc.slice) {
    const s = doc.slice;
    const asked = [s.since !== null ? `--since ${safe(s.since)}` : '', s.until !== null ? `--until ${safe(s.until)}` : '', s.count !== null ? `-c ${s.count}` : ''].filter(Boolean).join(' ');
    lines.push(`${asked}: ${s.packetsRead - s.packetsOutside} of ${s.packetsRead} packets read in the slice${s.stoppedByCount ? ', the read stopped at the count' : ''}`);
  }
  if (doc.filter) lines.push(`-Y ${safe(doc.filter.expression)}: ${doc.filter.packetsPassed} of ${doc.filter.packetsRead} packets selected, ${doc.filter.packetsFilteredOut} filtered out`);
  if (t.fragments) lines.push(`${t.fragments} IP fragments (not reassembled)`);
  if (t.badChecksums) lines.push(`${t.badChecksums} bad checksums (IPv4 header or tunnel UDP): corrupted on the way, receivers drop these`);
  if (t.checksumOffloadSuspects) lines.push(`${t.checksumOffloadSuspects} checksums left for the NIC (TX offload on the capturing host): not corruption`);
  if (t.untrackedFlowPackets) lines.push(`${t.untrackedFlowPackets} packets of flows beyond --max-flows were counted in the totals only`);
  const issues = Object.entries(doc.issues.counts);
  if (issues.length > 0) {
    lines.push(`issues: ${issues.map(([code, n]) => `${code} ${n}`).join(', ')}`);
    for (const r of doc.issues.records.slice(0, 5)) lines.push(`  packet ${r.packet} at byte ${r.offset}: ${r.code}: ${safe(r.message)}`);
    if (doc.issues.records.length > 5) lines.push(`  ... (-o json lists up to ${doc.issues.records.length})`);
  }
  if (doc.capture.endedEarly) lines.push('the read stopped early: the report covers the packets before the fault');
  return lines.map((l) => indent + l);
}

export function renderTable(doc: AnalysisDocument, color: boolean, listing?: TableListing): string {
  const lines: string[] = [captureLine(doc)];
  if (doc.flows.length > 0) lines.push(renderGrid(HEAD, ALIGN, doc.flows.map(flowCells), color));
  lines.push(...omittedLine(listing));
  lines.push(countsLine(doc.totals, doc.encapsulations, doc.nonIp));
  lines.push(...summaryLines(doc, ''));
  return lines.join('\n') + '\n';
}

/**
 * Several captures: the listed flows with a capture column, then per capture its header and
 * counts (and what else its own report would say, indented), then the merged counts.
 */
export function renderManyTable(docs: readonly AnalysisDocument[], flows: readonly CaptureFlow[], merged: MergedSummary, color: boolean, listing?: TableListing): string {
  const lines: string[] = [];
  if (flows.length > 0) {
    const rows = flows.map((cf) => [safe(docs[cf.capture].capture.file), ...flowCells(cf.flow)]);
    lines.push(renderGrid(['capture', ...HEAD], ['left', ...ALIGN], rows, color));
  }
  lines.push(...omittedLine(listing));
  for (const doc of docs) {
    lines.push(`${captureLine(doc)}: ${countsLine(doc.totals, doc.encapsulations, doc.nonIp)}`);
    lines.push(...summaryLines(doc, '  '));
  }
  lines.push(`all ${docs.length} captures: ${countsLine(merged.totals, merged.encapsulations, merged.nonIp)}`);
  return lines.join('\n') + '\n';
}
