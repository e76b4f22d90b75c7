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
import { buildDocument, TOOL_VERSION } from './report/document.js';
import { renderTable } from './report/table.js';
import { renderCsv } from './report/csv.js';
import { packetLine } from './report/ndjson.js';
import { PacketDecoder } from './decode/decoder.js';
import { linkTypeName } from './decode/dispatch.js';
import type { IssueRecord } from './issues.js';

export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_UNREADABLE = 2;
/** A bug in calico-pcap itself (never expected; the fuzzer treats it as a failure). */
export const EXIT_INTERNAL = 3;

/** Writes to stdout synchronously in large pieces; a closed pipe (`| head`) ends output quietly. */
class Output {
  private parts: string[] = [];
  private size = 0;
  closed = false;
  constructor(private readonly write: (s: string) => void) {}
  push(s: string): void {
    if (this.closed) return;
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 16) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0 || this.closed) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    try {
      this.write(text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') this.closed = true;
      else throw err;
    }
  }
}

/** 2114560 -> "2 114 560": byte offsets in messages are easier to read grouped. */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

export function issueLine(file: string, r: IssueRecord): string {
  return `calico-pcap: ${file}: packet ${r.packet} at byte ${groupDigits(r.offset)}: ${r.message}`;
}

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
  format: 'table' | 'json' | 'csv' | 'ndjson';
  vxlanPort: number[];
  strict?: boolean;
  maxFlows: number;
  maxTunnelDepth: number;
  color: boolean;
  debug?: boolean;
}

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

const defaultIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY),
};

async function runAnalyze(capture: string, opts: AnalyzeOptions, io: CliIo): Promise<number> {
  const out = new Output((s) => {
    // Synchronous for files and pipes on Linux, so memory stays bounded while streaming ndjson.
    io.stdout(s);
  });
  const ndjson = opts.format === 'ndjson';
  let run: CaptureRun;
  try {
    run = await analyzeCapture(
      capture,
      { vxlanPorts: opts.vxlanPort, strict: opts.strict, maxFlows: opts.maxFlows, maxTunnelDepth: opts.maxTunnelDepth },
      ndjson ? (reader, packet) => out.push(JSON.stringify(packetLine(reader, packet)) + '\n') : undefined,
    );
  } catch (err) {
    if (err instanceof SourceOpenError || err instanceof CaptureFormatError) {
      const where = err instanceof CaptureFormatError && err.offset > 0 ? ` at byte ${groupDigits(err.offset)}` : '';
      io.stderr(`calico-pcap: ${capture === '-' ? '<stdin>' : capture}${where}: ${err.message}\n`);
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  const doc = buildDocument(run);
  const a = run.analyzer;

  // Input that was a capture, but of link types we cannot decode at all, is as good as unreadable.
  const decoder = new PacketDecoder();
  if (run.interfaces.length > 0 && !run.interfaces.some((i) => decoder.supportsLinkType(i.linktype))) {
    out.flush();
    const types = [...new Set(run.interfaces.map((i) => `${i.linktype} (${linkTypeName(i.linktype)})`))].join(', ');
    io.stderr(`calico-pcap: ${run.file}: unsupported link type ${types}: nothing to decode\n`);
    return EXIT_UNREADABLE;
  }

  switch (opts.format) {
    case 'json':
      out.push(JSON.stringify(doc, null, 2) + '\n');
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

  if (a.strictViolation) {
    io.stderr(issueLine(run.file, a.strictViolation) + '\n');
    return EXIT_VIOLATION;
  }
  if (a.readFault) {
    io.stderr(`${issueLine(run.file, a.readFault)} (read stopped; ${a.packets} packets before it were analysed)\n`);
  }
  return EXIT_OK;
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

  program
    .command('analyze')
    .description('decode a pcap or pcapng capture (file, gzip, or - for stdin) and report per flow the encapsulation, node IPs and pod IPs')
    .argument('<capture>', 'capture file (pcap or pcapng, optionally gzip-compressed), or - for standard input')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'csv', 'ndjson']).default('table'))
    .option('--vxlan-port <port>', 'also decode this UDP destination port as VXLAN (repeatable; 4789 and 8472 always are)', parsePort, [])
    .option('--strict', 'stop at the first malformed packet or file fault with exit code 1')
    .option('--max-flows <n>', 'flows tracked individually; packets of further flows count only in the totals', parsePositive(50_000_000), 1_000_000)
    .option('--max-tunnel-depth <n>', 'nested tunnels followed before decoding stops (1-7)', parsePositive(7), 7)
    .option('--no-color', 'no colours in the table, even on a terminal')
    .option('--debug', 'show a stack trace if calico-pcap itself fails')
    .action(async (capture: string, opts: AnalyzeOptions) => {
      setExit(await runAnalyze(capture, opts, io));
    });
  return program;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; anything else commander rejects is bad usage.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
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
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
