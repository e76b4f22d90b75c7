// Pod names from `kubectl get pods -A -o yaml|json` (fixtures/pods, made by
// fixtures/make/pods-export.py in kubectl's shape with the lab's pod IPs): the right name for each
// pod IP, never a name for a node IP (hostNetwork pods), one name when two pods claim an IP, and a
// one-line error naming the file for anything that is not a pods export.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPods } from '../src/model/pods.js';
import { formatAddress, parseAddress } from '../src/net/address.js';
import { modelErrorOf } from './support/model-error.js';

const FIX = join(__dirname, '..', 'fixtures', 'pods');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-pods-'));

const ip = (text: string) => parseAddress(text)!;
const label = (index: ReturnType<typeof readPods>, text: string) => index.labelOf(ip(text));

const errorOf = modelErrorOf;

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('readPods: kubectl get pods -A -o yaml', () => {
  const index = readPods([join(FIX, 'lab-pods.yaml')]);

  it('names every pod IP of the lab by namespace/name', () => {
    expect(index.byAddress(ip('10.200.2.10'))).toEqual({ namespace: 'default', name: 'pod-node01' });
    expect(label(index, '10.200.255.10')).toBe('default/pod-node04');
    expect(label(index, '10.200.175.10')).toBe('default/pod-node02');
    expect(label(index, '10.200.235.10')).toBe('default/pod-master01');
    expect(label(index, '10.200.235.2')).toBe('kube-system/coredns-7c65d6cfc9-h2x8m');
    expect(index.labelOfIpv4(0x0ac8ff0a)).toBe('default/pod-node04'); // 10.200.255.10
    // 4 lab pods, coredns and calico-kube-controllers; 8 hostNetwork pods are not named.
    expect(index.size).toBe(6);
    expect(index.addressCount).toBe(6);
  });

  it('never names a node IP: hostNetwork pods (calico-node, kube-proxy) are skipped, with a note', () => {
    for (const node of ['10.0.2.200', '10.0.2.201', '10.0.2.202', '10.0.1.204']) expect(index.byAddress(ip(node))).toBeUndefined();
    expect(index.addressesOf('calico-system/calico-node-7c2a1')).toEqual([]);
    expect(index.notes).toEqual(["8 hostNetwork pods not named: their IP is the node's"]);
    expect(index.warnings).toEqual([]);
  });

  it('finds addresses by namespace/name or by a bare name unique across namespaces', () => {
    expect(index.addressesOf('default/pod-node04').map(formatAddress)).toEqual(['10.200.255.10']);
    expect(index.addressesOf('pod-node04').map(formatAddress)).toEqual(['10.200.255.10']);
    expect(index.addressesOf('kube-system/pod-node04')).toEqual([]);
    expect(index.addressesOf('nothing')).toEqual([]);
    expect(index.byAddress(ip('10.200.2.11'))).toBeUndefined();
  });

  it('a bare name in two namespaces is ambiguous: no addresses, both candidates', () => {
    const other = write('other-ns.yaml', [
      'apiVersion: v1', 'kind: Pod',
      'metadata: {name: pod-node04, namespace: staging, creationTimestamp: "2026-11-21T10:00:00Z"}',
      'spec: {nodeName: kube-node04}',
      'status: {phase: Running, podIP: 10.200.255.20, podIPs: [{ip: 10.200.255.20}]}', '',
    ].join('\n'));
    const both = readPods([join(FIX, 'lab-pods.yaml'), other]);
    expect(both.addressesOf('pod-node04')).toEqual([]);
    expect(both.candidates('pod-node04')).toEqual(['default/pod-node04', 'staging/pod-node04']);
    expect(both.addressesOf('staging/pod-node04').map(formatAddress)).toEqual(['10.200.255.20']);
  });
});

describe('readPods: other shapes', () => {
  it('reads -o json of a dual-stack cluster: both families of every pod', () => {
    const index = readPods([join(FIX, 'dual-stack-pods.json')]);
    expect(label(index, 'fd00:10:200::255:10')).toBe('default/pod-node04');
    expect(label(index, '10.200.255.10')).toBe('default/pod-node04');
    expect(label(index, 'fd00:10:200::2:10')).toBe('default/pod-node01');
    expect(index.addressesOf('default/pod-node02').map(formatAddress)).toEqual(['10.200.175.10', 'fd00:10:200::175:10']);
    expect(index.byAddress(ip('fd00:0:1::204'))).toBeUndefined(); // kube-node04's IPv6: a hostNetwork pod's
    expect(index.addressCount).toBe(12);
  });

  it('reads a single Pod (kubectl get pod NAME -o yaml)', () => {
    const index = readPods([join(FIX, 'pod-node04.yaml')]);
    expect(index.size).toBe(1);
    expect(label(index, '10.200.255.10')).toBe('default/pod-node04');
  });

  it('reads a directory of exports, and the same export twice without a warning', () => {
    const index = readPods([FIX, join(FIX, 'lab-pods.yaml')]);
    expect(label(index, '10.200.235.10')).toBe('default/pod-master01');
    expect(label(index, 'fd00:10:200::235:10')).toBe('default/pod-master01');
    // replaced-pods.yaml claims 10.200.2.10 and 10.200.175.10 again: the Running pods keep them.
    expect(label(index, '10.200.2.10')).toBe('default/pod-node01');
    expect(label(index, '10.200.175.10')).toBe('default/pod-node02');
  });

  it('a List of PodList kind (items without kind) and a pod without an IP (Pending)', () => {
    const path = write('podlist.json', JSON.stringify({
      apiVersion: 'v1', kind: 'PodList',
      items: [
        { metadata: { name: 'web-0', namespace: 'shop' }, status: { phase: 'Running', podIP: '10.200.2.33' } },
        { metadata: { name: 'web-1', namespace: 'shop' }, status: { phase: 'Pending' } },
      ],
    }));
    const index = readPods([path]);
    expect(label(index, '10.200.2.33')).toBe('shop/web-0');
    expect(index.size).toBe(1);
  });
});

describe('readPods: two pods, one IP', () => {
  const index = readPods([join(FIX, 'replaced-pods.yaml')]);

  it('the Running pod is named, not the finished Job pod that had the address before', () => {
    expect(label(index, '10.200.2.10')).toBe('default/pod-node01');
    expect(index.addressesOf('batch/report-28853280-7xk2q')).toEqual([]);
  });

  it('of two finished pods, the newer creationTimestamp is named', () => {
    expect(label(index, '10.200.175.10')).toBe('batch/report-28853295-b8wtn');
    expect(index.addressesOf('report-28853265-m4pz7')).toEqual([]);
  });

  it('says so in one warning per address', () => {
    const file = join(FIX, 'replaced-pods.yaml');
    expect(index.warnings).toEqual([
      `10.200.175.10 is claimed by two pods: batch/report-28853265-m4pz7 (Succeeded, created 2026-11-20T08:04:45Z; ${file} items[1]) and batch/report-28853295-b8wtn (Failed, created 2026-11-20T08:05:15Z; ${file} items[2]); shown as batch/report-28853295-b8wtn`,
      `10.200.2.10 is claimed by two pods: batch/report-28853280-7xk2q (Succeeded, created 2026-11-20T08:05:00Z; ${file} items[0]) and default/pod-node01 (Running, created 2026-11-20T08:20:11Z; ${file} items[3]); shown as default/pod-node01`,
    ]);
  });

  it('a Running pod read first keeps its address against a later finished one', () => {
    const later = write('later-finished.yaml', [
      'apiVersion: v1', 'kind: Pod',
      'metadata: {name: old-job, namespace: batch, creationTimestamp: "2026-11-22T00:00:00Z"}',
      'status: {phase: Succeeded, podIP: 10.200.255.10}', '',
    ].join('\n'));
    const both = readPods([join(FIX, 'lab-pods.yaml'), later]);
    expect(label(both, '10.200.255.10')).toBe('default/pod-node04');
    expect(both.warnings).toHaveLength(1);
    expect(both.warnings[0]).toMatch(/^10\.200\.255\.10 is claimed by two pods: default\/pod-node04 .* and batch\/old-job .*; shown as default\/pod-node04$/);
  });
});

describe('readPods: bad input is one line naming the file', () => {
  it('a missing file, a directory without exports, not YAML', () => {
    expect(errorOf(() => readPods([join(dir, 'none.yaml')]))).toBe(`${join(dir, 'none.yaml')}: no such file`);
    const empty = join(dir, 'empty-dir');
    mkdirSync(empty);
    expect(errorOf(() => readPods([empty]))).toBe(`${empty}: a directory with no .yaml, .yml or .json file`);
    const bad = write('bad.yaml', 'items: [\n');
    expect(errorOf(() => readPods([bad]))).toMatch(new RegExp(`^${bad}: not YAML or JSON: `));
  });

  it('a nodes export given as pods', () => {
    const nodes = join(__dirname, '..', 'fixtures', 'cluster', 'kubectl-nodes.yaml');
    expect(errorOf(() => readPods([nodes]))).toBe(`${nodes}: no Pod objects (expected kubectl get pods -A -o yaml or -o json)`);
  });

  it('a bad pod IP, a missing name, no kind', () => {
    const badIp = write('bad-ip.yaml', 'apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: a, namespace: b}\n  status: {podIPs: [{ip: 10.200.2.300}]}\n');
    expect(errorOf(() => readPods([badIp]))).toBe(`${badIp}: items[0].status.podIPs[0].ip "10.200.2.300" of Pod b/a is not an IP address`);
    const noName = write('no-name.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {namespace: b}\n');
    expect(errorOf(() => readPods([noName]))).toBe(`${noName}: metadata.name of a Pod is missing`);
    const noKind = write('no-kind.json', '{"items": []}');
    expect(errorOf(() => readPods([noKind]))).toBe(`${noKind}: kind is missing (expected a Pod or a List of Pods, as kubectl get pods -A -o yaml writes)`);
    // Names as the API server accepts them only: nothing a terminal, CSV cell or HTML page could obey.
    const badName = write('bad-name.json', JSON.stringify({ kind: 'Pod', metadata: { name: 'web\u001b[31m', namespace: 'shop' }, status: { podIP: '10.200.2.40' } }));
    expect(errorOf(() => readPods([badName]))).toBe(`${badName}: metadata.name "web\\u001b[31m" is not a Kubernetes pod name (lowercase letters, digits, "-" and ".")`);
    const badNamespace = write('bad-ns.json', JSON.stringify({ kind: 'Pod', metadata: { name: 'web-0', namespace: 'Shop,1' }, status: { podIP: '10.200.2.40' } }));
    expect(errorOf(() => readPods([badNamespace]))).toBe(`${badNamespace}: metadata.namespace "Shop,1" of Pod web-0 is not a Kubernetes namespace name (lowercase letters, digits and "-")`);
    const scalar = write('scalar.yaml', 'hello\n');
    expect(errorOf(() => readPods([scalar]))).toBe(`${scalar}: expected a Pod or a List of Pods at the top level (kubectl get pods -A -o yaml)`);
  });
});
