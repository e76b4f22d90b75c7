// Pinned expectations (`verify --expect FILE`): what a committed capture must show (the overall
// result, the encapsulation seen per node pair and direction, the finding codes, optionally the
// number of flows), so a CI job can run verify over fixture captures as a regression suite.
// `--write-expect FILE` writes the file from the current run.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { ModelError } from '../../model/model-error.js';
import { MAX_EXPECT_FILE_BYTES, parseBounded, readBounded } from '../../model/read-bounded.js';
import { pairName, type VerifyResult } from './verify.js';

export interface Expectations {
  result?: 'pass' | 'fail' | 'inconclusive';
  /** "kube-node01 -> kube-node04": "vxlan" (several seen: "plain+vxlan"; the IPv6 pair of a dual-stack pair is "kube-node01 -> kube-node04 (IPv6)"). */
  pairs?: Record<string, string>;
  /** Finding codes, each once, sorted. */
  findings?: string[];
  flows?: number;
}

const KEYS = new Set(['result', 'pairs', 'findings', 'flows']);

export function actualExpectations(result: VerifyResult, flowCount: number): Required<Expectations> {
  const pairs: Record<string, string> = {};
  for (const p of result.pairs) pairs[pairName(p)] = [...p.seen].sort().join('+');
  return {
    result: result.result,
    pairs,
    findings: [...new Set(result.findings.map((f) => f.code))].sort(),
    flows: flowCount,
  };
}

export function readExpectations(path: string): Expectations {
  const docs = parseBounded(readBounded(path, MAX_EXPECT_FILE_BYTES, 'an expectations file'), path);
  if (docs.length > 1) throw new ModelError(`${path}: ${docs.length} YAML documents, expected one`);
  const value = docs[0];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelError(`${path}: expected an object with result, pairs, findings, flows`);
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new ModelError(`${path}: unknown field ${k} (known: ${[...KEYS].join(', ')})`);
  if (o.result !== undefined && o.result !== 'pass' && o.result !== 'fail' && o.result !== 'inconclusive') throw new ModelError(`${path}: result must be pass, fail or inconclusive`);
  if (o.pairs !== undefined && (typeof o.pairs !== 'object' || o.pairs === null || Array.isArray(o.pairs))) throw new ModelError(`${path}: pairs must map "a -> b" to an encapsulation`);
  if (o.findings !== undefined && !Array.isArray(o.findings)) throw new ModelError(`${path}: findings must be a list of codes`);
  if (o.flows !== undefined && typeof o.flows !== 'number') throw new ModelError(`${path}: flows must be a number`);
  return {
    result: o.result as Expectations['result'],
    pairs: o.pairs === undefined ? undefined : Object.fromEntries(Object.entries(o.pairs as Record<string, unknown>).map(([k, v]) => [k.replace(/\s*->\s*/, ' -> ').trim(), String(v)])),
    findings: o.findings === undefined ? undefined : (o.findings as unknown[]).map(String).sort(),
    flows: o.flows as number | undefined,
  };
}

/** Human-readable differences between what was pinned and what the run shows; empty when it matches. */
export function compareExpectations(expected: Expectations, actual: Required<Expectations>): string[] {
  const diff: string[] = [];
  if (expected.result !== undefined && expected.result !== actual.result) diff.push(`result: expected ${expected.result}, got ${actual.result}`);
  if (expected.pairs !== undefined) {
    for (const [pair, encap] of Object.entries(expected.pairs)) {
      const got = actual.pairs[pair];
      if (got === undefined) diff.push(`pair ${pair}: expected ${encap}, not in the capture`);
      else if (got !== encap.split('+').sort().join('+')) diff.push(`pair ${pair}: expected ${encap}, got ${got}`);
    }
    for (const [pair, got] of Object.entries(actual.pairs)) if (!(pair in expected.pairs)) diff.push(`pair ${pair}: not expected, got ${got}`);
  }
  if (expected.findings !== undefined) {
    const missing = expected.findings.filter((c) => !actual.findings.includes(c));
    const extra = actual.findings.filter((c) => !expected.findings!.includes(c));
    if (missing.length) diff.push(`findings: expected ${missing.join(', ')}, not found`);
    if (extra.length) diff.push(`findings: not expected: ${extra.join(', ')}`);
  }
  if (expected.flows !== undefined && expected.flows !== actual.flows) diff.push(`flows: expected ${expected.flows}, got ${actual.flows}`);
  return diff;
}

/** The --write-expect document: YAML that --expect reads back. */
export function expectationsText(actual: Required<Expectations>, capture: string): string {
  return `# calico-pcap verify --expect: what ${capture} must show\n${stringify(actual)}`;
}

/** Writes --write-expect; a file that cannot be written is a ModelError naming it (exit 2). */
export function writeExpectations(path: string, actual: Required<Expectations>, capture: string): void {
  try {
    writeFileSync(path, expectationsText(actual, capture));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on device' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new ModelError(`${path}: cannot write: ${why}${code ? ` (${code})` : ''}`);
  }
}
