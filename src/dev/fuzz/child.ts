// Runs the real CLI (dist/cli.js) as a child process, the way users run it: the capture given
// as a path, as `-` with the bytes on a pipe, as /dev/stdin on a pipe, or as a FIFO path fed by
// `cat`. Peak RSS is measured from outside with GNU time (`/usr/bin/time -f %M`, from wait4's
// rusage): it needs no change to the child, and it still reports when the child dies by a
// signal or aborts, where an in-process 'exit' hook would say nothing. Without GNU time the
// benchmark's preload (dist-dev/dev/bench/rusage-preload.js: maxRSS at 'exit') is the fallback.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export type Feed = 'file' | 'stdin' | 'dev-stdin' | 'fifo';

export interface ChildResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  /** stdout bytes in all (only the first MiB is kept in `stdout`). */
  stdoutBytes: number;
  stderr: string;
  ms: number;
  /** Peak resident set of the CLI process in kB, or null if it could not be measured. */
  maxRssKb: number | null;
  /** Killed because the run hit its time limit. */
  timedOut: boolean;
}

const GNU_TIME = '/usr/bin/time';
const KEEP_STDOUT = 1 << 20;
/** The child's JS heap is capped so a runaway input cannot take the shared machine down with it. */
const CHILD_HEAP_MB = 1024;

export class ChildRunner {
  readonly method: string;
  private readonly useTime: boolean;
  private seq = 0;

  constructor(private readonly cli: string, private readonly preload: string, private readonly work: string) {
    this.useTime = spawnSync(GNU_TIME, ['-f', '%M', 'true']).status === 0;
    this.method = this.useTime ? 'GNU time (wait4 rusage)' : existsSync(preload) ? 'preload maxRSS at exit' : 'not measured';
  }

  /**
   * Runs `calico-pcap ...argv`. For feed 'stdin'/'dev-stdin' `inputFile` is piped to the
   * child's stdin by `cat`; for 'fifo' argv must contain `fifo` as the capture path, and `cat`
   * copies `inputFile` into it.
   */
  async run(argv: string[], opts: { feed: Feed; inputFile?: string; fifo?: string; timeoutMs: number }): Promise<ChildResult> {
    const rssFile = join(this.work, `rss-${this.seq++}.txt`);
    const nodeArgs = [`--max-old-space-size=${CHILD_HEAP_MB}`, this.cli, ...argv];
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
    const command = this.useTime ? [GNU_TIME, '-f', '%M', '-o', rssFile, process.execPath, ...nodeArgs] : [process.execPath, ...(existsSync(this.preload) ? ['--import', this.preload] : []), ...nodeArgs];
    const spawnEnv = this.useTime ? env : { ...env, CALICO_PCAP_BENCH_RUSAGE: rssFile };
    let child: ChildProcess;
    if ((opts.feed === 'stdin' || opts.feed === 'dev-stdin') && opts.inputFile) {
      // A real pipe, as from `cat capture | calico-pcap analyze -`: Node's own 'pipe' stdio is a
      // socket pair, on which /dev/stdin cannot even be opened (ENXIO).
      child = spawn('sh', ['-c', 'f=$1; shift; cat -- "$f" | exec "$@"', 'sh', opts.inputFile, ...command], { detached: true, env: spawnEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    } else {
      child = spawn(command[0]!, command.slice(1), { detached: true, env: spawnEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    }
    let feeder: ChildProcess | null = null;
    if (opts.feed === 'fifo' && opts.fifo && opts.inputFile) {
      // cat blocks in open() until the CLI opens the FIFO; killed below if the CLI never does.
      feeder = spawn('sh', ['-c', 'exec cat -- "$1" > "$2"', 'sh', opts.inputFile, opts.fifo], { detached: true, stdio: 'ignore' });
      feeder.on('error', () => {});
    }

    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (outBytes < KEEP_STDOUT) out.push(d);
      outBytes += d.length;
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += d.toString('utf8');
    });
    const t0 = performance.now();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, opts.timeoutMs);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => {
      child.on('error', () => resolve([null, 'spawn-error']));
      child.on('close', (c, s) => resolve([c, s]));
    });
    clearTimeout(timer);
    const ms = performance.now() - t0;
    if (feeder && feeder.exitCode === null) killGroup(feeder);
    const measured = this.readRss(rssFile);
    return {
      code: measured.signal ? null : code, signal: measured.signal ?? signal, stdout: Buffer.concat(out).toString('utf8'), stdoutBytes: outBytes,
      stderr, ms, maxRssKb: measured.kb, timedOut,
    };
  }

  private readRss(file: string): { kb: number | null; signal: string | null } {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
      rmSync(file);
    } catch {
      return { kb: null, signal: null };
    }
    if (!this.useTime) {
      const kb = (JSON.parse(text) as { maxRSS_kB?: number }).maxRSS_kB;
      return { kb: kb ?? null, signal: null };
    }
    // GNU time writes "Command terminated by signal N" (or "...exited with non-zero status N")
    // before the format's output, and itself exits 128+N for a signal.
    const lines = text.trim().split('\n');
    const kb = Number(lines[lines.length - 1]);
    const sig = /terminated by signal (\d+)/.exec(text);
    return { kb: Number.isFinite(kb) ? kb : null, signal: sig ? `signal ${sig[1]}` : null };
  }
}

/** Kills a process group this runner started (children are spawned detached, as group leaders). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Makes a FIFO (there is no mkfifo in node:fs). */
export function makeFifo(path: string): boolean {
  rmSync(path, { force: true });
  return spawnSync('mkfifo', [path]).status === 0;
}
