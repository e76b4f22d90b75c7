// Pod names for pod IPs, from what users already have: `kubectl get pods -A -o yaml` (or -o json),
// a v1 List of Pods, a PodList, or a single Pod; several files, or a directory of them. Users think
// in namespace/pod names; captures hold addresses. The reports show the name beside the address.
//
// What is read of a Pod (k8s.io/api/core/v1 types.go): metadata.namespace and .name,
// metadata.creationTimestamp, spec.hostNetwork, status.phase, status.podIP and status.podIPs[].ip
// (one per family on a dual-stack cluster; podIP is podIPs[0]).
//
// Two rules keep a name from being wrong:
// - a hostNetwork pod's IP is its node's (kube-proxy, calico-node, node-exporter...): a node
//   address must never be shown as a pod, so these pods are skipped (counted in a note);
// - one IP claimed by two pods (a finished pod and the replacement that got its address, as
//   `kubectl get pods -A` shows both until the finished one is deleted): the Running one is named,
//   else the newer creationTimestamp, else the later read; a warning says which.
import { formatAddress, parseAddress, type Address } from '../net/address.js';
import { ModelError } from './model-error.js';
import { MAX_MODEL_FILE_BYTES, modelFilesIn, parseBounded, readBounded } from './read-bounded.js';

export interface PodName {
  namespace: string;
  name: string;
}

/** One pod as read: what decides which of two pods keeps a shared IP. */
interface PodEntry {
  pod: PodName;
  /** "namespace/name", built once per pod: what every report prints. */
  label: string;
  phase: string;
  created: string;
  /** Where it was read, for the warnings. */
  source: string;
}

/** Pod names by address; built by readPods. */
export class PodIndex {
  private readonly byIp = new Map<Address, PodEntry>();
  /** IPv4 addresses as numbers: the per-packet lookup (ndjson) needs no bigint. */
  private readonly byIpv4 = new Map<number, PodEntry>();
  private readonly byRef = new Map<string, Address[]>();
  private readonly byBareName = new Map<string, Set<string>>();
  /** Contradictions resolved (two pods, one IP): one line each. */
  readonly warnings: string[] = [];
  /** What was read and deliberately not used (hostNetwork pods, other kinds): one line each. */
  readonly notes: string[] = [];

  /** The pod that holds the address, or undefined. */
  byAddress(a: Address): PodName | undefined {
    return this.byIp.get(a)?.pod;
  }

  /** "namespace/name" of the pod that holds the address (one string per pod, built once), or null. */
  labelOf(a: Address): string | null {
    return this.byIp.get(a)?.label ?? null;
  }

  /** labelOf for an IPv4 address given as its unsigned 32-bit value (no bigint per packet). */
  labelOfIpv4(value: number): string | null {
    return this.byIpv4.get(value >>> 0)?.label ?? null;
  }

  /**
   * The addresses a pod holds: `ref` is "namespace/name", or a bare "name" when only one namespace
   * has a pod of that name. [] when unknown, ambiguous, a hostNetwork pod, or a pod without an IP.
   */
  addressesOf(ref: string): Address[] {
    return [...(this.byRef.get(this.resolve(ref) ?? '') ?? [])];
  }

  /** Every "namespace/name" a ref may mean: one when it is known and unique, several when a bare name is ambiguous. */
  candidates(ref: string): string[] {
    if (ref.includes('/')) return this.byRef.has(ref) ? [ref] : [];
    return [...(this.byBareName.get(ref) ?? [])].sort();
  }

  /** Pods with at least one address in the index. */
  get size(): number {
    return this.byRef.size;
  }

  /** Number of addresses named. */
  get addressCount(): number {
    return this.byIp.size;
  }

  private resolve(ref: string): string | null {
    const c = this.candidates(ref);
    return c.length === 1 ? c[0] : null;
  }

  /** @internal readPods only: the address, unless another pod holds it and wins. */
  add(a: Address, entry: PodEntry): void {
    const earlier = this.byIp.get(a);
    if (earlier !== undefined && earlier.label !== entry.label) {
      const keep = wins(entry, earlier) ? entry : earlier;
      const lose = keep === entry ? earlier : entry;
      this.warnings.push(`${formatAddress(a)} is claimed by two pods: ${describe(earlier)} and ${describe(entry)}; shown as ${keep.label}`);
      if (keep === earlier) return;
      this.forget(a, lose);
    } else if (earlier !== undefined) {
      return; // the same pod again (the same export read twice)
    }
    this.byIp.set(a, entry);
    if (a < 1n << 32n) this.byIpv4.set(Number(a), entry);
    const list = this.byRef.get(entry.label) ?? [];
    list.push(a);
    this.byRef.set(entry.label, list);
    const names = this.byBareName.get(entry.pod.name) ?? new Set<string>();
    names.add(entry.label);
    this.byBareName.set(entry.pod.name, names);
  }

  private forget(a: Address, lost: PodEntry): void {
    const list = (this.byRef.get(lost.label) ?? []).filter((x) => x !== a);
    if (list.length > 0) {
      this.byRef.set(lost.label, list);
      return;
    }
    this.byRef.delete(lost.label);
    const names = this.byBareName.get(lost.pod.name);
    names?.delete(lost.label);
    if (names?.size === 0) this.byBareName.delete(lost.pod.name);
  }
}

/** Running beats any other phase; then the newer creationTimestamp; then the later read. */
function wins(later: PodEntry, earlier: PodEntry): boolean {
  const running = (e: PodEntry) => e.phase === 'Running';
  if (running(later) !== running(earlier)) return running(later);
  // RFC 3339 in UTC ("2026-11-20T08:14:00Z", as the API server writes it) orders as text.
  if (later.created !== earlier.created) return later.created > earlier.created;
  return true;
}

function describe(e: PodEntry): string {
  return `${e.label} (${e.phase || 'no phase'}${e.created ? `, created ${e.created}` : ''}; ${e.source})`;
}

type Obj = Record<string, unknown>;

// What the API server accepts (k8s.io/apimachinery validation: a pod name is a DNS-1123
// subdomain, a namespace a DNS-1123 label). Checked, so that every report can print a name as
// it is: no control character, quote or comma can come from a pods file.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads every file (a directory: its .yaml, .yml and .json files) into one index. */
export function readPods(paths: string[]): PodIndex {
  const index = new PodIndex();
  const tally = { hostNetwork: 0, noAddress: 0, otherKinds: new Map<string, number>() };
  for (const path of paths) readPath(index, path, tally, false);
  if (tally.hostNetwork > 0) {
    index.notes.push(`${tally.hostNetwork} hostNetwork pod${tally.hostNetwork === 1 ? '' : 's'} not named: ${tally.hostNetwork === 1 ? 'its' : 'their'} IP is the node's`);
  }
  if (tally.otherKinds.size > 0) {
    index.notes.push(`skipped objects that are not Pods: ${[...tally.otherKinds].map(([k, n]) => `${n} ${k}`).join(', ')}`);
  }
  return index;
}

interface Tally {
  hostNetwork: number;
  noAddress: number;
  otherKinds: Map<string, number>;
}

function readPath(index: PodIndex, path: string, tally: Tally, inDirectory: boolean): void {
  const files = modelFilesIn(path);
  if (files !== null) {
    for (const f of files) readPath(index, f, tally, true);
    return;
  }
  const text = readBounded(path, MAX_MODEL_FILE_BYTES, 'a pods file');
  let pods = 0;
  let others = 0;
  for (const value of parseBounded(text, path)) {
    if (value === null || value === undefined) continue;
    if (!isObj(value)) throw new ModelError(`${path}: expected a Pod or a List of Pods at the top level (kubectl get pods -A -o yaml)`);
    const counted = addObject(index, value, path, '', tally);
    pods += counted.pods;
    others += counted.others;
  }
  // A file named on the command line that holds objects but no Pod is the wrong file (nodes, pools...).
  if (!inDirectory && pods === 0 && others > 0) {
    throw new ModelError(`${path}: no Pod objects (expected kubectl get pods -A -o yaml or -o json)`);
  }
}

function addObject(index: PodIndex, o: Obj, file: string, where: string, tally: Tally): { pods: number; others: number } {
  const kind = o.kind;
  if (typeof kind !== 'string') throw new ModelError(`${file}: ${where}kind is missing (expected a Pod or a List of Pods, as kubectl get pods -A -o yaml writes)`);
  if (kind === 'List' || kind === 'PodList') {
    const items = o.items ?? [];
    if (!Array.isArray(items)) throw new ModelError(`${file}: ${where}items of ${kind} is not a list`);
    const total = { pods: 0, others: 0 };
    items.forEach((item, i) => {
      if (!isObj(item)) throw new ModelError(`${file}: ${where}items[${i}] is not an object`);
      const itemKind = item.kind ?? (kind === 'PodList' ? 'Pod' : undefined);
      const n = addObject(index, { ...item, kind: itemKind }, file, `${where}items[${i}].`, tally);
      total.pods += n.pods;
      total.others += n.others;
    });
    return total;
  }
  if (kind !== 'Pod') {
    tally.otherKinds.set(`${kind} (${file})`, (tally.otherKinds.get(`${kind} (${file})`) ?? 0) + 1);
    return { pods: 0, others: 1 };
  }
  addPod(index, o, file, where, tally);
  return { pods: 1, others: 0 };
}

function addPod(index: PodIndex, o: Obj, file: string, where: string, tally: Tally): void {
  const metadata = isObj(o.metadata) ? o.metadata : {};
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') throw new ModelError(`${file}: ${where}metadata.name of a Pod is missing`);
  // A Pod written without a namespace (a manifest, not an export) lives in "default".
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) throw new ModelError(`${file}: ${where}metadata.name ${JSON.stringify(name)} is not a Kubernetes pod name (lowercase letters, digits, "-" and ".")`);
  const namespace = metadata.namespace === undefined ? 'default' : metadata.namespace;
  if (typeof namespace !== 'string' || !DNS_LABEL.test(namespace) || namespace.length > 63) {
    throw new ModelError(`${file}: ${where}metadata.namespace ${JSON.stringify(namespace)} of Pod ${name} is not a Kubernetes namespace name (lowercase letters, digits and "-")`);
  }
  const spec = isObj(o.spec) ? o.spec : {};
  const status = isObj(o.status) ? o.status : {};
  if (spec.hostNetwork === true) {
    tally.hostNetwork++;
    return;
  }
  const texts: [string, string][] = [];
  if (status.podIPs !== undefined) {
    if (!Array.isArray(status.podIPs)) throw new ModelError(`${file}: ${where}status.podIPs of Pod ${namespace}/${name} is not a list`);
    status.podIPs.forEach((p, i) => {
      const ip = isObj(p) ? p.ip : undefined;
      if (typeof ip !== 'string') throw new ModelError(`${file}: ${where}status.podIPs[${i}].ip of Pod ${namespace}/${name} is missing`);
      texts.push([ip, `status.podIPs[${i}].ip`]);
    });
  }
  if (status.podIP !== undefined && status.podIP !== '') {
    if (typeof status.podIP !== 'string') throw new ModelError(`${file}: ${where}status.podIP of Pod ${namespace}/${name} is not a string`);
    texts.push([status.podIP, 'status.podIP']);
  }
  if (texts.length === 0) {
    tally.noAddress++; // Pending, or not scheduled yet: nothing to name
    return;
  }
  const label = `${namespace}/${name}`;
  const entry: PodEntry = {
    pod: Object.freeze({ namespace, name }),
    label,
    phase: typeof status.phase === 'string' ? status.phase : '',
    created: typeof metadata.creationTimestamp === 'string' ? metadata.creationTimestamp : '',
    source: where === '' ? file : `${file} ${where.slice(0, -1)}`,
  };
  const seen = new Set<Address>();
  for (const [text, field] of texts) {
    const a = parseAddress(text);
    if (a === null) throw new ModelError(`${file}: ${where}${field} "${text}" of Pod ${label} is not an IP address`);
    if (seen.has(a)) continue; // podIP repeats podIPs[0]
    seen.add(a);
    index.add(a, entry);
  }
}
