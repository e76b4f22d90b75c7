// What every command of the CLI shares: exit codes, the buffered stdout writer, the one-line
// message format.
import { fstatSync, readlinkSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { CorrelateDocument } from '../engine/correlate/types.js';
import type { IssueRecord } from '../issues.js';
import { CaptureFormatError } from '../capture/reader.js';
import { inputName, type SourceOpenError } from '../capture/source.js';
import { terminalSafe } from '../report/terminal-safe.js';

export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_UNREADABLE = 2;
/** A bug in calico-pcap itself (never expected; the fuzzer treats it as a failure). */
export const EXIT_INTERNAL = 3;
/** verify, live, report: pod traffic that could not be judged (no violation either): neither PASS nor FAIL. */
export const EXIT_INCONCLUSIVE = 4;

/**
 * Output that could not be written (a full disk, a closed or read-only descriptor, an I/O error):
 * one line, exit 2. The message names what could not be written and why.
 */
export class OutputWriteError extends Error {
  constructor(readonly target: string, readonly error: NodeJS.ErrnoException) {
    super(`${target}: cannot write: ${describeWriteError(error)}`);
  }
}

/** "no space left on device (ENOSPC)": the reason a write or an open for writing failed. */
export function describeWriteError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const reason = code === undefined ? undefined : WRITE_ERRORS[code];
  if (reason) return `${reason} (${code})`;
  return code ? `${(err as Error).message.replace(/^[A-Z]+: /, '').replace(/, (write|open).*$/, '')} (${code})` : String((err as Error)?.message ?? err);
}

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EBADF: 'the descriptor is closed or not open for writing',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  ENOENT: 'no such directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  ENXIO: 'no reader or device',
};

/**
 * The process's standard output as a write function that fails loudly. A file or a device
 * (`> out.json`, `> /dev/full`) is written with writeSync, so a failure is thrown right where it
 * happens, as an OutputWriteError. Pipes and terminals go through process.stdout (a pipe may be
 * non-blocking); their rare failures arrive as its 'error' event (see the entry point).
 */
export function stdoutWriter(): (s: string) => void {
  // (A closed stdout, `>&-`, is never seen here: Node opens /dev/null in its place at start-up.)
  let sync: boolean;
  try {
    const st = fstatSync(1);
    sync = st.isFile() || st.isBlockDevice() || (st.isCharacterDevice() && !isatty(1));
  } catch {
    sync = false;
  }
  if (!sync) return (s) => void process.stdout.write(s);
  return (s) => {
    const bytes = Buffer.from(s, 'utf8');
    let off = 0;
    try {
      while (off < bytes.length) off += writeSync(1, bytes, off, bytes.length - off);
    } catch (err) {
      throw new OutputWriteError(stdoutName(), err as NodeJS.ErrnoException);
    }
  };
}

/** "standard output (/dev/full)": what stdout was redirected to, when Linux tells. */
export function stdoutName(): string {
  try {
    const target = readlinkSync('/proc/self/fd/1');
    return target.startsWith('/') ? `standard output (${target})` : 'standard output';
  } catch {
    return 'standard output';
  }
}

/**
 * Writes to stdout synchronously in large pieces; a closed pipe (`| head`) ends output quietly.
 * Any other failure is thrown (an OutputWriteError from stdoutWriter) and ends the command.
 */
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

/** The one line for a capture that cannot be opened or is not a capture: it names the file (and the byte). */
export function captureErrorLine(file: string, err: SourceOpenError | CaptureFormatError): string {
  const where = err instanceof CaptureFormatError && err.offset > 0 ? ` at byte ${groupDigits(err.offset)}` : '';
  return `calico-pcap: ${inputName(file)}${where}: ${err.message}\n`;
}

export function issueLine(file: string, r: IssueRecord): string {
  return `calico-pcap: ${file}: packet ${r.packet} at byte ${groupDigits(r.offset)}: ${r.message}`;
}

/** The warning for a read that stopped on a fault (lax mode): what it was, and what was kept. */
export function readStoppedLine(file: string, fault: IssueRecord, packets: number, done: 'analysed' | 'correlated'): string {
  return `${issueLine(inputName(file), fault)} (read stopped; ${packets} packets before it were ${done})\n`;
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

/** A capture whose read stopped early: the same line analyze prints, once per capture. */
export function printCorrelateReadFaults(doc: CorrelateDocument, io: CliIo): void {
  for (const c of doc.captures) {
    if (c.readFault) io.stderr(readStoppedLine(c.file, c.readFault, c.packets, 'correlated'));
  }
}

/** The process's own streams. */
export function defaultIo(): CliIo {
  return { stdout: stdoutWriter(), stderr: (s) => process.stderr.write(s), isTTY: Boolean(process.stdout.isTTY) };
}

/**
 * Every message on stderr can quote an input (a file, node or interface name): control and bidi
 * characters in it are shown escaped, never obeyed by the terminal. Messages quoting model or
 * expect files escape those strings first, so that a newline in one cannot split the line.
 */
export function safeStderr(io: CliIo): CliIo {
  return { ...io, stderr: (s) => io.stderr(s.split('\n').map(terminalSafe).join('\n')) };
}

/** The exit code and one line for an error no command handled: a write failure (2) or a bug (3). */
export function internalErrorCode(err: unknown, debug: boolean, io: CliIo): number {
  if (err instanceof OutputWriteError) {
    io.stderr(`calico-pcap: ${err.message}\n`);
    return EXIT_UNREADABLE;
  }
  io.stderr(`calico-pcap: internal error: ${(err as Error)?.message ?? String(err)}${debug ? '' : ' (run with --debug for a stack trace)'}\n`);
  if (debug) io.stderr(`${(err as Error)?.stack ?? ''}\n`);
  return EXIT_INTERNAL;
}

/**
 * A pipe or terminal that fails reports it after the write: a reader that went away (EPIPE,
 * `| head`) ends the run quietly, anything else is a write error.
 */
export function installStdoutErrorHandler(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`calico-pcap: ${new OutputWriteError(stdoutName(), err).message}\n`);
    process.exit(EXIT_UNREADABLE);
  });
}

/**
 * Colour in tables: not with --no-color or NO_COLOR (no-color.org), forced by FORCE_COLOR (other
 * than 0, as chalk and Node read it) even into a pipe, else only on a terminal.
 */
export function colorWanted(flag: boolean, io: CliIo, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!flag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return io.isTTY;
}
