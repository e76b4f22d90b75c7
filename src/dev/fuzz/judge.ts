// What makes one run of the CLI a failure, shared by the fuzzer and the regression replay.
// Bad input may end in exit 0, 1 or 2 with at most a few one-line messages that name the
// input; anything else is a bug: exit 3 or a signal, a hang, a stack trace, a message naming
// nothing, raw control characters from the input reaching the terminal, memory past a bound.

export interface RunOutcome {
  code: number | null;
  signal: string | null;
  stderr: string;
  /** stdout, or its first part; scanned for raw control characters. */
  stdout: string;
  /** True for table output (where bidi controls are as bad as escapes). */
  stdoutIsText: boolean;
  ms: number;
  timedOut: boolean;
  /** Peak RSS of the run in kB, when measured. */
  maxRssKb: number | null;
  /** Names an error line may use for the inputs of this run (paths as given, "<stdin>"). */
  names: string[];
  /** The input is damaged where the user cannot see it (gzip cut short): silence would lose it. */
  mustComplain?: boolean;
  /** A resource the run left behind (in-process only). */
  leak?: string;
}

export interface Limits {
  timeMs: number;
  rssKb: number;
  stderrLines: number;
}

export const DEFAULT_LIMITS: Limits = { timeMs: 10_000, rssKb: 300 * 1024, stderrLines: 3 };

// C0 controls but tab, LF and CR (ESC among them), and DEL: never raw in any output.
const RAW_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
// C1 controls (U+009B is CSI to some terminals): not in text meant for a terminal. JSON carries
// them raw by its own rules, so JSON output is not held to this.
const C1_CONTROL = /[\u0080-\u009f]/;
// Bidi embeddings, overrides and isolates (Trojan Source).
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;
const STACK_FRAME = /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)\s*$|^\s+at (async )?\S+ \(/m;

/** Why the run failed, or null when it behaved. */
export function judge(o: RunOutcome, limits: Limits = DEFAULT_LIMITS): string | null {
  if (o.timedOut) return `no exit within ${limits.timeMs} ms`;
  if (o.signal) return `killed by ${o.signal}`;
  // 0 pass/analysed, 1 violation, 2 unreadable, 4 inconclusive verdict; 3 is a bug.
  if (o.code === null || ![0, 1, 2, 4].includes(o.code)) return `exit code ${o.code}`;
  if (STACK_FRAME.test(o.stderr)) return 'stack trace on stderr';
  if (o.ms > limits.timeMs) return `took ${o.ms.toFixed(0)} ms`;
  if (o.maxRssKb !== null && o.maxRssKb > limits.rssKb) return `peak RSS ${(o.maxRssKb / 1024).toFixed(0)} MB over ${(limits.rssKb / 1024).toFixed(0)} MB`;
  const lines = o.stderr.split('\n').filter((l) => l !== '');
  if (lines.length > limits.stderrLines) return `${lines.length} lines on stderr`;
  const foreign = lines.find((l) => !l.startsWith('calico-pcap: '));
  if (foreign !== undefined) return `unexpected stderr: ${shorten(foreign)}`;
  if (RAW_CONTROL.test(o.stderr)) return 'raw control character on stderr';
  if (RAW_CONTROL.test(o.stdout)) return 'raw control character on stdout';
  if (C1_CONTROL.test(o.stderr) || (o.stdoutIsText && C1_CONTROL.test(o.stdout))) return 'raw C1 control in text output';
  if (BIDI.test(o.stderr) || (o.stdoutIsText && BIDI.test(o.stdout))) return 'raw bidi control in text output';
  const nameless = lines.find((l) => !o.names.some((n) => l.includes(n)));
  if (nameless !== undefined) return `message names no input: ${shorten(nameless)}`;
  if (o.code === 2 && lines.length === 0) return 'exit 2 with nothing on stderr';
  if (o.leak) return o.leak;
  if (o.mustComplain && o.code === 0 && lines.length === 0) return 'damaged input (gzip cut short) but nothing said';
  return null;
}

/** A failure's class for grouping: the reason without numbers, plus the first message without paths and numbers. */
export function signature(why: string, stderr: string): string {
  // Where the message's content does not tell bugs apart, the reason alone is the class.
  if (/left open|control|names no input|unexpected stderr|lines on stderr|nothing said|peak RSS|no exit|took/.test(why)) return why.replace(/\d+/g, 'N').replace(/: .*/, '');
  const first = stderr.split('\n').find((l) => l !== '') ?? '';
  const message = first
    .replace(/^calico-pcap: /, '')
    .replace(/(\/[^\s:]+|<stdin>)/g, 'PATH')
    .replace(/\d+(?: \d{3})*/g, 'N')
    .slice(0, 100);
  return `${why.replace(/\d+/g, 'N').slice(0, 60)} | ${message}`;
}

function shorten(s: string): string {
  return JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}...` : s);
}
