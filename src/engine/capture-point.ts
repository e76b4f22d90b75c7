// Where each packet was captured, and on which node. The rules depend on the point: an uplink
// (ens37) sees outer headers, a tunnel device (tunl0, vxlan.calico, vxlan-v6.calico,
// wireguard.cali) sees decapsulated copies, a pod veth (cali*) sees pod traffic before or after
// it is routed, and `-i any` sees one packet several times. The capture point is resolved per
// point of the capture (a pcapng interface, an SLL2 interface index, an SLL v1 link address), from
// the strongest evidence there is, and the report says which:
//   --device, the interface name (pcapng if_name, live), the Linux cooked header (ARPHRD type,
//   link-layer addresses: a VTEP MAC is vxlan.calico, ee:ee:ee:ee:ee:ee a Calico veth), the link
//   type (RAW with no outer tunnel is a tunnel device), the file name, and last the default: an
//   uplink.
import type { FlowRecord } from '../analysis/flows.js';
import type { CapturePoint } from '../analysis/capture-points.js';
import { formatMac } from '../analysis/address.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { ClusterIndex } from './cluster-index.js';
import { outermostTunnel, T_IPIP, T_VXLAN } from '../decode/layers.js';

export const DIRECTION_UNKNOWN = 0;
export const DIRECTION_IN = 1;
export const DIRECTION_OUT = 2;
/** Received by the capturing node (in), sent by it (out), or unknown. */
export type FlowDirection = 0 | 1 | 2;

export type PointKind = 'uplink' | 'tunnel' | 'pod';
export type DeviceTunnel = 'vxlan' | 'ipip' | 'wireguard';

/** What the capture says about one of its capture points. */
export interface PointFacts {
  id: number;
  /** The interface name (pcapng if_name, or the live interface), or null. */
  interfaceName: string | null;
  linktype: number;
  /** SLL2 interface index, or -1. */
  ifIndex: number;
  /** ARPHRD type of the Linux cooked header, or -1. */
  hatype: number;
  /** Link-layer addresses seen at this point (SLL source addresses), lowercase "aa:bb:...". */
  linkAddresses: readonly string[];
}

/** The facts of a capture's points as the analyzer counted them, with the names of their interfaces. */
export function pointFactsOf(points: readonly CapturePoint[], interfaces: readonly { linktype: number; name?: string | null }[]): PointFacts[] {
  return points.map((p) => {
    const iface = p.interface >= 0 ? interfaces[p.interface] : undefined;
    return {
      id: p.id,
      interfaceName: iface?.name ?? null,
      linktype: p.linktype >= 0 ? p.linktype : iface?.linktype ?? 1,
      ifIndex: p.ifIndex,
      hatype: p.hatype,
      linkAddresses: p.linkAddresses.map(formatMac),
    };
  });
}

export interface ResolvedPoint {
  id: number;
  /** The device name, known or inferred (ens37, tunl0, vxlan.calico, "ifindex 5"), or null. */
  name: string | null;
  kind: PointKind;
  /** The tunnel a tunnel device decapsulates. */
  tunnel: DeviceTunnel | null;
  /** How it was decided, for the report: "--device", "the pcapng interface name", ... */
  how: string;
}

const LINKTYPE_RAW = [12, 14, 101, 228, 229];
const LINKTYPE_SLL = [113, 276];

/** LINUX_SLL or LINUX_SLL2: a cooked capture (`-i any`), whose header tells the device and direction. */
export function isCookedLinktype(linktype: number): boolean {
  return LINKTYPE_SLL.includes(linktype);
}
const ARPHRD_ETHER = 1;
const ARPHRD_TUNNEL = 768; // tunl0 (ipip)
const ARPHRD_NONE = 65534; // wireguard.cali
/** The MAC Calico's CNI plugin gives the host side of every pod veth (cni-plugin/pkg/dataplane/linux/dataplane_linux.go). */
export const CALICO_VETH_MAC = 'ee:ee:ee:ee:ee:ee';

/** The kind of a device from its name: Calico's device names, else an uplink. */
export function deviceOfName(name: string): { kind: PointKind; tunnel: DeviceTunnel | null } {
  if (/^tunl\d*$/.test(name)) return { kind: 'tunnel', tunnel: 'ipip' };
  if (/^vxlan(-v6)?\.calico$/.test(name)) return { kind: 'tunnel', tunnel: 'vxlan' };
  if (/^(wireguard\.cali|wg-v6\.cali)$/.test(name)) return { kind: 'tunnel', tunnel: 'wireguard' };
  if (/^cali[0-9a-f]{11}$/.test(name) || /^cali/.test(name)) return { kind: 'pod', tunnel: null };
  return { kind: 'uplink', tunnel: null };
}

export interface PointContext {
  /** --device: the interface a single-interface capture was taken on. */
  device?: string;
  file: string;
  model: ClusterModel | null;
  /** VTEP MACs seen inside VXLAN in this capture (inner Ethernet), lowercase. */
  vtepMacs: ReadonlySet<string>;
  /** Points that carry tunnel packets with their outer header: whatever else they look like, uplinks. */
  outerPoints?: ReadonlySet<number>;
}

/** Resolves every capture point of a capture. */
export function resolvePoints(points: readonly PointFacts[], ctx: PointContext): ResolvedPoint[] {
  const vteps = new Set(ctx.vtepMacs);
  for (const n of ctx.model?.nodes ?? []) for (const m of [n.vtepMac, n.vtepMacV6]) if (m) vteps.add(m);
  return points.map((p) => resolvePoint(p, points.length, ctx, vteps));
}

function resolvePoint(p: PointFacts, count: number, ctx: PointContext, vteps: ReadonlySet<string>): ResolvedPoint {
  const named = (name: string, how: string): ResolvedPoint => ({ id: p.id, name, ...deviceOfName(name), how });
  if (ctx.device !== undefined && (count === 1 || p.interfaceName === null)) return named(ctx.device, '--device');
  if (p.interfaceName !== null && p.interfaceName !== 'any') return named(p.interfaceName, 'the capture interface name');
  const carriesOuter = ctx.outerPoints?.has(p.id) ?? false;
  if (isCookedLinktype(p.linktype)) {
    const label = p.ifIndex >= 0 ? `ifindex ${p.ifIndex}` : p.linkAddresses.length ? `link address ${p.linkAddresses[0]}` : 'any';
    if (p.hatype === ARPHRD_TUNNEL) return { id: p.id, name: `tunl0? (${label})`, kind: 'tunnel', tunnel: 'ipip', how: 'the cooked header: ARPHRD_TUNNEL is an IPIP device' };
    if (p.hatype === ARPHRD_NONE) {
      // WireGuard devices are ARPHRD_NONE, and so is a TUN device carrying IPIP: the model decides.
      return wireguardByModel(ctx.model)
        ? { id: p.id, name: `wireguard.cali? (${label})`, kind: 'tunnel', tunnel: 'wireguard', how: 'the cooked header: ARPHRD_NONE is a WireGuard (or TUN) device, and WireGuard is the one the model enables' }
        : { id: p.id, name: `tunl0? (${label})`, kind: 'tunnel', tunnel: 'ipip', how: 'the cooked header: ARPHRD_NONE is a TUN-style tunnel device, and the model enables no WireGuard' };
    }
    if (carriesOuter) return { id: p.id, name: label, kind: 'uplink', tunnel: null, how: 'tunnel packets with their outer headers: an uplink' };
    if (p.hatype === ARPHRD_ETHER || p.hatype < 0) {
      const vtep = p.linkAddresses.find((a) => vteps.has(a));
      if (vtep) return { id: p.id, name: `vxlan.calico? (${label})`, kind: 'tunnel', tunnel: 'vxlan', how: `the cooked header: link address ${vtep} is a node's VTEP MAC` };
      if (p.linkAddresses.includes(CALICO_VETH_MAC)) return { id: p.id, name: `cali? (${label})`, kind: 'pod', tunnel: null, how: `the cooked header: link address ${CALICO_VETH_MAC} is Calico's pod veth` };
    }
    return { id: p.id, name: label, kind: 'uplink', tunnel: null, how: 'the cooked header: an Ethernet interface with no tunnel or pod mark' };
  }
  if (LINKTYPE_RAW.includes(p.linktype)) {
    const fromFile = fileDevice(ctx.file);
    if (fromFile && fromFile.kind === 'tunnel') return { ...named(fromFile.name, 'the file name'), id: p.id };
    return wireguardByModel(ctx.model)
      ? { id: p.id, name: 'wireguard.cali', kind: 'tunnel', tunnel: 'wireguard', how: 'the link type: RAW IP is a tunnel device, and WireGuard is the one the model enables' }
      : { id: p.id, name: 'tunl0', kind: 'tunnel', tunnel: 'ipip', how: 'the link type: RAW IP is a tunnel device (tunl0)' };
  }
  const fromFile = fileDevice(ctx.file);
  if (fromFile) return named(fromFile.name, 'the file name');
  if (!carriesOuter && p.linkAddresses.some((a) => vteps.has(a))) return { id: p.id, name: 'vxlan.calico', kind: 'tunnel', tunnel: 'vxlan', how: "the Ethernet addresses are the nodes' VTEP MACs" };
  return { id: p.id, name: null, kind: 'uplink', tunnel: null, how: 'default (an Ethernet capture is an uplink)' };
}

/** A RAW or ARPHRD_NONE tunnel device is WireGuard when the model enables it and no pool uses IPIP. */
function wireguardByModel(model: ClusterModel | null): boolean {
  return model !== null && (model.felix.wireguardEnabled || model.felix.wireguardEnabledV6) && !model.pools.some((x) => x.ipipMode !== 'Never');
}

/** A device named in a capture's file name (node04-tunl0.pcap, node04-ens37.pcap), or null. */
function fileDevice(file: string): { name: string; kind: PointKind } | null {
  const base = file.split('/').pop() ?? '';
  const tunnel = /(tunl\d*|vxlan-v6\.calico|vxlan\.calico|wireguard\.cali)/.exec(base);
  if (tunnel) return { name: tunnel[1], kind: 'tunnel' };
  const uplink = /(ens\d+\w*|eth\d+|eno\d+|enp\w+|bond\d+)/.exec(base);
  return uplink ? { name: uplink[1], kind: 'uplink' } : null;
}

export interface CaptureNode {
  node: ClusterNode | null;
  /** How it was found: --capture-node, NODE=FILE, inferred from ..., or why unknown. */
  how: string;
}

/**
 * The node the capture was taken on: named (--capture-node, NODE=FILE), else the one node whose
 * IP is in every tunnel packet between nodes (an uplink capture always has it, as source or
 * destination), else the node named in the file name (node04-ens37.pcap), else unknown.
 */
export function resolveCaptureNode(named: string | undefined, namedHow: string, flows: readonly FlowRecord[], index: ClusterIndex | null, file: string): CaptureNode {
  if (!index) return { node: null, how: named ? `${namedHow} (no model to find it in)` : 'unknown (no model)' };
  if (named !== undefined) {
    const node = index.model.nodes.find((n) => n.name === named) ?? null;
    return { node, how: node ? namedHow : `${namedHow} names ${named}, which is not a node of the model` };
  }
  const counts = new Map<ClusterNode, number>();
  let tunnelFlows = 0;
  for (const f of flows) {
    const outer = outermostTunnel(f.encapsulation);
    if (f.outerSrc === null || f.outerDst === null || (outer !== T_VXLAN && outer !== T_IPIP)) continue;
    const a = index.nodeByIp(f.outerSrc);
    const b = index.nodeByIp(f.outerDst);
    if (!a || !b) continue;
    tunnelFlows++;
    counts.set(a, (counts.get(a) ?? 0) + 1);
    if (b !== a) counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  const inEvery = [...counts].filter(([, n]) => n === tunnelFlows && tunnelFlows > 0).map(([node]) => node);
  if (inEvery.length === 1) return { node: inEvery[0], how: `inferred: its IP is in every tunnel packet between nodes (${tunnelFlows} flows)` };
  const base = (file.split('/').pop() ?? '').toLowerCase();
  const byName = index.model.nodes.filter((n) => base.includes(n.name.toLowerCase()) || (n.name.includes('-') && base.includes(n.name.split('-').pop()!.toLowerCase())));
  if (byName.length === 1) return { node: byName[0], how: 'inferred from the file name' };
  return { node: null, how: inEvery.length > 1 ? `unknown: tunnel traffic only between ${inEvery.map((n) => n.name).join(' and ')}; name it with --capture-node or NODE=FILE` : 'unknown: name it with --capture-node or NODE=FILE' };
}
