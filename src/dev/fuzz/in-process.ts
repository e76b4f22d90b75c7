// In-process runs of the CLI's main() inside a worker thread: fast (no process start), yet the
// fuzzer keeps control. A run that loops forever is stopped with worker.terminate() at its
// time limit, and the worker's heap is capped by resourceLimits, so an input that makes the
// heap grow without bound ends as a reported failure instead of taking the fuzzer down.
import { readdirSync } from 'node:fs';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';

interface Request {
  argv: string[];
}

export interface InProcessResult {
  code: number | null;
  stderr: string;
  stdout: string;
  stdoutBytes: number;
  ms: number;
  /** The worker's heap after the run, and the largest it ever got, in bytes. */
  heapUsed: number;
  /** Set when the run did not end by itself: a time-out, or the heap cap. */
  died: string | null;
  /** File descriptors open after the run that were not before (a source left open on an error path). */
  leakedFds: number;
}

/** Open file descriptors of this process (Linux). */
function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

const KEEP_STDOUT = 1 << 20;

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { main } = await import('../../cli.js');
  port.on('message', async (req: Request) => {
    let stderr = '';
    const out: string[] = [];
    let outBytes = 0;
    const fdsBefore = openFds();
    const t0 = performance.now();
    let code: number;
    try {
      code = await main(req.argv, {
        stdout: (s) => {
          if (outBytes < KEEP_STDOUT) out.push(s);
          outBytes += s.length;
        },
        stderr: (s) => (stderr += s),
        isTTY: false,
      });
    } catch (err) {
      // main() catches everything itself; anything here is a bug of its own kind.
      stderr += `uncaught from main(): ${(err as Error)?.stack ?? String(err)}\n`;
      code = 3;
    }
    const ms = performance.now() - t0;
    // Closes still in flight finish within a few turns of the event loop; what stays open is a leak.
    let leakedFds = openFds() - fdsBefore;
    for (let i = 0; i < 5 && leakedFds > 0; i++) {
      await new Promise((r) => setTimeout(r, 2));
      leakedFds = openFds() - fdsBefore;
    }
    port.postMessage({ code, stderr, stdout: out.join(''), stdoutBytes: outBytes, ms, heapUsed: getHeapStatistics().used_heap_size, died: null, leakedFds: Math.max(0, leakedFds) } satisfies InProcessResult);
  });
}

/** A worker thread running main() on request; replaced after it dies. */
export class InProcessRunner {
  private worker: Worker | null = null;
  /** Largest heap seen after any run, in bytes. */
  peakHeap = 0;
  /** Node's own warnings from the worker (e.g. "Closing file descriptor N on garbage collection"), kept off the terminal. */
  readonly warnings = new Map<string, number>();

  constructor(private readonly heapMb: number) {}

  private start(): Worker {
    const w = new Worker(new URL(import.meta.url), { stderr: true, resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: 64 } });
    w.unref();
    w.stderr.setEncoding('utf8');
    w.stderr.on('data', (text: string) => {
      for (const line of text.split('\n').filter(Boolean)) {
        const kind = line.replace(/^\(node:\d+\) /, '').replace(/\d+/g, 'N');
        this.warnings.set(kind, (this.warnings.get(kind) ?? 0) + 1);
      }
    });
    this.worker = w;
    return w;
  }

  async run(argv: string[], timeoutMs: number): Promise<InProcessResult> {
    const w = this.worker ?? this.start();
    const t0 = performance.now();
    const result = await new Promise<InProcessResult>((resolve) => {
      const dead = (why: string) => resolve({ code: null, stderr: '', stdout: '', stdoutBytes: 0, ms: performance.now() - t0, heapUsed: 0, died: why, leakedFds: 0 });
      const timer = setTimeout(() => {
        void w.terminate();
        dead(`no exit within ${timeoutMs} ms`);
      }, timeoutMs);
      const onMessage = (r: InProcessResult) => {
        cleanup();
        resolve(r);
      };
      const onError = (err: Error & { code?: string }) => {
        cleanup();
        dead(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `in-process heap over ${this.heapMb} MB` : `worker died: ${err.message}`);
      };
      const onExit = (code: number) => {
        cleanup();
        dead(`worker exited with ${code}`);
      };
      const cleanup = () => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ argv } satisfies Request);
    });
    if (result.died) {
      void w.terminate();
      this.worker = null;
    }
    this.peakHeap = Math.max(this.peakHeap, result.heapUsed);
    return result;
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}
