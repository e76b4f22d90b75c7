// `--format csv`: the flow rows, one per line, with a header (RFC 4180 quoting where needed).
// Several captures: a first column, capture, names the file each flow was seen in.
import type { AnalysisDocument, FlowView } from './document.js';

export const CSV_COLUMNS = [
  'encapsulation', 'outer_src', 'outer_dst', 'vni', 'inner_src', 'inner_dst', 'protocol', 'sport', 'dport',
  'packets', 'bytes', 'fragments', 'malformed_packets', 'bad_checksums', 'first_packet', 'first_time', 'last_time',
] as const;

/** With --pods only, after every other column: the positions above never move. */
export const CSV_POD_COLUMNS = ['inner_src_pod', 'inner_dst_pod'] as const;

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function flowCells(f: FlowView, pods: boolean): (string | number | null | undefined)[] {
  const row = [
    f.encapsulation, f.outer?.src, f.outer?.dst, f.vni, f.inner?.src, f.inner?.dst,
    f.protocol ?? f.innerEtherType, f.sport, f.dport, f.packets, f.bytes, f.fragments, f.malformedPackets,
    f.badChecksums, f.firstPacket, f.firstTime, f.lastTime,
  ];
  if (pods) row.push(f.inner?.srcPod, f.inner?.dstPod);
  return row;
}

export function renderCsv(doc: AnalysisDocument): string {
  const pods = doc.pods !== undefined;
  const rows = [(pods ? [...CSV_COLUMNS, ...CSV_POD_COLUMNS] : CSV_COLUMNS).join(',')];
  for (const f of doc.flows) rows.push(flowCells(f, pods).map(cell).join(','));
  return rows.join('\n') + '\n';
}

/** The flows of several captures, each row led by its capture's file name; pod columns last with --pods. */
export function renderManyCsv(flows: readonly { capture: string; flow: FlowView }[], pods = false): string {
  const rows = [['capture', ...CSV_COLUMNS, ...(pods ? CSV_POD_COLUMNS : [])].join(',')];
  for (const { capture, flow } of flows) rows.push([capture, ...flowCells(flow, pods)].map(cell).join(','));
  return rows.join('\n') + '\n';
}
