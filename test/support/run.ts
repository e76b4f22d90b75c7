// Running the real pipeline in-process and collecting per-packet results for assertions.
import { analyzeCapture, type CaptureRun, type PipelineOptions } from '../../src/analysis/pipeline.js';
import { packetLine, type PacketLine } from '../../src/report/ndjson.js';
import { formatIpAddress } from '../../src/analysis/address.js';

export interface PacketResult extends PacketLine {
  /** Every IP header, outermost first (tunnel carriers and the inner one). */
  ipv4Src: string[];
  ipv4Dst: string[];
  ipv6Src: string[];
  ipv6Dst: string[];
}

export async function decodeFile(path: string, options: PipelineOptions = {}): Promise<{ run: CaptureRun; packets: PacketResult[] }> {
  const packets: PacketResult[] = [];
  const run = await analyzeCapture(path, options, (reader, p) => {
    const r: PacketResult = { ...packetLine(reader, p), ipv4Src: [], ipv4Dst: [], ipv6Src: [], ipv6Dst: [] };
    for (let i = 0; i < p.ipCount; i++) {
      const fam = p.ipFamily[i];
      const src = formatIpAddress(p.bytes, fam, p.ipOffset[i], 0);
      const dst = formatIpAddress(p.bytes, fam, p.ipOffset[i], 1);
      if (fam === 4) {
        r.ipv4Src.push(src);
        r.ipv4Dst.push(dst);
      } else {
        r.ipv6Src.push(src);
        r.ipv6Dst.push(dst);
      }
    }
    packets.push(r);
  });
  return { run, packets };
}
