// Golden outputs over the kernel fixture captures (fixtures/<scenario>/*.pcap, made by
// fixtures/make/calico-lab.sh in network namespaces). The committed outputs were reviewed by
// hand and against tshark; any change in decoding shows up here as a diff.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const FIXTURES = join(ROOT, 'fixtures');
const update = process.env.UPDATE_GOLDEN === '1';

const captures = readdirSync(FIXTURES)
  .filter((d) => d !== 'make' && d !== 'golden' && statSync(join(FIXTURES, d)).isDirectory())
  .flatMap((d) => readdirSync(join(FIXTURES, d)).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => `${d}/${f}`));

const FORMATS: [string, string[]][] = [
  ['txt', ['--no-color']],
  ['json', ['--format', 'json']],
  ['csv', ['--format', 'csv']],
  ['ndjson', ['--format', 'ndjson']],
];

describe('golden outputs on kernel captures', () => {
  it('has fixtures', () => {
    expect(captures.length).toBeGreaterThanOrEqual(6);
  });
  for (const capture of captures) {
    for (const [ext, args] of FORMATS) {
      it(`${capture} ${ext}`, () => {
        const r = spawnSync('node', [CLI, 'analyze', `fixtures/${capture}`, ...args], { cwd: ROOT, encoding: 'utf8' });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        const golden = join(FIXTURES, 'golden', capture.replace(/\.pcap(ng)?$/, `.${ext}`));
        if (update || !existsSync(golden)) {
          mkdirSync(dirname(golden), { recursive: true });
          writeFileSync(golden, r.stdout);
          if (!update) throw new Error(`golden file ${golden} was missing and has been written: review and commit it`);
        }
        expect(r.stdout).toBe(readFileSync(golden, 'utf8'));
      });
    }
  }
});

// What the write-up checked by eye, checked by machine on the kernel captures (CrossSubnet):
// traffic to or from node04 (another subnet) is tunnelled between node IPs with pod IPs inside;
// pod traffic among same-subnet nodes is plain.
describe('the reference scenario on the kernel captures', () => {
  const NODE_IPS = new Set(['10.0.2.200', '10.0.2.201', '10.0.2.202', '10.0.1.204']);
  const isPod = (ip: string) => ip.startsWith('10.200.');
  const subnet = (ip: string) => (ip.startsWith('10.200.255.') || ip === '10.0.1.204' ? 'b' : 'a');
  const jsonOf = (capture: string) => {
    const r = spawnSync('node', [CLI, 'analyze', `fixtures/${capture}`, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout);
  };

  for (const [mode, tunnel] of [['vxlan', 'vxlan'], ['ipip', 'ipip']] as const) {
    for (const node of ['node04', 'node02']) {
      it(`${mode} CrossSubnet, ${node}-ens37`, () => {
        const doc = jsonOf(`${mode}-crosssubnet/${node}-ens37.pcap`);
        const podFlows = doc.flows.filter((f: { inner: { src: string; dst: string } }) => isPod(f.inner.src) && isPod(f.inner.dst));
        expect(podFlows.length).toBeGreaterThan(0);
        for (const f of podFlows) {
          const crossSubnet = subnet(f.inner.src) !== subnet(f.inner.dst);
          if (crossSubnet) {
            expect(f.encapsulation, JSON.stringify(f)).toBe(tunnel);
            expect(NODE_IPS.has(f.outer.src) && NODE_IPS.has(f.outer.dst), JSON.stringify(f)).toBe(true);
            expect([f.outer.src, f.outer.dst]).toContain('10.0.1.204');
            expect(f.vni).toBe(tunnel === 'vxlan' ? 4096 : null);
          } else {
            expect(f.encapsulation, JSON.stringify(f)).toBe('plain');
          }
        }
        // Host traffic between node IPs is never tunnelled.
        for (const f of doc.flows.filter((f: { inner: { src: string } }) => NODE_IPS.has(f.inner.src))) expect(f.encapsulation).toBe('plain');
      });
    }
  }
});
