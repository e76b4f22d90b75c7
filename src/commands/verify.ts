// `calico-pcap verify`: the flows of one capture judged against the cluster model, with pinned
// expectations for regression suites; exit 0 pass, 1 fail, 2 unreadable input, 4 inconclusive.
import { actualExpectations, compareExpectations, expectationsText, readExpectations, writeExpectations, type Expectations } from '../engine/verify/expectations.js';
import type { ModelFlags } from '../model/sources.js';
import { ModelError } from '../model/model-error.js';
import { renderJunit, renderVerifyTable, type VerifyDocument } from '../report/verify-report.js';
import { jsonTerminalSafe, terminalSafe } from '../report/terminal-safe.js';
import { finishRead, readCapture, type AnalyzeOptions } from './analyze.js';
import { decoderPorts, requiredModel } from './model-options.js';
import { whereFilter } from './where.js';
import { podNamesOption } from './pod-options.js';
import { documentOf } from './verdict.js';
import { EXIT_INCONCLUSIVE, EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, Output, parseCaptureArg, colorWanted, type CliIo } from './support.js';

export interface VerifyOptions extends AnalyzeOptions, ModelFlags {
  cluster: string[];
  device?: string;
  captureNode?: string;
  expect?: string;
  writeExpect?: string;
}

export async function runVerify(captureArg: string, opts: VerifyOptions, io: CliIo): Promise<number> {
  const model = requiredModel(opts, io);
  if (model === undefined) return EXIT_UNREADABLE;
  const names = podNamesOption(opts, io);
  if (names === undefined) return EXIT_UNREADABLE;
  const where = whereFilter(opts.where, model, io, undefined, names?.index ?? null);
  if (where === undefined) return EXIT_UNREADABLE;
  let expectations: Expectations | undefined;
  try {
    if (opts.expect) expectations = readExpectations(opts.expect);
  } catch (err) {
    if (err instanceof ModelError) {
      io.stderr(`calico-pcap: ${terminalSafe(err.message)}\n`);
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  // NODE=FILE names the capturing node, as in correlate and report.
  const { file: capture, node } = parseCaptureArg(captureArg);
  // `--write-expect -` puts the expectations on standard output; the verdicts then go to stderr.
  const expectToStdout = opts.writeExpect === '-';
  const report = expectToStdout ? io.stderr : io.stdout;
  const out = new Output((s) => report(s));
  const run = await readCapture(capture, { ...opts, format: 'json' }, io, out, decoderPorts(opts.vxlanPort, model), names, where);
  if (typeof run === 'number') return run;
  const named = opts.captureNode ?? node;
  const { doc, judgement } = documentOf(run, model, { device: opts.device, captureNode: named, captureNodeHow: opts.captureNode ? '--capture-node' : 'NODE=FILE' }, names);
  const vdoc = doc as VerifyDocument;
  const verdict = judgement!.verify;
  const actual = actualExpectations(verdict, vdoc.flows.length);
  // The verdicts are printed even when the pinned file cannot be written; the exit code says so.
  let writeFailed: string | null = null;
  try {
    if (expectToStdout) io.stdout(expectationsText(actual, run.file));
    else if (opts.writeExpect) writeExpectations(opts.writeExpect, actual, run.file);
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    writeFailed = err.message;
  }
  const differences = expectations ? compareExpectations(expectations, actual) : null;
  if (differences && opts.expect) vdoc.verify.expectations = { file: opts.expect, matched: differences.length === 0, differences };
  if (opts.format === 'json') out.push(jsonTerminalSafe(JSON.stringify(vdoc, null, 2)) + '\n');
  else if (opts.format === 'junit') out.push(renderJunit(vdoc));
  else {
    out.push(renderVerifyTable(vdoc, colorWanted(opts.color, expectToStdout ? { ...io, isTTY: false } : io)));
    if (differences) {
      const expectFile = terminalSafe(opts.expect);
      out.push(differences.length === 0
        ? `expectations ${expectFile}: all met\n`
        : `expectations ${expectFile}: ${differences.length} difference(s)\n${differences.map((d) => `  - ${terminalSafe(d)}\n`).join('')}`);
    }
  }
  out.flush();
  const readCode = finishRead(run, io);
  if (writeFailed) {
    io.stderr(`calico-pcap: ${writeFailed}\n`);
    return EXIT_UNREADABLE;
  }
  if (readCode !== EXIT_OK) return readCode;
  // With --expect the pinned expectations decide: a fixture may be pinned as failing on purpose.
  if (differences) {
    if (differences.length > 0) io.stderr(terminalSafe(`calico-pcap: ${run.file}: ${differences.length} difference(s) from ${opts.expect}: ${differences[0]}${differences.length > 1 ? ', ...' : ''}`) + '\n');
    return differences.length === 0 ? EXIT_OK : EXIT_VIOLATION;
  }
  return exitOf(verdict.result, verdict.hint, run.file, io);
}

/** 0 pass, 1 fail, 4 inconclusive (with the hint on stderr). */
export function exitOf(result: 'pass' | 'fail' | 'inconclusive', hint: string | null, file: string, io: CliIo): number {
  if (result === 'pass') return EXIT_OK;
  if (result === 'fail') return EXIT_VIOLATION;
  // The hint names nodes from the model files: escaped first, so that a newline in a name cannot split the line.
  io.stderr(`calico-pcap: ${file}: inconclusive: ${terminalSafe(hint ?? 'pod traffic could not be judged')}\n`);
  return EXIT_INCONCLUSIVE;
}
