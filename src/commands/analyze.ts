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
import { commandReadControl } from './read-control.js';
import { interruptedLine } from './interrupt.js';
import { captureErrorLine, colorWanted, EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, issueLine, Output, readStoppedLine, type CliIo } from './support.js';

export interface AnalyzeOptions {
  format: 'table' | 'json' | 'csv' | 'ndjson' | 'junit';
  vxlanPort: number[];
  strict?: boolean;
  maxFlows: number;
  maxTunnelDepth: number;
  color: boolean;
  debug?: boolean;
}

/** Runs the shared pipeline; returns the run, or an exit code after printing why. */
export async function readCapture(capture: string, opts: AnalyzeOptions, io: CliIo, out: Output, ports: DecoderPorts = { vxlanPorts: opts.vxlanPort, wireguardPorts: [] }): Promise<CaptureRun | number> {
  const ndjson = opts.format === 'ndjson';
  let run: CaptureRun;
  // Ctrl-C, the progress line (not over ndjson streaming to the same terminal), stdout backpressure.
  const reading = commandReadControl(capture, !(ndjson && io.isTTY));
  try {
    run = await analyzeCapture(
      capture,
      { ...ports, strict: opts.strict, maxFlows: opts.maxFlows, maxTunnelDepth: opts.maxTunnelDepth },
      ndjson ? (reader, packet) => out.push(JSON.stringify(packetLine(reader, packet)) + '\n') : undefined,
      reading.control,
    );
  } catch (err) {
    reading.finish();
    if (err instanceof SourceOpenError || err instanceof CaptureFormatError) {
      io.stderr(captureErrorLine(capture, err));
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  reading.finish();
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
  if (run.interrupted) io.stderr(interruptedLine(run.file, a.packets, 'analysed'));
  return EXIT_OK;
}

export async function runAnalyze(capture: string, opts: AnalyzeOptions, io: CliIo): Promise<number> {
  // Synchronous for files and pipes on Linux, so memory stays bounded while streaming ndjson.
  const out = new Output((s) => io.stdout(s));
  const run = await readCapture(capture, opts, io, out);
  if (typeof run === 'number') return run;
  const doc = buildDocument(run);
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
