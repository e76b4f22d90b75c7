// Replays every case kept in fixtures/fuzz-regressions/ (inputs the fuzzer made, minimised, with
// the command line and the way the input was fed recorded next to each) through the built CLI:
// exit code 0, 1, 2 or 4 (inconclusive), no stack trace, a few one-line messages naming the input, no raw control
// characters, bounded memory. Cases found in-process are also replayed through main() here, which
// catches what only shows in a long-lived process (file descriptors left open).
// A case's "fixed" field says what the bug was; every case runs, always.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { replay, replayInProcess, type RegressionMeta } from '../src/dev/fuzz/regression.js';
import { DEFAULT_LIMITS } from '../src/dev/fuzz/judge.js';

const ROOT = resolve(__dirname, '..');
const DIR = join(ROOT, 'fixtures', 'fuzz-regressions');

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ''), meta: JSON.parse(readFileSync(join(DIR, f), 'utf8')) as RegressionMeta }));

describe('fuzz regressions', () => {
  it('every case names an input that is there and a command of the CLI', () => {
    for (const { name, meta } of cases) {
      expect(['analyze', 'verify', 'correlate', 'report'], name).toContain(meta.command[0]);
      expect(meta.command, name).toContain('{input}');
      if (!meta.generated) expect(() => readFileSync(join(DIR, meta.input!)), name).not.toThrow();
    }
  });

  for (const { name, meta } of cases) {
    const title = `${name}: calico-pcap ${meta.command.join(' ')} (input via ${meta.feed}; was: ${meta.why})`;
    it(`${title}, as a child process`, async () => {
      const { outcome, why } = await replay(meta, DIR, ROOT, DEFAULT_LIMITS);
      expect(why, `stderr: ${outcome.stderr}`).toBeNull();
      expect([0, 1, 2, 4]).toContain(outcome.code);
      expect(outcome.stderr).not.toMatch(/\n\s+at /);
    });
    if (meta.mode === 'in-process') {
      it(`${title}, in-process`, async () => {
        const { outcome, why } = await replayInProcess(meta, DIR, ROOT, DEFAULT_LIMITS);
        expect(why, `stderr: ${outcome.stderr}`).toBeNull();
      });
    }
  }
});
