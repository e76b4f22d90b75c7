// Benchmark: the full CLI pipeline against the bare minimal reader on a
// generated ~1 GB Calico-like capture, plus the pcap-parser npm package on a
// prefix of it.  Not a test: run with `npm run bench` after `npm run build`.
//
//   node dist-dev/dev/bench/bench.js [--size-mb 1024] [--runs 3] [--skip-cli] [--prefix-mb 200]
//                                    [--table-flows 100000] [--table-before-flows 5000] [--table-only]
//
// "table render, 100k flows" times the flow table of a capture with that many flows: the
// renderer of src/report/grid.ts, and cli-table3 (how the table was drawn before) on a prefix
// of the flows, since 100k rows take it minutes; its time is scaled up (it grows linearly).

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, openSync, closeSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DATA_DIR, ensureBenchCapture, positiveInt, type BenchCapture } from './generate.js';
import { readPcapMinimal } from './minimal-reader.js';
import { openSource } from '../../capture/source.js';
import { CaptureReader } from '../../capture/reader.js';
import { renderTable } from '../../report/table.js';
import { manyFlowDocument, renderWithCliTable3, writeManyFlowCapture } from './table-render.js';

const BAR_GBPS = 1.5;
const BAR_RSS_MB = 150;

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));
const PRELOAD = new URL('./rusage-preload.js', import.meta.url).href;

interface Args {
  sizeMb: number;
  runs: number;
  skipCli: boolean;
  prefixMb: number;
  tableFlows: number;
  tableBeforeFlows: number;
  tableOnly: boolean;
}

/** Repeated timings of one thing over one file. */
interface Measurement {
  name: string;
  fileBytes: number;
  packets: number;
  seconds: number[];
  /** Peak RSS per run, kB (children only). */
  maxRssKb: number[];
  /** What to compare against for the ratio column. */
  baseline?: Measurement;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizeMb: 1024, runs: 3, skipCli: false, prefixMb: 200, tableFlows: 100_000, tableBeforeFlows: 5000, tableOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size-mb') args.sizeMb = positiveInt(argv[++i], a);
    else if (a === '--runs') args.runs = positiveInt(argv[++i], a);
    else if (a === '--prefix-mb') args.prefixMb = positiveInt(argv[++i], a);
    else if (a === '--skip-cli') args.skipCli = true;
    else if (a === '--table-flows') args.tableFlows = positiveInt(argv[++i], a);
    else if (a === '--table-before-flows') args.tableBeforeFlows = positiveInt(argv[++i], a);
    else if (a === '--table-only') args.tableOnly = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node dist-dev/dev/bench/bench.js [--size-mb 1024] [--runs 3] [--skip-cli] [--prefix-mb 200] [--table-flows 100000] [--table-before-flows 5000] [--table-only]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (see --help)`);
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const cpu = cpus();
  console.log(`calico-pcap bench: node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}`);
  await measureTableRender(args);
  if (args.tableOnly) return 0;

  const capture = ensureBenchCapture(args.sizeMb);
  describeCapture(capture);

  // Page-cache the file (and check it reads whole) before timing anything.
  const warm = readPcapMinimal(capture.path);
  if (warm.packets !== capture.packets || warm.trailingBytes !== 0) {
    throw new Error(`${capture.path}: read ${warm.packets} packets, expected ${capture.packets}; regenerate with --force`);
  }

  const results: Measurement[] = [];
  const minimal = measureMinimal('minimal reader', capture.path, args.runs);
  results.push(minimal);
  results.push(await measureOwnReader(capture.path, args.runs, minimal));

  let cli: Measurement | undefined;
  let cliProblem: string | undefined;
  if (args.skipCli) {
    cliProblem = 'skipped (--skip-cli)';
  } else if (!existsSync(CLI)) {
    cliProblem = `FAILED: ${CLI} does not exist. Build it first (npm run build), or pass --skip-cli.`;
  } else {
    const r = await measureCli(capture, args.runs, minimal);
    if (typeof r === 'string') cliProblem = r;
    else results.push((cli = r));
  }
  if (cliProblem) console.error(`CLI: ${cliProblem}`);
  // -Y: what the display filter costs. The typical filter selects the VXLAN pod traffic (a third
  // of the packets: less work after it); its negation evaluates the same tests on every packet and
  // passes all of them, so the difference to the unfiltered run is the cost of evaluating it. The
  // three are run in turns, round by round, so that load from elsewhere hits them alike; each
  // round's ratio to its own unfiltered run is reported too (the median).
  const filterLines: string[] = [];
  if (cli) {
    const variants: [string, string[]][] = [['without -Y', []], ...FILTERS.map(([label, e]): [string, string[]] => [label, ['-Y', e]])];
    const rounds: Measurement[] = variants.map(([, extra]) => ({ name: `calico-pcap analyze --format json${extra.length ? ` -Y '${extra[1]}'` : ' (in turns with -Y)'}`, fileBytes: capture.bytes, packets: capture.packets, seconds: [], maxRssKb: [], baseline: minimal }));
    for (let r = 0; r < args.runs && !cliProblem; r++) {
      for (const [k, [, extra]] of variants.entries()) {
        const m = await measureCli(capture, 1, minimal, extra);
        if (typeof m === 'string') {
          cliProblem = `-Y: ${m}`;
          break;
        }
        rounds[k].seconds.push(...m.seconds);
        rounds[k].maxRssKb.push(...m.maxRssKb);
      }
    }
    if (!cliProblem) {
      results.push(...rounds);
      const [plain, ...filtered] = rounds;
      for (const [k, f] of filtered.entries()) {
        const perRound = f.seconds.map((t, r) => t / plain.seconds[r]).sort((a, b) => a - b);
        filterLines.push(`-Y ${FILTERS[k][0]}: best ${best(f).toFixed(3)} s vs ${best(plain).toFixed(3)} s without (${(best(f) / best(plain)).toFixed(3)}x); median of per-round ratios ${perRound[Math.floor(perRound.length / 2)].toFixed(3)}x`);
      }
    }
  }

  let parserLine: string | undefined;
  const pcapParser = loadPcapParser();
  if (pcapParser) {
    const prefix = prefixCopy(capture, args.prefixMb);
    readPcapMinimal(prefix.path); // page-cache the prefix
    const minimalPrefix = measureMinimal(`minimal reader (${prefix.label})`, prefix.path, args.runs);
    const parser = await measurePcapParser(pcapParser, prefix.path, prefix.label, args.runs, minimalPrefix);
    results.push(minimalPrefix, parser);
    const mbps = parser.fileBytes / 1e6 / Math.min(...parser.seconds);
    parserLine = `pcap-parser ${pcapParser.version}: ${mbps.toFixed(0)} MB/s on ${prefix.label}, ` +
      `${ratio(parser).toFixed(1)}x the minimal reader's time (${(gbps(minimalPrefix) * 1000).toFixed(0)} MB/s)`;
  } else {
    console.log('pcap-parser: not installed, skipped');
  }

  printTable(results);
  if (filterLines.length) console.log(`\n${filterLines.join('\n')}`);
  if (parserLine) console.log(`\n${parserLine}`);
  printBar(cli, cliProblem);
  return cliProblem && !args.skipCli ? 1 : 0;
}

/** Case "table render, 100k flows": the table of a capture with that many flows, now and as cli-table3 drew it. */
async function measureTableRender(args: Args): Promise<void> {
  const n = args.tableFlows;
  const path = join(tmpdir(), `calico-pcap-bench-table-${process.pid}.pcap`);
  try {
    const packets = await writeManyFlowCapture(path, n);
    const doc = await manyFlowDocument(path);
    if (doc.flows.length !== n) throw new Error(`table render: expected ${n} flows, the capture gave ${doc.flows.length}`);
    const seconds: number[] = [];
    let lines = 0;
    for (let i = 0; i < args.runs; i++) {
      const t0 = process.hrtime.bigint();
      const text = renderTable(doc, false);
      seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
      lines = text.split('\n').length - 1;
    }
    const cliSeconds: number[] = [];
    if (existsSync(CLI)) {
      for (let i = 0; i < args.runs; i++) {
        const devNull = openSync('/dev/null', 'w');
        const t0 = process.hrtime.bigint();
        try {
          const r = await runChild(process.execPath, [CLI, 'analyze', '--no-color', path], devNull, process.env);
          if (r.code !== 0) throw new Error(`table render: the CLI exited ${r.code ?? r.signal}: ${r.stderr}`);
        } finally {
          closeSync(devNull);
        }
        cliSeconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
      }
    }
    const before = Math.min(n, args.tableBeforeFlows);
    const t0 = process.hrtime.bigint();
    renderWithCliTable3(doc.flows.slice(0, before));
    const beforeSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const sorted = [...seconds].sort((a, b) => a - b);
    console.log(`\ntable render, ${n.toLocaleString('en-US')} flows (${packets.toLocaleString('en-US')} packets, ${lines.toLocaleString('en-US')} lines):`);
    console.log(`  renderTable (src/report/grid.ts): best ${sorted[0]!.toFixed(3)} s, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} s over ${seconds.length} runs`);
    if (cliSeconds.length) console.log(`  calico-pcap analyze (table to /dev/null, read and decode included): best ${Math.min(...cliSeconds).toFixed(3)} s`);
    console.log(`  before, cli-table3: ${before.toLocaleString('en-US')} flows in ${beforeSeconds.toFixed(3)} s, so about ${(beforeSeconds * (n / before)).toFixed(0)} s for ${n.toLocaleString('en-US')} (it grows linearly)\n`);
  } finally {
    rmSync(path, { force: true });
  }
}

function describeCapture(c: BenchCapture): void {
  const how = c.generated ? `generated in ${c.seconds.toFixed(1)} s` : 'reused (same size and generator version)';
  console.log(
    `capture: ${c.path}\n  ${(c.bytes / 1e6).toFixed(0)} MB, ${c.packets.toLocaleString('en-US')} packets, ` +
    `avg ${((c.bytes - 24) / c.packets - 16).toFixed(0)} B/packet on the wire, ${c.flows} flows, ${c.templates} templates; ${how}`,
  );
}

function measureMinimal(name: string, path: string, runs: number): Measurement {
  const m: Measurement = { name, fileBytes: statSync(path).size, packets: 0, seconds: [], maxRssKb: [] };
  for (let i = 0; i < runs; i++) {
    const r = readPcapMinimal(path);
    m.packets = r.packets;
    m.seconds.push(r.seconds);
  }
  return m;
}

/** calico-pcap's own streaming reader (src/capture), records only, no decoding: should stay close to the minimal loop. */
async function measureOwnReader(path: string, runs: number, baseline: Measurement): Promise<Measurement> {
  const m: Measurement = { name: 'calico-pcap reader only', fileBytes: statSync(path).size, packets: 0, seconds: [], maxRssKb: [], baseline };
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const opened = await openSource(path);
    const reader = await CaptureReader.open(opened.source, { report() {} });
    let packets = 0;
    for (;;) {
      while (reader.next()) packets++;
      if (!(await reader.refill())) break;
    }
    await reader.close();
    m.seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    m.packets = packets;
  }
  return m;
}

/** The -Y filters measured: a typical one, and one that evaluates the same tests but passes every packet. */
const FILTERS: [string, string][] = [
  ['typical (selects VXLAN pod traffic)', 'encap == vxlan and inner.addr in 10.200.0.0/16'],
  ['passing every packet (pure evaluation cost)', 'not (encap == vxlan and inner.addr in 10.201.0.0/16)'],
];

/** Timings of the CLI, or why it could not be measured. */
async function measureCli(capture: BenchCapture, runs: number, baseline: Measurement, extraArgs: string[] = [], name = 'calico-pcap analyze --format json'): Promise<Measurement | string> {
  const m: Measurement = { name, fileBytes: capture.bytes, packets: capture.packets, seconds: [], maxRssKb: [], baseline };
  for (let i = 0; i < runs; i++) {
    const rusageFile = join(tmpdir(), `calico-pcap-bench-rusage-${process.pid}-${i}.json`);
    rmSync(rusageFile, { force: true });
    const devNull = openSync('/dev/null', 'w');
    const t0 = process.hrtime.bigint();
    let run: { code: number | null; signal: NodeJS.Signals | null; stderr: string };
    try {
      run = await runChild(
        process.execPath,
        ['--import', PRELOAD, CLI, 'analyze', '--format', 'json', ...extraArgs, capture.path],
        devNull,
        { ...process.env, CALICO_PCAP_BENCH_RUSAGE: rusageFile },
      );
    } finally {
      closeSync(devNull);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (run.code !== 0) {
      return `FAILED: exit ${run.code ?? run.signal} after ${seconds.toFixed(2)} s; stderr tail:\n${run.stderr}`;
    }
    m.seconds.push(seconds);
    if (existsSync(rusageFile)) {
      m.maxRssKb.push((JSON.parse(readFileSync(rusageFile, 'utf8')) as { maxRSS_kB: number }).maxRSS_kB);
      rmSync(rusageFile);
    }
  }
  return m;
}

function runChild(
  cmd: string, argv: string[], stdoutFd: number, env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: PACKAGE_ROOT, env, stdio: ['ignore', stdoutFd, 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

interface PcapParserModule {
  version: string;
  parse(path: string): NodeJS.EventEmitter;
}

function loadPcapParser(): PcapParserModule | undefined {
  const require = createRequire(import.meta.url);
  try {
    const mod = require('pcap-parser') as { parse(path: string): NodeJS.EventEmitter };
    const version = (require('pcap-parser/package.json') as { version: string }).version;
    return { version, parse: mod.parse };
  } catch {
    return undefined;
  }
}

async function measurePcapParser(
  lib: PcapParserModule, path: string, label: string, runs: number, baseline: Measurement,
): Promise<Measurement> {
  // pcap-parser uses the deprecated Buffer constructor; keep the warning out of the report.
  process.noDeprecation = true;
  const m: Measurement = { name: `pcap-parser ${lib.version} (${label})`, fileBytes: statSync(path).size, packets: 0, seconds: [], maxRssKb: [], baseline };
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    m.packets = await new Promise<number>((resolve, reject) => {
      let count = 0;
      const parser = lib.parse(path);
      parser.on('packet', () => count++);
      parser.on('error', reject);
      parser.on('end', () => resolve(count));
    });
    m.seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return m;
}

// A copy of the first ~prefixMb of the capture, cut at a record boundary.
function prefixCopy(c: BenchCapture, prefixMb: number): { path: string; label: string } {
  const limit = prefixMb * 1024 * 1024;
  if (c.bytes <= limit) return { path: c.path, label: `whole ${(c.bytes / 1e6).toFixed(0)} MB file` };
  const cut = readPcapMinimal(c.path, { limitBytes: limit }).endOffset;
  const path = `${BENCH_DATA_DIR}${c.path.slice(BENCH_DATA_DIR.length).replace(/\.pcap$/, '')}.prefix-${prefixMb}m.pcap`;
  const upToDate = existsSync(path) && statSync(path).size === cut && statSync(path).mtimeMs >= statSync(c.path).mtimeMs;
  if (!upToDate) {
    copyFileSync(c.path, path);
    truncateSync(path, cut);
  }
  return { path, label: `first ${prefixMb} MiB` };
}

const best = (m: Measurement) => Math.min(...m.seconds);
const median = (m: Measurement) => [...m.seconds].sort((a, b) => a - b)[Math.floor(m.seconds.length / 2)]!;
const gbps = (m: Measurement) => m.fileBytes / 1e9 / best(m);
const peakRssMb = (m: Measurement) => (m.maxRssKb.length ? (Math.max(...m.maxRssKb) * 1024) / 1e6 : undefined);
const ratio = (m: Measurement) => (m.baseline ? best(m) / best(m.baseline) : 1);

function printTable(results: Measurement[]): void {
  const header = ['measurement', 'runs', 'best s', 'median s', 'GB/s', 'packets/s', 'peak RSS MB', 'time vs minimal'];
  const rows = results.map((m) => [
    m.name,
    String(m.seconds.length),
    best(m).toFixed(3),
    median(m).toFixed(3),
    gbps(m).toFixed(2),
    (m.packets / best(m) / 1e6).toFixed(2) + ' M',
    peakRssMb(m)?.toFixed(0) ?? '-',
    m.baseline ? `${ratio(m).toFixed(2)}x` : '1.00x (ref)',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log('\n' + line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('(GB = 10^9 bytes of pcap file incl. headers; MB = 10^6 bytes; GB/s and packets/s from the best run;\n' +
    ' CLI times are wall clock of a child process, node start-up included; peak RSS is the max over runs)');
}

function printBar(cli: Measurement | undefined, cliProblem: string | undefined): void {
  const bar = `bar: >= ${BAR_GBPS} GB/s and peak RSS < ${BAR_RSS_MB} MB for the full pipeline`;
  if (!cli) {
    console.log(`\n${bar}: NOT MEASURED - CLI ${cliProblem}`);
    return;
  }
  const speed = gbps(cli);
  const rss = peakRssMb(cli);
  const speedOk = speed >= BAR_GBPS;
  const rssOk = rss !== undefined && rss < BAR_RSS_MB;
  console.log(
    `\n${bar}: ${speedOk && rssOk ? 'MET' : 'NOT MET'}\n` +
    `  throughput ${speed.toFixed(2)} GB/s ${speedOk ? 'ok' : 'TOO SLOW'}; ` +
    `peak RSS ${rss === undefined ? 'unknown (no rusage report)' : `${rss.toFixed(0)} MB`} ${rssOk ? 'ok' : 'TOO HIGH'}`,
  );
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
