// `calico-pcap analyze`: captures through the shared pipeline, rendered as a table, JSON, CSV
// or ndjson; one capture gives the single-capture document, several the several-captures one
// (docs/many-captures.md). readCapture and finishRead are shared by verify.
import { analyzeCapture, type CaptureRun } from '../analysis/pipeline.js';
import { CaptureFormatError } from '../capture/reader.js';
import { SourceOpenError } from '../capture/source.js';
import { PacketDecoder } from '../decode/decoder.js';
import { linkTypeName } from '../decode/dispatch.js';
import { buildDocument, type AnalysisDocument } from '../report/document.js';
import { renderManyTable, renderTable } from '../report/table.js';
import { renderCsv, renderManyCsv } from '../report/csv.js';
import { flowLine, packetLine } from '../report/ndjson.js';
import { orderFlows, type CaptureFlow, type SortKey } from '../report/flow-order.js';
export { SORT_HELP, SORT_KEYS } from '../report/flow-order.js';
import { buildManyDocument, mergeSummaries, type UnreadableCapture } from '../report/many-document.js';
import { CaptureListError, resolveCaptures, type CaptureSpec } from './capture-list.js';
import { jsonTerminalSafe } from '../report/terminal-safe.js';
import type { DecoderPorts } from './model-options.js';
import type { PacketFilter } from '../filter/compile.js';
import type { SliceOptions, TimeBound } from '../analysis/slice.js';
import { whereFilter } from './where.js';
import { podNamesOption, type PodOptions } from './pod-options.js';
import type { PodNames } from '../report/pod-names.js';
import { commandReadControl } from './read-control.js';
import { interruptedLine } from './interrupt.js';
import { readWasInterrupted } from './interrupt.js';
import { captureErrorLine, colorWanted, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, issueLine, Output, readStoppedLine, type CliIo } from './support.js';

export interface AnalyzeOptions extends PodOptions {
  format: 'table' | 'json' | 'csv' | 'ndjson' | 'junit';
  vxlanPort: number[];
  strict?: boolean;
  maxFlows: number;
  maxTunnelDepth: number;
  color: boolean;
  debug?: boolean;
  /** The order flows are listed in (--sort); default the flow table's. */
  sort?: SortKey;
  /** At most this many flows listed (--top; 0 all); default all, or 50 in a table on a terminal. */
  top?: number;
  /** ndjson records: one per packet (default) or one per flow (--per). */
  per?: 'packet' | 'flow';
  /** -Y/--where EXPR (docs/filter.md). */
  where?: string;
  /** --since, --until, -c: the records of each capture looked at. */
  since?: TimeBound;
  until?: TimeBound;
  count?: number;
}

/** Flows a table shows on a terminal unless --top says otherwise. */
export const TERMINAL_TOP = 50;

/**
 * Runs the shared pipeline; returns the run, or an exit code after printing why. `tag`: the
 * capture each ndjson line names when there are several; `names`: --pods, for ndjson lines;
 * `where`: -Y, the packets counted.
 */
export async function readCapture(capture: string, opts: AnalyzeOptions, io: CliIo, out: Output, ports: DecoderPorts = { vxlanPorts: opts.vxlanPort, wireguardPorts: [] }, tag?: string, names: PodNames | null = null, where: PacketFilter | null = null): Promise<CaptureRun | number> {
  // ndjson per packet streams as it reads; with several captures each line names its capture (tag).
  const ndjson = opts.format === 'ndjson' && opts.per !== 'flow';
  let run: CaptureRun;
  // Ctrl-C, the progress line (not over ndjson streaming to the same terminal), stdout backpressure.
  const reading = commandReadControl(capture, !(ndjson && io.isTTY));
  try {
    run = await analyzeCapture(
      capture,
      { ...ports, strict: opts.strict, maxFlows: opts.maxFlows, maxTunnelDepth: opts.maxTunnelDepth, where: where ?? undefined, slice: sliceOf(opts) },
      !ndjson ? undefined
        : tag === undefined ? (reader, packet) => out.push(JSON.stringify(packetLine(reader, packet, names)) + '\n')
          : (reader, packet) => out.push(JSON.stringify({ capture: tag, ...packetLine(reader, packet, names) }) + '\n'),
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

/** --since/--until/-c as the pipeline takes them; undefined when none was given (no cost per packet). */
function sliceOf(opts: AnalyzeOptions): SliceOptions | undefined {
  if (opts.since === undefined && opts.until === undefined && opts.count === undefined) return undefined;
  return { since: opts.since, until: opts.until, count: opts.count };
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

/**
 * Reads the captures one after the other, yielding each run that could be read. One that could
 * not is kept in `unreadable` (with the line said about it) and its exit code in `codes`; Ctrl-C
 * stops the whole run, and the report covers the captures read so far.
 */
export async function* eachCapture(
  specs: readonly CaptureSpec[], io: CliIo, read: (spec: CaptureSpec, noting: CliIo) => Promise<CaptureRun | number>,
  unreadable: UnreadableCapture[], codes: number[],
): AsyncGenerator<{ spec: CaptureSpec; run: CaptureRun }> {
  for (const [i, spec] of specs.entries()) {
    if (readWasInterrupted()) {
      io.stderr(`calico-pcap: interrupted (SIGINT): ${specs.length - i} of ${specs.length} captures not read\n`);
      return;
    }
    let said = '';
    const noting: CliIo = { ...io, stderr: (s) => { said += s; io.stderr(s); } };
    const run = await read(spec, noting);
    if (typeof run === 'number') {
      codes.push(run);
      unreadable.push({ file: spec.file, message: said.replace(/^calico-pcap: /, '').trim() });
      continue;
    }
    yield { spec, run };
  }
}

/** The exit code of several outcomes: unreadable or bad usage (2) over a violation (1) over inconclusive (4) over 0. */
export function worstExit(codes: readonly number[]): number {
  for (const c of [EXIT_UNREADABLE, EXIT_VIOLATION, EXIT_INCONCLUSIVE]) if (codes.includes(c)) return c;
  return codes.find((c) => c !== EXIT_OK) ?? EXIT_OK;
}

/** The captures of the command line, or the exit code after the one line saying why not. */
export async function captureList(args: readonly string[], io: CliIo): Promise<CaptureSpec[] | number> {
  try {
    return await resolveCaptures(args);
  } catch (err) {
    if (!(err instanceof CaptureListError)) throw err;
    io.stderr(`calico-pcap: ${err.message}\n`);
    return EXIT_UNREADABLE;
  }
}

/** Combinations of options that mean nothing: one line, exit 2. */
function usageProblem(opts: AnalyzeOptions): string | null {
  if (opts.per !== undefined && opts.format !== 'ndjson') return `--per chooses the records of -o ndjson (packet or flow); it does not apply to -o ${opts.format}`;
  if (opts.format === 'ndjson' && opts.per !== 'flow' && (opts.sort !== undefined || opts.top !== undefined)) {
    return '--sort and --top order flows: with -o ndjson they need --per flow (the packet records stream in capture order)';
  }
  return null;
}

/** How the flows are listed: --sort and --top as given, else on a terminal the top 50 talkers. */
function listingOf(opts: AnalyzeOptions, io: CliIo, flows: number): { sort: SortKey; top: number } {
  let sort = opts.sort ?? 'flow';
  let top = opts.top ?? 0;
  if (opts.top === undefined && opts.format === 'table' && io.isTTY) {
    top = TERMINAL_TOP;
    if (opts.sort === undefined && flows > TERMINAL_TOP) sort = 'packets';
  }
  return { sort, top };
}

function shownLabel(sort: SortKey, top: number): string {
  return sort === 'flow' ? `the first ${top} in table order` : `top ${top} by ${sort}`;
}

const summaryOf = (doc: AnalysisDocument) => ({ schema: doc.schema, totals: doc.totals, encapsulations: doc.encapsulations, issues: doc.issues.counts });

export async function runAnalyze(args: readonly string[], opts: AnalyzeOptions, io: CliIo): Promise<number> {
  const problem = usageProblem(opts);
  if (problem) {
    io.stderr(`calico-pcap: ${problem}\n`);
    return EXIT_UNREADABLE;
  }
  const specs = await captureList(args, io);
  if (typeof specs === 'number') return specs;
  const names = podNamesOption(opts, io);
  if (names === undefined) return EXIT_UNREADABLE;
  const where = whereFilter(opts.where, null, io, 'analyze reads no cluster model: use verify, correlate, report or live with --cluster', names?.index ?? null);
  if (where === undefined) return EXIT_UNREADABLE;
  // Synchronous for files and pipes on Linux, so memory stays bounded while streaming ndjson.
  const out = new Output((s) => io.stdout(s));
  const several = specs.length > 1;
  const perPacket = opts.format === 'ndjson' && opts.per !== 'flow';
  const runs: CaptureRun[] = [];
  const docs: AnalysisDocument[] = [];
  const unreadable: UnreadableCapture[] = [];
  const codes: number[] = [];
  const read = (spec: CaptureSpec, noting: CliIo) => readCapture(spec.file, opts, noting, out, undefined, several ? spec.file : undefined, names, where);
  for await (const { run } of eachCapture(specs, io, read, unreadable, codes)) {
    const doc = buildDocument(run, undefined, names);
    if (perPacket) out.push(JSON.stringify({ summary: several ? { capture: run.file, ...summaryOf(doc) } : summaryOf(doc) }) + '\n');
    runs.push(run);
    docs.push(doc);
  }
  if (docs.length > 0) {
    if (several) renderMany(docs, unreadable, opts, io, out);
    else renderOne(docs[0], opts, io, out);
  }
  out.flush();
  return worstExit([...codes, ...runs.map((run) => finishRead(run, io))]);
}

/** One capture: the single-capture outputs, their flows listed as --sort/--top say. */
function renderOne(doc: AnalysisDocument, opts: AnalyzeOptions, io: CliIo, out: Output): void {
  const { sort, top } = listingOf(opts, io, doc.flows.length);
  const { shown, omitted } = orderFlows(doc.flows.map((flow) => ({ capture: 0, flow })), sort, top);
  const listed: AnalysisDocument & { flowsOmitted?: number } = { ...doc, flows: shown.map((cf) => cf.flow) };
  if (omitted > 0) listed.flowsOmitted = omitted;
  switch (opts.format) {
    case 'json':
      out.push(jsonTerminalSafe(JSON.stringify(listed, null, 2)) + '\n');
      break;
    case 'csv':
      out.push(renderCsv(listed));
      break;
    case 'ndjson':
      if (opts.per === 'flow') {
        for (const f of listed.flows) out.push(JSON.stringify(flowLine(doc.capture.file, f)) + '\n');
        out.push(JSON.stringify({ summary: summaryOf(doc) }) + '\n');
      }
      break;
    default:
      out.push(renderTable(listed, colorWanted(opts.color, io), { omitted, shown: shownLabel(sort, top) }));
  }
}

/** Several captures: every flow with its capture, a summary per capture and the merged one. */
function renderMany(docs: AnalysisDocument[], unreadable: UnreadableCapture[], opts: AnalyzeOptions, io: CliIo, out: Output): void {
  const all: CaptureFlow[] = [];
  docs.forEach((d, capture) => {
    for (const flow of d.flows) all.push({ capture, flow });
  });
  const { sort, top } = listingOf(opts, io, all.length);
  const { shown, omitted } = orderFlows(all, sort, top);
  const merged = mergeSummaries(docs);
  const named = () => shown.map((cf) => ({ capture: docs[cf.capture].capture.file, flow: cf.flow }));
  switch (opts.format) {
    case 'json':
      out.push(jsonTerminalSafe(JSON.stringify(buildManyDocument(docs, shown, unreadable), null, 2)) + '\n');
      break;
    case 'csv':
      out.push(renderManyCsv(named(), docs[0].pods !== undefined));
      break;
    case 'ndjson':
      if (opts.per === 'flow') {
        for (const { capture, flow } of named()) out.push(JSON.stringify(flowLine(capture, flow)) + '\n');
        for (const d of docs) out.push(JSON.stringify({ summary: { capture: d.capture.file, ...summaryOf(d) } }) + '\n');
      }
      out.push(JSON.stringify({ merged: { schema: docs[0].schema, captures: merged.captures, totals: merged.totals, encapsulations: merged.encapsulations, issues: merged.issues.counts } }) + '\n');
      break;
    default:
      out.push(renderManyTable(docs, shown, merged, colorWanted(opts.color, io), { omitted, shown: shownLabel(sort, top) }));
  }
}
