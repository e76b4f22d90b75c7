// `calico-pcap verify`: the flows of one capture judged against the cluster model, with pinned
// expectations for regression suites; exit 0 pass, 1 fail, 2 unreadable input, 4 inconclusive.
import { actualExpectations, compareExpectations, expectationsText, readExpectations, writeExpectations, type Expectations } from '../engine/verify/expectations.js';
import type { ModelFlags } from '../model/sources.js';
import { ModelError } from '../model/model-error.js';
import { renderJunit, renderJunitMany, renderVerifyTable, type VerifyDocument } from '../report/verify-report.js';
import { jsonTerminalSafe, terminalSafe } from '../report/terminal-safe.js';
import { captureList, eachCapture, finishRead, readCapture, worstExit, type AnalyzeOptions } from './analyze.js';
import type { CaptureSpec } from './capture-list.js';
import type { ClusterModel } from '../model/cluster.js';
import { mergeSummaries, type UnreadableCapture } from '../report/many-document.js';
import { TOOL_VERSION } from '../version.js';
import { SCHEMA_VERSION } from '../report/document.js';
import { paintResult } from '../report/paint.js';
import { decoderPorts, requiredModel, type KubeModelOptions } from './model-options.js';
import { podNamesOption } from './pod-options.js';
import { whereFilter } from './where.js';
import type { PacketFilter } from '../filter/compile.js';
import type { PodNames } from '../report/pod-names.js';
import { documentOf } from './verdict.js';
import { EXIT_INCONCLUSIVE, EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, Output, colorWanted, type CliIo } from './support.js';

export interface VerifyOptions extends AnalyzeOptions, ModelFlags, KubeModelOptions {
  cluster: string[];
  device?: string;
  captureNode?: string;
  expect?: string;
  writeExpect?: string;
}

export async function runVerify(args: readonly string[], opts: VerifyOptions, io: CliIo): Promise<number> {
  const specs = await captureList(args, io);
  if (typeof specs === 'number') return specs;
  if (specs.length > 1) {
    // Pinned expectations and --capture-node describe one capture; several each need their own.
    const one = opts.expect !== undefined ? '--expect' : opts.writeExpect !== undefined ? '--write-expect' : opts.captureNode !== undefined ? '--capture-node' : null;
    if (one) {
      io.stderr(`calico-pcap: ${one} applies to one capture and ${specs.length} were given: ${one === '--capture-node' ? 'name the node of each as NODE=FILE' : 'pin each capture in its own run of verify'}\n`);
      return EXIT_UNREADABLE;
    }
  }
  const model = await requiredModel(opts, io);
  if (model === undefined) return EXIT_UNREADABLE;
  const names = podNamesOption(opts, io);
  if (names === undefined) return EXIT_UNREADABLE;
  const where = whereFilter(opts.where, model, io, undefined, names?.index ?? null);
  if (where === undefined) return EXIT_UNREADABLE;
  if (specs.length > 1) return verifyMany(specs, model, opts, io, names, where);
  return verifyOne(specs[0], model, opts, io, names, where);
}

async function verifyOne(spec: CaptureSpec, model: ClusterModel, opts: VerifyOptions, io: CliIo, names: PodNames | null, where: PacketFilter | null): Promise<number> {
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
  const { file: capture, node } = spec;
  // `--write-expect -` puts the expectations on standard output; the verdicts then go to stderr.
  const expectToStdout = opts.writeExpect === '-';
  const report = expectToStdout ? io.stderr : io.stdout;
  const out = new Output((s) => report(s));
  const run = await readCapture(capture, { ...opts, format: 'json' }, io, out, decoderPorts(opts.vxlanPort, model), undefined, names, where);
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

type Result = 'pass' | 'fail' | 'inconclusive';

/** Several captures: fail if any fails; else inconclusive if any is (or could not be read); pass only if all pass. */
export function overallResult(results: readonly Result[], unreadable: number): Result {
  if (results.includes('fail')) return 'fail';
  if (results.includes('inconclusive') || unreadable > 0) return 'inconclusive';
  return 'pass';
}

/**
 * Several captures, each judged at its own capture point (its own device and node inference,
 * NODE=FILE per capture), reported one after the other, then the overall result.
 */
async function verifyMany(specs: CaptureSpec[], model: ClusterModel, opts: VerifyOptions, io: CliIo, names: PodNames | null, where: PacketFilter | null): Promise<number> {
  const out = new Output((s) => io.stdout(s));
  const docs: VerifyDocument[] = [];
  const unreadable: UnreadableCapture[] = [];
  const codes: number[] = [];
  const verdicts: { file: string; result: Result; hint: string | null }[] = [];
  const read = (spec: CaptureSpec, noting: CliIo) => readCapture(spec.file, { ...opts, format: 'json' }, noting, out, decoderPorts(opts.vxlanPort, model), undefined, names, where);
  for await (const { spec, run } of eachCapture(specs, io, read, unreadable, codes)) {
    const { doc, judgement } = documentOf(run, model, { device: opts.device, captureNode: spec.node, captureNodeHow: 'NODE=FILE' }, names);
    docs.push(doc as VerifyDocument);
    verdicts.push({ file: run.file, result: judgement!.verify.result, hint: judgement!.verify.hint });
    codes.push(finishRead(run, io));
  }
  const result = overallResult(verdicts.map((v) => v.result), unreadable.length);
  if (opts.format === 'json') {
    const many = {
      schema: SCHEMA_VERSION,
      tool: { name: 'calico-pcap', version: TOOL_VERSION },
      result,
      captures: docs.map(({ schema: _schema, tool: _tool, ...rest }) => rest),
      merged: mergeSummaries(docs),
      unreadable,
    };
    out.push(jsonTerminalSafe(JSON.stringify(many, null, 2)) + '\n');
  } else if (opts.format === 'junit') {
    out.push(renderJunitMany(docs, unreadable));
  } else {
    const color = colorWanted(opts.color, io);
    out.push(docs.map((d) => renderVerifyTable(d, color)).join('\n'));
    const each = [...verdicts.map((v) => `${terminalSafe(v.file)} ${paintResult(v.result, color)}`), ...unreadable.map((u) => `${terminalSafe(u.file)} UNREADABLE`)];
    out.push(`\noverall (${specs.length} captures): ${paintResult(result, color)}\n${each.map((e) => `  ${e}\n`).join('')}`);
  }
  out.flush();
  for (const v of verdicts) codes.push(exitOf(v.result, v.hint, v.file, io));
  return worstExit(codes);
}
