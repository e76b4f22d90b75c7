// Shrinking a failing input while it keeps failing the same way (same reason, same first
// message), for regression files a reader can look at.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DEFAULT_LIMITS, signature } from './judge.js';
import { replay, replayInProcess, type RegressionMeta } from './regression.js';

/**
 * Smallest input found within the budget that still fails: first the shortest failing prefix
 * (by bisection), then chunks removed, halving the chunk size.
 */
export async function minimise(input: Uint8Array, budgetMs: number, fails: (bytes: Uint8Array) => Promise<boolean>): Promise<Uint8Array> {
  const until = Date.now() + budgetMs;
  let best = input;
  let lo = 0;
  let hi = best.length;
  while (lo < hi && Date.now() < until) {
    const mid = (lo + hi) >> 1;
    if (await fails(best.subarray(0, mid))) hi = mid;
    else lo = mid + 1;
  }
  if (hi < best.length) best = best.slice(0, hi);
  for (let chunk = best.length >> 1; chunk >= 1 && Date.now() < until; chunk >>= 1) {
    for (let at = 0; at + chunk <= best.length && Date.now() < until; ) {
      const candidate = new Uint8Array(best.length - chunk);
      candidate.set(best.subarray(0, at));
      candidate.set(best.subarray(at + chunk), at);
      if (await fails(candidate)) best = candidate;
      else at += chunk;
    }
  }
  return best;
}

/** Minimises a saved case (fuzz-failures/NAME.json) by replaying it; writes NAME-min.* beside it. */
export async function minimiseCase(metaPath: string, root: string, seconds: number): Promise<number> {
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as RegressionMeta;
  if (!meta.input) throw new Error(`${metaPath}: a generated input; nothing to minimise`);
  const dir = dirname(metaPath);
  const original = readFileSync(join(dir, meta.input));
  const work = mkdtempSync(join(tmpdir(), 'calico-pcap-minimise-'));
  const run = (m: RegressionMeta) => (meta.mode === 'in-process' ? replayInProcess(m, work, root, DEFAULT_LIMITS) : replay(m, work, root, DEFAULT_LIMITS));
  try {
    copyFileSync(join(dir, meta.input), join(work, meta.input));
    const first = await run(meta);
    if (!first.why) {
      console.log(`${metaPath}: does not fail any more`);
      return 0;
    }
    const want = signature(first.why, first.outcome.stderr);
    const small = await minimise(original, seconds * 1000, async (bytes) => {
      writeFileSync(join(work, meta.input!), bytes);
      const r = await run(meta);
      return r.why !== null && signature(r.why, r.outcome.stderr) === want;
    });
    const ext = meta.input.slice(meta.input.indexOf('.'));
    const name = `${basename(metaPath, '.json')}-min`;
    writeFileSync(join(dir, `${name}${ext}`), small);
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ ...meta, input: `${name}${ext}`, how: `${meta.how}, minimised from ${original.length} to ${small.length} bytes` }, null, 2) + '\n');
    console.log(`${metaPath}: ${first.why}; minimised ${original.length} -> ${small.length} bytes: ${join(dir, name + ext)}`);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
