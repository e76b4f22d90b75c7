// The fields a -Y/--where expression can name (docs/filter.md), and how each one reads a decoded
// packet. Values are checked and turned into numbers once, when the expression is compiled; the
// tests built here read the packet's typed arrays and bytes directly: addresses are compared as
// 32-bit words under a precomputed mask, names (encap, proto, issue, dir) as their numeric ids.
import type { DecodedPacket } from '../decode/packet.js';
import { IPPROTO_NAMES, outermostTunnel, TUNNEL_NAMES } from '../decode/layers.js';
import { packetDirection } from '../analysis/capture-points.js';
import { ISSUES } from '../issues.js';
import { familyOf, hostPrefix, ipv6, parseCidr, type Address, type Cidr } from '../net/address.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { PodIndex } from '../model/pods.js';
import { FilterError, type FieldRef, type ValueRef } from './parse.js';

/**
 * A test on one packet: its decoded form, the index of its capture interface and the direction
 * the capture recorded (RecordInfo.direction, 0 when none).
 */
export type PacketTest = (p: DecodedPacket, interfaceIndex: number, recordedDirection: number) => boolean;

/** What a capture tells the tests beyond the packet: the name of each capture interface. */
export interface CaptureEnv {
  interfaceName(index: number): string | null;
}

/** What the expression may refer to besides the packet. */
export interface FilterContext {
  /** The cluster model (src.node, dst.node), or null when the command was given none. */
  model: ClusterModel | null;
  /** Why there is no model, for the error: e.g. "analyze reads no cluster model: use verify with --cluster". */
  noModelHint?: string;
  /** Pod names (--pods: src.pod, dst.pod), or null when none were given. */
  pods?: PodIndex | null;
}

/** A test to build once per capture (an interface name means something only in its capture). */
export type TestBuilder = (env: CaptureEnv) => PacketTest;

export interface FieldDefinition {
  name: string;
  /** What it means, for docs/filter.md and the unknown-field error. */
  meaning: string;
  /** The test `field == any of values` (values already checked); also serves `in`. */
  equals(values: ValueRef[], field: FieldRef, expression: string, context: FilterContext): TestBuilder;
  /** The test `the packet has this field` (a bare field; also the first half of `!=`). */
  present(field: FieldRef, expression: string, context: FilterContext): TestBuilder;
}


function bad(expression: string, at: { offset: number }, message: string, detail?: string): FilterError {
  return new FilterError(message, expression, at.offset + 1, detail);
}

// ---- addresses ---------------------------------------------------------------------------

/** Which IP header: the outermost, or the innermost that is not a tunnel carrier (as flows.ts). */
type Header = 'outer' | 'inner';
/** Source (0), destination (1), or either end (2). */
type End = 0 | 1 | 2;

const outerIndex = (p: DecodedPacket): number => (p.ipCount > 0 ? 0 : -1);
const innerIndex = (p: DecodedPacket): number => p.innerIp;

/** Byte offset of an address within its IP header: RFC 791 (source at 12) and RFC 8200 (at 8). */
function addressOffset(family: number, end: 0 | 1): number {
  return family === 4 ? 12 + 4 * end : 8 + 16 * end;
}

/**
 * A set of CIDRs as words and masks (4 per entry; IPv4 uses the first), signed as DataView's
 * getInt32 reads them, so that a match is `(word & mask) === base` with no conversion.
 */
export interface AddressSet {
  family: Uint8Array;
  base: Int32Array;
  mask: Int32Array;
}

function addressSet(cidrs: readonly Cidr[]): AddressSet {
  const n = cidrs.length;
  const set: AddressSet = { family: new Uint8Array(n), base: new Int32Array(4 * n), mask: new Int32Array(4 * n) };
  cidrs.forEach((c, k) => {
    const family = familyOf(c.base);
    set.family[k] = family;
    const width = family === 4 ? 32 : 128;
    const value = family === 4 ? c.base : c.base & ((1n << 128n) - 1n);
    for (let w = 0; w < width / 32; w++) {
      const shift = BigInt(width - 32 * (w + 1));
      const bitsHere = Math.max(0, Math.min(32, c.prefix - 32 * w));
      const mask = bitsHere === 0 ? 0 : (0xffffffff << (32 - bitsHere)) | 0;
      set.mask[4 * k + w] = mask;
      set.base[4 * k + w] = Number((value >> shift) & 0xffffffffn) & mask;
    }
  });
  return set;
}

/** The test "the address at byte `o` of a header of `family` is in the set". */
function addressMatcher(set: AddressSet): (view: DataView, o: number, family: number) => boolean {
  const { family: fam, base, mask } = set;
  // One IPv4 CIDR (the usual filter): its base and mask as constants of the closure.
  if (fam.length === 1 && fam[0] === 4) {
    const b = base[0];
    const m = mask[0];
    return (view, o, family) => family === 4 && (view.getInt32(o, false) & m) === b;
  }
  const n = fam.length;
  return (view, o, family) => {
    for (let k = 0; k < n; k++) {
      if (fam[k] !== family) continue;
      const at = 4 * k;
      if ((view.getInt32(o, false) & mask[at]) !== base[at]) continue;
      if (family === 4) return true;
      if ((view.getInt32(o + 4, false) & mask[at + 1]) === base[at + 1]
        && (view.getInt32(o + 8, false) & mask[at + 2]) === base[at + 2]
        && (view.getInt32(o + 12, false) & mask[at + 3]) === base[at + 3]) return true;
    }
    return false;
  };
}

/** The test "the source / destination / either address of the header is in the set". */
function addressTest(header: Header, end: End, set: AddressSet): PacketTest {
  const match = addressMatcher(set);
  // Chosen here, once: the per-packet test has no branch on which header or which end.
  const index = header === 'outer' ? outerIndex : innerIndex;
  if (end === 2) {
    return (p) => {
      const i = index(p);
      if (i < 0) return false;
      const family = p.ipFamily[i];
      const o = p.ipOffset[i];
      return family === 4 ? match(p.view, o + 12, 4) || match(p.view, o + 16, 4) : match(p.view, o + 8, family) || match(p.view, o + 24, family);
    };
  }
  const at4 = addressOffset(4, end);
  const at6 = addressOffset(6, end);
  return (p) => {
    const i = index(p);
    if (i < 0) return false;
    const family = p.ipFamily[i];
    return match(p.view, p.ipOffset[i] + (family === 4 ? at4 : at6), family);
  };
}

function parseAddressValue(expression: string, v: ValueRef): Cidr {
  const parsed = parseCidr(v.text, true);
  if (parsed === null) throw bad(expression, v, `"${v.text}" is not an IP address or CIDR`, 'e.g. 10.200.2.10, 10.200.0.0/16, fd00:10:200::/64');
  return parsed.cidr;
}

function addressField(name: string, header: Header, end: End, meaning: string): FieldDefinition {
  return {
    name,
    meaning,
    equals(values, _field, expression) {
      const set = addressSet(values.map((v) => parseAddressValue(expression, v)));
      return () => addressTest(header, end, set);
    },
    present: () => () => (header === 'outer' ? (p) => p.ipCount > 0 : (p) => p.innerIp >= 0),
  };
}

// ---- numbers and names -------------------------------------------------------------------

/** A field with one or two numeric values per packet (-1 where absent): ports, VNI, names as ids. */
function numberField(
  name: string,
  meaning: string,
  read: (p: DecodedPacket, recordedDirection: number) => number,
  parse: (text: string) => number | null,
  expected: string,
  readOther?: (p: DecodedPacket) => number,
): FieldDefinition {
  return {
    name,
    meaning,
    equals(values, _field, expression) {
      const wanted = values.map((v) => {
        const n = parse(v.text);
        if (n === null) throw bad(expression, v, `"${v.text}" is not a value of ${name}`, `${name} takes ${expected}`);
        return n;
      });
      const one = wanted[0];
      if (readOther) {
        const other = readOther;
        if (wanted.length === 1) return () => (p, _i, d) => read(p, d) === one || other(p) === one;
        return () => (p, _i, d) => wanted.includes(read(p, d)) || wanted.includes(other(p));
      }
      if (wanted.length === 1) return () => (p, _i, d) => read(p, d) === one;
      return () => (p, _i, d) => wanted.includes(read(p, d));
    },
    present: () => () => (p, _i, d) => read(p, d) >= 0,
  };
}

function integer(max: number): (text: string) => number | null {
  return (text) => {
    if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(text)) return null;
    const n = Number(text);
    return n <= max ? n : null;
  };
}

const PROTOCOL_BY_NAME = new Map<string, number>(Object.entries(IPPROTO_NAMES).map(([n, name]) => [name, Number(n)]));
const TUNNEL_BY_NAME = new Map<string, number>(TUNNEL_NAMES.map((name, type) => [name, type]));
const DIRECTION_BY_NAME = new Map<string, number>([['in', 1], ['out', 2]]);
const ISSUE_BY_CODE = new Map<string, number>(ISSUES.map((d, i) => [d.code, i]));

/** The VNI (VXLAN, GENEVE) or GRE key of the outermost tunnel that has one, as the flow key takes it (flows.ts). */
function packetVni(p: DecodedPacket): number {
  for (let i = 0; i < p.tunnelCount; i++) if (p.tunnelVni[i] >= 0) return p.tunnelVni[i];
  return -1;
}

function packetProtocol(p: DecodedPacket): number {
  return p.innerIp < 0 ? -1 : p.ipProto[p.innerIp];
}

// ---- issues, interfaces ------------------------------------------------------------------

const issueField: FieldDefinition = {
  name: 'issue',
  meaning: 'an issue code the decoder raised for the packet (ipv4.bad_checksum, captured.snaplen_cut, ...; docs/issues)',
  equals(values, _field, expression) {
    const ids = values.map((v) => {
      const id = ISSUE_BY_CODE.get(v.text);
      if (id === undefined) throw bad(expression, v, `"${v.text}" is not an issue code`, 'e.g. ipv4.bad_checksum, udp.bad_checksum, captured.snaplen_cut; the README lists them');
      return id;
    });
    return () => (p) => {
      for (let i = 0; i < p.issueCount; i++) if (ids.includes(p.issueId[i])) return true;
      return false;
    };
  },
  present: () => () => (p) => p.issueCount > 0,
};

/**
 * The capture interface's name (pcapng IDB if_name, the live -i name). Names are compared once
 * per interface of the capture, then remembered by interface index.
 */
const ifaceField: FieldDefinition = {
  name: 'iface',
  meaning: 'the capture interface name (pcapng if_name, live -i); "any" for tcpdump -i any; absent in pcap files',
  equals(values) {
    const names = values.map((v) => v.text);
    return (env) => {
      const known: number[] = [];
      return (_p, index) => {
        let k = known[index];
        if (k === undefined) {
          const name = env.interfaceName(index);
          k = known[index] = name !== null && names.includes(name) ? 1 : 0;
        }
        return k === 1;
      };
    };
  },
  present: () => (env) => (_p, index) => env.interfaceName(index) !== null,
};

// ---- nodes of the cluster model ----------------------------------------------------------

function hostCidr(a: Address): Cidr {
  return { base: a, prefix: hostPrefix(familyOf(a)) };
}

/** A node's own addresses: node IPs and tunnel addresses (the outer source of what it sends). */
function nodeAddresses(n: ClusterNode): Cidr[] {
  const out: Cidr[] = [];
  for (const a of [n.ipv4?.address, n.ipv6?.address, n.ipipTunnelAddr, n.vxlanTunnelAddr, n.vxlanTunnelAddrV6]) {
    if (a !== undefined && a !== null) out.push(hostCidr(a));
  }
  return out;
}

/**
 * src.node / dst.node: a tunnelled packet belongs to the node whose node (or tunnel) address is
 * its outer source / destination; a plain packet to the node whose pod block (given in the model)
 * holds its address, or whose own address it is.
 */
function nodeField(name: string, end: 0 | 1): FieldDefinition {
  const needModel = (field: FieldRef, expression: string, context: FilterContext): ClusterModel => {
    if (context.model !== null) return context.model;
    throw bad(expression, field, `${name} needs a cluster model`, context.noModelHint ?? 'give --cluster FILE or --node NAME=IP/PREFIX');
  };
  const build = (nodes: ClusterNode[]): TestBuilder => {
    const outerSet = addressSet(nodes.flatMap(nodeAddresses));
    const plainSet = addressSet([...nodes.flatMap((n) => n.blocks), ...nodes.flatMap(nodeAddresses)]);
    return () => {
      const tunnelled = addressTest('outer', end, outerSet);
      const plain = addressTest('inner', end, plainSet);
      return (p, i, d) => (p.tunnelCount > 0 ? tunnelled(p, i, d) : plain(p, i, d));
    };
  };
  return {
    name,
    meaning: end === 0
      ? 'the node the packet comes from: outer source of a tunnelled packet is its node or tunnel address; for a plain packet, its pod block holds the source (or it is the node\'s own address)'
      : 'the node the packet goes to, as src.node with the destination',
    equals(values, field, expression, context) {
      const model = needModel(field, expression, context);
      const nodes = values.map((v) => {
        const n = model.nodes.find((x) => x.name === v.text);
        if (!n) throw bad(expression, v, `no node "${v.text}" in the cluster model`, `nodes: ${model.nodes.map((x) => x.name).join(', ') || 'none'}`);
        return n;
      });
      return build(nodes);
    },
    present(field, expression, context) {
      return build(needModel(field, expression, context).nodes);
    },
  };
}

// ---- pods (--pods) -----------------------------------------------------------------------

/**
 * src.pod / dst.pod: the pod (namespace/name, or a name unique in the --pods files) whose IP is
 * the inner source / destination. Its addresses are looked up once; the test is an address test.
 */
function podField(name: string, end: 0 | 1): FieldDefinition {
  const needPods = (field: FieldRef, expression: string, context: FilterContext): PodIndex => {
    if (context.pods) return context.pods;
    throw bad(expression, field, `${name} needs pod names`, 'give --pods FILE: kubectl get pods -A -o yaml saved to a file');
  };
  return {
    name,
    meaning: `the pod whose IP is the inner ${end === 0 ? 'source' : 'destination'} (--pods): namespace/name, or a name unique in the files`,
    equals(values, field, expression, context) {
      const pods = needPods(field, expression, context);
      const cidrs = values.flatMap((v) => {
        const candidates = pods.candidates(v.text);
        if (candidates.length === 0) throw bad(expression, v, `no pod "${v.text}" in the --pods files`, 'write namespace/name, or a name that is unique');
        if (candidates.length > 1) throw bad(expression, v, `"${v.text}" names several pods`, `write one of ${candidates.join(', ')}`);
        return pods.addressesOf(candidates[0]).map(hostCidr);
      });
      const set = addressSet(cidrs);
      return () => addressTest('inner', end, set);
    },
    present(field, expression, context) {
      const pods = needPods(field, expression, context);
      return () => (p) => {
        const i = p.innerIp;
        if (i < 0) return false;
        const o = p.ipOffset[i] + addressOffset(p.ipFamily[i], end);
        const v = p.view;
        // IPv4 by its 32-bit value (no bigint per packet); IPv6 pods are rarer: one bigint each.
        if (p.ipFamily[i] === 4) return pods.labelOfIpv4(v.getUint32(o, false)) !== null;
        return pods.labelOf(ipv6(v.getUint32(o, false), v.getUint32(o + 4, false), v.getUint32(o + 8, false), v.getUint32(o + 12, false))) !== null;
      };
    },
  };
}

// ---- the table ---------------------------------------------------------------------------

export const FIELDS: readonly FieldDefinition[] = [
  numberField('encap', 'the outermost tunnel as the flow table classifies the packet: plain, vxlan, ipip, 6in4, 4in6, 6in6, geneve, gre, wireguard, vxlan-gpe',
    (p) => outermostTunnel(p.encapChain), (t) => TUNNEL_BY_NAME.get(t) ?? null, `a tunnel type (${TUNNEL_NAMES.join(', ')})`),
  numberField('vni', 'VNI of the outermost tunnel that has one (VXLAN, GENEVE; a GRE key)', packetVni, integer(0xffffffff), 'a number'),
  addressField('outer.src', 'outer', 0, 'source of the outermost IP header (for a plain packet, its only one)'),
  addressField('outer.dst', 'outer', 1, 'destination of the outermost IP header'),
  addressField('outer.addr', 'outer', 2, 'either address of the outermost IP header'),
  addressField('inner.src', 'inner', 0, 'source of the innermost IP header that is not a tunnel carrier (for a plain packet, its only one)'),
  addressField('inner.dst', 'inner', 1, 'destination of the innermost IP header'),
  addressField('inner.addr', 'inner', 2, 'either address of the innermost IP header'),
  numberField('proto', 'IP protocol of the inner header: tcp, udp, icmp, icmpv6, ... or a number', packetProtocol,
    (t) => PROTOCOL_BY_NAME.get(t) ?? integer(255)(t), 'a protocol name (tcp, udp, icmp, icmpv6, gre, ...) or a number 0-255'),
  numberField('sport', 'source port of the inner transport (TCP, UDP, SCTP, DCCP, UDP-Lite)', (p) => p.sport, integer(65535), 'a port (0-65535)'),
  numberField('dport', 'destination port of the inner transport', (p) => p.dport, integer(65535), 'a port (0-65535)'),
  numberField('port', 'either port of the inner transport', (p) => p.sport, integer(65535), 'a port (0-65535)', (p) => p.dport),
  nodeField('src.node', 0),
  nodeField('dst.node', 1),
  podField('src.pod', 0),
  podField('dst.pod', 1),
  ifaceField,
  numberField('ifindex', 'interface index of a Linux cooked v2 (SLL2) capture (tcpdump -i any)', (p) => p.sllIfindex, integer(0xffffffff), 'an interface index'),
  numberField('dir', 'direction as the capture recorded it: in, out (pcapng epb_flags, SLL packet type); absent where the capture does not say',
    (p, d) => packetDirection(d, p) || -1, (t) => DIRECTION_BY_NAME.get(t) ?? null, 'in or out'),
  issueField,
];

const FIELD_BY_NAME = new Map(FIELDS.map((f) => [f.name, f]));

/** tshark's names for what our fields say, so that the unknown-field error can point the way. */
const TSHARK_NAMES: Record<string, string> = {
  'ip.src': 'inner.src or outer.src', 'ip.dst': 'inner.dst or outer.dst', 'ip.addr': 'inner.addr or outer.addr',
  'ipv6.src': 'inner.src or outer.src', 'ipv6.dst': 'inner.dst or outer.dst', 'ipv6.addr': 'inner.addr or outer.addr',
  'ip.proto': 'proto', 'udp.port': 'port', 'tcp.port': 'port', 'udp.srcport': 'sport', 'tcp.srcport': 'sport',
  'udp.dstport': 'dport', 'tcp.dstport': 'dport', 'vxlan.vni': 'vni', 'geneve.vni': 'vni', 'frame.interface_name': 'iface',
  'sll.ifindex': 'ifindex', src: 'inner.src', dst: 'inner.dst', node: 'src.node or dst.node', pod: 'src.pod or dst.pod',
};

export function fieldNamed(field: FieldRef, expression: string): FieldDefinition {
  const f = FIELD_BY_NAME.get(field.name);
  if (f) return f;
  const hint = TSHARK_NAMES[field.name];
  throw bad(expression, field, `unknown field "${field.name}"`, `${hint ? `did you mean ${hint}? ` : ''}fields: ${FIELDS.map((x) => x.name).join(', ')}`);
}

