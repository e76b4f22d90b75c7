// The human report: one table row per flow with the columns a person scans first, then totals.
import Table from 'cli-table3';
import type { AnalysisDocument, FlowView } from './document.js';
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

export function renderTable(doc: AnalysisDocument, color: boolean): string {
  const table = new Table({
    head: ['encap', 'outer src -> dst (nodes)', 'vni', 'inner src -> dst (pods)', 'proto/ports', 'packets', 'bytes'],
    colAligns: ['left', 'left', 'right', 'left', 'left', 'right', 'right'],
    style: color ? {} : { head: [], border: [] },
    // No rule between rows: a flow table is scanned down a column.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const f of doc.flows) {
    table.push([f.encapsulation, pair(f.outer), f.vni ?? '-', innerPair(f.inner, safe), ports(f), f.packets, f.bytes]);
  }
  const t = doc.totals;
  const lines: string[] = [];
  lines.push(`${safe(doc.capture.file)}: ${doc.capture.format}${doc.capture.gzip ? ' (gzip)' : ''}, ${doc.capture.interfaces.map((i) => i.linktypeName).join(', ') || 'no interfaces'}`);
  if (doc.flows.length > 0) lines.push(table.toString());
  const encaps = Object.entries(doc.encapsulations).map(([name, e]) => `${name} ${e.packets}`).join(', ');
  lines.push(`${t.packets} packets, ${t.bytes} bytes, ${t.flows} flows${encaps ? ` (${encaps})` : ''}${t.nonIpPackets ? `, ${t.nonIpPackets} non-IP (${Object.entries(doc.nonIp).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`);
  if (doc.filter) lines.push(`-Y ${safe(doc.filter.expression)}: ${doc.filter.packetsPassed} of ${doc.filter.packetsRead} packets selected, ${doc.filter.packetsFilteredOut} filtered out`);
  if (t.fragments) lines.push(`${t.fragments} IP fragments (not reassembled)`);
  if (t.badChecksums) lines.push(`${t.badChecksums} bad checksums (IPv4 header or tunnel UDP): corrupted on the way, receivers drop these`);
  if (t.checksumOffloadSuspects) lines.push(`${t.checksumOffloadSuspects} checksums left for the NIC (TX offload on the capturing host): not corruption`);
  if (t.untrackedFlowPackets) lines.push(`${t.untrackedFlowPackets} packets of flows beyond --max-flows were counted in the totals only`);
  const issues = Object.entries(doc.issues.counts);
  if (issues.length > 0) {
    lines.push(`issues: ${issues.map(([code, n]) => `${code} ${n}`).join(', ')}`);
    for (const r of doc.issues.records.slice(0, 5)) lines.push(`  packet ${r.packet} at byte ${r.offset}: ${r.code}: ${safe(r.message)}`);
    if (doc.issues.records.length > 5) lines.push(`  ... (--format json lists up to ${doc.issues.records.length})`);
  }
  if (doc.capture.endedEarly) lines.push('the read stopped early: the report covers the packets before the fault');
  return lines.join('\n') + '\n';
}
