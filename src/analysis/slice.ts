// Time and size slicing of a capture (--since, --until, -c): which records are looked at at all.
// A record outside the time window is skipped before it is decoded; -c stops the read after that
// many records, as `tshark -r F -c N` and `tcpdump -r F -c N` do. Times are compared as whole
// seconds and nanoseconds, never as one float (nanosecond timestamps exceed 2^53).

/** A bound in time: an instant (RFC 3339), or an offset from the capture's first record. */
export type TimeBound =
  | { kind: 'instant'; sec: number; nsec: number; text: string }
  | { kind: 'offset'; sec: number; nsec: number; text: string };

export interface SliceOptions {
  since?: TimeBound;
  until?: TimeBound;
  /** Records read at most (every record counts, selected by -Y or not). */
  count?: number;
}

/** The `slice` section of the JSON document: what was asked and what it did. */
export interface SliceSummary {
  since: string | null;
  until: string | null;
  count: number | null;
  /** Records looked at (the read stopped after `count` of them, when given). */
  packetsRead: number;
  /** Records outside [since, until]: skipped, counted nowhere else. */
  packetsOutside: number;
  /** The read stopped because -c was reached (not a fault). */
  stoppedByCount: boolean;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const OFFSET = /^\+?(\d+(?:\.\d{1,9})?)(ns|us|ms|s|m|h)?$/;
const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/**
 * `2026-11-25T10:26:00Z`, `2026-11-25T10:26:00.5+01:00` (RFC 3339, to the nanosecond), or an
 * offset from the first record: `30s`, `+1.5s`, `500ms`, `2m`, `1h`. Null when it is neither.
 */
export function parseTimeBound(text: string): TimeBound | null {
  const t = text.trim();
  const r = RFC3339.exec(t);
  if (r) {
    const ms = Date.parse(`${r[1]}T${r[2]}${r[4].toUpperCase()}`);
    if (!Number.isFinite(ms)) return null;
    // Date.parse accepts 25:00 and February 30 by rolling over; an RFC 3339 instant does not.
    const check = new Date(ms + (r[4].toUpperCase() === 'Z' ? 0 : offsetMinutes(r[4]) * 60_000)).toISOString();
    if (check.slice(0, 19) !== `${r[1]}T${r[2]}`) return null;
    return { kind: 'instant', sec: Math.floor(ms / 1000), nsec: Number((r[3] ?? '').padEnd(9, '0')), text: t };
  }
  const o = OFFSET.exec(t);
  if (o) {
    const [whole, frac = ''] = o[1].split('.');
    const unit = UNIT_NS[o[2] ?? 's'];
    const ns = BigInt(whole) * unit + (BigInt(frac.padEnd(9, '0')) * unit) / 1_000_000_000n;
    return { kind: 'offset', sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n), text: t };
  }
  return null;
}

function offsetMinutes(tz: string): number {
  const sign = tz[0] === '-' ? -1 : 1;
  return sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
}

/** (sec, nsec) a before b: -1, equal 0, after 1. */
function compare(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  if (aSec !== bSec) return aSec < bSec ? -1 : 1;
  return aNsec === bNsec ? 0 : aNsec < bNsec ? -1 : 1;
}

/** The slice of one capture: offsets are resolved against its first record. */
export class CaptureSlice {
  packetsRead = 0;
  packetsOutside = 0;
  stoppedByCount = false;
  private sinceSec = -Infinity;
  private sinceNsec = 0;
  private untilSec = Infinity;
  private untilNsec = 0;
  private resolved = false;

  constructor(readonly options: SliceOptions) {}

  /**
   * Whether the record at this time is in the slice; counts it. `atLimit` tells afterwards whether
   * -c has been reached (then the read stops).
   */
  accepts(tsSec: number, tsNsec: number): boolean {
    if (!this.resolved) this.resolve(tsSec, tsNsec);
    this.packetsRead++;
    if (compare(tsSec, tsNsec, this.sinceSec, this.sinceNsec) < 0 || compare(tsSec, tsNsec, this.untilSec, this.untilNsec) > 0) {
      this.packetsOutside++;
      return false;
    }
    return true;
  }

  get atLimit(): boolean {
    const c = this.options.count;
    if (c !== undefined && this.packetsRead >= c) {
      this.stoppedByCount = true;
      return true;
    }
    return false;
  }

  summary(): SliceSummary {
    return {
      since: this.options.since?.text ?? null,
      until: this.options.until?.text ?? null,
      count: this.options.count ?? null,
      packetsRead: this.packetsRead,
      packetsOutside: this.packetsOutside,
      stoppedByCount: this.stoppedByCount,
    };
  }

  private resolve(firstSec: number, firstNsec: number): void {
    this.resolved = true;
    const at = (b: TimeBound): [number, number] => {
      if (b.kind === 'instant') return [b.sec, b.nsec];
      const nsec = firstNsec + b.nsec;
      return [firstSec + b.sec + Math.floor(nsec / 1e9), nsec % 1e9];
    };
    if (this.options.since) [this.sinceSec, this.sinceNsec] = at(this.options.since);
    if (this.options.until) [this.untilSec, this.untilNsec] = at(this.options.until);
  }
}
