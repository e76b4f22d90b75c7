// What a command hands the read loop (analyzeCapture's ReadControl): Ctrl-C stops the read, the
// progress line is fed, and streamed output (ndjson) holds the read back while stdout is full, so
// that `| head -1` ends the read at once (the EPIPE is seen at the next checkpoint) and memory
// stays bounded when the reader of the pipe is slow.
import type { ReadControl } from '../analysis/pipeline.js';
import { inputName } from '../capture/source.js';
import { stopReadOnSigint } from './interrupt.js';
import { progressLineFor } from './progress.js';

export interface CommandReadControl {
  control: ReadControl;
  /** Clears the progress line and restores SIGINT's default; call before printing the report. */
  finish(): void;
}

/** `showProgress`: false when the progress line would share a terminal with streamed output. */
export function commandReadControl(capture: string, showProgress: boolean): CommandReadControl {
  const interrupt = stopReadOnSigint();
  const progress = showProgress ? progressLineFor(inputName(capture)) : null;
  return {
    control: {
      signal: interrupt.signal,
      checkpoint: async (p) => {
        progress?.update(p);
        await stdoutDrained();
      },
    },
    finish: () => {
      progress?.stop();
      interrupt.dispose();
    },
  };
}

/** Resolves once stdout has room again (or failed: its error handler then ends the process). */
function stdoutDrained(): Promise<void> | void {
  const out = process.stdout;
  if (!out.writableNeedDrain || out.destroyed) return;
  return new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('error', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done).on('error', done).on('close', done);
  });
}
