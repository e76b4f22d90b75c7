// --sort and --top: which flows a report lists, in which order. The totals always cover every
// flow; only the list is ordered and cut. Counts sort largest first (the top talkers), times
// and names smallest first; ties keep the order of the flow table (captures in the order given).
import type { FlowView } from './document.js';

export const SORT_KEYS = ['flow', 'packets', 'bytes', 'time', 'last', 'encap', 'capture'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** What each key means, for --help and the docs. */
export const SORT_HELP = 'flow (table order, the default), packets, bytes (largest first), time (first packet, earliest first), last (last packet, latest first), encap (encapsulation name, then packets), capture (the order the captures were given)';

/** A flow of one of the captures of a run. */
export interface CaptureFlow {
  /** Index of the capture in the run's list of captures. */
  capture: number;
  flow: FlowView;
}

const byCount = (get: (f: FlowView) => number) => (a: CaptureFlow, b: CaptureFlow) => get(b.flow) - get(a.flow);
const byText = (get: (f: FlowView) => string) => (a: CaptureFlow, b: CaptureFlow) => {
  const x = get(a.flow);
  const y = get(b.flow);
  return x < y ? -1 : x > y ? 1 : 0;
};

// ISO times of isoTime() are fixed width, so they compare as strings.
const COMPARE: Record<SortKey, ((a: CaptureFlow, b: CaptureFlow) => number) | null> = {
  flow: null,
  capture: null,
  packets: byCount((f) => f.packets),
  bytes: byCount((f) => f.bytes),
  time: byText((f) => f.firstTime),
  last: (a, b) => byText((f) => f.lastTime)(b, a),
  encap: (a, b) => byText((f) => f.encapsulation)(a, b) || b.flow.packets - a.flow.packets,
};

/** The flows to list: sorted by `sort` (stable), the first `top` of them (0: all). */
export function orderFlows(flows: CaptureFlow[], sort: SortKey, top: number): { shown: CaptureFlow[]; omitted: number } {
  const compare = COMPARE[sort];
  // Array.prototype.sort is stable (ES2019), so ties keep the table order.
  const sorted = compare ? [...flows].sort(compare) : flows;
  if (top > 0 && sorted.length > top) return { shown: sorted.slice(0, top), omitted: sorted.length - top };
  return { shown: sorted, omitted: 0 };
}
