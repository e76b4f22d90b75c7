// The layers of src/ depend one way (.dependency-cruiser.cjs says which): checked with
// dependency-cruiser over the real tree, and over a small tree that breaks every rule, to show
// the check can fail.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const KNOWN = JSON.parse(readFileSync(join(ROOT, '.dependency-cruiser-known-violations.json'), 'utf8')) as { from: string; to: string; rule: { name: string } }[];

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(cwd: string, ignoreKnown: boolean): { violations: Violation[] } {
  const args = [DEPCRUISE, 'src', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'];
  if (ignoreKnown) args.push('--ignore-known', join(ROOT, '.dependency-cruiser-known-violations.json'));
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const summary = JSON.parse(r.stdout).summary;
  expect(r.status, r.stderr).toBe(0); // json output: the violations are in the document, not the exit code
  return { violations: summary.violations.filter((v: { rule: { severity: string } }) => v.rule.severity !== 'ignore') };
}

describe('the layers of src/', () => {
  it('depend one way: no violation beyond the pinned ones, which may only shrink', () => {
    const r = cruise(ROOT, true);
    expect(r.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
    // Nothing is pinned any more: the engine reads typed records, never report rows.
    expect(KNOWN).toEqual([]);
  });

  describe('a tree that breaks every rule fails the check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-arch-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const files: Record<string, string> = {
      'src/issues.ts': 'export const I = 1;\n',
      'src/cli.ts': "import { A } from './capture/reader.js';\nexport const C = A;\n",
      'src/capture/reader.ts': "import { D } from '../decode/link.js';\nexport const A = D;\n",
      'src/decode/link.ts': "import { R } from '../report/table.js';\nexport const D = R;\n",
      'src/analysis/flows.ts': "import { V } from '../engine/verify.js';\nexport const F = V;\n",
      'src/model/cluster.ts': "import { F } from '../analysis/flows.js';\nexport const M = F;\n",
      'src/engine/verify.ts': "import { R } from '../report/table.js';\nexport const V = R;\n",
      'src/commands/verify.ts': "import { C } from '../cli.js';\nexport const K = C;\n",
      'src/report/table.ts': "import { K } from '../commands/verify.js';\nimport { S } from '../dev/synth/build.js';\nexport const R = 1;\nexport const X = [K, S];\n",
      'src/dev/synth/build.ts': 'export const S = 1;\n',
      'src/filter/compile.ts': "import { V } from '../engine/verify.js';\nexport const P = V;\n",
      'src/net/address.ts': "import { M } from '../model/cluster.js';\nexport const N = M;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    copyFileSync(join(ROOT, 'tsconfig.dev.json'), join(dir, 'tsconfig.dev.json'));

    it('each rule is reported where it is broken', () => {
      const r = cruise(dir, false);
      const found = new Set(r.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`));
      for (const expected of [
        'capture-is-the-ground: src/capture/reader.ts -> src/decode/link.ts',
        'decode-is-the-ground: src/decode/link.ts -> src/report/table.ts',
        'analysis-on-capture-and-decode: src/analysis/flows.ts -> src/engine/verify.ts',
        'model-stands-alone: src/model/cluster.ts -> src/analysis/flows.ts',
        'engine-below-report: src/engine/verify.ts -> src/report/table.ts',
        'report-imports-no-command: src/report/table.ts -> src/commands/verify.ts',
        'commands-below-cli: src/commands/verify.ts -> src/cli.ts',
        'cli-only-defines: src/cli.ts -> src/capture/reader.ts',
        'dev-tools-not-shipped: src/report/table.ts -> src/dev/synth/build.ts',
        'net-is-the-ground: src/net/address.ts -> src/model/cluster.ts',
        'filter-on-decoded-packets: src/filter/compile.ts -> src/engine/verify.ts',
      ]) expect(found, expected).toContain(expected);
      expect([...found].some((f) => f.startsWith('no-circular: '))).toBe(true);
    });
  });
});
