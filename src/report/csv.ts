// `--format csv`: the flow rows, one per line, with a header (RFC 4180 quoting where needed).
import type { AnalysisDocument } from './document.js';

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

export function renderCsv(doc: AnalysisDocument): string {
  const pods = doc.pods !== undefined;
  const rows = [(pods ? [...CSV_COLUMNS, ...CSV_POD_COLUMNS] : CSV_COLUMNS).join(',')];
  for (const f of doc.flows) {
    const row = [
      f.encapsulation, f.outer?.src, f.outer?.dst, f.vni, f.inner?.src, f.inner?.dst,
      f.protocol ?? f.innerEtherType, f.sport, f.dport, f.packets, f.bytes, f.fragments, f.malformedPackets,
      f.badChecksums, f.firstPacket, f.firstTime, f.lastTime,
    ];
    if (pods) row.push(f.inner?.srcPod, f.inner?.dstPod);
    rows.push(row.map(cell).join(','));
  }
  return rows.join('\n') + '\n';
}
