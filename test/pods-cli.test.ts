// --pods FILE on the command line (the built dist/cli.js) over the kernel captures: the pod's
// namespace/name beside every pod IP in every format of every command, never beside a node IP,
// and nothing else changed: the output with --pods minus the new fields is the output without.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-pods-cli-'));

const PODS = 'fixtures/pods/lab-pods.yaml';
const DUAL_PODS = 'fixtures/pods/dual-stack-pods.json';
const CAPTURE = 'fixtures/vxlan-crosssubnet/node04-ens37.pcap';
const CLUSTER = 'fixtures/vxlan-crosssubnet/cluster.yaml';
const HOST_NETWORK_NOTE = "calico-pcap: note: 8 hostNetwork pods not named: their IP is the node's\n";

function run(args: string[]) {
  const r = spawnSync('node', [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Inner { src: string; dst: string; srcPod?: string | null; dstPod?: string | null }

/** The JSON without what --pods adds: what it must equal without --pods. */
function withoutPods(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPods);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'srcPod' && k !== 'dstPod' && k !== 'pods') out[k] = withoutPods(v);
  return out;
}

describe('analyze --pods', () => {
  it('table: the name beside each pod IP, none beside node IPs (their calico-node pods are hostNetwork)', () => {
    const r = run(['analyze', CAPTURE, '--pods', PODS, '--no-color']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(HOST_NETWORK_NOTE);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('│ vxlan') || l.startsWith('│ plain'));
    expect(rows).toHaveLength(12);
    expect(rows[0]).toMatch(/│ 10\.200\.2\.10 \(default\/pod-node01\) -> 10\.200\.255\.10 \(default\/pod-node04\) +│ icmp /);
    expect(rows[4]).toMatch(/│ 10\.200\.235\.10 \(default\/pod-master01\) -> 10\.200\.255\.10 \(default\/pod-node04\) │ icmp /);
    expect(rows[8]).toMatch(/│ 10\.200\.175\.10 \(default\/pod-node02\) -> 10\.200\.255\.10 \(default\/pod-node04\) +│ udp 40053 -> 5353 /);
    expect(rows[10]).toMatch(/│ 10\.0\.2\.201 -> 10\.0\.1\.204 +│ icmp /);
    // Everything but the inner column is as without --pods.
    const plain = run(['analyze', CAPTURE, '--no-color']).stdout;
    const strip = (s: string) => s.replace(/ \((default|kube-system)\/[a-z0-9-]+\)/g, '').replace(/[─┬┼┴ ]+│|─+/g, '');
    expect(strip(r.stdout)).toBe(strip(plain));
  });

  it('json: inner.srcPod and inner.dstPod, a pods section, schema 1; the rest exactly as without --pods', () => {
    const r = run(['analyze', CAPTURE, '--pods', PODS, '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const plain = JSON.parse(run(['analyze', CAPTURE, '-o', 'json']).stdout);
    expect(doc.schema).toBe(1);
    expect(doc.flows[0].inner).toEqual({ src: '10.200.2.10', dst: '10.200.255.10', srcPod: 'default/pod-node01', dstPod: 'default/pod-node04' });
    expect(doc.flows[5].inner).toEqual({ src: '10.200.255.10', dst: '10.200.235.10', srcPod: 'default/pod-node04', dstPod: 'default/pod-master01' });
    expect(doc.flows[10].inner).toEqual({ src: '10.0.2.201', dst: '10.0.1.204', srcPod: null, dstPod: null });
    expect(doc.pods).toEqual({ files: [PODS], namedPods: 6, namedAddresses: 6, warnings: [], notes: ["8 hostNetwork pods not named: their IP is the node's"] });
    expect(withoutPods(doc)).toEqual(plain);
    expect(plain.flows[0].inner).toEqual({ src: '10.200.2.10', dst: '10.200.255.10' });
    expect('pods' in plain).toBe(false);
  });

  it('csv: inner_src_pod and inner_dst_pod as the last two columns; the others unmoved', () => {
    const r = run(['analyze', CAPTURE, '--pods', PODS, '-o', 'csv']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const plain = run(['analyze', CAPTURE, '-o', 'csv']).stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${plain[0]},inner_src_pod,inner_dst_pod`);
    expect(lines[1]).toBe(`${plain[1]},default/pod-node01,default/pod-node04`);
    expect(lines[11]).toBe(`${plain[11]},,`); // node IPs: empty cells
    expect(lines).toHaveLength(plain.length);
  });

  it('ndjson: every packet line names its inner pods; the lines are otherwise unchanged', () => {
    const r = run(['analyze', CAPTURE, '--pods', PODS, '-o', 'ndjson']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    const plain = run(['analyze', CAPTURE, '-o', 'ndjson']).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map(withoutPods)).toEqual(plain);
    const packets = lines.filter((l) => l.inner);
    expect(packets).toHaveLength(30);
    expect(packets[0].inner).toEqual({ src: '10.200.2.10', dst: '10.200.255.10', srcPod: 'default/pod-node01', dstPod: 'default/pod-node04', proto: 1, icmpType: 8, icmpCode: 0 });
    // The key order: the names right after the addresses.
    expect(Object.keys(packets[0].inner).slice(0, 4)).toEqual(['src', 'dst', 'srcPod', 'dstPod']);
    const byAddress: Record<string, string | null> = { '10.200.2.10': 'default/pod-node01', '10.200.175.10': 'default/pod-node02', '10.200.235.10': 'default/pod-master01', '10.200.255.10': 'default/pod-node04', '10.0.2.201': null, '10.0.1.204': null };
    for (const p of packets) {
      expect(p.inner.srcPod, JSON.stringify(p)).toBe(byAddress[p.inner.src]);
      expect(p.inner.dstPod, JSON.stringify(p)).toBe(byAddress[p.inner.dst]);
    }
  });

  it('IPv6 pods of the dual-stack capture, from a -o json export: both families named', () => {
    const capture = 'fixtures/dual-stack-vxlan/node04-ens37.pcap';
    const doc = JSON.parse(run(['analyze', capture, '--pods', DUAL_PODS, '-o', 'json']).stdout);
    const inners = doc.flows.map((f: { inner: Inner }) => f.inner);
    expect(inners).toContainEqual({ src: 'fd00:10:200::2:10', dst: 'fd00:10:200::255:10', srcPod: 'default/pod-node01', dstPod: 'default/pod-node04' });
    expect(inners).toContainEqual({ src: 'fd00:10:200::175:10', dst: 'fd00:10:200::255:10', srcPod: 'default/pod-node02', dstPod: 'default/pod-node04' });
    expect(inners).toContainEqual({ src: '10.200.255.10', dst: '10.200.175.10', srcPod: 'default/pod-node04', dstPod: 'default/pod-node02' });
    // The nodes' own IPv6 addresses (plain ICMPv6 between them) are no pod's.
    expect(inners).toContainEqual({ src: 'fd00:0:2::202', dst: 'fd00:0:1::204', srcPod: null, dstPod: null });
    // ndjson reads the IPv6 addresses straight from the packet bytes.
    const lines = run(['analyze', capture, '--pods', DUAL_PODS, '-o', 'ndjson']).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    const v6 = lines.filter((l) => l.inner?.src === 'fd00:10:200::175:10');
    expect(v6.length).toBe(7); // 2 echo requests, 5 TCP segments
    for (const l of v6) expect([l.inner.srcPod, l.inner.dstPod]).toEqual(['default/pod-node02', 'default/pod-node04']);
    const table = run(['analyze', capture, '--pods', DUAL_PODS, '--no-color']).stdout;
    expect(table).toContain('fd00:10:200::255:10 (default/pod-node04) -> fd00:10:200::175:10 (default/pod-node02)');
  });

  it('two pods on one IP: the Running one is shown, and a warning says which', () => {
    const r = run(['analyze', CAPTURE, '--pods', 'fixtures/pods/replaced-pods.yaml', '-o', 'json']);
    expect(r.code).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('calico-pcap: warning: '));
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/^calico-pcap: warning: 10\.200\.2\.10 is claimed by two pods: batch\/report-28853280-7xk2q \(Succeeded, .*\) and default\/pod-node01 \(Running, .*\); shown as default\/pod-node01$/);
    const doc = JSON.parse(r.stdout);
    expect(doc.flows[0].inner).toEqual({ src: '10.200.2.10', dst: '10.200.255.10', srcPod: 'default/pod-node01', dstPod: null }); // 10.200.255.10: in no pod of this file
    expect(doc.pods.warnings).toHaveLength(2);
  });
});

describe('verify, report, correlate --pods', () => {
  it('verify table and json: names in the flow table and in flows[].inner', () => {
    const table = run(['verify', CAPTURE, '--cluster', CLUSTER, '--pods', PODS, '--no-color']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ 10\.200\.2\.10 \(default\/pod-node01\) -> 10\.200\.255\.10 \(default\/pod-node04\) +│ tcp 40080 -> 8080 │ +5 │ kube-node01 -> kube-node04 +│ ok +│/);
    expect(table.stdout).toContain('result: PASS');
    const doc = JSON.parse(run(['verify', CAPTURE, '--cluster', CLUSTER, '--pods', PODS, '-o', 'json']).stdout);
    expect(doc.flows[2].inner).toEqual({ src: '10.200.175.10', dst: '10.200.255.10', srcPod: 'default/pod-node02', dstPod: 'default/pod-node04' });
    expect(doc.pods.namedPods).toBe(6);
    const plain = JSON.parse(run(['verify', CAPTURE, '--cluster', CLUSTER, '-o', 'json']).stdout);
    expect(withoutPods(doc)).toEqual(plain);
  });

  it('report --html: the names beside the pod IPs of the flow table', () => {
    const html = join(dir, 'report.html');
    const r = run(['report', `kube-node04=${CAPTURE}`, '--cluster', CLUSTER, '--pods', PODS, '--html', html]);
    expect(r.code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toContain('<span>10.200.2.10 <small class="muted">default/pod-node01</small></span><span>\u2192 10.200.255.10 <small class="muted">default/pod-node04</small></span>');
    expect(text).toContain('<span>10.0.2.201</span><span>\u2192 10.0.1.204</span>'); // node IPs: unnamed
  });

  it('correlate -o ndjson: srcPod and dstPod on every packet line', () => {
    const s = 'fixtures/correlate-vxlan';
    const r = run(['correlate', `${s}/node01-ens37.pcap`, `${s}/node02-ens37.pcap`, `${s}/node04-ens37.pcap`, '--pods', PODS, '-o', 'ndjson']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    const packets = lines.filter((l) => l.id);
    expect(packets.length).toBeGreaterThan(20);
    expect(Object.keys(packets[0]).slice(0, 5)).toEqual(['id', 'src', 'dst', 'srcPod', 'dstPod']);
    const names: Record<string, string> = { '10.200.2.10': 'default/pod-node01', '10.200.175.10': 'default/pod-node02', '10.200.255.10': 'default/pod-node04' };
    for (const p of packets) {
      expect(p.srcPod, JSON.stringify(p)).toBe(names[p.src]);
      expect(p.dstPod, JSON.stringify(p)).toBe(names[p.dst]);
    }
    const plain = run(['correlate', `${s}/node01-ens37.pcap`, `${s}/node02-ens37.pcap`, `${s}/node04-ens37.pcap`, '-o', 'ndjson']).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map(withoutPods)).toEqual(plain);
  });
});

describe('--pods: a file that cannot be used is one line, exit 2, naming the file', () => {
  const nodes = 'fixtures/cluster/kubectl-nodes.yaml';
  const message = `calico-pcap: ${nodes}: no Pod objects (expected kubectl get pods -A -o yaml or -o json)\n`;
  const commands: [string, string[]][] = [
    ['analyze', ['analyze', CAPTURE]],
    ['verify', ['verify', CAPTURE, '--cluster', CLUSTER]],
    ['correlate', ['correlate', CAPTURE, 'fixtures/vxlan-crosssubnet/node02-ens37.pcap']],
    ['report', ['report', CAPTURE, '--html', join(dir, 'never.html')]],
    ['live', ['live', '-i', 'lo']],
  ];
  for (const [name, args] of commands) {
    it(name, () => {
      const r = run([...args, '--pods', nodes]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(message);
      expect(r.stdout).toBe('');
    });
  }

  it('a missing file and a bad pod IP', () => {
    expect(run(['analyze', CAPTURE, '--pods', 'fixtures/pods/none.yaml']).stderr).toBe('calico-pcap: fixtures/pods/none.yaml: no such file\n');
    const bad = join(dir, 'bad-ip.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: pod-node01\n    namespace: default\n  status:\n    podIP: 10.200.2.10\n    podIPs:\n    - ip: 10.200.2.10\n    - ip: fd00:10:200::2:10:zz\n');
    const r = run(['analyze', CAPTURE, '--pods', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${bad}: items[0].status.podIPs[1].ip "fd00:10:200::2:10:zz" of Pod default/pod-node01 is not an IP address\n`);
  });
});
