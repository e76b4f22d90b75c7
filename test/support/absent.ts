// A part a test needs (root and the cap binding, tshark, the shared corpus) that is not on this
// machine. Outside CI the tests that need it are skipped with a visible message; in CI, which
// installs every part, its absence is a broken install and fails the run.
import { describe, it } from 'vitest';

export function partMissing(testFile: string, what: string, reason: string): void {
  if (process.env.CI === 'true') {
    describe(`${what} (required in CI)`, () => {
      it(`${what} is there`, () => {
        throw new Error(`CI=true but ${reason}`);
      });
    });
    return;
  }
  console.warn(`\n*** ${testFile}: ${what} SKIPPED: ${reason} ***\n`);
  describe(`${what} (SKIPPED)`, () => {
    it.skip(`SKIPPED: ${reason}`, () => {});
  });
}
