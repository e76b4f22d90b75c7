// `calico-pcap report --html FILE CAPTURE...`: one self-contained HTML file with the node graph,
// the flow tables with verdicts and findings, and the correlation when several captures are
// given. It runs the same pipeline as analyze, verify and correlate.
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { captureErrorLine, describeWriteError, readStoppedLine, EXIT_OK, EXIT_UNREADABLE, parseCaptureArg, type CliIo } from './support.js';
import { analyzeCapture } from '../analysis/pipeline.js';
import { inputName, SourceOpenError } from '../capture/source.js';
import { CaptureFormatError } from '../capture/reader.js';
import type { AnalysisDocument } from '../report/document.js';
import type { VerifyDocument } from '../report/verify-report.js';
import { renderHtmlReport } from '../report/html.js';
import { correlate } from '../engine/correlate/correlate.js';
import type { CorrelateDocument } from '../engine/correlate/types.js';
import { documentOf } from './verdict.js';
import { decoderPorts } from './model-options.js';
import type { ClusterModel } from '../model/cluster.js';
import type { ModelFlags } from '../model/sources.js';
import { optionalModel, windowOption, type KubeModelOptions } from './model-options.js';
import { whereFilter } from './where.js';
import type { PacketFilter } from '../filter/compile.js';
import { podNamesOption, type PodOptions } from './pod-options.js';
import type { PodNames } from '../report/pod-names.js';

export interface ReportOptions {
  html: string;
  title?: string;
  window: number;
  vxlanPort: number[];
  /** -Y/--where, compiled (docs/filter.md). */
  where?: PacketFilter;
  /** --pods: names beside pod IPs in the flow tables. */
  names?: PodNames | null;
}

export async function runReport(captures: string[], opts: ReportOptions, model: ClusterModel | null, io: CliIo): Promise<number> {
  const docs: (AnalysisDocument | VerifyDocument)[] = [];
  const inputs = captures.map(parseCaptureArg);
  let correlation: CorrelateDocument | null = null;
  // Several captures are read twice (analysis, then correlation): a pipe can be read only once.
  const spool = inputs.length > 1 ? new PipeSpool() : null;
  try {
    const readable = [];
    for (const input of inputs) {
      let file = input.file;
      try {
        if (spool) file = await spool.copy(input.file);
      } catch (err) {
        io.stderr(`calico-pcap: ${input.file}: cannot copy it to a temporary file to read it twice: ${describeWriteError(err)}\n`);
        return EXIT_UNREADABLE;
      }
      readable.push({ ...input, file });
      let run;
      try {
        run = await analyzeCapture(file, { ...decoderPorts(opts.vxlanPort, model), where: opts.where });
      } catch (err) {
        if (err instanceof SourceOpenError || err instanceof CaptureFormatError) {
          io.stderr(captureErrorLine(input.file, err));
          return EXIT_UNREADABLE;
        }
        throw err;
      }
      run.file = inputName(input.file);
      const fault = run.analyzer.readFault;
      if (fault) io.stderr(readStoppedLine(run.file, fault, run.analyzer.packets, 'analysed'));
      // Each capture judged on its own: what one capture teaches (learned blocks) never changes another's verdict.
      docs.push(documentOf(run, model, { captureNode: input.node, captureNodeHow: 'NODE=FILE' }, opts.names ?? null).doc);
    }
    if (inputs.length > 1) {
      try {
        correlation = await correlate(readable, { windowSeconds: opts.window, model, ...decoderPorts(opts.vxlanPort, model), where: opts.where });
      } catch (err) {
        if (err instanceof SourceOpenError || err instanceof CaptureFormatError) {
          io.stderr(`calico-pcap: ${spool ? spool.restoreNames(err.message) : err.message}\n`);
          return EXIT_UNREADABLE;
        }
        throw err;
      }
      if (spool) spool.rename(correlation);
    }
  } finally {
    spool?.remove();
  }
  const html = renderHtmlReport({ title: opts.title ?? `calico-pcap report: ${docs.length} capture${docs.length === 1 ? '' : 's'}`, generated: new Date().toISOString(), captures: docs, correlation });
  // `--html -` is standard output, as `-` is wherever a file is written; the summary line then goes to stderr.
  const toStdout = opts.html === '-';
  try {
    if (toStdout) io.stdout(html);
    else writeFileSync(opts.html, html);
  } catch (err) {
    if (toStdout) throw err; // an OutputWriteError: one line, exit 2, from the entry point
    io.stderr(`calico-pcap: ${opts.html}: cannot write: ${describeWriteError(err)}\n`);
    return EXIT_UNREADABLE;
  }
  const verdicts = docs.filter((d): d is VerifyDocument => 'verify' in d);
  const failing = verdicts.filter((d) => d.verify.result === 'fail').length;
  const inconclusive = verdicts.filter((d) => d.verify.result === 'inconclusive').length;
  (toStdout ? io.stderr : io.stdout)(`wrote ${toStdout ? 'standard output' : opts.html}: ${docs.length} capture(s), ${docs.reduce((n, d) => n + d.totals.flows, 0)} flows${verdicts.length ? `, ${failing} of ${verdicts.length} failing verification` : ''}${inconclusive ? `, ${inconclusive} inconclusive` : ''}${correlation ? `, ${correlation.matched} packets matched and ${correlation.lost} lost across captures` : ''}\n`);
  return EXIT_OK;
}

/**
 * Copies captures that are not regular files (a FIFO, `<(zcat x)`, /dev/stdin, `-`) to a
 * temporary directory, under their own base name (the device is inferred from it), and puts
 * the names the user gave back into what the correlation reports.
 */
class PipeSpool {
  private dir: string | null = null;
  /** Spooled path -> the name the user gave. */
  private readonly names = new Map<string, string>();

  async copy(file: string): Promise<string> {
    if (file !== '-') {
      try {
        if (statSync(file).isFile()) return file;
      } catch {
        return file; // let the reader say why it cannot be opened
      }
    }
    this.dir ??= mkdtempSync(join(tmpdir(), 'calico-pcap-'));
    const sub = join(this.dir, String(this.names.size));
    mkdirSync(sub);
    const path = join(sub, file === '-' ? 'stdin' : basename(file));
    await pipeline(file === '-' ? process.stdin : createReadStream(file), createWriteStream(path));
    this.names.set(path, inputName(file));
    return path;
  }

  restoreNames(text: string): string {
    for (const [path, name] of this.names) text = text.split(path).join(name);
    return text;
  }

  rename(doc: CorrelateDocument): void {
    if (this.names.size === 0) return;
    for (const c of doc.captures) c.file = this.restoreNames(c.file);
    for (const d of doc.decapsulation) {
      d.uplink = this.restoreNames(d.uplink);
      d.tunnelDevice = this.restoreNames(d.tunnelDevice);
    }
    doc.warnings = doc.warnings.map((w) => this.restoreNames(w));
  }

  remove(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ReportCommandOptions extends Omit<ModelFlags, 'vxlanPort'>, PodOptions, KubeModelOptions {
  html: string;
  title?: string;
  window: string;
  vxlanPort: number[];
  cluster: string[];
  where?: string;
}

export async function runReportCommand(captures: string[], opts: ReportCommandOptions, io: CliIo): Promise<number> {
  const window = windowOption(opts.window, io);
  const model = window === undefined ? undefined : await optionalModel(opts, io);
  if (window === undefined || model === undefined) return EXIT_UNREADABLE;
  const names = podNamesOption(opts, io);
  if (names === undefined) return EXIT_UNREADABLE;
  const where = whereFilter(opts.where, model, io, undefined, names?.index ?? null);
  if (where === undefined) return EXIT_UNREADABLE;
  return runReport(captures, { html: opts.html, title: opts.title, window, vxlanPort: opts.vxlanPort, names, where: where ?? undefined }, model, io);
}
