// Parsers of option values for the command-line definitions: each refuses a bad value with
// commander's one-line usage error (exit 2).
import { InvalidArgumentError } from 'commander';
import { isEncapMode } from './model-options.js';

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
