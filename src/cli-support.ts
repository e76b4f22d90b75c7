// What every command of the CLI shares: exit codes, the buffered stdout writer, the one-line
// message format.
import type { IssueRecord } from './issues.js';

export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_UNREADABLE = 2;
/** A bug in calico-pcap itself (never expected; the fuzzer treats it as a failure). */
export const EXIT_INTERNAL = 3;

/** Writes to stdout synchronously in large pieces; a closed pipe (`| head`) ends output quietly. */
export class Output {
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

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

/** NODE=FILE names the node a capture was taken on; a bare FILE leaves it to inference. */
export function parseCaptureArg(arg: string): { file: string; node?: string } {
  const m = /^([^=/]+)=(.+)$/.exec(arg);
  return m ? { node: m[1], file: m[2] } : { file: arg };
}
