// `verify --expect` as a regression suite over the committed captures: every capture with a
// pinned `<capture>.expect.yaml` shows exactly that under its scenario's cluster.yaml, and a
// changed expectation fails with a readable diff.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const FIXTURES = join(ROOT, 'fixtures');

/** The scenario's model: its exported objects (model/) when it has them, else cluster.yaml. */
const modelOf = (scenario: string) => (existsSync(join(FIXTURES, scenario, 'model')) ? `fixtures/${scenario}/model` : `fixtures/${scenario}/cluster.yaml`);
const pinned = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && (existsSync(join(FIXTURES, d.name, 'cluster.yaml')) || existsSync(join(FIXTURES, d.name, 'model'))))
  .flatMap((d) => {
    const files = readdirSync(join(FIXTURES, d.name));
    return files.filter((f) => f.endsWith('.expect.yaml')).map((f) => {
      const base = f.replace('.expect.yaml', '');
      return { scenario: d.name, expect: f, capture: files.find((c) => c === `${base}.pcap` || c === `${base}.pcapng`)! };
    });
  });

function verify(args: string[]) {
  const r = spawnSync('node', [CLI, 'verify', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pinned expectations over the committed captures', () => {
  it('has pinned captures', () => expect(pinned.length).toBeGreaterThanOrEqual(6));
  for (const p of pinned) {
    it(`${p.scenario}/${p.capture}`, () => {
      expect(p.capture, `the capture of ${p.expect}`).toBeDefined();
      const r = verify([`fixtures/${p.scenario}/${p.capture}`, '--cluster', modelOf(p.scenario), '--expect', `fixtures/${p.scenario}/${p.expect}`]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`expectations fixtures/${p.scenario}/${p.expect}: all met`);
      expect(r.code).toBe(0);
    });
  }
});

describe('a changed expectation', () => {
  it('fails with exit 1 and a readable diff', () => {
    const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-expect-'));
    const changed = join(dir, 'changed.yaml');
    const text = readFileSync(join(FIXTURES, 'vxlan-crosssubnet', 'node02-ens37.expect.yaml'), 'utf8');
    writeFileSync(changed, text.replace('kube-node01 -> kube-node02: plain', 'kube-node01 -> kube-node02: vxlan').replace('flows: 6', 'flows: 7'));
    const r = verify(['fixtures/vxlan-crosssubnet/node02-ens37.pcap', '--cluster', 'fixtures/vxlan-crosssubnet/cluster.yaml', '--expect', changed]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`expectations ${changed}: 2 difference(s)\n  - pair kube-node01 -> kube-node02: expected vxlan, got plain\n  - flows: expected 7, got 6\n`);
    expect(r.stderr).toBe(`calico-pcap: fixtures/vxlan-crosssubnet/node02-ens37.pcap: 2 difference(s) from ${changed}: pair kube-node01 -> kube-node02: expected vxlan, got plain, ...\n`);
  });

  it('an expectation file with an unknown field is unreadable (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-expect-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'result: pass\npair: {}\n');
    const r = verify(['fixtures/vxlan-crosssubnet/node02-ens37.pcap', '--cluster', 'fixtures/vxlan-crosssubnet/cluster.yaml', '--expect', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${bad}: unknown field pair (known: result, pairs, findings, flows)\n`);
  });
});
