// Parsers of option values for the command-line definitions: each refuses a bad value with
// commander's one-line usage error (exit 2).
import { InvalidArgumentError } from 'commander';
import { isEncapMode, parseDuration } from './model-options.js';
import { parseTimeBound, type TimeBound } from '../analysis/slice.js';

export function parsePort(value: string, previous: number[]): number[] {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError('expected a UDP port 1-65535');
  return [...previous, port];
}

export function parsePositive(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseModeOption(value: string): string {
  if (!isEncapMode(value)) throw new InvalidArgumentError('expected Always, CrossSubnet or Never');
  return value;
}

/** A count where 0 means "no limit" (--top 0: every flow). */
export function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number (0 for all)');
  return n;
}

/** --since / --until: an RFC 3339 instant, or an offset from the capture's first packet. */
export function parseTimeOption(value: string): TimeBound {
  const bound = parseTimeBound(value);
  if (bound === null) throw new InvalidArgumentError('expected an RFC 3339 time (2026-11-25T10:26:00Z, 2026-11-25T11:26:00.5+01:00) or an offset from the first packet (30s, +1.5s, 500ms, 2m, 1h)');
  return bound;
}

/** --request-timeout as kubectl takes it: a duration (30s, 1m, 500ms), or 0 for no deadline. */
export function parseRequestTimeout(value: string): number {
  if (/^0+(\.0*)?(ms|s|m|h)?$/.test(value.trim())) return 0;
  const seconds = parseDuration(value);
  if (seconds === null) throw new InvalidArgumentError('expected a duration (30s, 1m, 500ms; 0 for none)');
  return seconds;
}
