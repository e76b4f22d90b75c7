// Verification: each flow of a capture, judged where it was captured, against what Calico should
// do with the pool, and the findings beyond the mode (wrong VNI or port, unknown outer nodes, bad
// outer UDP checksums with SYN ladders, fragmentation and MTU, asymmetric encapsulation).
//
// A pure function over typed records: numeric addresses, encapsulation constants, resolved
// capture points. It learns the node-to-block map of nodes given without blocks from the
// tunnelled flows, into an index of its own, and returns what it learned; the model is never
// changed. The result is PASS only when every pod flow was judged and matched, FAIL on any
// mismatch or error finding, INCONCLUSIVE when pod traffic could not be judged.
import type { FlowRecord } from '../../analysis/flows.js';
import type { ClusterModel, ClusterNode } from '../../model/cluster.js';
import { familyOf, formatAddress, type Family } from '../../net/address.js';
import { outermostTunnel, T_IPIP, T_VXLAN, T_WIREGUARD, TUNNEL_NAMES } from '../../decode/layers.js';
import { ClusterIndex, type LearnedBlock } from '../cluster-index.js';
import { DIRECTION_IN, DIRECTION_OUT, type FlowDirection, type ResolvedPoint } from '../capture-point.js';
import { expectedEncapsulation, sameSubnet } from './calico-rule.js';
import { FINDINGS, type FindingDefinition, type FindingSeverity } from './findings.js';

/**
 * ok / mismatch: pod traffic judged against the rule. local, not-pool, nodeport: pod traffic
 * judged (nothing to tunnel, NAT-outgoing, eBPF NodePort forwarding). copy: a second sighting of
 * a packet judged at another capture point of the same capture. host, unrelated: not pod traffic.
 * unknown-node, encrypted, pod-side: pod traffic that could not be judged (INCONCLUSIVE).
 */
export type Verdict = 'ok' | 'mismatch' | 'local' | 'not-pool' | 'nodeport' | 'copy' | 'host' | 'unrelated' | 'unknown-node' | 'encrypted' | 'pod-side';

const UNJUDGED: ReadonlySet<Verdict> = new Set(['unknown-node', 'encrypted', 'pod-side']);
const JUDGED_POD: ReadonlySet<Verdict> = new Set(['ok', 'mismatch', 'local', 'not-pool', 'nodeport']);

export type VerifyOutcome = 'pass' | 'fail' | 'inconclusive';

export interface FlowVerdict {
  /** Index into the flows given (the analysis document's `flows`). */
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
  /** The IP family of the pod traffic: a dual-stack pair is two pairs, each judged by its own pool. */
  family: Family;
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
  result: VerifyOutcome;
  /** True only for 'pass'. */
  passed: boolean;
  /** For INCONCLUSIVE: what to give so that the pod traffic can be judged, one line. */
  hint: string | null;
  /** Blocks of nodes given without blocks, learned from this capture's tunnelled flows. */
  learnedBlocks: LearnedBlock[];
}

/** The capture point of each flow, resolved (see capture-point.ts). */
export interface VerifyInput {
  flows: readonly FlowRecord[];
  /** The resolved capture point of a flow. */
  pointOf: (flow: FlowRecord) => ResolvedPoint;
  /** Whether the flow was sent or received by the capturing node (or unknown). */
  directionOf: (flow: FlowRecord) => FlowDirection;
  /** The capture has a point where outer headers are seen: copies elsewhere are judged there. */
  hasUplink: boolean;
}

/** VXLAN adds 50 bytes (outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8; 70 over IPv6), IPIP 20 (RFC 2003). */
const UPLINK_MTU = 1500;
function tunnelOverhead(seen: string, family: Family): number | undefined {
  if (seen === 'vxlan') return family === 4 ? 50 : 70;
  if (seen === 'ipip') return 20;
  return undefined;
}

/**
 * The VNI of the eBPF dataplane's NodePort forwarding tunnel: VXLAN on Felix's VXLAN port between
 * the node that received a NodePort connection and the backend's node, whatever the pool mode
 * (felix/bpf-gpl/nat.h: CALI_VXLAN_VNI 0xca11c0; the port is CALI_VXLAN_PORT, Felix's VXLANPort).
 */
export const EBPF_NODEPORT_VNI = 0xca11c0;

/** The outermost tunnel type of a flow (0 = plain). */
function outermost(f: FlowRecord): number {
  return outermostTunnel(f.encapsulation);
}

/** The IP family a flow's pod pair is judged in: its inner addresses, else (WireGuard) the outer ones. */
function flowFamily(f: FlowRecord): Family {
  return familyOf(f.innerDst ?? f.outerDst!);
}

export function verify(model: ClusterModel, input: VerifyInput): VerifyResult {
  const index = new ClusterIndex(model);
  const flows = input.flows;
  learnBlocks(index, flows);
  const felix = model.felix;
  const verdicts: FlowVerdict[] = [];
  const findings = new Map<string, Finding>();
  const raise = (d: FindingDefinition, flow: number, f: FlowRecord, message: string) => {
    const key = `${d.code}\n${message}`;
    let finding = findings.get(key);
    if (!finding) {
      finding = { code: d.code, severity: d.severity, message, why: d.why, flows: [], packets: [] };
      findings.set(key, finding);
    }
    finding.flows.push(flow);
    if (finding.packets.length < 20) finding.packets.push(f.firstPacket);
  };
  const A = formatAddress;

  flows.forEach((f, i) => {
    const point = input.pointOf(f);
    const outer = outermost(f);
    const seen = outer === 0 && point.kind === 'tunnel' && point.tunnel ? point.tunnel : TUNNEL_NAMES[outer] ?? 'other';
    const v = (verdict: Verdict, reason: string, from: ClusterNode | null = null, to: ClusterNode | null = null, expected: string | null = null) =>
      verdicts.push({ flow: i, from: from?.name ?? null, to: to?.name ?? null, expected, seen, verdict, reason });

    // WireGuard: the inner packet is encrypted; the outer header names the two nodes.
    if (outer === T_WIREGUARD && f.outerSrc !== null && f.outerDst !== null) {
      const from = index.nodeByIp(f.outerSrc);
      const to = index.nodeByIp(f.outerDst);
      if (!from || !to) return v('unrelated', 'WireGuard between hosts that are not both nodes', from, to);
      const family = familyOf(f.outerSrc);
      const enabled = family === 4 ? felix.wireguardEnabled : felix.wireguardEnabledV6;
      if (enabled) return v('ok', `WireGuard enabled (${felix.source}): traffic between nodes is encrypted`, from, to, 'wireguard');
      raise(FINDINGS.wireguardNotInModel, i, f, `${from.name} -> ${to.name}: WireGuard on UDP ${f.sport ?? '?'} -> ${f.dport ?? '?'}, but the model does not enable it`);
      return v('encrypted', 'WireGuard between nodes, not enabled in the model: the pod traffic inside cannot be judged', from, to);
    }
    if (f.innerSrc === null || f.innerDst === null) return v('unrelated', 'no inner IP');
    if (point.kind === 'pod') {
      return input.hasUplink ? v('copy', `seen on a pod interface (${point.name ?? '?'}): judged where it leaves or enters the node`) : v(index.poolFor(f.innerSrc) || index.poolFor(f.innerDst) ? 'pod-side' : 'unrelated', `seen only on a pod interface (${point.name ?? '?'}): no encapsulation to judge there`);
    }
    if (point.kind === 'tunnel' && outer === 0 && input.hasUplink) {
      return v('copy', `decapsulated copy on ${point.name ?? 'the tunnel device'}: judged on the uplink`);
    }
    const innerSrc = f.innerSrc;
    const innerDst = f.innerDst;
    const srcPool = index.poolFor(innerSrc);
    const dstPool = index.poolFor(innerDst);
    const podTraffic = srcPool !== null || dstPool !== null;

    let from: ClusterNode | null;
    let to: ClusterNode | null;
    if (f.outerSrc !== null && f.outerDst !== null) {
      from = index.nodeByIp(f.outerSrc);
      to = index.nodeByIp(f.outerDst);
      if (outer === T_VXLAN && f.vni === EBPF_NODEPORT_VNI && from && to) {
        raise(FINDINGS.ebpfNodePort, i, f, `${from.name} -> ${to.name}: NodePort traffic ${A(innerSrc)} -> ${A(innerDst)} forwarded in VXLAN VNI 0xca11c0${felix.bpfEnabled ? '' : ' (the model does not enable bpfEnabled)'}`);
        return v('nodeport', 'eBPF NodePort forwarding to the backend\'s node (VNI 0xca11c0)', from, to, 'vxlan');
      }
      if (!podTraffic) return v('unrelated', 'tunnel traffic outside the pools');
      if (!from || !to) {
        const unknown = [!from ? A(f.outerSrc) : null, !to ? A(f.outerDst) : null].filter(Boolean).join(' and ');
        raise(FINDINGS.unknownOuterNode, i, f, `${seen} between ${A(f.outerSrc)} and ${A(f.outerDst)}: ${unknown} is not a node IP`);
        return v('mismatch', `outer ${unknown} is not a known node`, from, to);
      }
      if (seen === 'vxlan' && f.vni !== null && f.vni !== felix.vxlanVni) {
        raise(FINDINGS.wrongVni, i, f, `${from.name} -> ${to.name}: VNI ${f.vni}, expected ${felix.vxlanVni}`);
      }
      if (seen === 'vxlan' && f.tunnelPort !== null && f.tunnelPort !== felix.vxlanPort) {
        raise(FINDINGS.wrongPort, i, f, `${from.name} -> ${to.name}: VXLAN on UDP ${f.tunnelPort}, expected ${felix.vxlanPort}`);
      }
      if (f.vtepMacs) {
        const v6 = familyOf(f.outerSrc) === 6;
        const macOf = (n: ClusterNode) => (v6 ? n.vtepMacV6 : n.vtepMac);
        const wrong = [
          macOf(to) && f.vtepMacs.dst !== macOf(to) ? `destination MAC ${f.vtepMacs.dst} is not ${to.name}'s ${macOf(to)}` : null,
          macOf(from) && f.vtepMacs.src !== macOf(from) ? `source MAC ${f.vtepMacs.src} is not ${from.name}'s ${macOf(from)}` : null,
        ].filter(Boolean);
        if (wrong.length > 0) raise(FINDINGS.vtepMacMismatch, i, f, `${from.name} -> ${to.name}: inner ${wrong.join(', ')}`);
      }
      if (index.nodeByIp(innerSrc) && dstPool) {
        raise(FINDINGS.innerSourceIsNodeIp, i, f, `${from.name} -> ${to.name}: inner source ${A(innerSrc)} is a node IP`);
      }
    } else {
      const srcNode = index.nodeByIp(innerSrc);
      if (srcNode && point.kind === 'tunnel' && dstPool) {
        raise(FINDINGS.innerSourceIsNodeIp, i, f, `${srcNode.name} -> ${A(innerDst)} in ${point.tunnel}: inner source ${A(innerSrc)} is a node IP`);
      }
      const dstNode = index.nodeByIp(innerDst);
      if (srcNode && dstNode) {
        // Host traffic. Later fragments of tunnel packets also land here (no UDP header to see).
        if (f.fragments > 0 && (f.protocol === 17 || f.protocol === 4)) {
          raise(FINDINGS.outerFragmentation, i, f, `${srcNode.name} -> ${dstNode.name}: ${f.fragments} fragments of ${f.protocol === 17 ? 'udp' : 'ipip'} between node IPs`);
        }
        return v('host', 'traffic between node IPs is never tunnelled', srcNode, dstNode);
      }
      if (!podTraffic) return v('host', 'neither address is in a pool');
      from = index.ownerOf(innerSrc);
      to = index.ownerOf(innerDst);
    }
    if (!dstPool) return v('not-pool', `destination ${A(innerDst)} is outside the pools (NAT-outgoing, not tunnelled)`, from, to, 'plain');
    if (!from || !to) {
      const missing = [!from ? A(innerSrc) : null, !to ? A(innerDst) : null].filter(Boolean).join(' and ');
      raise(FINDINGS.unknownNodes, i, f, `no node in the model holds ${missing}`);
      return v('unknown-node', `no node holds ${missing}`, from, to);
    }
    if (from === to) return v('local', 'both ends on the same node', from, to);

    const expectation = expectedEncapsulation(felix, dstPool, from, to);
    const expected = expectation.encapsulation;
    checkFlowHealth(i, f, seen, from, to, input.directionOf(f), raise);
    if (expected === seen) {
      const family = familyOf(innerDst);
      if (seen === 'plain' && !sameSubnet(from, to, family)) {
        // As the pool says (Never), but across subnets: only a network that routes pod blocks carries it.
        raise(FINDINGS.plainAcrossSubnetsByPool, i, f, `${from.name} -> ${to.name}: plain between subnets (${expectation.reason})`);
      }
      return v('ok', expectation.reason, from, to, expected);
    }
    if (expected === 'wireguard') {
      raise(FINDINGS.unencrypted, i, f, `${from.name} -> ${to.name}: expected wireguard, seen ${seen} (${expectation.reason})`);
    } else if (seen === 'plain') {
      const family = familyOf(innerDst);
      const crossSubnet = !(sameSubnet(from, to, family) && sameSubnet(to, from, family));
      const d = crossSubnet ? FINDINGS.plainAcrossSubnets : FINDINGS.plainWhereTunnel;
      raise(d, i, f, `${from.name} -> ${to.name}: expected ${expected}, seen plain (${expectation.reason})`);
    } else if (expected === 'plain') {
      const never = expectation.pool.vxlanMode === 'Never' && expectation.pool.ipipMode === 'Never';
      raise(never ? FINDINGS.tunnelWhereNever : FINDINGS.tunnelWithinSubnet, i, f, `${from.name} -> ${to.name}: expected plain, seen ${seen} (${expectation.reason})`);
    } else if (seen === 'vxlan' || seen === 'ipip') {
      raise(FINDINGS.wrongTunnelType, i, f, `${from.name} -> ${to.name}: expected ${expected}, seen ${seen} (${expectation.reason})`);
    } else {
      raise(FINDINGS.unexpectedTunnel, i, f, `${from.name} -> ${to.name}: expected ${expected}, seen ${seen}`);
    }
    return v('mismatch', expectation.reason, from, to, expected);
  });

  const pairs = pairVerdicts(verdicts, flows);
  for (const p of pairs) {
    const back = pairs.find((q) => q.from === p.to && q.to === p.from && q.family === p.family);
    if (back && p.from < p.to && p.seen.join() !== back.seen.join()) {
      const flowsOfPair = verdicts.filter((x) => x.verdict !== 'nodeport' && flowFamily(flows[x.flow]) === p.family && ((x.from === p.from && x.to === p.to) || (x.from === p.to && x.to === p.from)));
      const message = `${pairName(p)}: ${p.seen.join('+')}, ${pairName(back)}: ${back.seen.join('+')}`;
      for (const x of flowsOfPair) raise(FINDINGS.asymmetric, x.flow, flows[x.flow], message);
    }
  }
  const list = [...findings.values()];
  const failed = list.some((x) => x.severity === 'error') || verdicts.some((x) => x.verdict === 'mismatch');
  const { result, hint } = failed ? { result: 'fail' as const, hint: null } : conclusion(verdicts, index);
  return { flows: verdicts, pairs, findings: list, result, passed: result === 'pass', hint, learnedBlocks: index.learned };
}

/** PASS when every pod flow was judged (and nothing failed); INCONCLUSIVE with a hint otherwise. */
function conclusion(verdicts: FlowVerdict[], index: ClusterIndex): { result: VerifyOutcome; hint: string | null } {
  const unjudged = verdicts.filter((x) => UNJUDGED.has(x.verdict));
  if (unjudged.length > 0) {
    const kinds = new Set(unjudged.map((x) => x.verdict));
    const hints: string[] = [];
    if (kinds.has('unknown-node')) {
      const withoutBlocks = index.model.nodes.filter((n) => !index.hasBlocks(n)).map((n) => n.name);
      hints.push(`give the nodes' pod blocks (--block NODE=CIDR, or BlockAffinity / IPAMBlock objects)${withoutBlocks.length ? ` for ${withoutBlocks.slice(0, 4).join(', ')}${withoutBlocks.length > 4 ? ', ...' : ''}` : ''} and every node that sends or receives the traffic (--node, Node objects)`);
    }
    if (kinds.has('encrypted')) hints.push('give the FelixConfiguration that enables WireGuard (wireguardEnabled) to judge encrypted traffic between nodes');
    if (kinds.has('pod-side')) hints.push("capture on the node's uplink (or -i any): a pod interface shows no encapsulation");
    return { result: 'inconclusive', hint: `${unjudged.length} pod flow(s) could not be judged: ${hints.join('; ')}` };
  }
  if (!verdicts.some((x) => JUDGED_POD.has(x.verdict))) {
    return { result: 'inconclusive', hint: 'no pod traffic of the pools in this capture: nothing to judge (check the pools, or capture while pods talk across nodes)' };
  }
  return { result: 'pass', hint: null };
}

/**
 * Learns which node holds which pod block from tunnelled flows between node IPs (the outer
 * source sent the inner source, the outer destination holds the inner destination), for nodes
 * given without blocks; in capture order, into the run's index only.
 */
function learnBlocks(index: ClusterIndex, flows: readonly FlowRecord[]): void {
  const given = new Set(index.model.nodes.filter((n) => n.blocks.length > 0));
  if (given.size === index.model.nodes.length) return;
  for (const f of flows) {
    const outer = outermost(f);
    if (f.outerSrc === null || f.outerDst === null || f.innerSrc === null || f.innerDst === null || (outer !== T_VXLAN && outer !== T_IPIP)) continue;
    if (f.vni === EBPF_NODEPORT_VNI) continue; // the inner source is a client outside the cluster
    const src = index.nodeByIp(f.outerSrc);
    const dst = index.nodeByIp(f.outerDst);
    if (src) index.learn(src, f.innerSrc, given);
    if (dst) index.learn(dst, f.innerDst, given);
  }
}

/** Checksums, SYN ladders and MTU on a flow between two known nodes. */
function checkFlowHealth(i: number, f: FlowRecord, seen: string, from: ClusterNode, to: ClusterNode, direction: FlowDirection, raise: (d: FindingDefinition, flow: number, f: FlowRecord, message: string) => void): void {
  const pair = `${from.name} -> ${to.name}`;
  const port = f.sport !== null ? ` ${formatAddress(f.innerSrc!)}:${f.sport} -> ${formatAddress(f.innerDst!)}:${f.dport}` : '';
  const wrong = f.badChecksums + f.checksumOffloadSuspects;
  const ladder = f.synPackets > 1 ? `; ${f.synPackets} SYNs on the same flow: the connection never completes` : '';
  if (seen === 'vxlan' && direction === DIRECTION_OUT && wrong > 0) {
    // Sent by the capturing node: the NIC fills the checksum in after the capture point (TX offload).
    raise(FINDINGS.txChecksumOffload, i, f, `${pair}${port}: ${wrong} outer UDP checksums not yet computed in ${f.packets} packets sent by ${from.name}`);
  } else if (seen === 'vxlan' && direction === DIRECTION_IN && wrong > 0) {
    // Received: a wrong checksum is what the receiving kernel sees, even the partial sum a sender's NIC left.
    raise(FINDINGS.badOuterUdpChecksum, i, f, `${pair}${port}: ${wrong} bad outer UDP checksums in ${f.packets} packets received by ${to.name}${ladder}`);
  } else if (seen === 'vxlan' && f.badChecksums > 0) {
    raise(FINDINGS.badOuterUdpChecksum, i, f, `${pair}${port}: ${f.badChecksums} bad outer UDP checksums in ${f.packets} packets${ladder}`);
  } else if (f.synPackets > 2 && f.protocol === 6) {
    raise(FINDINGS.synRetransmissions, i, f, `${pair}${port}: ${f.synPackets} SYNs`);
  }
  // Outer fragments: only where the outer header was seen (an uplink), not on a tunnel device.
  if (f.encapsulation !== 0 && f.fragments > 0) {
    raise(FINDINGS.outerFragmentation, i, f, `${pair}: ${f.fragments} fragmented ${seen} packets`);
  }
  // On a tunnel device the outer family is the inner one (an IPv6 pool travels in vxlan-v6.calico).
  const overhead = tunnelOverhead(seen, familyOf(f.outerSrc ?? f.innerDst!));
  if (overhead !== undefined && f.maxInnerLength > UPLINK_MTU - overhead) {
    raise(FINDINGS.innerTooLarge, i, f, `${pair}: inner packets up to ${f.maxInnerLength} bytes in ${seen}, more than ${UPLINK_MTU - overhead}`);
  }
}

function pairVerdicts(verdicts: FlowVerdict[], flows: readonly FlowRecord[]): PairVerdict[] {
  const pairs = new Map<string, PairVerdict>();
  for (const v of verdicts) {
    if ((v.verdict !== 'ok' && v.verdict !== 'mismatch') || !v.from || !v.to || !v.expected) continue;
    const family = flowFamily(flows[v.flow]);
    const key = `${v.from}\n${v.to}\n${family}`;
    let p = pairs.get(key);
    if (!p) {
      p = { from: v.from, to: v.to, family, expected: v.expected, seen: [], verdict: 'ok', flows: 0, packets: 0, reason: v.reason };
      pairs.set(key, p);
    }
    if (!p.seen.includes(v.seen)) p.seen.push(v.seen);
    if (v.verdict === 'mismatch') p.verdict = 'mismatch';
    p.flows++;
    p.packets += flows[v.flow].packets;
  }
  return [...pairs.values()].sort((a, b) => (a.from === b.from ? (a.to === b.to ? a.family - b.family : a.to.localeCompare(b.to)) : a.from.localeCompare(b.from)));
}

/** "kube-node01 -> kube-node04", with " (IPv6)" for the IPv6 pair of a dual-stack pair: the name expectations and JUnit use. */
export function pairName(p: Pick<PairVerdict, 'from' | 'to' | 'family'>, name: (node: string) => string = (node) => node): string {
  return `${name(p.from)} -> ${name(p.to)}${p.family === 6 ? ' (IPv6)' : ''}`;
}

