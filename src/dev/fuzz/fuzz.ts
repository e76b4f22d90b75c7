// `npm run fuzz -- [--seconds N] [--seed S] [--count N] [--child-share F] [--max-rss-mb N] [--heap-mb N]`
// `npm run fuzz -- --minimise fuzz-failures/NAME.json [SECONDS]`: shrinks one saved case to NAME-min.
//
// Makes hostile inputs and runs the command line on each, until --seconds are up:
//   - inputs: every fixture and corpus capture with bytes flipped, cut, spliced (mutate.ts), or
//     with its pcap/pcapng structure damaged (structure.ts); captures built from scratch with
//     50-deep tunnels, 100 IPv6 extension headers, lying lengths (generate.ts); cluster files
//     with hostile strings and YAML tricks, and one huge one (model.ts); captures gzip-wrapped,
//     whole or cut short;
//   - runs: every input through main() in a worker thread (in-process.ts), and about half the
//     wall time goes to real child processes of dist/cli.js (child.ts) with the capture given as
//     a path, on a pipe as `-` or /dev/stdin, or through a FIFO: analyze in each format, verify
//     against the reference cluster, correlate with two or three captures, report --html.
// Each run is judged by judge.ts (exit 0-2 only, no stack trace, few one-line messages naming
// the input, no raw control characters, bounded time and memory). Failing inputs are saved to
// fuzz-failures/ with a JSON each (regression.ts); the first of each kind is also minimised.
// Not part of the normal test run; test/fuzz-regressions.test.ts replays the kept cases.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { mutate, prng } from './mutate.js';
import { mutateStructure } from './structure.js';
import { generate } from './generate.js';
import { hugeCluster, mutateCluster } from './model.js';
import { ChildRunner, makeFifo, type Feed } from './child.js';
import { InProcessRunner } from './in-process.js';
import { DEFAULT_LIMITS, judge, signature, type Limits, type RunOutcome } from './judge.js';
import { minimise, minimiseCase } from './minimise.js';
import { HTML, INPUT, inputArg, inputNames, isTextFormat, relativise, type RegressionMeta } from './regression.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const PRELOAD = join(ROOT, 'dist-dev', 'dev', 'bench', 'rusage-preload.js');
const REFERENCE_CLUSTER = join(ROOT, 'fixtures', 'cluster', 'reference-cluster.yaml');
const PARTNERS = ['node01-ens37.pcap', 'node02-ens37.pcap', 'node04-ens37.pcap', 'node04-vxlan.calico.pcap'].map((f) => join(ROOT, 'fixtures', 'correlate-vxlan', f));
const HUGE_CLUSTER_MB = 128;
/** Saved failures are capped so a systematic bug cannot fill the disk. */
const MAX_SAVED = 300;

interface Args {
  seconds: number;
  count: number;
  seed: number;
  /** Share of wall time spent in child processes. */
  childShare: number;
  rssMb: number;
  heapMb: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 60, count: Infinity, seed: Date.now() % 1_000_000, childShare: 0.5, rssMb: 300, heapMb: 512 };
  const names: Record<string, keyof Args> = { '--seconds': 'seconds', '--count': 'count', '--seed': 'seed', '--child-share': 'childShare', '--max-rss-mb': 'rssMb', '--heap-mb': 'heapMb' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]!];
    if (!key) throw new Error(`unknown option ${argv[i]} (use ${Object.keys(names).join(', ')})`);
    const value = Number(argv[i + 1]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${argv[i]} needs a number`);
    args[key] = value;
  }
  return args;
}

function captures(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|cap|capture)$/.test(e)) out.push(p);
    }
  };
  walk(join(ROOT, 'fixtures'));
  // Beside the main checkout (../shared/corpus), or beside the worktrees' parent directory.
  const candidates = process.env.CALICO_PCAP_CORPUS ? [process.env.CALICO_PCAP_CORPUS] : [join(ROOT, '..', 'shared', 'corpus'), join(ROOT, '..', '..', 'shared', 'corpus')];
  const corpus = candidates.find((c) => statExists(c));
  if (corpus) walk(corpus);
  else console.log(`fuzz: no corpus at ${candidates.join(' or ')}; fuzzing the fixtures only`);
  return out.sort();
}

/** One input: the bytes as fed, what they stand for, and how they were made. */
interface Case {
  seed: number;
  bytes: Uint8Array;
  role: 'capture' | 'cluster';
  how: string;
  gzip?: 'whole' | 'cut';
  generated?: RegressionMeta['generated'];
  ext: string;
}

type Random = () => number;
const pickOf = (r: Random) => <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function makeCase(seed: number, files: string[], inputs: Uint8Array[], reference: string): Case {
  const r = prng(seed);
  const pick = pickOf(r);
  const roll = r();
  if (roll < 0.06) {
    const { text, applied } = mutateCluster(reference, r);
    return { seed, bytes: new TextEncoder().encode(text), role: 'cluster', how: `cluster: ${applied.join('+')}`, ext: 'yaml' };
  }
  let c: Case;
  if (roll < 0.2) {
    const { bytes, applied } = generate(r);
    c = { seed, bytes, role: 'capture', how: `generated: ${applied.join('+')}`, ext: 'capture' };
  } else {
    const i = Math.floor(r() * inputs.length);
    const source = relative(ROOT, files[i]!);
    if (roll < 0.55) {
      const { bytes, applied } = mutateStructure(inputs[i]!, r);
      c = { seed, bytes, role: 'capture', how: `${source}: structure ${applied.join('+')}`, ext: 'capture' };
    } else {
      const { bytes, applied } = mutate(inputs[i]!, pick(inputs), r);
      c = { seed, bytes, role: 'capture', how: `${source}: bytes ${applied.join('+')}`, ext: 'capture' };
    }
  }
  const g = r();
  if (g < 0.18) {
    const gz = gzipSync(c.bytes);
    if (g < 0.1) {
      c.bytes = gz;
      c.gzip = 'whole';
    } else {
      // Cut anywhere after the magic, the trailer included: the reader must say it ended early.
      c.bytes = gz.subarray(0, 2 + Math.floor(r() * (gz.length - 3)));
      c.gzip = 'cut';
    }
    c.ext += '.gz';
  }
  return c;
}

/** A command line for the input (placeholders {input}, {html}), chosen by the input's role. */
function command(c: Case, r: Random): string[] {
  const pick = pickOf(r);
  const partners = () => [...PARTNERS].sort(() => r() - 0.5).slice(0, 1 + Math.floor(r() * 2));
  if (c.role === 'cluster') {
    return pick([
      () => ['verify', PARTNERS[0]!, '--cluster', INPUT, '--no-color'],
      () => ['verify', PARTNERS[3]!, '--cluster', INPUT, '--format', pick(['json', 'junit'])],
      () => ['correlate', ...partners(), PARTNERS[2]!, '--cluster', INPUT, '--no-color'],
      () => ['report', '--html', HTML, PARTNERS[1]!, '--cluster', INPUT],
    ])();
  }
  const depth = c.how.startsWith('generated') && r() < 0.5 ? ['--max-tunnel-depth', String(1 + Math.floor(r() * 7))] : [];
  return pick([
    () => ['analyze', INPUT, '--no-color', ...depth],
    () => ['analyze', INPUT, '--format', 'json', ...depth],
    () => ['analyze', INPUT, '--format', 'ndjson', ...depth],
    () => ['analyze', INPUT, '--format', 'csv'],
    () => ['analyze', INPUT, '--strict', '--format', 'json'],
    () => ['verify', INPUT, '--cluster', REFERENCE_CLUSTER, '--no-color'],
    () => ['verify', INPUT, '--cluster', REFERENCE_CLUSTER, '--format', 'json'],
    () => ['verify', INPUT, '--cluster', REFERENCE_CLUSTER, '--format', 'junit'],
    () => {
      const others = partners();
      const all = [...others, INPUT].sort(() => r() - 0.5);
      return ['correlate', ...all, '--format', pick(['table', 'json', 'ndjson']), '--no-color'];
    },
    () => ['report', '--html', HTML, INPUT, ...(r() < 0.5 ? partners() : []), ...(r() < 0.5 ? ['--cluster', REFERENCE_CLUSTER] : [])],
  ])();
}

interface Stats {
  inputs: number;
  bytes: number;
  inProcess: number;
  children: number;
  feeds: Record<Feed, number>;
  exitsInProcess: Map<string, number>;
  exitsChild: Map<string, number>;
  peakChildRssKb: number;
  failures: number;
}

const exitKey = (o: RunOutcome) => (o.timedOut ? 'timeout' : o.signal ? o.signal : String(o.code));
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

async function run(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const limits: Limits = { ...DEFAULT_LIMITS, rssKb: args.rssMb * 1024 };
  const files = captures();
  const inputs = files.map((f) => readFileSync(f));
  const reference = readFileSync(REFERENCE_CLUSTER, 'utf8');
  const work = mkdtempSync(join(tmpdir(), 'calico-pcap-fuzz-'));
  const failDir = join(ROOT, 'fuzz-failures');
  const inProcess = new InProcessRunner(args.heapMb);
  const children = new ChildRunner(CLI, PRELOAD, work);
  const fifo = join(work, 'input.fifo');
  const haveFifo = makeFifo(fifo);
  const random = prng(args.seed);
  const stats: Stats = {
    inputs: 0, bytes: 0, inProcess: 0, children: 0, feeds: { file: 0, stdin: 0, 'dev-stdin': 0, fifo: 0 },
    exitsInProcess: new Map(), exitsChild: new Map(), peakChildRssKb: 0, failures: 0,
  };
  const kinds = new Map<string, { count: number; example: string }>();
  let saved = 0;
  let childMs = 0;
  let minimiseMs = 0;
  let rssAlarm = false;
  const started = Date.now();
  const deadline = started + args.seconds * 1000;
  const left = () => deadline - Date.now();
  console.log(
    `fuzz: ${files.length} captures, seed ${args.seed}, ${args.seconds} s; child RSS measured by ${children.method}, bound ${args.rssMb} MB; ` +
      `in-process heap capped at ${args.heapMb} MB${haveFifo ? '' : '; no mkfifo, FIFO runs skipped'}`,
  );

  /** Writes the case's bytes where the command will find them; returns the resolved argv. */
  const prepare = (c: Case, template: string[], feed: Feed, tag: string): { argv: string[]; path: string } => {
    const path = join(work, `${tag}.${c.ext}`);
    writeFileSync(path, c.bytes);
    const argIn = c.role === 'capture' ? inputArg(feed, path, fifo) : path;
    const html = join(work, `${tag}.html`);
    return { argv: template.map((a) => (a === INPUT ? argIn : a === HTML ? html : a)), path };
  };

  const runOnce = async (c: Case, template: string[], mode: 'child' | 'in-process', feed: Feed): Promise<RunOutcome | null> => {
    const full = mode === 'child' ? limits.timeMs : Math.min(limits.timeMs, 5_000);
    const timeoutMs = Math.max(200, Math.min(full, left()));
    const { argv, path } = prepare(c, template, feed, mode === 'child' ? 'child' : 'inproc');
    let o: RunOutcome;
    if (mode === 'in-process') {
      const r = await inProcess.run(argv, timeoutMs);
      o = {
        code: r.died ? null : r.code, signal: r.died, stderr: r.stderr, stdout: r.stdout, stdoutIsText: isTextFormat(argv), ms: r.ms,
        timedOut: r.died?.startsWith('no exit') ?? false, maxRssKb: null, names: inputNames(argv), mustComplain: c.gzip === 'cut',
      };
      // Only visible in-process (a CLI process closes everything at exit), so judged here.
      if (r.leakedFds > 0 && !r.died) o.leak = `${r.leakedFds} file descriptor(s) left open after the run`;
    } else {
      const r = await children.run(argv, { feed, inputFile: path, fifo, timeoutMs });
      o = {
        code: r.code, signal: r.signal, stderr: r.stderr, stdout: r.stdout, stdoutIsText: isTextFormat(argv), ms: r.ms,
        timedOut: r.timedOut, maxRssKb: r.maxRssKb, names: inputNames(argv), mustComplain: c.gzip === 'cut',
      };
    }
    // A run cut short by the end of the fuzzing time says nothing about the input.
    if (o.timedOut && timeoutMs < full) return null;
    return o;
  };

  const record = async (c: Case, template: string[], mode: 'child' | 'in-process', feed: Feed, o: RunOutcome, why: string) => {
    stats.failures++;
    const kind = `${mode} ${template[0]} ${c.role}${c.role === 'capture' ? ` via ${feed}${c.gzip ? ` gzip-${c.gzip}` : ''}` : ''}: ${signature(why, o.stderr)}`;
    const seen = kinds.get(kind);
    const name = `${mode}-${c.seed}-${feed}`;
    const meta: RegressionMeta = {
      command: relativise(template, ROOT), feed: c.role === 'capture' ? feed : 'file', input: c.generated ? undefined : `${name}.${c.ext}`,
      generated: c.generated, gzip: c.gzip, role: c.role, mode, exit: o.code, signal: o.signal, why, stderr: o.stderr.slice(0, 2000),
      seed: c.seed, runSeed: args.seed, how: c.how, maxRssKb: o.maxRssKb,
    };
    if (seen) {
      seen.count++;
    } else {
      kinds.set(kind, { count: 1, example: name });
      console.log(`FAIL ${why}\n  ${mode}: calico-pcap ${meta.command.join(' ')} (feed ${meta.feed}${c.gzip ? `, gzip ${c.gzip}` : ''})\n  input: ${c.how} (seed ${c.seed})`);
      for (const l of o.stderr.split('\n').filter(Boolean).slice(0, 3)) console.log(`  | ${l.slice(0, 200)}`);
    }
    if (saved >= MAX_SAVED) return;
    mkdirSync(failDir, { recursive: true });
    if (!c.generated) writeFileSync(join(failDir, meta.input!), c.bytes);
    writeFileSync(join(failDir, `${name}.json`), JSON.stringify(meta, null, 2) + '\n');
    saved++;
    // The first input of each kind is also minimised: same command, same kind of failure.
    if (!seen && !c.generated && left() > 2_000 && minimiseMs < 0.25 * args.seconds * 1000) {
      const budget = Math.min(mode === 'child' ? 5_000 : 1_500, left() - 1_000);
      const m0 = Date.now();
      const small = await minimise(c.bytes, budget, async (bytes) => {
        const o2 = await runOnce({ ...c, bytes }, template, mode, feed);
        const why2 = o2 && judge(o2, limits);
        return why2 !== null && why2 !== undefined && signature(why2, o2!.stderr) === signature(why, o.stderr);
      });
      if (small.length < c.bytes.length) {
        writeFileSync(join(failDir, `${name}-min.${c.ext}`), small);
        writeFileSync(join(failDir, `${name}-min.json`), JSON.stringify({ ...meta, input: `${name}-min.${c.ext}`, how: `${meta.how}, minimised from ${c.bytes.length} to ${small.length} bytes` }, null, 2) + '\n');
        console.log(`  minimised ${c.bytes.length} -> ${small.length} bytes: fuzz-failures/${name}-min.${c.ext}`);
      }
      minimiseMs += Date.now() - m0;
    }
  };

  const judgeAndRecord = async (c: Case, template: string[], mode: 'child' | 'in-process', feed: Feed): Promise<void> => {
    const c0 = Date.now();
    const o = await runOnce(c, template, mode, feed);
    if (mode === 'child') childMs += Date.now() - c0; // minimising, below, is accounted apart
    if (!o) return;
    bump(mode === 'child' ? stats.exitsChild : stats.exitsInProcess, exitKey(o));
    if (mode === 'child') {
      stats.children++;
      stats.feeds[feed]++;
      stats.peakChildRssKb = Math.max(stats.peakChildRssKb, o.maxRssKb ?? 0);
    } else {
      stats.inProcess++;
    }
    const why = judge(o, limits);
    if (why) await record(c, template, mode, feed, o, why);
  };

  let hugeAt = 3;
  while (left() > 300 && stats.inputs < args.count) {
    const seed = Math.floor(random() * 2 ** 31);
    const c = makeCase(seed, files, inputs, reference);
    const r = prng(seed ^ 0x5bd1e995);
    stats.inputs++;
    stats.bytes += c.bytes.length;

    await judgeAndRecord(c, command(c, r), 'in-process', 'file');
    const maxRssKb = process.resourceUsage().maxRSS;
    if (!rssAlarm && maxRssKb > (args.heapMb + 512) * 1024) {
      rssAlarm = true; // the process peak only grows: report the input that crossed the bound once
      await record(c, command(c, prng(seed ^ 0x5bd1e995)), 'in-process', 'file', { code: 0, signal: null, stderr: '', stdout: '', stdoutIsText: false, ms: 0, timedOut: false, maxRssKb, names: [] }, `fuzzer process peak RSS ${(maxRssKb / 1024).toFixed(0)} MB`);
    }

    // About args.childShare of the wall time goes to child processes.
    if (childMs < args.childShare * (Date.now() - started - minimiseMs) && left() > 500) {
      let childCase = c;
      if (stats.children === hugeAt) {
        // Rarely, and only in a child (it may take a lot of memory): the huge cluster file.
        hugeAt = hugeAt * 10 + 300;
        childCase = { seed, bytes: new TextEncoder().encode(hugeCluster(reference, HUGE_CLUSTER_MB)), role: 'cluster', how: `cluster: huge (${HUGE_CLUSTER_MB} MiB)`, generated: { kind: 'huge-cluster', megabytes: HUGE_CLUSTER_MB }, ext: 'yaml' };
      }
      const feeds: Feed[] = haveFifo ? ['file', 'stdin', 'dev-stdin', 'fifo'] : ['file', 'stdin', 'dev-stdin'];
      const feed = childCase.role === 'capture' ? pickOf(r)(feeds) : 'file';
      await judgeAndRecord(childCase, command(childCase, r), 'child', feed);
    }
    if (stats.inputs % 2000 === 0) {
      const s = (Date.now() - started) / 1000;
      console.log(`  ${stats.inputs} inputs in ${s.toFixed(0)} s (${(stats.inputs / s).toFixed(0)}/s), ${stats.children} child runs, ${stats.failures} failures`);
    }
  }
  await inProcess.close();
  rmSync(work, { recursive: true, force: true });

  const seconds = (Date.now() - started) / 1000;
  const hist = (m: Map<string, number>) => [...m].sort().map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
  console.log(`fuzz: ${stats.inputs} inputs (${(stats.bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s, ${(stats.inputs / seconds).toFixed(0)} inputs/s`);
  console.log(`  in-process runs: ${stats.inProcess}; exits ${hist(stats.exitsInProcess)}; peak heap after a run ${(inProcess.peakHeap / 1048576).toFixed(0)} MB, fuzzer process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  for (const [w, n] of inProcess.warnings) console.log(`  node warnings from in-process runs: ${n} x ${w}`);
  console.log(`  child runs: ${stats.children} (${Object.entries(stats.feeds).map(([k, v]) => `${k} ${v}`).join(', ')}); exits ${hist(stats.exitsChild)}; peak child RSS ${(stats.peakChildRssKb / 1024).toFixed(0)} MB`);
  console.log(`  time: children ${(childMs / 1000).toFixed(1)} s, minimising ${(minimiseMs / 1000).toFixed(1)} s, the rest in-process`);
  console.log(`  failures: ${stats.failures} in ${kinds.size} kinds${saved > 0 ? ` (saved under fuzz-failures/${saved >= MAX_SAVED ? `, first ${MAX_SAVED}` : ''})` : ''}`);
  for (const [kind, { count, example }] of [...kinds].sort((a, b) => b[1].count - a[1].count)) console.log(`  ${String(count).padStart(5)}  ${kind}  [${example}]`);
  return stats.failures === 0 ? 0 : 1;
}

function statExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

(process.argv[2] === '--minimise' ? minimiseCase(process.argv[3] ?? '', ROOT, Number(process.argv[4] ?? 30)) : run()).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`fuzz: ${(err as Error).message}`);
    process.exitCode = 2;
  },
);
