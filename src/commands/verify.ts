// `calico-pcap verify`: the flows of one capture judged against the cluster model, with pinned
// expectations for regression suites; exit 0 pass, 1 fail, 2 unreadable input.
import { learnBlocks, verify } from '../engine/verify/verify.js';
import { captureDevice } from '../engine/capture-point.js';
import { actualExpectations, compareExpectations, readExpectations, writeExpectations, type Expectations } from '../engine/verify/expectations.js';
import { buildModel, type ModelFlags } from '../model/sources.js';
import { ModelError } from '../model/model-error.js';
import type { ClusterModel } from '../model/cluster.js';
import { buildVerifyDocument, renderJunit, renderVerifyTable } from '../report/verify-report.js';
import { jsonTerminalSafe, terminalSafe } from '../report/terminal-safe.js';
import { finishRead, runPipeline, type AnalyzeOptions } from './analyze.js';
import { printModelWarnings } from './model-options.js';
import { EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, Output, type CliIo } from './support.js';

export interface VerifyOptions extends AnalyzeOptions, Omit<ModelFlags, 'vxlanPort'> {
  cluster: string[];
  device?: string;
  expect?: string;
  writeExpect?: string;
}

export async function runVerify(capture: string, opts: VerifyOptions, io: CliIo): Promise<number> {
  let model: ClusterModel;
  let expectations: Expectations | undefined;
  try {
    model = buildModel(opts.cluster, { ...opts, vxlanPort: opts.vxlanPort.length > 0 ? opts.vxlanPort[opts.vxlanPort.length - 1] : undefined });
    if (opts.expect) expectations = readExpectations(opts.expect);
  } catch (err) {
    if (err instanceof ModelError) {
      io.stderr(`calico-pcap: ${terminalSafe(err.message)}\n`);
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  printModelWarnings(model, io);
  const out = new Output((s) => io.stdout(s));
  const result = await runPipeline(capture, { ...opts, format: 'json' }, io, out, { vxlanPorts: opts.vxlanPort });
  if (typeof result === 'number') return result;
  const { run, doc } = result;
  learnBlocks(model, doc.flows);
  const device = captureDevice(opts.device, run);
  const verdicts = verify(model, doc.flows, { deviceTunnel: device.tunnel });
  const vdoc = buildVerifyDocument(doc, model, verdicts, device);
  const actual = actualExpectations(verdicts, doc.flows.length);
  // The verdicts are printed even when the pinned file cannot be written; the exit code says so.
  let writeFailed: string | null = null;
  try {
    if (opts.writeExpect) writeExpectations(opts.writeExpect, actual, run.file);
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    writeFailed = err.message;
  }
  const differences = expectations ? compareExpectations(expectations, actual) : null;
  if (differences && opts.expect) vdoc.verify.expectations = { file: opts.expect, matched: differences.length === 0, differences };
  if (opts.format === 'json') out.push(jsonTerminalSafe(JSON.stringify(vdoc, null, 2)) + '\n');
  else if (opts.format === 'junit') out.push(renderJunit(vdoc));
  else {
    out.push(renderVerifyTable(vdoc, opts.color && io.isTTY));
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
  return verdicts.passed ? EXIT_OK : EXIT_VIOLATION;
}
