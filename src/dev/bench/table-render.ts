// The table of a capture with many flows: a synthetic capture of N distinct flows (VXLAN, IPIP
// and plain pod traffic, as on a Calico uplink) written with the project's writer, analysed by
// the real pipeline, then rendered. Used by `npm run bench` (case "table render, 100k flows")
// and by test/many-captures.test.ts, which checks the rendered rows.
import Table from 'cli-table3';
import { analyzeCapture } from '../../analysis/pipeline.js';
import { PcapWriter } from '../../capture/pcap-writer.js';
import { buildDocument, type AnalysisDocument, type FlowView } from '../../report/document.js';
import { buildPacket, type LayerSpec } from '../synth/index.js';

/** The inner addresses and ports of flow i: distinct for i below 65536 * 200. */
export function syntheticFlow(i: number): { src: string; dst: string; sport: number; dport: number; packets: number } {
  return { src: `10.200.${(i >> 8) & 255}.${i & 255}`, dst: '10.200.255.10', sport: 10000 + (Math.floor(i / 65536) % 200), dport: 8080, packets: 1 + (i % 3) };
}

/** A pcap of `flows` flows (1 to 3 packets each; every third VXLAN, every third IPIP); returns its packet count. */
export async function writeManyFlowCapture(path: string, flows: number): Promise<number> {
  const w = PcapWriter.openFile(path, { linktype: 1 });
  let packets = 0;
  for (let i = 0; i < flows; i++) {
    const f = syntheticFlow(i);
    const inner: LayerSpec[] = [{ ipv4: { src: f.src, dst: f.dst } }, { tcp: { sport: f.sport, dport: f.dport } }];
    const layers: LayerSpec[] =
      i % 3 === 0 ? [{ eth: {} }, { ipv4: { src: '10.0.2.201', dst: '10.0.1.204' } }, { udp: { sport: 40000, dport: 4789 } }, { vxlan: { vni: 4096 } }, { eth: {} }, ...inner]
        : i % 3 === 1 ? [{ eth: {} }, { ipv4: { src: '10.0.2.202', dst: '10.0.1.204' } }, ...inner]
          : [{ eth: {} }, ...inner];
    const bytes = buildPacket(layers);
    for (let k = 0; k < f.packets; k++) w.writePacket(bytes, 1764064800 + Math.floor(packets / 1000), (packets % 1000) * 1000), packets++;
  }
  await w.close();
  return packets;
}

/** The analysis document of such a capture, through the real pipeline. */
export async function manyFlowDocument(path: string): Promise<AnalysisDocument> {
  const run = await analyzeCapture(path, { maxFlows: 10_000_000 });
  return buildDocument(run);
}

/** The flow table as calico-pcap drew it before (cli-table3), for the before/after figures. */
export function renderWithCliTable3(flows: readonly FlowView[]): string {
  const table = new Table({
    head: ['encap', 'outer src -> dst (nodes)', 'vni', 'inner src -> dst (pods)', 'proto/ports', 'packets', 'bytes'],
    colAligns: ['left', 'left', 'right', 'left', 'left', 'right', 'right'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  const pair = (p: { src: string; dst: string } | null) => (p === null ? '-' : `${p.src} -> ${p.dst}`);
  for (const f of flows) table.push([f.encapsulation, pair(f.outer), f.vni ?? '-', pair(f.inner), f.sport === null ? f.protocol ?? '' : `${f.protocol} ${f.sport} -> ${f.dport}`, f.packets, f.bytes]);
  return table.toString();
}
