// `npm run fuzz -- [--seconds N] [--count N] [--seed N]`: mutates every fixture and corpus
// capture and runs the real command line on each result. A run fails on an exception escaping
// (exit 3), an exit code above 2, a stack trace or a line not of our own on stderr, a run over
// 10 seconds, or, for the inputs also run as a child process, a signal. Failing inputs are
// saved under fuzz-failures/ with the seed that made them. Not part of the normal test run.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../cli.js';
import { mutate, prng, type Mutation } from './mutate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const RUN_LIMIT_MS = 10_000;
/** One input in this many is also run in a child process, to catch signals and hangs for real. */
const CHILD_EVERY = 200;

interface Args {
  seconds: number;
  count: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 60, count: Infinity, seed: Date.now() % 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--seconds') args.seconds = value;
    else if (argv[i] === '--count') args.count = value;
    else if (argv[i] === '--seed') args.seed = value;
    else throw new Error(`unknown option ${argv[i]} (use --seconds N, --count N, --seed N)`);
    i++;
    if (!Number.isFinite(value) || value < 0) throw new Error(`${argv[i - 1]} needs a number`);
  }
  return args;
}

function captures(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|cap)$/.test(e)) out.push(p);
    }
  };
  walk(join(ROOT, 'fixtures'));
  const corpus = process.env.CALICO_PCAP_CORPUS ?? join(ROOT, '..', 'shared', 'corpus');
  try {
    walk(corpus);
  } catch {
    console.log(`fuzz: no corpus at ${corpus}; fuzzing the fixtures only`);
  }
  return out.sort();
}

// The commands and formats each input goes through, in turn: analyze in every format, and verify
// against the reference cluster (its rule, findings and reports see the damaged flows too).
const CLUSTER = join(ROOT, 'fixtures', 'vxlan-crosssubnet', 'cluster.yaml');
const RUNS: string[][] = [
  ['analyze', '--format', 'json'], ['analyze', '--format', 'ndjson'], ['analyze', '--format', 'csv'], ['analyze'],
  ['analyze', '--strict', '--format', 'json'], ['verify', '--cluster', CLUSTER], ['verify', '--cluster', CLUSTER, '--format', 'junit'],
];

interface Failure {
  why: string;
  stderr: string;
  seed: number;
  source: string;
  applied: Mutation[];
  saved: string;
}

/** What is wrong with one run's outcome, or null. */
function judge(code: number | null, signal: string | null, stderr: string, ms: number): string | null {
  if (signal) return `killed by ${signal}`;
  if (code === null || code > 2) return `exit code ${code}`;
  if (ms > RUN_LIMIT_MS) return `took ${ms.toFixed(0)} ms`;
  if (/\n\s+at /.test(stderr)) return 'stack trace on stderr';
  const lines = stderr.split('\n').filter((l) => l !== '');
  if (lines.length > 1) return `${lines.length} lines on stderr`;
  if (lines.some((l) => !l.startsWith('calico-pcap: '))) return `unexpected stderr: ${lines[0]}`;
  return null;
}

async function run(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const files = captures();
  const inputs = files.map((f) => readFileSync(f));
  const work = mkdtempSync(join(tmpdir(), 'calico-pcap-fuzz-'));
  const failDir = join(ROOT, 'fuzz-failures');
  const random = prng(args.seed);
  const failures: Failure[] = [];
  const exits = [0, 0, 0];
  let total = 0;
  let children = 0;
  let bytes = 0;
  const started = Date.now();
  const deadline = started + args.seconds * 1000;
  console.log(`fuzz: ${files.length} captures, seed ${args.seed}, ${args.seconds} s${Number.isFinite(args.count) ? `, at most ${args.count} inputs` : ''}`);

  while (Date.now() < deadline && total < args.count) {
    const seed = Math.floor(random() * 2 ** 31);
    const r = prng(seed);
    const index = Math.floor(r() * inputs.length);
    const { bytes: mutated, applied } = mutate(inputs[index], inputs[Math.floor(r() * inputs.length)], r);
    const path = join(work, 'input.pcap');
    writeFileSync(path, mutated);
    const [command, ...format] = RUNS[total % RUNS.length];
    let stderr = '';
    const t0 = performance.now();
    const code = await main([command, path, ...format], { stdout: () => {}, stderr: (s) => (stderr += s), isTTY: false });
    let why = judge(code, null, stderr, performance.now() - t0);
    if (!why && total % CHILD_EVERY === 0) {
      const c0 = performance.now();
      const child = spawnSync('node', [CLI, command, path, ...format], { encoding: 'utf8', timeout: RUN_LIMIT_MS, maxBuffer: 256 << 20 });
      why = judge(child.status, child.signal, child.stderr, performance.now() - c0);
      if (why) stderr = child.stderr;
      children++;
    }
    total++;
    bytes += mutated.length;
    if (code <= 2) exits[code]++;
    if (why) {
      mkdirSync(failDir, { recursive: true });
      const saved = join(failDir, `seed-${seed}.pcap`);
      writeFileSync(saved, mutated);
      failures.push({ why, stderr, seed, source: files[index], applied, saved });
      console.log(`FAIL ${why}: from ${files[index]} with ${applied.join('+')} (seed ${seed}) -> ${saved}`);
      console.log(stderr.split('\n').slice(0, 6).map((l) => `  | ${l}`).join('\n'));
    }
    if (total % 5000 === 0) {
      const s = (Date.now() - started) / 1000;
      console.log(`  ${total} inputs in ${s.toFixed(0)} s (${(total / s).toFixed(0)}/s), ${failures.length} failures`);
    }
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `fuzz: ${total} mutated inputs (${(bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s, ${(total / seconds).toFixed(0)} inputs/s; ` +
      `${children} also run as child processes; exits 0/1/2: ${exits.join('/')}; ${failures.length} failures`,
  );
  return failures.length === 0 ? 0 : 1;
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`fuzz: ${(err as Error).message}`);
    process.exitCode = 2;
  },
);
