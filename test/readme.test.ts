// The README is the user's manual and the output formats are contracts: every issue code, every
// JSON field and every CSV column the tool can emit must be documented there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISSUES } from '../src/issues.js';
import { CSV_COLUMNS } from '../src/report/csv.js';
import { FINDING_LIST } from '../src/engine/verify/findings.js';
import { spawnSync } from 'node:child_process';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** Paths of the leaf fields (`capture.interfaces[].linktype`), taking the first element of arrays. */
function fieldPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length > 0 && typeof value[0] === 'object' ? fieldPaths(value[0], `${prefix}[]`) : [prefix];
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value).flatMap(([k, v]) => fieldPaths(v, `${prefix}${prefix ? '.' : ''}${k}`));
}

describe('README documents the contracts', () => {
  it('lists every issue code', () => {
    for (const d of ISSUES) expect(readme, d.code).toContain(`\`${d.code}\``);
  });
  it('lists every CSV column', () => {
    for (const c of CSV_COLUMNS) expect(readme, c).toContain(`\`${c}\``);
  });
  it('documents every field of the JSON document of a real capture', () => {
    const doc = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'golden', 'vxlan-crosssubnet', 'node04-ens37.json'), 'utf8'));
    const paths = new Set(fieldPaths(doc).filter((p) => !p.startsWith('issues.counts.') && !p.startsWith('encapsulations.') && !p.startsWith('nonIp.')));
    for (const p of paths) expect(readme, p).toContain(`\`${p}\``);
  });
});

describe('README documents verify', () => {
  it('lists every finding code', () => {
    for (const f of FINDING_LIST) expect(readme, f.code).toContain(`\`${f.code}\``);
  });
  it('documents every field of the verify section of a real run', () => {
    const root = join(__dirname, '..');
    const r = spawnSync('node', [join(root, 'dist', 'cli.js'), 'verify', 'fixtures/vxlan-crosssubnet/node04-ens37.pcap', '--pool', '10.200.0.0/16', '--block-size', '24', '--vxlan', 'CrossSubnet',
      '--node', 'kube-node04=10.0.1.204/24', '--node', 'kube-node01=10.0.2.201/24', '--tunnel-addr', 'kube-node04=10.200.255.0', '--format', 'json'], { cwd: root, encoding: 'utf8' });
    const doc = JSON.parse(r.stdout);
    expect(doc.verify.findings.length + doc.verify.model.learnedBlocks.length).toBeGreaterThan(0);
    for (const p of fieldPaths({ verify: doc.verify })) expect(readme, p).toContain(`\`${p}\``);
  });
});

describe('README documents correlate', () => {
  it('documents every field of a real correlate document', () => {
    const root = join(__dirname, '..');
    const c = 'fixtures/vxlan-crosssubnet';
    const r = spawnSync('node', [join(root, 'dist', 'cli.js'), 'correlate', `${c}/node02-ens37.pcap`, `${c}/node04-ens37.pcap`, `${c}/node04-vxlan.calico.pcap`, '--cluster', `${c}/cluster.yaml`, '--format', 'json'], { cwd: root, encoding: 'utf8' });
    const doc = JSON.parse(r.stdout);
    expect(doc.pairs.length).toBeGreaterThan(0);
    for (const p of fieldPaths(doc)) expect(readme, p).toContain(`\`${p}\``);
  });
});

describe('README examples are real output', () => {
  it('every `$ calico-pcap ...` block matches what the command prints (node scripts/readme-examples.mjs --write)', async () => {
    // @ts-expect-error: a plain .mjs script shared with `npm run readme`
    const { readmeExamples } = await import('../scripts/readme-examples.mjs');
    const examples = readmeExamples() as { command: string; documented: string; actual: string }[];
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const e of examples) expect(e.documented, e.command).toBe(e.actual);
  });
});
