// `calico-pcap analyze`: one capture through the shared pipeline, rendered as a table, JSON, CSV
// or ndjson. runPipeline and finishRead are shared by verify.
import { analyzeCapture, type CaptureRun } from '../analysis/pipeline.js';
import { CaptureFormatError } from '../capture/reader.js';
import { SourceOpenError } from '../capture/source.js';
import { PacketDecoder } from '../decode/decoder.js';
import { linkTypeName } from '../decode/dispatch.js';
import { buildDocument } from '../report/document.js';
import { renderTable } from '../report/table.js';
import { renderCsv } from '../report/csv.js';
import { packetLine } from '../report/ndjson.js';
import { jsonTerminalSafe } from '../report/terminal-safe.js';
import type { DecoderPorts } from './model-options.js';
import type { PacketFilter } from '../filter/compile.js';
import { whereFilter } from './where.js';
import { podNamesOption, type PodOptions } from './pod-options.js';
import type { PodNames } from '../report/pod-names.js';
import { captureErrorLine, colorWanted, EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, issueLine, Output, readStoppedLine, type CliIo } from './support.js';

export interface AnalyzeOptions extends PodOptions {
  format: 'table' | 'json' | 'csv' | 'ndjson' | 'junit';
  vxlanPort: number[];
  strict?: boolean;
  maxFlows: number;
  maxTunnelDepth: number;
  color: boolean;
  debug?: boolean;
  /** -Y/--where EXPR (docs/filter.md). */
  where?: string;
}

/** Runs the shared pipeline; returns the run, or an exit code after printing why. `names`: --pods, for ndjson lines; `where`: -Y. */
export async function readCapture(capture: string, opts: AnalyzeOptions, io: CliIo, out: Output, ports: DecoderPorts = { vxlanPorts: opts.vxlanPort, wireguardPorts: [] }, names: PodNames | null = null, where: PacketFilter | null = null): Promise<CaptureRun | number> {
  const ndjson = opts.format === 'ndjson';
  let run: CaptureRun;
  try {
    run = await analyzeCapture(
      capture,
      { ...ports, strict: opts.strict, maxFlows: opts.maxFlows, maxTunnelDepth: opts.maxTunnelDepth, where: where ?? undefined },
      ndjson ? (reader, packet) => out.push(JSON.stringify(packetLine(reader, packet, names)) + '\n') : undefined,
    );
  } catch (err) {
    if (err instanceof SourceOpenError || err instanceof CaptureFormatError) {
      io.stderr(captureErrorLine(capture, err));
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  // Input that was a capture, but of link types we cannot decode at all, is as good as unreadable.
  const decoder = new PacketDecoder();
  if (run.interfaces.length > 0 && !run.interfaces.some((i) => decoder.supportsLinkType(i.linktype))) {
    out.flush();
    const types = [...new Set(run.interfaces.map((i) => `${i.linktype} (${linkTypeName(i.linktype)})`))].join(', ');
    io.stderr(`calico-pcap: ${run.file}: unsupported link type ${types}: nothing to decode\n`);
    return EXIT_UNREADABLE;
  }
  return run;
}

/** Exit code and stderr line for how the read ended (strict violation, or a fault in lax mode). */
export function finishRead(run: CaptureRun, io: CliIo): number {
  const a = run.analyzer;
  if (a.strictViolation) {
    io.stderr(issueLine(run.file, a.strictViolation) + '\n');
    return EXIT_VIOLATION;
  }
  if (a.readFault) {
    io.stderr(readStoppedLine(run.file, a.readFault, a.packets, 'analysed'));
  }
  return EXIT_OK;
}

export async function runAnalyze(capture: string, opts: AnalyzeOptions, io: CliIo): Promise<number> {
  // Synchronous for files and pipes on Linux, so memory stays bounded while streaming ndjson.
  const names = podNamesOption(opts, io);
  if (names === undefined) return EXIT_UNREADABLE;
  const where = whereFilter(opts.where, null, io, 'analyze reads no cluster model: use verify, correlate, report or live with --cluster', names?.index ?? null);
  if (where === undefined) return EXIT_UNREADABLE;
  const out = new Output((s) => io.stdout(s));
  const run = await readCapture(capture, opts, io, out, undefined, names, where);
  if (typeof run === 'number') return run;
  const doc = buildDocument(run, undefined, names);
  switch (opts.format) {
    case 'json':
      out.push(jsonTerminalSafe(JSON.stringify(doc, null, 2)) + '\n');
      break;
    case 'csv':
      out.push(renderCsv(doc));
      break;
    case 'ndjson':
      out.push(JSON.stringify({ summary: { schema: doc.schema, totals: doc.totals, encapsulations: doc.encapsulations, issues: doc.issues.counts } }) + '\n');
      break;
    default:
      out.push(renderTable(doc, colorWanted(opts.color, io)));
  }
  out.flush();
  return finishRead(run, io);
}
