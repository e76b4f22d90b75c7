// Verification: each flow of a capture against what Calico should do with the pool, and the
// findings beyond the mode (wrong VNI or port, unknown outer nodes, bad outer UDP checksums with
// SYN ladders, fragmentation and MTU, asymmetric encapsulation).
import type { FlowView } from '../../report/document.js';
import { nodeByIp, nodeByPodIp, nodeByTunnelAddr, poolFor, type ClusterModel, type ClusterNode } from '../../model/cluster.js';
import { mask, parseIpv4 } from '../../model/ipv4.js';
import { expectedEncapsulation } from './calico-rule.js';
import { FINDINGS, type FindingDefinition, type FindingSeverity } from './findings.js';

export type Verdict = 'ok' | 'mismatch' | 'host' | 'not-pool' | 'unknown-node' | 'local' | 'encrypted' | 'unrelated' | 'ipv6';

export interface FlowVerdict {
  /** Index into the analysis document's `flows`. */
  flow: number;
  from: string | null;
  to: string | null;
  expected: string | null;
  seen: string;
  verdict: Verdict;
  reason: string;
}

export interface PairVerdict {
  from: string;
  to: string;
  expected: string;
  seen: string[];
  verdict: 'ok' | 'mismatch';
  flows: number;
  packets: number;
  reason: string;
}

export interface Finding {
  code: string;
  severity: FindingSeverity;
  message: string;
  why: string;
  flows: number[];
  packets: number[];
}

export interface VerifyResult {
  flows: FlowVerdict[];
  pairs: PairVerdict[];
  findings: Finding[];
  passed: boolean;
}

/** VXLAN adds 50 bytes (outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8), IPIP 20 (RFC 2003). */
const UPLINK_MTU = 1500;
const TUNNEL_OVERHEAD: Record<string, number> = { vxlan: 50, ipip: 20 };

/** Learns which node holds which pod block from tunnelled flows, for nodes with no blocks given. */
export function learnBlocks(model: ClusterModel, flows: FlowView[]): void {
  const nodesWithoutBlocks = new Set(model.nodes.filter((n) => n.blocks.length === 0).map((n) => n.name));
  if (nodesWithoutBlocks.size === 0) return;
  const learn = (node: ClusterNode | null, podIp: number | null) => {
    if (!node || podIp === null || !nodesWithoutBlocks.has(node.name)) return;
    const pool = poolFor(model, podIp);
    if (!pool) return;
    const block = { base: (podIp & mask(pool.blockSize)) >>> 0, prefix: pool.blockSize };
    const owner = model.nodes.find((n) => n.blocks.some((b) => b.base === block.base && b.prefix === block.prefix));
    if (owner) return; // already known (given or learned)
    node.blocks.push(block);
    model.learnedBlocks.push({ node: node.name, block });
  };
  for (const f of flows) {
    if (!f.outer || !f.inner || (f.encapsulation !== 'vxlan' && f.encapsulation !== 'ipip')) continue;
    const outerSrc = parseIpv4(f.outer.src);
    const outerDst = parseIpv4(f.outer.dst);
    if (outerSrc === null || outerDst === null) continue;
    learn(nodeByIp(model, outerSrc), parseIpv4(f.inner.src));
    learn(nodeByIp(model, outerDst), parseIpv4(f.inner.dst));
  }
}

/** The node an inner address belongs to: a pod of its block, its own IP, or its tunnel address. */
function ownerOf(model: ClusterModel, ip: number): ClusterNode | null {
  return nodeByPodIp(model, ip) ?? nodeByIp(model, ip) ?? nodeByTunnelAddr(model, ip);
}

export interface VerifyOptions {
  /**
   * The capture was taken on a tunnel device (tunl0: 'ipip', vxlan.calico: 'vxlan'): the packets
   * there are already decapsulated, so a plain flow on it was carried in that tunnel.
   */
  deviceTunnel?: 'vxlan' | 'ipip' | null;
}

export function verify(model: ClusterModel, flows: FlowView[], options: VerifyOptions = {}): VerifyResult {
  const verdicts: FlowVerdict[] = [];
  const findings = new Map<string, Finding>();
  const raise = (d: FindingDefinition, flow: number, f: FlowView, message: string) => {
    const key = `${d.code}\n${message}`;
    let finding = findings.get(key);
    if (!finding) {
      finding = { code: d.code, severity: d.severity, message, why: d.why, flows: [], packets: [] };
      findings.set(key, finding);
    }
    finding.flows.push(flow);
    if (finding.packets.length < 20) finding.packets.push(f.firstPacket);
  };

  flows.forEach((f, index) => {
    const seen = f.encapsulation === 'plain' && options.deviceTunnel ? options.deviceTunnel : f.encapsulation;
    const v = (verdict: Verdict, reason: string, from: ClusterNode | null = null, to: ClusterNode | null = null, expected: string | null = null) =>
      verdicts.push({ flow: index, from: from?.name ?? null, to: to?.name ?? null, expected, seen, verdict, reason });
    if (!f.inner) return v('unrelated', 'no inner IP');
    const innerSrc = parseIpv4(f.inner.src);
    const innerDst = parseIpv4(f.inner.dst);
    if (innerSrc === null || innerDst === null) return v('ipv6', 'IPv6 pools are not verified yet');
    const srcPool = poolFor(model, innerSrc);
    const dstPool = poolFor(model, innerDst);
    const podTraffic = srcPool !== null || dstPool !== null;

    let from: ClusterNode | null;
    let to: ClusterNode | null;
    if (f.outer) {
      if (f.encapsulation === 'wireguard') return v('encrypted', 'WireGuard: the inner packet is encrypted');
      const outerSrc = parseIpv4(f.outer.src);
      const outerDst = parseIpv4(f.outer.dst);
      from = outerSrc === null ? null : nodeByIp(model, outerSrc);
      to = outerDst === null ? null : nodeByIp(model, outerDst);
      if (!podTraffic) return v('unrelated', 'tunnel traffic outside the pools');
      if (!from || !to) {
        const unknown = [!from ? f.outer.src : null, !to ? f.outer.dst : null].filter(Boolean).join(' and ');
        raise(FINDINGS.unknownOuterNode, index, f, `${seen} between ${f.outer.src} and ${f.outer.dst}: ${unknown} is not a node IP`);
        return v('mismatch', `outer ${unknown} is not a known node`, from, to);
      }
      if (seen === 'vxlan' && f.vni !== null && f.vni !== model.vni) {
        raise(FINDINGS.wrongVni, index, f, `${from.name} -> ${to.name}: VNI ${f.vni}, expected ${model.vni}`);
      }
      if (seen === 'vxlan' && f.tunnelPort !== null && f.tunnelPort !== model.vxlanPort) {
        raise(FINDINGS.wrongPort, index, f, `${from.name} -> ${to.name}: VXLAN on UDP ${f.tunnelPort}, expected ${model.vxlanPort}`);
      }
      if (f.vtepMacs) {
        const wrong = [
          to.vtepMac && f.vtepMacs.dst !== to.vtepMac ? `destination MAC ${f.vtepMacs.dst} is not ${to.name}'s ${to.vtepMac}` : null,
          from.vtepMac && f.vtepMacs.src !== from.vtepMac ? `source MAC ${f.vtepMacs.src} is not ${from.name}'s ${from.vtepMac}` : null,
        ].filter(Boolean);
        if (wrong.length > 0) raise(FINDINGS.vtepMacMismatch, index, f, `${from.name} -> ${to.name}: inner ${wrong.join(', ')}`);
      }
      if (nodeByIp(model, innerSrc) && dstPool) {
        raise(FINDINGS.innerSourceIsNodeIp, index, f, `${from.name} -> ${to.name}: inner source ${f.inner.src} is a node IP`);
      }
    } else {
      const srcNode = nodeByIp(model, innerSrc);
      if (srcNode && options.deviceTunnel && poolFor(model, innerDst)) {
        raise(FINDINGS.innerSourceIsNodeIp, index, f, `${srcNode.name} -> ${f.inner.dst} in ${options.deviceTunnel}: inner source ${f.inner.src} is a node IP`);
      }
      const dstNode = nodeByIp(model, innerDst);
      if (srcNode && dstNode) {
        // Host traffic. Later fragments of tunnel packets also land here (no UDP header to see).
        if (f.fragments > 0 && (f.protocol === 'udp' || f.protocolNumber === 4)) {
          raise(FINDINGS.outerFragmentation, index, f, `${srcNode.name} -> ${dstNode.name}: ${f.fragments} fragments of ${f.protocol} between node IPs`);
        }
        return v('host', 'traffic between node IPs is never tunnelled', srcNode, dstNode);
      }
      if (!podTraffic) return v('host', 'neither address is in a pool');
      from = ownerOf(model, innerSrc);
      to = ownerOf(model, innerDst);
    }
    if (!dstPool) return v('not-pool', `destination ${f.inner.dst} is outside the pools (NAT-outgoing, not tunnelled)`, from, to, 'plain');
    if (!from || !to) {
      const missing = [!from ? f.inner.src : null, !to ? f.inner.dst : null].filter(Boolean).join(' and ');
      raise(FINDINGS.unknownNodes, index, f, `no node in the model holds ${missing}`);
      return v('unknown-node', `no node holds ${missing}`, from, to);
    }
    if (from === to) return v('local', 'both ends on the same node', from, to);

    const expectation = expectedEncapsulation(model, from, to, innerDst)!;
    const expected = expectation.encapsulation;
    checkFlowHealth(index, f, seen, from, to, raise);
    if (expected === seen) return v('ok', expectation.reason, from, to, expected);
    if (seen === 'plain') {
      const crossSubnet = !sameSubnetEitherWay(from, to);
      const d = crossSubnet ? FINDINGS.plainAcrossSubnets : FINDINGS.plainWhereTunnel;
      raise(d, index, f, `${from.name} -> ${to.name}: expected ${expected}, seen plain (${expectation.reason})`);
    } else if (expected === 'plain') {
      const never = expectation.pool.vxlanMode === 'Never' && expectation.pool.ipipMode === 'Never';
      raise(never ? FINDINGS.tunnelWhereNever : FINDINGS.tunnelWithinSubnet, index, f, `${from.name} -> ${to.name}: expected plain, seen ${seen} (${expectation.reason})`);
    } else if (seen === 'vxlan' || seen === 'ipip') {
      raise(FINDINGS.wrongTunnelType, index, f, `${from.name} -> ${to.name}: expected ${expected}, seen ${seen} (${expectation.reason})`);
    } else {
      raise(FINDINGS.unexpectedTunnel, index, f, `${from.name} -> ${to.name}: expected ${expected}, seen ${seen}`);
    }
    return v('mismatch', expectation.reason, from, to, expected);
  });

  const pairs = pairVerdicts(verdicts, flows);
  for (const p of pairs) {
    const back = pairs.find((q) => q.from === p.to && q.to === p.from);
    if (back && p.from < p.to && p.seen.join() !== back.seen.join()) {
      const flowsOfPair = verdicts.filter((x) => (x.from === p.from && x.to === p.to) || (x.from === p.to && x.to === p.from));
      const message = `${p.from} -> ${p.to}: ${p.seen.join('+')}, ${p.to} -> ${p.from}: ${back.seen.join('+')}`;
      for (const x of flowsOfPair) raise(FINDINGS.asymmetric, x.flow, flows[x.flow], message);
    }
  }
  const list = [...findings.values()];
  const passed = !list.some((x) => x.severity === 'error') && !verdicts.some((x) => x.verdict === 'mismatch');
  return { flows: verdicts, pairs, findings: list, passed };
}

function sameSubnetEitherWay(a: ClusterNode, b: ClusterNode): boolean {
  const inside = (x: ClusterNode, y: ClusterNode) => ((x.ip & mask(x.prefix)) >>> 0) === ((y.ip & mask(x.prefix)) >>> 0);
  return inside(a, b) && inside(b, a);
}

/** Checksums, SYN ladders and MTU on a flow between two known nodes. */
function checkFlowHealth(index: number, f: FlowView, seen: string, from: ClusterNode, to: ClusterNode, raise: (d: FindingDefinition, flow: number, f: FlowView, message: string) => void): void {
  const pair = `${from.name} -> ${to.name}`;
  const port = f.sport !== null ? ` ${f.inner!.src}:${f.sport} -> ${f.inner!.dst}:${f.dport}` : '';
  if (f.badChecksums > 0 && seen === 'vxlan') {
    const ladder = f.synPackets > 1 ? `; ${f.synPackets} SYNs on the same flow: the connection never completes` : '';
    raise(FINDINGS.badOuterUdpChecksum, index, f, `${pair}${port}: ${f.badChecksums} bad outer UDP checksums in ${f.packets} packets${ladder}`);
  } else if (f.synPackets > 2 && f.protocol === 'tcp') {
    raise(FINDINGS.synRetransmissions, index, f, `${pair}${port}: ${f.synPackets} SYNs`);
  }
  // Outer fragments: only where the outer header was seen (an uplink), not on a tunnel device.
  if (f.encapsulation !== 'plain' && f.fragments > 0) {
    raise(FINDINGS.outerFragmentation, index, f, `${pair}: ${f.fragments} fragmented ${f.encapsulation} packets`);
  }
  const overhead = TUNNEL_OVERHEAD[seen];
  if (overhead !== undefined && f.maxInnerLength > UPLINK_MTU - overhead) {
    raise(FINDINGS.innerTooLarge, index, f, `${pair}: inner packets up to ${f.maxInnerLength} bytes in ${seen}, more than ${UPLINK_MTU - overhead}`);
  }
}

function pairVerdicts(verdicts: FlowVerdict[], flows: FlowView[]): PairVerdict[] {
  const pairs = new Map<string, PairVerdict>();
  for (const v of verdicts) {
    if ((v.verdict !== 'ok' && v.verdict !== 'mismatch') || !v.from || !v.to || !v.expected) continue;
    const key = `${v.from}\n${v.to}`;
    let p = pairs.get(key);
    if (!p) {
      p = { from: v.from, to: v.to, expected: v.expected, seen: [], verdict: 'ok', flows: 0, packets: 0, reason: v.reason };
      pairs.set(key, p);
    }
    if (!p.seen.includes(v.seen)) p.seen.push(v.seen);
    if (v.verdict === 'mismatch') p.verdict = 'mismatch';
    p.flows++;
    p.packets += flows[v.flow].packets;
  }
  return [...pairs.values()].sort((a, b) => (a.from === b.from ? a.to.localeCompare(b.to) : a.from.localeCompare(b.from)));
}
