// Building the cluster model from what users have: command-line flags, a cluster file (YAML or
// JSON), and the real objects exported from a cluster (`kubectl get nodes -o yaml`,
// `calicoctl get ippools -o yaml`, `calicoctl get nodes -o yaml`, IPAM blocks and block
// affinities). Anything not understood is a ModelError naming the file and the field.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BLOCK_SIZE, DEFAULT_VNI, DEFAULT_VXLAN_PORT, parseMode, type ClusterModel, type ClusterNode, type EncapMode, type Pool } from './cluster.js';
import { contains, formatCidr, formatIpv4, parseCidr, parseIpv4, type Cidr } from './ipv4.js';
import { MAX_MODEL_FILE_BYTES, parseBounded, readBounded } from './read-bounded.js';

import { ModelError } from './model-error.js';

interface NodeDraft {
  name: string;
  ip?: number;
  prefix?: number;
  blocks: Cidr[];
  ipipTunnelAddr?: number;
  vxlanTunnelAddr?: number;
  vtepMac?: string;
  source: string;
  /** Where the address came from, for the warning when another source gives a different one. */
  addressSource?: string;
  /** The address is only the InternalIP: a Calico address replaces it without a warning. */
  addressIsInternalIp?: boolean;
}

/** Collects pools and node facts from any number of sources, then checks and freezes them. */
export class ModelBuilder {
  private readonly pools: Pool[] = [];
  private readonly nodes = new Map<string, NodeDraft>();
  /** Contradictions between sources that were resolved (the later wins): one line each. */
  readonly warnings: string[] = [];
  vni: number | undefined;
  vxlanPort: number | undefined;
  /** --vxlan/--ipip given without --pool: they override the modes of pools from files. */
  modeOverride: { vxlanMode?: EncapMode; ipipMode?: EncapMode } = {};

  node(name: string, source: string): NodeDraft {
    let n = this.nodes.get(name);
    if (!n) {
      n = { name, blocks: [], source };
      this.nodes.set(name, n);
    }
    return n;
  }

  addPool(pool: Pool): void {
    if (pool.ipipMode !== 'Never' && pool.vxlanMode !== 'Never') {
      throw new ModelError(`${pool.source}: pool ${pool.name} sets both ipipMode ${pool.ipipMode} and vxlanMode ${pool.vxlanMode}; Calico allows only one`);
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

  /** Sets a node's address; a different address from an earlier source is replaced, with a warning. */
  setAddress(n: NodeDraft, ip: number, prefix: number, source: string, isInternalIp = false): void {
    if (n.ip !== undefined && !n.addressIsInternalIp && (n.ip !== ip || n.prefix !== prefix)) {
      this.warnings.push(`node ${n.name} is defined twice with different addresses: ${formatIpv4(n.ip)}/${n.prefix} (${n.addressSource}) and ${formatIpv4(ip)}/${prefix} (${source}); the later is used`);
    }
    n.ip = ip;
    n.prefix = prefix;
    n.addressSource = source;
    n.addressIsInternalIp = isInternalIp;
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
    const nodes: ClusterNode[] = [];
    const byIp = new Map<number, NodeDraft>();
    for (const n of this.nodes.values()) {
      if (n.ip === undefined) {
        throw new ModelError(`${n.source}: node ${n.name} has blocks or tunnel addresses but no node address (give --node ${n.name}=IP/PREFIX or its Node object)`);
      }
      const other = byIp.get(n.ip);
      if (other) this.warnings.push(`nodes ${other.name} (${other.addressSource}) and ${n.name} (${n.addressSource}) have the same address ${formatIpv4(n.ip)}: its packets are attributed to ${other.name}`);
      else byIp.set(n.ip, n);
      nodes.push({
        name: n.name, ip: n.ip, prefix: n.prefix ?? 32, blocks: n.blocks,
        ipipTunnelAddr: n.ipipTunnelAddr ?? null, vxlanTunnelAddr: n.vxlanTunnelAddr ?? null, vtepMac: n.vtepMac ?? null, source: n.source,
      });
    }
    return { pools: this.pools, nodes, vni: this.vni ?? DEFAULT_VNI, vxlanPort: this.vxlanPort ?? DEFAULT_VXLAN_PORT, learnedBlocks: [], warnings: this.warnings };
  }

  /** Calico refuses overlapping pools; with different modes the verdict would depend on which one is meant. */
  private warnOverlappingPools(): void {
    this.pools.forEach((a, i) => {
      for (const b of this.pools.slice(i + 1)) {
        const overlap = contains(a.cidr, b.cidr.base) || contains(b.cidr, a.cidr.base);
        if (overlap && (a.ipipMode !== b.ipipMode || a.vxlanMode !== b.vxlanMode)) {
          this.warnings.push(`pools ${a.name} (${a.source}) and ${b.name} (${b.source}) overlap with different modes: ${describePool(a)} and ${describePool(b)}; the longer prefix decides`);
        }
      }
    });
  }
}

function describePool(p: Pool, withName = true): string {
  return `${withName ? `${p.name} ` : ''}${formatCidr(p.cidr)} /${p.blockSize} ipipMode=${p.ipipMode} vxlanMode=${p.vxlanMode}`;
}

/** Everything a command line gives for the model: files first, then flags (which override). */
export function buildModel(files: string[], flags: ModelFlags): ClusterModel {
  const builder = new ModelBuilder();
  for (const file of files) addFile(builder, file);
  addFlags(builder, flags);
  const model = builder.build();
  if (model.pools.length === 0) throw new ModelError('verify needs the IP pools: --pool CIDR, or --cluster FILE with pools or IPPool objects');
  if (model.nodes.length === 0) throw new ModelError('verify needs the nodes: --node NAME=IP/PREFIX, or --cluster FILE with nodes or Node objects');
  return model;
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
  vxlanPort?: number;
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
    if (!parsed) throw new ModelError(`flags: --pool "${text}" is not an IPv4 CIDR`);
    builder.addPool({ name: formatCidr(parsed.cidr), cidr: parsed.cidr, blockSize: f.blockSize ?? DEFAULT_BLOCK_SIZE, ipipMode, vxlanMode, source });
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
    builder.setAddress(builder.node(name, source), parsed.address, parsed.cidr.prefix, `--node ${text}`);
  }
  for (const text of f.block) {
    const [name, value] = nameValue(text, '--block');
    const parsed = parseCidr(value);
    if (!parsed) throw new ModelError(`flags: --block ${name}="${value}" is not a CIDR`);
    builder.addBlock(name, parsed.cidr, source);
  }
  for (const text of f.tunnelAddr) {
    const [name, value] = nameValue(text, '--tunnel-addr');
    const ip = parseIpv4(value);
    if (ip === null) throw new ModelError(`flags: --tunnel-addr ${name}="${value}" is not an IPv4 address`);
    const n = builder.node(name, source);
    n.ipipTunnelAddr = ip;
    n.vxlanTunnelAddr = ip;
  }
  for (const text of f.vtepMac ?? []) {
    const [name, value] = nameValue(text, '--vtep-mac');
    builder.node(name, source).vtepMac = macAt(value, 'flags', `--vtep-mac ${name}`);
  }
  if (f.vni !== undefined) builder.vni = f.vni;
  if (f.vxlanPort !== undefined) builder.vxlanPort = f.vxlanPort;
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
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // reported below as a missing file
  }
  if (isDirectory) {
    const files = readdirSync(path).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    if (files.length === 0) throw new ModelError(`${path}: a directory with no .yaml, .yml or .json file`);
    for (const f of files) addFile(builder, join(path, f));
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
    if (!parsed) {
      if (cidrText.includes(':')) return; // IPv6 pools: not verified yet
      throw new ModelError(`${file}: ${where}spec.cidr "${cidrText}" of IPPool ${name} is not a CIDR`);
    }
    if (spec.disabled === true) return;
    const source = `${file} (IPPool ${name})`;
    builder.addPool({
      name, cidr: parsed.cidr, source,
      blockSize: typeof spec.blockSize === 'number' ? spec.blockSize : DEFAULT_BLOCK_SIZE,
      ipipMode: mode(spec.ipipMode === undefined ? undefined : String(spec.ipipMode), 'spec.ipipMode', source),
      vxlanMode: mode(spec.vxlanMode === undefined ? undefined : String(spec.vxlanMode), 'spec.vxlanMode', source),
    });
    return;
  }
  if (kind === 'Node' && calico) {
    // calicoctl get nodes: spec.bgp.ipv4Address "10.0.1.204/24" and the tunnel addresses.
    const n = builder.node(name, `${file} (Node ${name})`);
    const bgp = isObj(spec.bgp) ? spec.bgp : {};
    if (typeof bgp.ipv4Address === 'string') setAddress(builder, n, bgp.ipv4Address, file, `${where}spec.bgp.ipv4Address`);
    if (typeof bgp.ipv4IPIPTunnelAddr === 'string') n.ipipTunnelAddr = ipAt(bgp.ipv4IPIPTunnelAddr, file, `${where}spec.bgp.ipv4IPIPTunnelAddr`);
    if (typeof spec.ipv4VXLANTunnelAddr === 'string') n.vxlanTunnelAddr = ipAt(spec.ipv4VXLANTunnelAddr, file, `${where}spec.ipv4VXLANTunnelAddr`);
    if (typeof spec.vxlanTunnelMACAddr === 'string') n.vtepMac = macAt(spec.vxlanTunnelMACAddr, file, `${where}spec.vxlanTunnelMACAddr`);
    return;
  }
  if (kind === 'Node' && (apiVersion === 'v1' || apiVersion === '')) {
    // kubectl get nodes: Calico's annotations carry the registered prefix; else the InternalIP as /32.
    const n = builder.node(name, `${file} (Node ${name})`);
    const annotations = isObj(o.metadata) && isObj((o.metadata as Obj).annotations) ? ((o.metadata as Obj).annotations as Obj) : {};
    const annotated = annotations['projectcalico.org/IPv4Address'];
    if (typeof annotated === 'string') setAddress(builder, n, annotated, file, `${where}metadata.annotations["projectcalico.org/IPv4Address"]`);
    else if (n.ip === undefined) {
      const status = isObj(o.status) ? o.status : {};
      const internal = Array.isArray(status.addresses) ? status.addresses.find((a) => isObj(a) && a.type === 'InternalIP' && typeof a.address === 'string' && !a.address.includes(':')) : undefined;
      if (internal) setAddress(builder, n, String((internal as Obj).address), file, `${where}status.addresses[InternalIP]`, true);
    }
    const ipip = annotations['projectcalico.org/IPv4IPIPTunnelAddr'];
    if (typeof ipip === 'string') n.ipipTunnelAddr = ipAt(ipip, file, `${where}metadata.annotations["projectcalico.org/IPv4IPIPTunnelAddr"]`);
    const vxlan = annotations['projectcalico.org/IPv4VXLANTunnelAddr'];
    if (typeof vxlan === 'string') n.vxlanTunnelAddr = ipAt(vxlan, file, `${where}metadata.annotations["projectcalico.org/IPv4VXLANTunnelAddr"]`);
    return;
  }
  if (kind === 'IPAMBlock' && calico) {
    const cidrText = stringAt(o, ['spec', 'cidr'], file, where);
    const parsed = parseCidr(cidrText);
    if (!parsed) return; // IPv6 block
    const affinity = typeof spec.affinity === 'string' ? spec.affinity : '';
    if (affinity.startsWith('host:')) builder.addBlock(affinity.slice(5), parsed.cidr, `${file} (IPAMBlock ${name})`);
    return;
  }
  if (kind === 'BlockAffinity' && calico) {
    const cidrText = stringAt(o, ['spec', 'cidr'], file, where);
    const node = stringAt(o, ['spec', 'node'], file, where);
    const parsed = parseCidr(cidrText);
    if (!parsed) return;
    if (spec.state === undefined || spec.state === 'confirmed') builder.addBlock(node, parsed.cidr, `${file} (BlockAffinity ${name})`);
    return;
  }
  throw new ModelError(`${file}: ${where}kind ${kind} (apiVersion ${apiVersion || 'none'}) is not one calico-pcap reads: use Node, IPPool, IPAMBlock, BlockAffinity, or a cluster file`);
}

const CLUSTER_KEYS = new Set(['apiVersion', 'kind', 'pools', 'nodes', 'vni', 'vxlanPort']);
const POOL_KEYS = new Set(['name', 'cidr', 'blockSize', 'ipipMode', 'vxlanMode']);
const NODE_KEYS = new Set(['name', 'address', 'blocks', 'tunnelAddress', 'ipipTunnelAddress', 'vxlanTunnelAddress', 'vxlanTunnelMAC']);

function checkKeys(o: Obj, allowed: Set<string>, file: string, where: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.has(key)) throw new ModelError(`${file}: unknown field ${where}${key} (known: ${[...allowed].join(', ')})`);
  }
}

/** calico-pcap's own cluster file: the same content as the flags. */
function addClusterFile(builder: ModelBuilder, o: Obj, file: string): void {
  checkKeys(o, CLUSTER_KEYS, file, '');
  if (o.vni !== undefined) builder.vni = numberAt(o.vni, file, 'vni', 0, 0xffffff);
  if (o.vxlanPort !== undefined) builder.vxlanPort = numberAt(o.vxlanPort, file, 'vxlanPort', 1, 65535);
  const pools = o.pools ?? [];
  if (!Array.isArray(pools)) throw new ModelError(`${file}: pools is not a list`);
  pools.forEach((p, i) => {
    const where = `pools[${i}].`;
    if (!isObj(p)) throw new ModelError(`${file}: ${where.slice(0, -1)} is not an object`);
    checkKeys(p, POOL_KEYS, file, where);
    const parsed = parseCidr(String(p.cidr ?? ''));
    if (!parsed) throw new ModelError(`${file}: ${where}cidr "${p.cidr ?? ''}" is not an IPv4 CIDR`);
    const source = file;
    builder.addPool({
      name: typeof p.name === 'string' ? p.name : formatCidr(parsed.cidr), cidr: parsed.cidr, source,
      blockSize: p.blockSize === undefined ? DEFAULT_BLOCK_SIZE : numberAt(p.blockSize, file, `${where}blockSize`, parsed.cidr.prefix, 32),
      ipipMode: mode(p.ipipMode === undefined ? undefined : String(p.ipipMode), `${where}ipipMode`, source),
      vxlanMode: mode(p.vxlanMode === undefined ? undefined : String(p.vxlanMode), `${where}vxlanMode`, source),
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
    if (typeof n.address !== 'string') throw new ModelError(`${file}: ${where}address is missing (IP/PREFIX as Calico registered it)`);
    setAddress(builder, draft, n.address, file, `${where}address`);
    const blocks = n.blocks ?? [];
    if (!Array.isArray(blocks)) throw new ModelError(`${file}: ${where}blocks is not a list`);
    blocks.forEach((b, j) => {
      const parsed = parseCidr(String(b));
      if (!parsed) throw new ModelError(`${file}: ${where}blocks[${j}] "${b}" is not a CIDR`);
      builder.addBlock(n.name as string, parsed.cidr, file);
    });
    if (n.tunnelAddress !== undefined) draft.ipipTunnelAddr = draft.vxlanTunnelAddr = ipAt(String(n.tunnelAddress), file, `${where}tunnelAddress`);
    if (n.ipipTunnelAddress !== undefined) draft.ipipTunnelAddr = ipAt(String(n.ipipTunnelAddress), file, `${where}ipipTunnelAddress`);
    if (n.vxlanTunnelAddress !== undefined) draft.vxlanTunnelAddr = ipAt(String(n.vxlanTunnelAddress), file, `${where}vxlanTunnelAddress`);
    if (n.vxlanTunnelMAC !== undefined) draft.vtepMac = macAt(String(n.vxlanTunnelMAC), file, `${where}vxlanTunnelMAC`);
  });
}

function setAddress(builder: ModelBuilder, n: NodeDraft, text: string, file: string, field: string, isInternalIp = false): void {
  const parsed = parseCidr(text, true);
  if (!parsed) throw new ModelError(`${file}: ${field} "${text}" is not an IPv4 address or IP/PREFIX`);
  builder.setAddress(n, parsed.address, parsed.cidr.prefix, `${file} ${field}`, isInternalIp);
}

function ipAt(text: string, file: string, field: string): number {
  const ip = parseIpv4(text.split('/')[0]);
  if (ip === null) throw new ModelError(`${file}: ${field} "${text}" is not an IPv4 address`);
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
