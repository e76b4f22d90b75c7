// One capture judged: its capture points resolved, the node it was taken on found, its flows
// verified. The one place every command (verify, live, report) gets a verdict from, so the same
// capture gives the same verdict whichever command reads it.
import type { FlowRecord } from '../analysis/flows.js';
import type { ClusterModel } from '../model/cluster.js';
import { formatAddress } from '../net/address.js';
import { outermostTunnel } from '../decode/layers.js';
import { ClusterIndex } from './cluster-index.js';
import { DIRECTION_IN, DIRECTION_OUT, DIRECTION_UNKNOWN, isCookedLinktype, resolveCaptureNode, resolvePoints, type CaptureNode, type FlowDirection, type PointFacts, type ResolvedPoint } from './capture-point.js';
import { verify, type VerifyResult } from './verify/verify.js';

export interface JudgeInput {
  /** The capture's flows, in the order of the analysis document. */
  flows: readonly FlowRecord[];
  /** The capture's capture points (see PointFacts). */
  points: readonly PointFacts[];
  /** The capture point id of a flow. */
  pointIdOf: (flow: FlowRecord) => number;
  /** The direction the capture recorded for a flow (SLL packet type, pcapng epb_flags), else unknown. */
  recordedDirectionOf: (flow: FlowRecord) => FlowDirection;
  file: string;
}

export interface JudgeOptions {
  /** --device: the interface of a single-interface capture. */
  device?: string;
  /** --capture-node or NODE=FILE, and which of the two named it. */
  captureNode?: string;
  captureNodeHow?: string;
}

export interface Judgement {
  verify: VerifyResult;
  points: ResolvedPoint[];
  captureNode: CaptureNode;
}

export function judgeCapture(model: ClusterModel, input: JudgeInput, options: JudgeOptions = {}): Judgement {
  const vtepMacs = new Set<string>();
  for (const f of input.flows) if (f.vtepMacs) vtepMacs.add(f.vtepMacs.src).add(f.vtepMacs.dst);
  const outerPoints = new Set<number>();
  for (const f of input.flows) if (f.outerSrc !== null) outerPoints.add(input.pointIdOf(f));
  const points = resolvePoints(input.points, { device: options.device, file: input.file, model, vtepMacs, outerPoints });
  const byId = new Map(points.map((p) => [p.id, p]));
  const factsById = new Map(input.points.map((p) => [p.id, p]));
  const fallback: ResolvedPoint = points[0] ?? { id: 0, name: null, kind: 'uplink', tunnel: null, how: 'default' };
  const pointOf = (f: FlowRecord) => byId.get(input.pointIdOf(f)) ?? fallback;
  const index = new ClusterIndex(model);
  const captureNode = resolveCaptureNode(options.captureNode, options.captureNodeHow ?? '--capture-node', input.flows, index, input.file);
  const node = captureNode.node;
  const nodeIps = new Set([node?.ipv4?.address, node?.ipv6?.address].filter((a) => a !== undefined));
  // The direction the capture recorded wins; else the capturing node's IP in the outer header says it.
  const directionOf = (f: FlowRecord): FlowDirection => {
    const recorded = input.recordedDirectionOf(f);
    if (recorded !== DIRECTION_UNKNOWN || nodeIps.size === 0 || f.outerSrc === null || f.outerDst === null) return recorded;
    if (nodeIps.has(f.outerSrc)) return DIRECTION_OUT;
    if (nodeIps.has(f.outerDst)) return DIRECTION_IN;
    return DIRECTION_UNKNOWN;
  };
  // With `-i any` in Linux cooked form (no interface name), a plain pod packet that came in from a
  // local pod, or goes out to one, was seen on its veth: the pod side, whatever the point looked like.
  const sllPoint = (f: FlowRecord, p: ResolvedPoint): ResolvedPoint => {
    if (p.kind !== 'uplink' || !node || outermostTunnel(f.encapsulation) !== 0 || f.innerSrc === null || f.innerDst === null) return p;
    if (!isCookedLinktype(factsById.get(p.id)?.linktype ?? -1)) return p;
    const direction = input.recordedDirectionOf(f);
    const local = (a: bigint) => index.nodeByPodIp(a) === node && index.poolFor(a) !== null;
    if ((direction === DIRECTION_IN && local(f.innerSrc)) || (direction === DIRECTION_OUT && local(f.innerDst))) {
      return { ...p, kind: 'pod', name: `${p.name ?? 'any'} (a pod veth: ${direction === DIRECTION_IN ? `from local pod ${formatAddress(f.innerSrc)}` : `to local pod ${formatAddress(f.innerDst)}`})` };
    }
    return p;
  };
  const hasUplink = input.flows.some((f) => f.outerSrc !== null && pointOf(f).kind === 'uplink');
  const result = verify(model, {
    flows: input.flows,
    pointOf: (f) => sllPoint(f, pointOf(f)),
    directionOf,
    hasUplink,
  });
  return { verify: result, points, captureNode };
}
