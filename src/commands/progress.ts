// The progress line on stderr while a capture is read: bytes, packets, rate, and with a known
// size (a regular file; compressed bytes for a compressed file) the share done and an ETA. Only
// when stderr is a terminal, and only once the read has run for a second: a short run, a pipe
// or a log file never sees it. Drawn by cli-progress (redraw in place, clipped to the terminal's
// width, cleared when done); fed from the read loop's checkpoints (once per buffer of input) and a
// timer for a pipe that stalls: never per packet.
import cliProgress from 'cli-progress';
import type { ReadProgress } from '../analysis/pipeline.js';
import { terminalSafe } from '../report/terminal-safe.js';

/** The line appears only when the read is still running after this long. */
const SHOW_AFTER_MS = 1000;

export class ProgressLine {
  private bar: cliProgress.SingleBar | null = null;
  private readonly started = Date.now();
  private last: ReadProgress = { packets: 0, inputBytes: 0, inputSize: null };
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly name: string, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.timer = setInterval(() => this.update(this.last), 250).unref();
  }

  /** A checkpoint of the read: draws (at most a few times a second; cli-progress throttles). */
  update(progress: ReadProgress): void {
    this.last = progress;
    if (this.bar === null) {
      if (Date.now() - this.started < SHOW_AFTER_MS) return;
      this.bar = new cliProgress.SingleBar({
        stream: this.stream,
        format: (_options, params) => this.format(params.value, params.total, params.eta),
        fps: 5,
        clearOnComplete: true,
        hideCursor: false,
        etaBuffer: 50,
        // never on a pipe: the caller checks too, this is the library's own guard
        noTTYOutput: false,
      });
      this.bar.start(progress.inputSize ?? 0, progress.inputBytes, {});
    }
    if (progress.inputSize !== null && progress.inputBytes > progress.inputSize) this.bar.setTotal(progress.inputBytes);
    this.bar.update(progress.inputBytes);
  }

  private format(bytes: number, total: number, eta: number): string {
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const known = this.last.inputSize !== null && total > 0;
    const size = known ? `${formatBytes(bytes)} of ${formatBytes(total)} (${Math.floor((100 * bytes) / total)}%)` : formatBytes(bytes);
    const etaText = known && Number.isFinite(eta) && bytes > 0 ? `, ETA ${formatDuration(eta)}` : '';
    return `calico-pcap: reading ${this.name}: ${size}, ${this.last.packets.toLocaleString('en-US')} packets, ${formatBytes(bytes / seconds)}/s${etaText}`;
  }

  /** Clears the line (before the report is printed, or on an error). */
  stop(): void {
    clearInterval(this.timer);
    this.bar?.stop();
    this.bar = null;
  }
}

/** A progress line for `name`, or null when stderr is not a terminal. */
export function progressLineFor(name: string, stream: NodeJS.WriteStream = process.stderr): ProgressLine | null {
  return stream.isTTY ? new ProgressLine(terminalSafe(name), stream) : null;
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** 75 -> "1:15", 3700 -> "1:01:40". */
function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
