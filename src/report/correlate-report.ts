// The table report of `calico-pcap correlate`.
import Table from 'cli-table3';
import type { CorrelateDocument, CorrelatedPacket } from '../engine/correlate/types.js';
import { terminalSafe as safe } from './terminal-safe.js';
import type { PodNames } from './pod-names.js';

/** An ndjson packet line with --pods: srcPod and dstPod ("namespace/name" or null) after src and dst. */
export function namedPacket(p: CorrelatedPacket, names: PodNames): CorrelatedPacket & { srcPod: string | null; dstPod: string | null } {
  const { id, src, dst, ...rest } = p;
  return { id, src, dst, srcPod: names.ofText(src), dstPod: names.ofText(dst), ...rest };
}

export function renderCorrelateTable(doc: CorrelateDocument, color: boolean): string {
  const style = color ? {} : { head: [], border: [] };
  const chars = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
  // The verdict first: matched, lost between nodes, dropped by a receiving node after its uplink.
  const lines: string[] = [`${doc.matched} inner packets matched across captures, ${doc.lost} lost, ${doc.decapsulationDropped} dropped by the receiving node before decapsulation (window ${doc.windowSeconds} s)`];
  if (doc.notCovered > 0) lines.push(`${doc.notCovered} not judged: sent toward a node while its capture was not running (see the warnings)`);
  const captures = new Table({ head: ['#', 'capture', 'node', 'interface', 'packets', 'inner', 'first', 'last'], style, chars });
  for (const c of doc.captures) captures.push([c.id, safe(c.file), safe(c.node ?? '?'), `${safe(c.device ?? '?')} (${c.kind})`, c.packets, c.innerPackets, c.firstTime ?? '-', c.lastTime ?? '-']);
  lines.push(captures.toString());
  if (doc.pairs.length > 0) {
    const pairs = new Table({ head: ['sender -> receiver', 'matched', 'lost', 'latency min / median / p99 (ms)', 'seen as'], style, chars });
    for (const p of doc.pairs) {
      pairs.push([`${safe(p.from)} -> ${safe(p.to)}`, p.matched, p.lost, p.latency ? `${p.latency.minMs} / ${p.latency.medianMs} / ${p.latency.p99Ms}` : '-', p.looks.map(safe).join('\n')]);
    }
    lines.push('', 'node pairs (per direction):', pairs.toString());
  } else {
    lines.push('no node pair with captures on both ends');
  }
  for (const d of doc.decapsulation) {
    lines.push(`decapsulation on ${safe(d.node)}: ${d.arrived} tunnel packets arrived on ${safe(d.uplink)}, ${d.decapsulated} seen on ${safe(d.tunnelDevice)}, ${d.dropped} dropped by the node`);
    if (d.dropped > 0) lines.push(`  usual causes: ${d.causes.join('; ')}`);
  }
  for (const w of doc.warnings) lines.push(`warning: ${safe(w)}`);
  return lines.join('\n') + '\n';
}
