// The README and docs/ are the user's manual and the output formats are contracts: every issue code,
// every JSON field and every CSV column the tool can emit must be documented on the page that
// holds its reference, and every `$ calico-pcap` example must be real output.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISSUES } from '../src/issues.js';
import { CSV_COLUMNS } from '../src/report/csv.js';
import { FINDING_LIST } from '../src/engine/verify/findings.js';
import { spawnSync } from 'node:child_process';

const page = (name: string) => readFileSync(join(__dirname, '..', 'docs', name), 'utf8');
const analyzeDoc = page('analyze.md');
const verifyDoc = page('verify.md');
const correlateDoc = page('correlate.md');
const issuesDoc = page('issues.md');

/** Paths of the leaf fields (`capture.interfaces[].linktype`), taking the first element of arrays. */
function fieldPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length > 0 && typeof value[0] === 'object' ? fieldPaths(value[0], `${prefix}[]`) : [prefix];
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value).flatMap(([k, v]) => fieldPaths(v, `${prefix}${prefix ? '.' : ''}${k}`));
}

describe('docs/issues.md and docs/analyze.md document the contracts', () => {
  it('lists every issue code (docs/issues.md)', () => {
    for (const d of ISSUES) expect(issuesDoc, d.code).toContain(`\`${d.code}\``);
  });
  it('lists every CSV column (docs/analyze.md)', () => {
    for (const c of CSV_COLUMNS) expect(analyzeDoc, c).toContain(`\`${c}\``);
  });
  it('documents every field of the JSON document of a real capture', () => {
    const doc = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'golden', 'vxlan-crosssubnet', 'node04-ens37.json'), 'utf8'));
    const paths = new Set(fieldPaths(doc).filter((p) => !p.startsWith('issues.counts.') && !p.startsWith('encapsulations.') && !p.startsWith('nonIp.')));
    for (const p of paths) expect(analyzeDoc, p).toContain(`\`${p}\``);
  });
});

describe('docs/verify.md documents verify', () => {
  it('lists every finding code', () => {
    for (const f of FINDING_LIST) expect(verifyDoc, f.code).toContain(`\`${f.code}\``);
  });
  it('documents every field of the verify section of a real run', () => {
    const root = join(__dirname, '..');
    const r = spawnSync('node', [join(root, 'dist', 'cli.js'), 'verify', 'fixtures/vxlan-crosssubnet/node04-ens37.pcap', '--pool', '10.200.0.0/16', '--block-size', '24', '--vxlan', 'CrossSubnet',
      '--node', 'kube-node04=10.0.1.204/24', '--node', 'kube-node01=10.0.2.201/24', '--tunnel-addr', 'kube-node04=10.200.255.0', '--format', 'json'], { cwd: root, encoding: 'utf8' });
    const doc = JSON.parse(r.stdout);
    expect(doc.verify.findings.length + doc.verify.model.learnedBlocks.length).toBeGreaterThan(0);
    for (const p of fieldPaths({ verify: doc.verify })) expect(verifyDoc, p).toContain(`\`${p}\``);
  });
});

describe('docs/correlate.md documents correlate', () => {
  it('documents every field of a real correlate document', () => {
    const root = join(__dirname, '..');
    const c = 'fixtures/vxlan-crosssubnet';
    const r = spawnSync('node', [join(root, 'dist', 'cli.js'), 'correlate', `${c}/node02-ens37.pcap`, `${c}/node04-ens37.pcap`, `${c}/node04-vxlan.calico.pcap`, '--cluster', `${c}/cluster.yaml`, '--format', 'json'], { cwd: root, encoding: 'utf8' });
    const doc = JSON.parse(r.stdout);
    expect(doc.pairs.length).toBeGreaterThan(0);
    for (const p of fieldPaths(doc)) expect(correlateDoc, p).toContain(`\`${p}\``);
  });
});

describe('README and docs/ examples are real output', () => {
  it('every `$ calico-pcap ...` block matches what the command prints (node scripts/readme-examples.mjs --write)', async () => {
    // @ts-expect-error: a plain .mjs script shared with `npm run readme`
    const { readmeExamples } = await import('../scripts/readme-examples.mjs');
    const examples = readmeExamples() as { file: string; command: string; documented: string; actual: string }[];
    // The README keeps the scenario and one example per command; the reference pages keep theirs.
    const files = new Set(examples.map((e) => e.file));
    for (const f of ['README.md', 'docs/analyze.md', 'docs/verify.md', 'docs/correlate.md']) expect([...files], f).toContain(f);
    expect(examples.length).toBeGreaterThanOrEqual(16);
    for (const e of examples) expect(e.documented, `${e.file}: ${e.command}`).toBe(e.actual);
  });
});

describe('links between README and docs/ resolve', () => {
  // A moved section leaves links behind: every relative link must name a file that exists and, with
  // #anchor, a heading of that file (GitHub's slugs: lower case, punctuation dropped, spaces to -).
  const root = join(__dirname, '..');
  const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
  const anchors = (text: string) => new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
  // Pages other helpers add in the same release (linked before they exist on this branch).
  const pending = new Set(['docs/filter.md', 'docs/pods.md', 'docs/input.md']);
  it('every relative link and anchor exists', async () => {
    // @ts-expect-error: a plain .mjs script shared with `npm run readme`
    const { documentationFiles } = await import('../scripts/readme-examples.mjs');
    const files = documentationFiles() as string[];
    expect(files.length).toBeGreaterThan(5);
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```$/gm, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const resolved = path === '' ? file : join(dirname(file), path);
        const rel = relative(root, resolved);
        if (!existsSync(resolved)) {
          if (!pending.has(rel)) broken.push(`${relative(root, file)}: ${target} (no such file)`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${relative(root, file)}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
