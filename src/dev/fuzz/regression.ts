// A fuzz failure as a replayable case: the input bytes in a file, and next to it a small JSON
// with the command line (placeholders for the input and temporary files), how the input was
// fed, and what went wrong. fuzz.ts writes them to fuzz-failures/; the minimised ones are
// copied to fixtures/fuzz-regressions/, which test/fuzz-regressions.test.ts replays.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ChildRunner, makeFifo, type Feed } from './child.js';
import { judge, type Limits, type RunOutcome } from './judge.js';
import { hugeCluster } from './model.js';

/** Placeholders in a recorded command line. */
export const INPUT = '{input}';
export const HTML = '{html}';

export interface RegressionMeta {
  /** calico-pcap's arguments; {input} is the input as fed, {html} a temporary output file, other paths relative to the repository. */
  command: string[];
  /** How the input reached the CLI: a file path, `-` on a pipe, /dev/stdin on a pipe, a FIFO path. */
  feed: Feed;
  /** The input's file name next to this JSON; absent when `generated` rebuilds it. */
  input?: string;
  /** Inputs too big to commit are rebuilt: a huge cluster file of this many MiB. */
  generated?: { kind: 'huge-cluster'; megabytes: number };
  /** The capture was gzip-compressed whole, or compressed and cut short (then silence is a failure). */
  gzip?: 'whole' | 'cut';
  /** Whether the input is a capture or a cluster file (--cluster). */
  role: 'capture' | 'cluster';
  /** 'child' (dist/cli.js) or 'in-process' (main() in a worker thread). */
  mode: 'child' | 'in-process';
  exit: number | null;
  signal: string | null;
  why: string;
  stderr: string;
  /** The input's own seed (replays its generation) and the run's --seed. */
  seed: number;
  runSeed: number;
  /** How the input was made: source file and mutations. */
  how: string;
  maxRssKb: number | null;
  /** What the bug was, once fixed (kept for the record). */
  fixed?: string;
}

/** Paths an error line may name: the inputs as given (`-` is "<stdin>"), cluster and output files. */
export function inputNames(argv: string[]): string[] {
  const names: string[] = [];
  for (const a of argv) {
    if (a === '-') names.push('<stdin>');
    else if (a.includes('/')) names.push(/^[^=/]+=(.+)$/.exec(a)?.[1] ?? a);
  }
  return names;
}

/** The argument that stands for the input, by feed. */
export function inputArg(feed: Feed, path: string, fifo: string): string {
  return feed === 'stdin' ? '-' : feed === 'dev-stdin' ? '/dev/stdin' : feed === 'fifo' ? fifo : path;
}

/** Paths under the repository made relative (recorded), relative ones made absolute (replayed). */
export function relativise(argv: string[], root: string): string[] {
  return argv.map((a) => (isAbsolute(a) && a.startsWith(root + '/') ? relative(root, a) : a));
}

export function absolutise(argv: string[], root: string): string[] {
  return argv.map((a) => (a.startsWith('fixtures/') ? resolve(root, a) : a));
}

/** The recorded input, written out when it is generated rather than stored. */
function inputFile(meta: RegressionMeta, dir: string, root: string, work: string): string {
  if (meta.input) return resolve(dir, meta.input);
  const path = join(work, 'generated.yaml');
  if (meta.generated?.kind === 'huge-cluster') {
    writeFileSync(path, hugeCluster(readFileSync(join(root, 'fixtures', 'cluster', 'reference-cluster.yaml'), 'utf8'), meta.generated.megabytes));
  }
  return path;
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/**
 * Replays a case found in-process through main() in this process (the input given as a file),
 * judged as the fuzzer did, file descriptors left open included.
 */
export async function replayInProcess(meta: RegressionMeta, dir: string, root: string, limits: Limits): Promise<{ outcome: RunOutcome; why: string | null }> {
  const { main } = await import('../../cli.js');
  const work = mkdtempSync(join(tmpdir(), 'calico-pcap-replay-'));
  try {
    const path = inputFile(meta, dir, root, work);
    const argv = absolutise(meta.command, root).map((a) => (a === INPUT ? path : a === HTML ? join(work, 'report.html') : a));
    let stderr = '';
    const out: string[] = [];
    const before = openFds();
    const t0 = performance.now();
    const code = await main(argv, { stdout: (s) => void out.push(s), stderr: (s) => void (stderr += s), isTTY: false });
    const ms = performance.now() - t0;
    let leaked = openFds() - before;
    for (let i = 0; i < 5 && leaked > 0; i++) {
      await new Promise((r) => setTimeout(r, 2));
      leaked = openFds() - before;
    }
    const outcome: RunOutcome = {
      code, signal: null, stderr, stdout: out.join(''), stdoutIsText: isTextFormat(argv), ms, timedOut: false, maxRssKb: null,
      names: inputNames(argv), mustComplain: meta.gzip === 'cut', leak: leaked > 0 ? `${leaked} file descriptor(s) left open after the run` : undefined,
    };
    return { outcome, why: judge(outcome, limits) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Table and CSV are text for a terminal; JSON, NDJSON and JUnit are not. */
export function isTextFormat(argv: string[]): boolean {
  const at = argv.indexOf('--format');
  return at === -1 || argv[at + 1] === 'table' || argv[at + 1] === 'csv';
}

/** Replays one recorded case through the built CLI as a child process; returns its outcome and verdict. */
export async function replay(meta: RegressionMeta, dir: string, root: string, limits: Limits): Promise<{ outcome: RunOutcome; why: string | null }> {
  const work = mkdtempSync(join(tmpdir(), 'calico-pcap-replay-'));
  try {
    const runner = new ChildRunner(join(root, 'dist', 'cli.js'), join(root, 'dist-dev', 'dev', 'bench', 'rusage-preload.js'), work);
    const inputPath = inputFile(meta, dir, root, work);
    const fifo = join(work, 'input.fifo');
    if (meta.feed === 'fifo' && !makeFifo(fifo)) throw new Error('mkfifo failed');
    const argIn = meta.role === 'capture' ? inputArg(meta.feed, inputPath, fifo) : inputPath;
    const html = join(work, 'report.html');
    const argv = absolutise(meta.command, root).map((a) => (a === INPUT ? argIn : a === HTML ? html : a));
    const r = await runner.run(argv, { feed: meta.role === 'capture' ? meta.feed : 'file', inputFile: inputPath, fifo, timeoutMs: limits.timeMs });
    const outcome: RunOutcome = {
      code: r.code, signal: r.signal, stderr: r.stderr, stdout: r.stdout, stdoutIsText: isTextFormat(argv),
      ms: r.ms, timedOut: r.timedOut, maxRssKb: r.maxRssKb, names: inputNames(argv), mustComplain: meta.gzip === 'cut',
    };
    return { outcome, why: judge(outcome, limits) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
