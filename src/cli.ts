#!/usr/bin/env node
// The command line: parses options, runs the pipeline, prints the chosen format and maps
// outcomes to exit codes (0 analysed, 1 --strict violation, 2 unreadable input or bad usage).
// Every failure is one line on stderr; a stack trace only with --debug.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { analyzeCapture, type CaptureRun } from './pipeline.js';
import { CaptureFormatError } from './capture/reader.js';
import { SourceOpenError } from './capture/source.js';
import { buildDocument } from './report/document.js';
import { TOOL_VERSION } from './version.js';
import { renderTable } from './report/table.js';
import { renderCsv } from './report/csv.js';
import { packetLine } from './report/ndjson.js';
import { PacketDecoder } from './decode/decoder.js';
import { linkTypeName } from './decode/dispatch.js';
import { captureErrorLine, EXIT_INTERNAL, EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, issueLine, Output, printCorrelateReadFaults, OutputWriteError, parseCaptureArg, readStoppedLine, stdoutName, stdoutWriter, type CliIo } from './cli-support.js';
import type { AnalysisDocument } from './report/document.js';
import { buildVerifyDocument, renderJunit, renderVerifyTable } from './report/verify-report.js';
import { buildModel, hasModelFlags, type ModelFlags } from './model/sources.js';
import { ModelError } from './model/model-error.js';
import { runListInterfaces, runLive, type LiveOptions } from './live-run.js';
import { correlate, DEFAULT_WINDOW_PACKETS, windowCutWarning } from './correlate/correlate.js';
import { renderCorrelateTable } from './report/correlate-report.js';
import { runReport } from './report-run.js';
import { parseMode, type ClusterModel } from './model/cluster.js';
import { learnBlocks, verify } from './verify/verify.js';
import { captureDevice } from './verify/device.js';
import { actualExpectations, compareExpectations, readExpectations, writeExpectations, type Expectations } from './verify/expectations.js';
import { jsonTerminalSafe, terminalSafe } from './report/terminal-safe.js';

function parsePort(value: string, previous: number[]): number[] {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError('expected a UDP port 1-65535');
  return [...previous, port];
}

function parsePositive(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

interface AnalyzeOptions {
  format: 'table' | 'json' | 'csv' | 'ndjson' | 'junit';
  vxlanPort: number[];
  strict?: boolean;
  maxFlows: number;
  maxTunnelDepth: number;
  color: boolean;
  debug?: boolean;
}


const defaultIo: CliIo = {
  stdout: stdoutWriter(),
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY),
};

/** Runs the shared pipeline; returns the run and its document, or an exit code after printing why. */
async function runPipeline(capture: string, opts: AnalyzeOptions, io: CliIo, out: Output, model?: { vxlanPorts: number[] }): Promise<{ run: CaptureRun; doc: AnalysisDocument } | number> {
  const ndjson = opts.format === 'ndjson';
  let run: CaptureRun;
  try {
    run = await analyzeCapture(
      capture,
      { vxlanPorts: model?.vxlanPorts ?? opts.vxlanPort, strict: opts.strict, maxFlows: opts.maxFlows, maxTunnelDepth: opts.maxTunnelDepth },
      ndjson ? (reader, packet) => out.push(JSON.stringify(packetLine(reader, packet)) + '\n') : undefined,
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
  return { run, doc: buildDocument(run) };
}

/** Exit code and stderr line for how the read ended (strict violation, or a fault in lax mode). */
function finishRead(run: CaptureRun, io: CliIo): number {
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

async function runAnalyze(capture: string, opts: AnalyzeOptions, io: CliIo): Promise<number> {
  // Synchronous for files and pipes on Linux, so memory stays bounded while streaming ndjson.
  const out = new Output((s) => io.stdout(s));
  const result = await runPipeline(capture, opts, io, out);
  if (typeof result === 'number') return result;
  const { run, doc } = result;
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
      out.push(renderTable(doc, opts.color && io.isTTY));
  }
  out.flush();
  return finishRead(run, io);
}

interface VerifyOptions extends AnalyzeOptions, Omit<ModelFlags, 'vxlanPort'> {
  cluster: string[];
  device?: string;
  expect?: string;
  writeExpect?: string;
}

async function runVerify(capture: string, opts: VerifyOptions, io: CliIo): Promise<number> {
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

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseModeOption(value: string): string {
  if (parseMode(value) === null) throw new InvalidArgumentError('expected Always, CrossSubnet or Never');
  return value;
}

/** The cluster model options of verify and live. */
function addModelOptions(cmd: Command): Command {
  return cmd
    .option('--cluster <file>', 'cluster model: a calico-pcap cluster file, or kubectl/calicoctl YAML or JSON (Node, IPPool, IPAMBlock, BlockAffinity), or a directory of them; repeatable', collect, [])
    .option('--pool <cidr>', 'an IP pool (repeatable)', collect, [])
    .option('--block-size <n>', 'block size of the pools given with --pool', parsePositive(32))
    .option('--node <name=ip/prefix>', 'a node and the address/prefix Calico registered for it (repeatable)', collect, [])
    .option('--block <name=cidr>', 'a pod block affine to a node (repeatable); learned from the capture when not given', collect, [])
    .option('--tunnel-addr <name=ip>', "a node's tunnel address (repeatable)", collect, [])
    .option('--vtep-mac <name=mac>', "MAC of a node's vxlan.calico device (repeatable): the frame inside VXLAN must be addressed to it", collect, [])
    .option('--vxlan <mode>', 'vxlanMode of the pools: Always, CrossSubnet or Never (overrides the files)', parseModeOption)
    .option('--ipip <mode>', 'ipipMode of the pools: Always, CrossSubnet or Never (overrides the files)', parseModeOption)
    .option('--vni <n>', "Felix's VXLAN VNI (default 4096)", parsePositive(0xffffff));
}

/** The options every command that reads a capture shares. */
function addCaptureOptions(cmd: Command, formats: string[]): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format').choices(formats).default('table'))
    .option('--vxlan-port <port>', 'also decode this UDP destination port as VXLAN (repeatable; 4789 and 8472 always are)', parsePort, [])
    .option('--strict', 'stop at the first malformed packet or file fault with exit code 1')
    .option('--max-flows <n>', 'flows tracked individually; packets of further flows count only in the totals', parsePositive(50_000_000), 1_000_000)
    .option('--max-tunnel-depth <n>', 'nested tunnels followed before decoding stops (1-7)', parsePositive(7), 7)
    .option('--no-color', 'no colours in the table, even on a terminal')
    .option('--debug', 'show a stack trace if calico-pcap itself fails');
}

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('calico-pcap')
    .description('What does my Calico datapath really do? Decodes captures from Calico nodes: outer node IPs vs inner pod IPs, IPIP, VXLAN and other tunnels, per flow.')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(`calico-pcap: ${s.replace(/^error: /, '')}`),
    });

  addCaptureOptions(
    program
      .command('analyze')
      .description('decode a pcap or pcapng capture (file, gzip, or - for stdin) and report per flow the encapsulation, node IPs and pod IPs')
      .argument('<capture>', 'capture file (pcap or pcapng, optionally gzip-compressed), or - for standard input'),
    ['table', 'json', 'csv', 'ndjson'],
  ).action(async (capture: string, opts: AnalyzeOptions) => {
    setExit(await runAnalyze(capture, opts, io));
  });

  addModelOptions(addCaptureOptions(
    program
      .command('verify')
      .description('check every flow of a capture against what Calico should do with the pool: exit 0 all match, 1 a violation, 2 unreadable capture or model')
      .argument('<capture>', 'capture file (pcap or pcapng, optionally gzip-compressed), or - for standard input')
      .option('--device <name>', 'the interface the capture was taken on (ens37, tunl0, vxlan.calico): on a tunnel device packets are already decapsulated; default: the pcapng interface name, else the file name')
      .option('--expect <file>', 'pinned expectations (result, pairs, findings, flows): exit 0 when the capture shows exactly them, 1 with a diff otherwise')
      .option('--write-expect <file>', 'write the expectations this capture shows, to pin them'),
    ['table', 'json', 'junit'],
  )).action(async (capture: string, opts: VerifyOptions) => {
    setExit(await runVerify(capture, opts, io));
  });
  addModelOptions(
    program
      .command('correlate')
      .description('follow each inner packet across captures taken at the same time on several nodes: matched, lost, one-way latency, decapsulation')
      .argument('<captures...>', 'capture files, each optionally as NODE=FILE (the node it was taken on)')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'ndjson']).default('table'))
      .option('--window <duration>', 'sightings of one inner packet further apart than this are different packets (2s, 500ms)', '2s')
      .option('--window-packets <n>', 'most inner packets held in the window at once; when full, the oldest is judged early (with a warning)', parsePositive(50_000_000), DEFAULT_WINDOW_PACKETS)
      .option('--vxlan-port <port>', 'also decode this UDP destination port as VXLAN (repeatable)', parsePort, [])
      .option('--fail-on-loss', 'exit 1 when a packet was lost between nodes or not decapsulated')
      .option('--own-span', "each capture covers only its own first to last packet (default: they were taken at the same time and all cover the whole span)")
      .option('--no-color', 'no colours in the table, even on a terminal')
      .option('--debug', 'show a stack trace if calico-pcap itself fails'),
  ).action(async (captures: string[], opts: CorrelateCommandOptions) => {
    setExit(await runCorrelateCommand(captures, opts, io));
  });

  addModelOptions(
    program
      .command('report')
      .description('write one self-contained HTML report: the node graph coloured by encapsulation, flow tables with verdicts and findings, and the correlation of several captures')
      .argument('<captures...>', 'capture files, each optionally as NODE=FILE')
      .requiredOption('--html <file>', 'the HTML file to write')
      .option('--title <text>', 'the report title')
      .option('--window <duration>', 'correlation window when several captures are given (2s, 500ms)', '2s')
      .option('--vxlan-port <port>', 'also decode this UDP destination port as VXLAN (repeatable)', parsePort, [])
      .option('--debug', 'show a stack trace if calico-pcap itself fails'),
  ).action(async (captures: string[], opts: ReportCommandOptions) => {
    setExit(await runReportCommand(captures, opts, io));
  });

  const live = program
    .command('live')
    .description('capture on node interfaces (ens37, tunl0, vxlan.calico, any) through libpcap and report flows, and verdicts when a cluster model is given')
    .option('-i, --interface <name>', 'interface to capture on (repeatable; "any" for all)', collect, [])
    .option('-f, --filter <bpf>', "BPF capture filter, e.g. 'udp port 4789 or ip proto 4 or net 10.200.0.0/16'")
    .option('-s, --snaplen <bytes>', 'bytes kept of each packet', parsePositive(65535), 65535)
    .option('-c, --count <n>', 'stop after this many packets', parsePositive(Number.MAX_SAFE_INTEGER))
    .option('--duration <seconds>', 'stop after this many seconds', parsePositive(31_536_000))
    .option('-w, --write <file>', 'also write the packets: pcap (one interface) or pcapng (several, or a .pcapng name); flushed at least once a second')
    .option('-U, --packet-buffered', 'flush the -w file after every packet (as tcpdump -U)')
    .option('--list-interfaces', 'list the interfaces libpcap can capture on, then exit')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'ndjson', 'junit']).default('table'))
    .option('--vxlan-port <port>', 'also decode this UDP destination port as VXLAN (repeatable)', parsePort, [])
    .option('--max-flows <n>', 'flows tracked individually', parsePositive(50_000_000), 1_000_000)
    .option('--max-tunnel-depth <n>', 'nested tunnels followed (1-7)', parsePositive(7), 7)
    .option('--no-color', 'no colours in the table, even on a terminal')
    .option('--debug', 'show a stack trace if calico-pcap itself fails');
  addModelOptions(live).action(async (opts: LiveCommandOptions) => {
    setExit(await runLiveCommand(opts, io));
  });
  return program;
}

interface CorrelateCommandOptions extends Omit<ModelFlags, 'vxlanPort'> {
  window: string;
  windowPackets: number;
  format: 'table' | 'json' | 'ndjson';
  cluster: string[];
  vxlanPort: number[];
  color: boolean;
  failOnLoss?: boolean;
  ownSpan?: boolean;
}

async function runCorrelateCommand(captures: string[], opts: CorrelateCommandOptions, io: CliIo): Promise<number> {
  const window = windowOption(opts.window, io);
  const model = window === undefined ? undefined : optionalModel(opts, io);
  if (window === undefined || model === undefined) return EXIT_UNREADABLE;
  const out = new Output((s) => io.stdout(s));
  const inputs = captures.map(parseCaptureArg);
  let doc;
  try {
    doc = await correlate(inputs, {
      windowSeconds: window, windowPackets: opts.windowPackets, model, vxlanPorts: opts.vxlanPort, span: opts.ownSpan ? 'own' : 'shared',
      onPacket: opts.format === 'ndjson' ? (p) => out.push(JSON.stringify(p) + '\n') : undefined,
    });
  } catch (err) {
    if (err instanceof SourceOpenError || err instanceof CaptureFormatError) {
      io.stderr(`calico-pcap: ${err.message}\n`);
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  if (doc.windowCutPackets > 0) io.stderr(`calico-pcap: warning: ${windowCutWarning(doc.windowCutPackets, doc.windowPackets)}\n`);
  printCorrelateReadFaults(doc, io);
  if (opts.format === 'json') out.push(jsonTerminalSafe(JSON.stringify(doc, null, 2)) + '\n');
  else if (opts.format === 'ndjson') out.push(JSON.stringify({ summary: { schema: doc.schema, matched: doc.matched, lost: doc.lost, pairs: doc.pairs, decapsulation: doc.decapsulation } }) + '\n');
  else out.push(renderCorrelateTable(doc, opts.color && io.isTTY));
  out.flush();
  return opts.failOnLoss && (doc.lost > 0 || doc.decapsulation.some((d) => d.dropped > 0)) ? EXIT_VIOLATION : EXIT_OK;
}

type ModelOptions = Omit<ModelFlags, 'vxlanPort'> & { cluster: string[]; vxlanPort: number[] };

/**
 * The cluster model when any model option was given (live, correlate, report: it is optional
 * there), null when none was, undefined after printing why it could not be read.
 */
function optionalModel(opts: ModelOptions, io: CliIo): ClusterModel | null | undefined {
  if (opts.cluster.length === 0 && !hasModelFlags({ ...opts, vxlanPort: undefined })) return null;
  let model: ClusterModel;
  try {
    model = buildModel(opts.cluster, { ...opts, vxlanPort: opts.vxlanPort.length > 0 ? opts.vxlanPort[opts.vxlanPort.length - 1] : undefined });
  } catch (err) {
    if (err instanceof ModelError) {
      io.stderr(`calico-pcap: ${terminalSafe(err.message)}\n`);
      return undefined;
    }
    throw err;
  }
  printModelWarnings(model, io);
  return model;
}

/** The model's contradictions (resolved, the later source wins), one stderr line each. */
function printModelWarnings(model: ClusterModel, io: CliIo): void {
  for (const w of model.warnings) io.stderr(`calico-pcap: warning: ${terminalSafe(w)}\n`);
}

/** --window in seconds, or undefined after printing why it is not a duration. */
function windowOption(text: string, io: CliIo): number | undefined {
  const seconds = parseDuration(text);
  if (seconds === null) io.stderr(`calico-pcap: --window "${text}" is not a duration (2s, 500ms, 1.5)\n`);
  return seconds ?? undefined;
}

/** "2s", "500ms", "1.5" (seconds). */
function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m) return null;
  const v = Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
  return v > 0 ? v : null;
}

interface ReportCommandOptions extends Omit<ModelFlags, 'vxlanPort'> {
  html: string;
  title?: string;
  window: string;
  vxlanPort: number[];
  cluster: string[];
}

async function runReportCommand(captures: string[], opts: ReportCommandOptions, io: CliIo): Promise<number> {
  const window = windowOption(opts.window, io);
  const model = window === undefined ? undefined : optionalModel(opts, io);
  if (window === undefined || model === undefined) return EXIT_UNREADABLE;
  return runReport(captures, { html: opts.html, title: opts.title, window, vxlanPort: opts.vxlanPort }, model, io);
}

interface LiveCommandOptions extends LiveOptions, Omit<ModelFlags, 'vxlanPort'> {
  listInterfaces?: boolean;
  cluster: string[];
}

async function runLiveCommand(opts: LiveCommandOptions, io: CliIo): Promise<number> {
  if (opts.listInterfaces) return runListInterfaces(io);
  const model = optionalModel(opts, io);
  if (model === undefined) return EXIT_UNREADABLE;
  return runLive(opts, model, io);
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[], given: CliIo = defaultIo): Promise<number> {
  // Every message on stderr can quote an input (a file, node or interface name): control and
  // bidi characters in it are shown escaped, never obeyed by the terminal. Messages quoting model
  // or expect files escape those strings first, so that a newline in one cannot split the line.
  const io: CliIo = { ...given, stderr: (s) => given.stderr(s.split('\n').map(terminalSafe).join('\n')) };
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  if (argv.length === 0) {
    // No command at all is bad usage: the help goes to stderr, exit 2.
    io.stderr(program.helpInformation());
    return EXIT_UNREADABLE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; anything else commander rejects is bad usage.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return EXIT_UNREADABLE;
    }
    if (err instanceof OutputWriteError) {
      io.stderr(`calico-pcap: ${err.message}\n`);
      return EXIT_UNREADABLE;
    }
    const debug = argv.includes('--debug');
    io.stderr(`calico-pcap: internal error: ${(err as Error)?.message ?? String(err)}${debug ? '' : ' (run with --debug for a stack trace)'}\n`);
    if (debug) io.stderr(`${(err as Error)?.stack ?? ''}\n`);
    return EXIT_INTERNAL;
  }
  return code;
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A pipe or terminal that fails reports it here, after the write: a reader that went away
  // (EPIPE, `| head`) ends the run quietly, anything else is a write error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`calico-pcap: ${new OutputWriteError(stdoutName(), err).message}\n`);
    process.exit(EXIT_UNREADABLE);
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
