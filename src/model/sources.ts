// Building the cluster model from what users have: command-line flags, a cluster file (YAML or
// JSON), and the real objects exported from a cluster (`kubectl get nodes -o yaml`,
// `calicoctl get ippools -o yaml`, `calicoctl get nodes -o yaml`, IPAM blocks and block
// affinities). Anything not understood is a ModelError naming the file and the field.
import { DEFAULT_BLOCK_SIZE, DEFAULT_BLOCK_SIZE_V6, defaultFelix, formatNodeAddress, parseMode, type ClusterModel, type ClusterNode, type EncapMode, type FelixSettings, type NodeAddress, type Pool } from './cluster.js';
import { contains, familyOf, formatAddress, formatCidr, hostPrefix, parseAddress, parseCidr, type Address, type Cidr, type Family } from '../net/address.js';
import { MAX_MODEL_FILE_BYTES, modelFilesIn, parseBounded, readBounded } from './read-bounded.js';

import { ModelError } from './model-error.js';

interface NodeDraft {
  name: string;
  ipv4?: NodeAddress;
  ipv6?: NodeAddress;
  blocks: Cidr[];
  ipipTunnelAddr?: Address;
  vxlanTunnelAddr?: Address;
  vxlanTunnelAddrV6?: Address;
  vtepMac?: string;
  vtepMacV6?: string;
  source: string;
  /** Where each family's address came from, for the warning when another source gives a different one. */
  addressSource: { 4?: string; 6?: string };
  /** The IPv4 address is only the InternalIP: a Calico address replaces it without a warning. */
  addressIsInternalIp?: boolean;
  /** The address was given without a prefix (a host route): CrossSubnet then behaves as Always. */
  bare: { 4?: string; 6?: string };
}

/** Collects pools and node facts from any number of sources, then checks and freezes them. */
export class ModelBuilder {
  private readonly pools: Pool[] = [];
  private readonly nodes = new Map<string, NodeDraft>();
  /** Contradictions between sources that were resolved (the later wins): one line each. */
  readonly warnings: string[] = [];
  /** Felix's settings as the sources give them; unset ones keep Felix's defaults. */
  readonly felix: FelixSettings = defaultFelix();
  /** What was read and deliberately not used, one line each (unknown kinds, stale affinities). */
  readonly notes: string[] = [];
  private readonly skippedKinds = new Map<string, number>();
  /** --vxlan/--ipip given without --pool: they override the modes of pools from files. */
  modeOverride: { vxlanMode?: EncapMode; ipipMode?: EncapMode } = {};

  node(name: string, source: string): NodeDraft {
    let n = this.nodes.get(name);
    if (!n) {
      n = { name, blocks: [], source, addressSource: {}, bare: {} };
      this.nodes.set(name, n);
    }
    return n;
  }

  addPool(pool: Pool): void {
    if (pool.ipipMode !== 'Never' && pool.vxlanMode !== 'Never') {
      throw new ModelError(`${pool.source}: pool ${pool.name} sets both ipipMode ${pool.ipipMode} and vxlanMode ${pool.vxlanMode}; Calico allows only one`);
    }
    // libcalico-go's IPPool validation: IPIP carries IPv4 only.
    if (pool.ipipMode !== 'Never' && familyOf(pool.cidr.base) === 6) {
      const what = pool.name === formatCidr(pool.cidr) ? pool.name : `${pool.name} ${formatCidr(pool.cidr)}`;
      throw new ModelError(`${pool.source}: pool ${what} sets ipipMode ${pool.ipipMode}; IPIP is IPv4 only (an IPv6 pool uses VXLAN or nothing)`);
    }
    const same = this.pools.findIndex((p) => formatCidr(p.cidr) === formatCidr(pool.cidr));
    const earlier = same >= 0 ? this.pools[same] : this.pools.find((p) => p.name === pool.name);
    // Another name for the same definition (a --pool CIDR for an exported IPPool) is no conflict.
    if (earlier && describePool(earlier, false) !== describePool(pool, false)) {
      const what = same >= 0 ? `pool ${formatCidr(pool.cidr)}` : `pool name ${pool.name}`;
      this.warnings.push(`${what} is defined twice: ${describePool(earlier)} (${earlier.source}) and ${describePool(pool)} (${pool.source})${same >= 0 ? '; the later is used' : ''}`);
    }
    if (same >= 0) this.pools[same] = pool;
    else this.pools.push(pool);
  }

  /**
   * Sets a node's address of one family; a different address from an earlier source is replaced,
   * with a warning. `bare`: given without a prefix, so Calico would register a host route.
   */
  setAddress(n: NodeDraft, ip: Address, prefix: number, source: string, isInternalIp = false, bare = false): void {
    const family = familyOf(ip);
    const key = family === 4 ? 'ipv4' : 'ipv6';
    const earlier = n[key];
    const earlierIsFallback = family === 4 && n.addressIsInternalIp;
    if (earlier !== undefined && !earlierIsFallback && (earlier.address !== ip || earlier.prefix !== prefix)) {
      this.warnings.push(`node ${n.name} is defined twice with different addresses: ${formatNodeAddress(earlier)} (${n.addressSource[family]}) and ${formatNodeAddress({ address: ip, prefix })} (${source}); the later is used`);
    }
    n[key] = { address: ip, prefix };
    n.addressSource[family] = source;
    if (family === 4) n.addressIsInternalIp = isInternalIp;
    n.bare[family] = bare && !isInternalIp ? source : undefined;
  }

  /** Felix settings from one source; a different value from an earlier source is a warning. */
  setFelix(values: Partial<FelixSettings>, source: string): void {
    for (const [key, value] of Object.entries(values) as [keyof FelixSettings, never][]) {
      if (value === undefined) continue;
      const was = this.felix[key];
      const wasSource = this.felixSources.get(key);
      if (wasSource !== undefined && was !== value) this.warnings.push(`Felix ${key} is set twice: ${String(was)} (${wasSource}) and ${String(value)} (${source}); the later is used`);
      (this.felix as unknown as Record<string, unknown>)[key] = value;
      this.felixSources.set(key, source);
    }
    this.felix.source = [...new Set(this.felixSources.values())].join(', ');
  }
  private readonly felixSources = new Map<keyof FelixSettings, string>();

  /** An object kind calico-pcap does not read: counted, reported once as a note. */
  skipKind(kind: string, file: string): void {
    const key = `${kind} (${file})`;
    this.skippedKinds.set(key, (this.skippedKinds.get(key) ?? 0) + 1);
  }

  addBlock(nodeName: string, block: Cidr, source: string): void {
    const n = this.node(nodeName, source);
    if (!n.blocks.some((b) => b.base === block.base && b.prefix === block.prefix)) n.blocks.push(block);
  }

  build(): ClusterModel {
    const { vxlanMode, ipipMode } = this.modeOverride;
    if (vxlanMode !== undefined || ipipMode !== undefined) {
      for (const p of this.pools) {
        p.vxlanMode = vxlanMode ?? (ipipMode !== undefined && ipipMode !== 'Never' ? 'Never' : p.vxlanMode);
        p.ipipMode = ipipMode ?? (vxlanMode !== undefined && vxlanMode !== 'Never' ? 'Never' : p.ipipMode);
      }
    }
    this.warnOverlappingPools();
    if (this.skippedKinds.size > 0) {
      this.notes.push(`skipped objects calico-pcap does not read: ${[...this.skippedKinds].map(([k, n]) => `${n} ${k}`).join(', ')}`);
    }
    const nodes: ClusterNode[] = [];
    const byIp = new Map<Address, NodeDraft>();
    for (const n of this.nodes.values()) {
      if (n.ipv4 === undefined && n.ipv6 === undefined) {
        throw new ModelError(`${n.source}: node ${n.name} has blocks or tunnel addresses but no node address (give --node ${n.name}=IP/PREFIX or its Node object)`);
      }
      for (const a of [n.ipv4, n.ipv6]) {
        if (a === undefined) continue;
        const family = familyOf(a.address);
        const other = byIp.get(a.address);
        if (other) this.warnings.push(`nodes ${other.name} (${other.addressSource[family]}) and ${n.name} (${n.addressSource[family]}) have the same address ${formatAddress(a.address)}: its packets are attributed to ${other.name}`);
        else byIp.set(a.address, n);
        const bare = n.bare[family];
        if (bare !== undefined && this.pools.some((p) => familyOf(p.cidr.base) === family && (p.vxlanMode === 'CrossSubnet' || p.ipipMode === 'CrossSubnet'))) {
          this.warnings.push(`${bare}: node ${n.name}: address ${formatAddress(a.address)} given without a prefix: Calico registers it as /${hostPrefix(family)}, so no other node is in its subnet and CrossSubnet behaves as Always; give IP/PREFIX as the node registered it`);
        }
      }
      nodes.push({
        name: n.name, ipv4: n.ipv4 ?? null, ipv6: n.ipv6 ?? null, blocks: n.blocks,
        ipipTunnelAddr: n.ipipTunnelAddr ?? null, vxlanTunnelAddr: n.vxlanTunnelAddr ?? null, vxlanTunnelAddrV6: n.vxlanTunnelAddrV6 ?? null,
        vtepMac: n.vtepMac ?? null, vtepMacV6: n.vtepMacV6 ?? null, source: n.source,
      });
    }
    return { pools: this.pools, nodes, felix: this.felix, warnings: this.warnings, notes: this.notes };
  }

  /** Calico refuses overlapping pools; with different modes the verdict would depend on which one is meant. */
  private warnOverlappingPools(): void {
    this.pools.forEach((a, i) => {
      for (const b of this.pools.slice(i + 1)) {
        const overlap = contains(a.cidr, b.cidr.base) || contains(b.cidr, a.cidr.base); // false across families
        if (overlap && (a.ipipMode !== b.ipipMode || a.vxlanMode !== b.vxlanMode)) {
          this.warnings.push(`pools ${a.name} (${a.source}) and ${b.name} (${b.source}) overlap with different modes: ${describePool(a)} and ${describePool(b)}; the longer prefix decides`);
        }
      }
    });
  }
}

function describePool(p: Pool, withName = true): string {
  return `${withName ? `${p.name} ` : ''}${formatCidr(p.cidr)} /${p.blockSize} ipipMode=${p.ipipMode} vxlanMode=${p.vxlanMode}${p.disabled ? ' disabled' : ''}`;
}

function defaultBlockSize(cidr: Cidr): number {
  return familyOf(cidr.base) === 4 ? DEFAULT_BLOCK_SIZE : DEFAULT_BLOCK_SIZE_V6;
}

/** Objects read from the API server (--kube), and the label that names the cluster in sources. */
export interface KubeObjects {
  objects: readonly Record<string, unknown>[];
  /** "kube context kube-lab": sources read "kube context kube-lab (IPPool default-ipv4-ippool)". */
  source: string;
}

/**
 * Everything a command line gives for the model: files first, then the cluster (--kube), then
 * flags; a later source overrides an earlier one (with a warning where they disagree).
 */
export function buildModel(files: string[], flags: ModelFlags, kube?: KubeObjects): ClusterModel {
  const builder = new ModelBuilder();
  for (const file of files) addFile(builder, file);
  if (kube) addKubeObjects(builder, kube.objects, kube.source);
  addFlags(builder, flags);
  const model = builder.build();
  const fromKube = kube ? `, or --kube with a cluster that has them (${kube.source} has none)` : '';
  if (model.pools.length === 0) throw new ModelError(`verify needs the IP pools: --pool CIDR, or --cluster FILE with pools or IPPool objects${kube ? fromKube.replace('them', 'IPPools') : ''}`);
  if (model.nodes.length === 0) throw new ModelError(`verify needs the nodes: --node NAME=IP/PREFIX, or --cluster FILE with nodes or Node objects${kube ? fromKube.replace('them', 'Nodes') : ''}`);
  return model;
}

/**
 * Objects read from the API server, through exactly the path of exported YAML (addObject): a
 * verdict cannot depend on whether the objects came from `kubectl get -o yaml` or from --kube.
 * `source` takes the place of the file name in sources, warnings and errors.
 */
export function addKubeObjects(builder: ModelBuilder, objects: readonly Record<string, unknown>[], source: string): void {
  for (const o of objects) addObject(builder, o, source, '');
}

// ---------- flags ----------

export interface ModelFlags {
  pool: string[];
  blockSize?: number;
  node: string[];
  block: string[];
  tunnelAddr: string[];
  vtepMac?: string[];
  vxlan?: string;
  ipip?: string;
  vni?: number;
  /** --felix-vxlan-port: Felix's VXLANPort. */
  felixVxlanPort?: number;
}

export function hasModelFlags(f: ModelFlags): boolean {
  return f.pool.length > 0 || f.node.length > 0 || f.block.length > 0 || f.tunnelAddr.length > 0;
}

function mode(text: string | undefined, what: string, source: string): EncapMode {
  if (text === undefined) return 'Never';
  const m = parseMode(text);
  if (m === null) throw new ModelError(`${source}: ${what} "${text}" is not Always, CrossSubnet or Never`);
  return m;
}

function nameValue(text: string, flag: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new ModelError(`flags: ${flag} "${text}" is not NAME=VALUE`);
  return [text.slice(0, i), text.slice(i + 1)];
}

export function addFlags(builder: ModelBuilder, f: ModelFlags): void {
  const source = 'flags';
  const vxlanMode = mode(f.vxlan, '--vxlan', source);
  const ipipMode = mode(f.ipip, '--ipip', source);
  for (const text of f.pool) {
    const parsed = parseCidr(text);
    if (!parsed) throw new ModelError(`flags: --pool "${text}" is not a CIDR`);
    builder.addPool({ name: formatCidr(parsed.cidr), cidr: parsed.cidr, blockSize: f.blockSize ?? defaultBlockSize(parsed.cidr), ipipMode, vxlanMode, disabled: false, source });
  }
  if (f.pool.length === 0) {
    // Modes given without a pool apply to the pools from files ("verify this capture under Always").
    if (f.vxlan !== undefined) builder.modeOverride.vxlanMode = vxlanMode;
    if (f.ipip !== undefined) builder.modeOverride.ipipMode = ipipMode;
  }
  for (const text of f.node) {
    const [name, value] = nameValue(text, '--node');
    const parsed = parseCidr(value, true);
    if (!parsed) throw new ModelError(`flags: --node ${name}="${value}" is not IP/PREFIX`);
    builder.setAddress(builder.node(name, source), parsed.address, parsed.cidr.prefix, `--node ${text}`, false, !value.includes('/'));
  }
  for (const text of f.block) {
    const [name, value] = nameValue(text, '--block');
    const parsed = parseCidr(value);
    if (!parsed) throw new ModelError(`flags: --block ${name}="${value}" is not a CIDR`);
    builder.addBlock(name, parsed.cidr, source);
  }
  for (const text of f.tunnelAddr) {
    const [name, value] = nameValue(text, '--tunnel-addr');
    const ip = parseAddress(value);
    if (ip === null) throw new ModelError(`flags: --tunnel-addr ${name}="${value}" is not an IP address`);
    const n = builder.node(name, source);
    if (familyOf(ip) === 6) n.vxlanTunnelAddrV6 = ip;
    else n.ipipTunnelAddr = n.vxlanTunnelAddr = ip;
  }
  for (const text of f.vtepMac ?? []) {
    const [name, value] = nameValue(text, '--vtep-mac');
    builder.node(name, source).vtepMac = macAt(value, 'flags', `--vtep-mac ${name}`);
  }
  if (f.vni !== undefined) builder.setFelix({ vxlanVni: f.vni }, '--vni');
  if (f.felixVxlanPort !== undefined) builder.setFelix({ vxlanPort: f.felixVxlanPort }, '--felix-vxlan-port');
}

// ---------- files ----------

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a cluster file or exported objects (YAML, possibly several documents, or JSON); a
 * directory means every .yaml, .yml and .json file in it.
 */
export function addFile(builder: ModelBuilder, path: string): void {
  const files = modelFilesIn(path);
  if (files !== null) {
    for (const f of files) addFile(builder, f);
    return;
  }
  const text = readBounded(path, MAX_MODEL_FILE_BYTES, 'a cluster file');
  for (const value of parseBounded(text, path)) {
    if (value === null || value === undefined) continue;
    if (!isObj(value)) throw new ModelError(`${path}: expected an object at the top level`);
    addObject(builder, value, path, '');
  }
}

function addObject(builder: ModelBuilder, o: Obj, file: string, where: string): void {
  const kind = o.kind;
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  if (kind === undefined && apiVersion === '') return addClusterFile(builder, o, file);
  if (typeof kind !== 'string') throw new ModelError(`${file}: ${where}kind is not a string`);
  if (kind === 'List' || kind.endsWith('List')) {
    const items = o.items;
    if (!Array.isArray(items)) throw new ModelError(`${file}: ${where}items of ${kind} is not a list`);
    items.forEach((item, i) => {
      if (!isObj(item)) throw new ModelError(`${file}: ${where}items[${i}] is not an object`);
      const itemKind = item.kind ?? kind.replace(/List$/, '');
      addObject(builder, { ...item, kind: itemKind, apiVersion: item.apiVersion ?? apiVersion }, file, `${where}items[${i}].`);
    });
    return;
  }
  if (kind === 'Cluster' && apiVersion.startsWith('calico-pcap')) return addClusterFile(builder, o, file);
  const name = stringAt(o, ['metadata', 'name'], file, where);
  const spec = isObj(o.spec) ? o.spec : {};
  const calico = apiVersion.startsWith('projectcalico.org/') || apiVersion.startsWith('crd.projectcalico.org/');
  if (kind === 'IPPool' && calico) {
    const cidrText = stringAt(o, ['spec', 'cidr'], file, where);
    const parsed = parseCidr(cidrText);
    if (!parsed) throw new ModelError(`${file}: ${where}spec.cidr "${cidrText}" of IPPool ${name} is not a CIDR`);
    const source = `${file} (IPPool ${name})`;
    builder.addPool({
      name, cidr: parsed.cidr, source,
      blockSize: typeof spec.blockSize === 'number' ? spec.blockSize : defaultBlockSize(parsed.cidr),
      ipipMode: mode(spec.ipipMode === undefined ? undefined : String(spec.ipipMode), 'spec.ipipMode', source),
      vxlanMode: mode(spec.vxlanMode === undefined ? undefined : String(spec.vxlanMode), 'spec.vxlanMode', source),
      disabled: spec.disabled === true,
    });
    return;
  }
  if (kind === 'Node' && calico) {
    // calicoctl get nodes: spec.bgp.ipv4Address "10.0.1.204/24", ipv6Address, and the tunnel addresses.
    const n = builder.node(name, `${file} (Node ${name})`);
    const bgp = isObj(spec.bgp) ? spec.bgp : {};
    if (typeof bgp.ipv4Address === 'string') setAddress(builder, n, bgp.ipv4Address, file, `${where}spec.bgp.ipv4Address`, 4);
    if (typeof bgp.ipv6Address === 'string') setAddress(builder, n, bgp.ipv6Address, file, `${where}spec.bgp.ipv6Address`, 6);
    if (typeof bgp.ipv4IPIPTunnelAddr === 'string') n.ipipTunnelAddr = ipAt(bgp.ipv4IPIPTunnelAddr, file, `${where}spec.bgp.ipv4IPIPTunnelAddr`, 4);
    if (typeof spec.ipv4VXLANTunnelAddr === 'string') n.vxlanTunnelAddr = ipAt(spec.ipv4VXLANTunnelAddr, file, `${where}spec.ipv4VXLANTunnelAddr`, 4);
    if (typeof spec.ipv6VXLANTunnelAddr === 'string') n.vxlanTunnelAddrV6 = ipAt(spec.ipv6VXLANTunnelAddr, file, `${where}spec.ipv6VXLANTunnelAddr`, 6);
    if (typeof spec.vxlanTunnelMACAddr === 'string') n.vtepMac = macAt(spec.vxlanTunnelMACAddr, file, `${where}spec.vxlanTunnelMACAddr`);
    if (typeof spec.vxlanTunnelMACAddrV6 === 'string') n.vtepMacV6 = macAt(spec.vxlanTunnelMACAddrV6, file, `${where}spec.vxlanTunnelMACAddrV6`);
    return;
  }
  if (kind === 'Node' && (apiVersion === 'v1' || apiVersion === '')) {
    // kubectl get nodes: Calico's annotations carry the registered prefix; else the InternalIP as /32.
    const n = builder.node(name, `${file} (Node ${name})`);
    const annotations = isObj(o.metadata) && isObj((o.metadata as Obj).annotations) ? ((o.metadata as Obj).annotations as Obj) : {};
    const annotation = (key: string) => (typeof annotations[key] === 'string' ? (annotations[key] as string) : undefined);
    const field = (key: string) => `${where}metadata.annotations["${key}"]`;
    const annotated = annotation('projectcalico.org/IPv4Address');
    if (annotated !== undefined) setAddress(builder, n, annotated, file, field('projectcalico.org/IPv4Address'), 4);
    else if (n.ipv4 === undefined) {
      const status = isObj(o.status) ? o.status : {};
      const internal = Array.isArray(status.addresses) ? status.addresses.find((a) => isObj(a) && a.type === 'InternalIP' && typeof a.address === 'string' && !a.address.includes(':')) : undefined;
      if (internal) setAddress(builder, n, String((internal as Obj).address), file, `${where}status.addresses[InternalIP]`, 4, true);
    }
    const annotated6 = annotation('projectcalico.org/IPv6Address');
    if (annotated6 !== undefined) setAddress(builder, n, annotated6, file, field('projectcalico.org/IPv6Address'), 6);
    const ipip = annotation('projectcalico.org/IPv4IPIPTunnelAddr');
    if (ipip !== undefined) n.ipipTunnelAddr = ipAt(ipip, file, field('projectcalico.org/IPv4IPIPTunnelAddr'), 4);
    const vxlan = annotation('projectcalico.org/IPv4VXLANTunnelAddr');
    if (vxlan !== undefined) n.vxlanTunnelAddr = ipAt(vxlan, file, field('projectcalico.org/IPv4VXLANTunnelAddr'), 4);
    const vxlan6 = annotation('projectcalico.org/IPv6VXLANTunnelAddr');
    if (vxlan6 !== undefined) n.vxlanTunnelAddrV6 = ipAt(vxlan6, file, field('projectcalico.org/IPv6VXLANTunnelAddr'), 6);
    // The VTEP MACs Felix writes (libcalico-go lib/backend/k8s/resources/node.go,
    // nodeBgpVXLANTunnelMACAddrAnnotation and ...V6): the same as calicoctl's vxlanTunnelMACAddr.
    const mac = annotation('projectcalico.org/VXLANTunnelMACAddr');
    if (mac !== undefined) n.vtepMac = macAt(mac, file, field('projectcalico.org/VXLANTunnelMACAddr'));
    const mac6 = annotation('projectcalico.org/VXLANTunnelMACAddrV6');
    if (mac6 !== undefined) n.vtepMacV6 = macAt(mac6, file, field('projectcalico.org/VXLANTunnelMACAddrV6'));
    return;
  }
  if (kind === 'IPAMBlock' && calico) {
    const cidrText = stringAt(o, ['spec', 'cidr'], file, where);
    const parsed = parseCidr(cidrText);
    if (!parsed) throw new ModelError(`${file}: ${where}spec.cidr "${cidrText}" of IPAMBlock ${name} is not a CIDR`);
    const affinity = typeof spec.affinity === 'string' ? spec.affinity : '';
    if (spec.deleted === true || spec.deleted === 'true') builder.notes.push(`${file}: IPAMBlock ${name} is being deleted: ignored`);
    else if (affinity.startsWith('host:')) builder.addBlock(affinity.slice(5), parsed.cidr, `${file} (IPAMBlock ${name})`);
    return;
  }
  if (kind === 'BlockAffinity' && calico) {
    const cidrText = stringAt(o, ['spec', 'cidr'], file, where);
    const node = stringAt(o, ['spec', 'node'], file, where);
    const parsed = parseCidr(cidrText);
    if (!parsed) throw new ModelError(`${file}: ${where}spec.cidr "${cidrText}" of BlockAffinity ${name} is not a CIDR`);
    // libcalico-go's BlockAffinitySpec: State confirmed/pending/pendingDeletion, Deleted "true"
    // while the IPAM garbage collector removes a stale affinity; only a live, confirmed one counts.
    const stale = spec.deleted === true || spec.deleted === 'true';
    const state = spec.state === undefined ? 'confirmed' : String(spec.state);
    if (!stale && state === 'confirmed') builder.addBlock(node, parsed.cidr, `${file} (BlockAffinity ${name})`);
    else builder.notes.push(`${file}: BlockAffinity ${name} (${formatCidr(parsed.cidr)} on ${node}) is ${stale ? 'marked deleted' : `in state ${state}`}: ignored`);
    return;
  }
  if (kind === 'FelixConfiguration' && calico) return addFelixConfiguration(builder, name, spec, file, where);
  if (kind === 'Installation' && apiVersion.startsWith('operator.tigera.io/')) return addInstallation(builder, name, spec, file, where);
  // A support bundle or a mixed export holds many other kinds: skipped, counted in one note.
  builder.skipKind(`${kind}${apiVersion ? ` ${apiVersion}` : ''}`, file);
}

/**
 * FelixConfiguration (felix/config/config_params.go names, lower camel case in the resource).
 * `default` applies to every node; `node.<name>` overrides one node, which this model cannot hold
 * per node yet: a note says so.
 */
function addFelixConfiguration(builder: ModelBuilder, name: string, spec: Obj, file: string, where: string): void {
  const source = `${file} (FelixConfiguration ${name})`;
  if (name !== 'default') {
    builder.notes.push(`${source}: a per-node FelixConfiguration is not applied (only "default" is)`);
    return;
  }
  const num = (key: string, min: number, max: number) => (spec[key] === undefined ? undefined : numberAt(spec[key], file, `${where}spec.${key}`, min, max));
  const bool = (key: string) => {
    if (spec[key] === undefined) return undefined;
    if (typeof spec[key] !== 'boolean') throw new ModelError(`${file}: ${where}spec.${key} ${JSON.stringify(spec[key])} is not true or false`);
    return spec[key] as boolean;
  };
  builder.setFelix({
    vxlanVni: num('vxlanVNI', 0, 0xffffff),
    vxlanPort: num('vxlanPort', 1, 65535),
    vxlanEnabled: bool('vxlanEnabled'),
    ipipEnabled: bool('ipipEnabled'),
    wireguardEnabled: bool('wireguardEnabled'),
    wireguardEnabledV6: bool('wireguardEnabledV6'),
    wireguardPort: num('wireguardListeningPort', 1, 65535),
    wireguardPortV6: num('wireguardListeningPortV6', 1, 65535),
    bpfEnabled: bool('bpfEnabled'),
  }, source);
}

/** The operator's encapsulation names (operator.tigera.io/v1 IPPool.Encapsulation) as pool modes. */
const INSTALLATION_ENCAPSULATION: Record<string, { ipipMode: EncapMode; vxlanMode: EncapMode }> = {
  IPIP: { ipipMode: 'Always', vxlanMode: 'Never' },
  IPIPCrossSubnet: { ipipMode: 'CrossSubnet', vxlanMode: 'Never' },
  VXLAN: { ipipMode: 'Never', vxlanMode: 'Always' },
  VXLANCrossSubnet: { ipipMode: 'Never', vxlanMode: 'CrossSubnet' },
  None: { ipipMode: 'Never', vxlanMode: 'Never' },
};

/**
 * The tigera operator's Installation: spec.calicoNetwork.ipPools become the IPPools the operator
 * creates (named default-ipv4-ippool / default-ipv6-ippool unless named), and linuxDataplane BPF
 * turns the eBPF dataplane on. Without `encapsulation` the operator picks IPIP for IPv4 (VXLAN when
 * BGP is disabled) and None for IPv6 (tigera/operator pkg/controller/installation defaults).
 */
function addInstallation(builder: ModelBuilder, name: string, spec: Obj, file: string, where: string): void {
  const source = `${file} (Installation ${name})`;
  const network = isObj(spec.calicoNetwork) ? spec.calicoNetwork : {};
  if (network.linuxDataplane === 'BPF') builder.setFelix({ bpfEnabled: true }, source);
  const pools = network.ipPools ?? [];
  if (!Array.isArray(pools)) throw new ModelError(`${file}: ${where}spec.calicoNetwork.ipPools is not a list`);
  const bgpOff = network.bgp === 'Disabled';
  pools.forEach((p, i) => {
    const at = `${where}spec.calicoNetwork.ipPools[${i}]`;
    if (!isObj(p)) throw new ModelError(`${file}: ${at} is not an object`);
    const cidrText = typeof p.cidr === 'string' ? p.cidr : '';
    const parsed = parseCidr(cidrText);
    if (!parsed) throw new ModelError(`${file}: ${at}.cidr "${cidrText}" is not a CIDR`);
    const v6 = familyOf(parsed.cidr.base) === 6;
    const encapText = typeof p.encapsulation === 'string' ? p.encapsulation : v6 ? 'None' : bgpOff ? 'VXLAN' : 'IPIP';
    const modes = INSTALLATION_ENCAPSULATION[encapText];
    if (!modes) throw new ModelError(`${file}: ${at}.encapsulation "${encapText}" is not IPIP, IPIPCrossSubnet, VXLAN, VXLANCrossSubnet or None`);
    builder.addPool({
      name: typeof p.name === 'string' ? p.name : v6 ? 'default-ipv6-ippool' : 'default-ipv4-ippool',
      cidr: parsed.cidr,
      blockSize: p.blockSize === undefined ? defaultBlockSize(parsed.cidr) : numberAt(p.blockSize, file, `${at}.blockSize`, parsed.cidr.prefix, v6 ? 128 : 32),
      ...modes,
      disabled: false,
      source,
    });
  });
}

const CLUSTER_KEYS = new Set(['apiVersion', 'kind', 'pools', 'nodes', 'vni', 'vxlanPort', 'felix']);
const POOL_KEYS = new Set(['name', 'cidr', 'blockSize', 'ipipMode', 'vxlanMode', 'disabled']);
const NODE_KEYS = new Set(['name', 'address', 'ipv6Address', 'blocks', 'tunnelAddress', 'ipipTunnelAddress', 'vxlanTunnelAddress', 'vxlanTunnelAddressV6', 'vxlanTunnelMAC', 'vxlanTunnelMACV6']);

function checkKeys(o: Obj, allowed: Set<string>, file: string, where: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.has(key)) throw new ModelError(`${file}: unknown field ${where}${key} (known: ${[...allowed].join(', ')})`);
  }
}

/** calico-pcap's own cluster file: the same content as the flags, and Felix's settings under `felix`. */
function addClusterFile(builder: ModelBuilder, o: Obj, file: string): void {
  checkKeys(o, CLUSTER_KEYS, file, '');
  if (o.vni !== undefined) builder.setFelix({ vxlanVni: numberAt(o.vni, file, 'vni', 0, 0xffffff) }, file);
  if (o.vxlanPort !== undefined) builder.setFelix({ vxlanPort: numberAt(o.vxlanPort, file, 'vxlanPort', 1, 65535) }, file);
  if (o.felix !== undefined) {
    if (!isObj(o.felix)) throw new ModelError(`${file}: felix is not an object (FelixConfiguration spec fields)`);
    addFelixConfiguration(builder, 'default', o.felix, file, 'felix.');
  }
  const pools = o.pools ?? [];
  if (!Array.isArray(pools)) throw new ModelError(`${file}: pools is not a list`);
  pools.forEach((p, i) => {
    const where = `pools[${i}].`;
    if (!isObj(p)) throw new ModelError(`${file}: ${where.slice(0, -1)} is not an object`);
    checkKeys(p, POOL_KEYS, file, where);
    const parsed = parseCidr(String(p.cidr ?? ''));
    if (!parsed) throw new ModelError(`${file}: ${where}cidr "${p.cidr ?? ''}" is not a CIDR`);
    const source = file;
    builder.addPool({
      name: typeof p.name === 'string' ? p.name : formatCidr(parsed.cidr), cidr: parsed.cidr, source,
      blockSize: p.blockSize === undefined ? defaultBlockSize(parsed.cidr) : numberAt(p.blockSize, file, `${where}blockSize`, parsed.cidr.prefix, familyOf(parsed.cidr.base) === 4 ? 32 : 128),
      ipipMode: mode(p.ipipMode === undefined ? undefined : String(p.ipipMode), `${where}ipipMode`, source),
      vxlanMode: mode(p.vxlanMode === undefined ? undefined : String(p.vxlanMode), `${where}vxlanMode`, source),
      disabled: p.disabled === true,
    });
  });
  const nodes = o.nodes ?? [];
  if (!Array.isArray(nodes)) throw new ModelError(`${file}: nodes is not a list`);
  nodes.forEach((n, i) => {
    const where = `nodes[${i}].`;
    if (!isObj(n)) throw new ModelError(`${file}: ${where.slice(0, -1)} is not an object`);
    checkKeys(n, NODE_KEYS, file, where);
    if (typeof n.name !== 'string') throw new ModelError(`${file}: ${where}name is missing`);
    const draft = builder.node(n.name, file);
    if (typeof n.address !== 'string' && typeof n.ipv6Address !== 'string') throw new ModelError(`${file}: ${where}address is missing (IP/PREFIX as Calico registered it)`);
    if (typeof n.address === 'string') setAddress(builder, draft, n.address, file, `${where}address`);
    if (typeof n.ipv6Address === 'string') setAddress(builder, draft, n.ipv6Address, file, `${where}ipv6Address`, 6);
    const blocks = n.blocks ?? [];
    if (!Array.isArray(blocks)) throw new ModelError(`${file}: ${where}blocks is not a list`);
    blocks.forEach((b, j) => {
      const parsed = parseCidr(String(b));
      if (!parsed) throw new ModelError(`${file}: ${where}blocks[${j}] "${b}" is not a CIDR`);
      builder.addBlock(n.name as string, parsed.cidr, file);
    });
    if (n.tunnelAddress !== undefined) draft.ipipTunnelAddr = draft.vxlanTunnelAddr = ipAt(String(n.tunnelAddress), file, `${where}tunnelAddress`, 4);
    if (n.ipipTunnelAddress !== undefined) draft.ipipTunnelAddr = ipAt(String(n.ipipTunnelAddress), file, `${where}ipipTunnelAddress`, 4);
    if (n.vxlanTunnelAddress !== undefined) draft.vxlanTunnelAddr = ipAt(String(n.vxlanTunnelAddress), file, `${where}vxlanTunnelAddress`, 4);
    if (n.vxlanTunnelAddressV6 !== undefined) draft.vxlanTunnelAddrV6 = ipAt(String(n.vxlanTunnelAddressV6), file, `${where}vxlanTunnelAddressV6`, 6);
    if (n.vxlanTunnelMAC !== undefined) draft.vtepMac = macAt(String(n.vxlanTunnelMAC), file, `${where}vxlanTunnelMAC`);
    if (n.vxlanTunnelMACV6 !== undefined) draft.vtepMacV6 = macAt(String(n.vxlanTunnelMACV6), file, `${where}vxlanTunnelMACV6`);
  });
}

/** A node address "IP/PREFIX" (or a bare IP: a host route, warned about when CrossSubnet is in play). */
function setAddress(builder: ModelBuilder, n: NodeDraft, text: string, file: string, field: string, family?: Family, isInternalIp = false): void {
  const parsed = parseCidr(text, true);
  if (!parsed || (family !== undefined && familyOf(parsed.address) !== family)) {
    throw new ModelError(`${file}: ${field} "${text}" is not an ${family === 6 ? 'IPv6' : family === 4 ? 'IPv4' : 'IP'} address or IP/PREFIX`);
  }
  builder.setAddress(n, parsed.address, parsed.cidr.prefix, `${file} ${field}`, isInternalIp, !text.includes('/'));
}

function ipAt(text: string, file: string, field: string, family: Family): Address {
  const ip = parseAddress(text.split('/')[0]);
  if (ip === null || familyOf(ip) !== family) throw new ModelError(`${file}: ${field} "${text}" is not an IPv${family} address`);
  return ip;
}

function macAt(text: string, file: string, field: string): string {
  const mac = text.trim().toLowerCase().replace(/-/g, ':');
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) throw new ModelError(`${file}: ${field} "${text}" is not a MAC address`);
  return mac;
}

function numberAt(v: unknown, file: string, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ModelError(`${file}: ${field} ${JSON.stringify(v)} is not a whole number from ${min} to ${max}`);
  return v;
}

function stringAt(o: Obj, path: string[], file: string, where: string): string {
  let v: unknown = o;
  for (const k of path) v = isObj(v) ? v[k] : undefined;
  if (typeof v !== 'string') throw new ModelError(`${file}: ${where}${path.join('.')} is missing`);
  return v;
}
