// The HTML report (`report.html`): one self-contained file for people. A graph of the cluster
// (nodes, and one edge per node pair with traffic, coloured by encapsulation, red where the
// verification failed), then per capture the flows, node pair verdicts and findings, then the
// correlation across captures. Inline CSS and JS only: it opens offline, from a file or an e-mail
// attachment, and a Content-Security-Policy with the hashes of its own style and script forbids
// every other resource and script. Every string from the documents comes from packet captures
// (file names, interface names, addresses, messages) and is escaped.
import { createHash } from 'node:crypto';
import type { CorrelateDocument } from '../engine/correlate/types.js';
import type { AnalysisDocument, FlowView } from './document.js';
import type { VerifyDocument } from './verify-report.js';
import { BIDI_CONTROLS } from './terminal-safe.js';

export interface HtmlReportInput {
  title: string;
  /** When the report was made, shown as given (e.g. an ISO time). */
  generated: string;
  captures: (AnalysisDocument | VerifyDocument)[];
  correlation: CorrelateDocument | null;
}

// ------------------------------------------------------------------ escaping and formatting

const BIDI = new RegExp(`[${BIDI_CONTROLS}]`, 'g');
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text and attribute values: the five HTML specials, control characters made visible, and the
 * bidi controls (marks, embeddings, overrides, isolates) shown as <U+202E>: a right-to-left
 * override in a node or file name would otherwise display the rest of the text reversed.
 */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/[&<>"']/g, (c) => ENTITIES[c])
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '\ufffd')
    .replace(BIDI, (c) => `&lt;U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}&gt;`);
}
const e = escapeHtml;

function int(n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return e(n);
  const [whole, frac] = String(n).split('.');
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac === undefined ? '' : `.${frac}`);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${int(n)} ${n === 1 ? one : many}`;
}

/** "2026-11-25T10:25:58.055000000Z" -> "2026-11-25 10:25:58.055 UTC" (other text as it is). */
function time(iso: string | null): string {
  if (iso === null) return '-';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return e(iso);
  let frac = m[3] ?? '';
  while (frac.length > 3 && frac.endsWith('000')) frac = frac.slice(0, -3);
  return `${m[1]} ${m[2]}${/[1-9]/.test(frac) ? `.${frac}` : ''} UTC`;
}

const collator = new Intl.Collator('en', { numeric: true });
const byName = (a: string, b: string) => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

function isVerify(doc: AnalysisDocument | VerifyDocument): doc is VerifyDocument {
  return typeof (doc as VerifyDocument).verify === 'object' && (doc as VerifyDocument).verify !== null;
}

// ------------------------------------------------------------------ the graph model

interface GraphNode {
  name: string;
  /** Node IP with prefix from the model, or null for a node known only by the IP that names it. */
  address: string | null;
  inModel: boolean;
  traffic: boolean;
  details: string[];
}

interface Direction {
  from: string;
  to: string;
  /** Encapsulations of pod traffic (or of every flow of an unverified capture). */
  main: Set<string>;
  /** Other traffic, as "verdict encapsulation" (e.g. "host plain"): not judged against the pool. */
  other: Set<string>;
  expected: Set<string>;
  flows: number;
  packets: number;
  verified: boolean;
}

interface GraphEdge {
  a: string;
  b: string;
  dirs: Map<string, Direction>;
  mismatch: boolean;
  /** Why it is red: "expected vxlan" (a pair verdict), and the codes of error findings. */
  expected: Set<string>;
  problems: Set<string>;
}

export interface ClusterGraph {
  nodes: GraphNode[];
  edges: (GraphEdge & { encapsulation: string; verdict: 'ok' | 'mismatch' | 'none' })[];
}

/**
 * Node names as the verdict engine resolved them (from the verify models); the addresses of
 * tunnel endpoints (and plain flows' endpoints) as the analysis printed them otherwise. Nothing is
 * parsed back from text: who is who is the engine's answer.
 */
export function buildClusterGraph(captures: (AnalysisDocument | VerifyDocument)[]): ClusterGraph {
  const nodes = new Map<string, GraphNode>();
  for (const doc of captures) {
    if (!isVerify(doc)) continue;
    for (const n of doc.verify.model.nodes) {
      if (nodes.has(n.name)) continue;
      const details = [n.address, n.ipv6Address].filter((a) => a !== null).map((a) => `address ${a}`);
      if (n.blocks.length) details.push(`blocks ${n.blocks.join(', ')}`);
      if (n.vxlanTunnelAddr) details.push(`vxlan.calico ${n.vxlanTunnelAddr}`);
      if (n.ipipTunnelAddr) details.push(`tunl0 ${n.ipipTunnelAddr}`);
      nodes.set(n.name, { name: n.name, address: n.address ?? n.ipv6Address ?? '', inModel: true, traffic: false, details });
    }
  }
  const touch = (name: string) => {
    const n = nodes.get(name);
    if (n) n.traffic = true;
    else nodes.set(name, { name, address: null, inModel: false, traffic: true, details: ['not in a cluster model: named by its IP'] });
  };

  const edges = new Map<string, GraphEdge>();
  const edgeOf = (x: string, y: string): GraphEdge => {
    touch(x);
    touch(y);
    const [a, b] = byName(x, y) <= 0 ? [x, y] : [y, x];
    const key = `${a}\u0000${b}`;
    let edge = edges.get(key);
    if (!edge) edges.set(key, (edge = { a, b, dirs: new Map(), mismatch: false, expected: new Set(), problems: new Set() }));
    return edge;
  };
  const add = (from: string, to: string, f: FlowView, seen: string, kind: string, verified: boolean, expected: string | null) => {
    const edge = edgeOf(from, to);
    const key = `${from}\u0000${to}`;
    let d = edge.dirs.get(key);
    if (!d) edge.dirs.set(key, (d = { from, to, main: new Set(), other: new Set(), expected: new Set(), flows: 0, packets: 0, verified: false }));
    if (kind === 'main') d.main.add(seen);
    else d.other.add(`${kind} ${seen}`);
    if (expected !== null) d.expected.add(expected);
    d.flows++;
    d.packets += f.packets;
    d.verified ||= verified;
  };

  for (const doc of captures) {
    if (isVerify(doc)) {
      const v = doc.verify;
      const ends = (fv: VerifyDocument['verify']['flows'][number]): [string, string] | null => {
        const f = doc.flows[fv.flow];
        if (!f) return null;
        const from = fv.from ?? f.outer?.src ?? null;
        const to = fv.to ?? f.outer?.dst ?? null;
        return from === null || to === null || from === to ? null : [from, to];
      };
      for (const fv of v.flows) {
        const pair = ends(fv);
        if (!pair) continue;
        const judged = fv.verdict === 'ok' || fv.verdict === 'mismatch';
        add(pair[0], pair[1], doc.flows[fv.flow], fv.seen, judged ? 'main' : fv.verdict, true, judged ? fv.expected : null);
      }
      for (const p of v.pairs) {
        if (p.verdict !== 'mismatch' || p.from === p.to) continue;
        const edge = edgeOf(p.from, p.to);
        edge.mismatch = true;
        edge.expected.add(p.expected);
      }
      const byIndex = new Map(v.flows.map((fv) => [fv.flow, fv]));
      for (const finding of v.findings) {
        if (finding.severity !== 'error') continue;
        for (const index of finding.flows) {
          const fv = byIndex.get(index);
          const pair = fv ? ends(fv) : null;
          if (!pair) continue;
          const edge = edgeOf(pair[0], pair[1]);
          edge.mismatch = true;
          edge.problems.add(finding.code);
        }
      }
    } else {
      for (const f of doc.flows) {
        const ends = f.outer ?? f.inner;
        if (!ends) continue;
        const from = ends.src;
        const to = ends.dst;
        if (from !== to) add(from, to, f, f.encapsulation, 'main', false, null);
      }
    }
  }

  const graphEdges = [...edges.values()]
    .sort((x, y) => byName(x.a, y.a) || byName(x.b, y.b))
    .map((edge) => {
      const dirs = [...edge.dirs.values()];
      let encs = new Set(dirs.flatMap((d) => [...d.main]));
      if (encs.size === 0) encs = new Set(dirs.flatMap((d) => [...d.other].map((o) => o.slice(o.lastIndexOf(' ') + 1))));
      const encapsulation = encs.size === 1 ? [...encs][0] : encs.size === 0 ? 'none' : 'mixed';
      const verdict: 'ok' | 'mismatch' | 'none' = edge.mismatch ? 'mismatch' : dirs.some((d) => d.verified) ? 'ok' : 'none';
      return { ...edge, encapsulation, verdict };
    });
  return { nodes: [...nodes.values()].sort((x, y) => byName(x.name, y.name)), edges: graphEdges };
}

// ------------------------------------------------------------------ the SVG

const ENCAP_CLASS: Record<string, string> = { plain: 'plain', ipip: 'ipip', vxlan: 'vxlan', mixed: 'mixed' };
const CHAR = 7; // average advance of the 12px label font, for the layout estimate (the script fits the boxes)
const LINE = 15;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
const overlap = (p: Box, q: Box) => Math.max(0, Math.min(p.x + p.w, q.x + q.w) - Math.max(p.x, q.x)) * Math.max(0, Math.min(p.y + p.h, q.y + q.h) - Math.max(p.y, q.y));

/** The shortest distinct form of node names: their common prefix ("kube-") dropped. */
function shortNames(nodes: GraphNode[]): Map<string, string> {
  const names = nodes.map((x) => x.name);
  const out = new Map(names.map((n) => [n, n]));
  // Only model nodes have names to shorten: a node outside the model is named by its address.
  if (names.length < 2 || nodes.some((x) => !x.inModel)) return out;
  let prefix = names[0];
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = prefix.search(/[-._][^-._]*$/) + 1; // keep whole words: cut after the last separator
  if (cut <= 0) return out;
  for (const n of names) out.set(n, n.slice(cut) || n);
  return new Set(out.values()).size === names.length ? out : new Map(names.map((n) => [n, n]));
}

function renderGraph(graph: ClusterGraph): string {
  const n = graph.nodes.length;
  if (n === 0) return '<p class="muted">No node traffic in these captures.</p>';
  const boxW = new Map(graph.nodes.map((node) => [node.name, Math.max(132, Math.ceil(Math.max(node.name.length * 8.2, (node.address ?? '').length * 6.8)) + 28)]));
  const boxH = 48;
  const maxW = Math.max(...boxW.values());
  const ry = n <= 2 ? 0 : Math.max(165, (n * (boxH + 60)) / (2 * Math.PI));
  const rx = n === 1 ? 0 : Math.max(300, (n * (maxW + 40)) / (2 * Math.PI));
  const margin = 30;
  const width = Math.ceil(2 * rx + maxW + 2 * margin + 40);
  const height = Math.ceil(2 * ry + boxH + 2 * margin + (n <= 2 ? 60 : 0));
  const cx = width / 2;
  const cy = height / 2;
  const pos = new Map<string, { x: number; y: number }>();
  graph.nodes.forEach((node, i) => {
    const angle = n === 2 ? Math.PI + Math.PI * i : -Math.PI / 2 + (2 * Math.PI * i) / n;
    pos.set(node.name, { x: Math.round(cx + rx * Math.cos(angle)), y: Math.round(cy + ry * Math.sin(angle)) });
  });
  const taken: Box[] = graph.nodes.map((node) => {
    const p = pos.get(node.name)!;
    const w = boxW.get(node.name)!;
    return { x: p.x - w / 2 - 4, y: p.y - boxH / 2 - 4, w: w + 8, h: boxH + 8 };
  });
  const short = shortNames(graph.nodes);

  const lines: string[] = [];
  const labels: string[] = [];
  const alerts: string[] = [];
  for (const edge of graph.edges) {
    const a = pos.get(edge.a)!;
    const b = pos.get(edge.b)!;
    const dirs = [...edge.dirs.values()].sort((x, y) => (x.from === edge.a ? -1 : 1) - (y.from === edge.a ? -1 : 1));
    const text = dirs.map((d) => {
      const parts = [[...d.main].sort().join('+'), ...[...d.other].sort()].filter(Boolean);
      return `${short.get(d.from)}\u2192${short.get(d.to)} ${parts.join(', ')}`;
    });
    // The reason it is red, short: the expected encapsulation, else the error findings' codes.
    const problems = [...edge.problems].sort();
    const why = edge.expected.size ? [`expected ${[...edge.expected].sort().join('+')}`] : problems;
    if (why.length) text.push(`\u2717 ${why.slice(0, 2).join(', ')}${why.length > 2 ? ` (+${why.length - 2})` : ''}`);
    const packets = dirs.reduce((s, d) => s + d.packets, 0);
    const strokeWidth = Math.min(7, 2 + Math.log10(1 + packets) * 1.6).toFixed(1);
    const cls = ENCAP_CLASS[edge.encapsulation] ?? 'other';
    const tooltip = [
      `${edge.a} \u2194 ${edge.b}: ${edge.encapsulation}`,
      ...dirs.map((d) => `${d.from} \u2192 ${d.to}: ${[...d.main, ...d.other].join(', ')}${d.expected.size ? ` (expected ${[...d.expected].join(', ')})` : ''}; ${plural(d.flows, 'flow')}, ${plural(d.packets, 'packet')}`),
      ...[...edge.expected].map((x) => `mismatch: expected ${x}`),
      ...problems.map((p) => `error finding: ${p}`),
    ].join('\n');
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    if (edge.verdict === 'mismatch') {
      alerts.push(`<g class="edge-alert" data-from="${e(edge.a)}" data-to="${e(edge.b)}"><title>${e(tooltip)}</title><circle cx="${mid.x}" cy="${mid.y}" r="10"/><text x="${mid.x}" y="${mid.y + 5}">!</text></g>`);
      taken.push({ x: mid.x - 13, y: mid.y - 13, w: 26, h: 26 });
    }
    lines.push(
      `<g class="edge enc-${cls}${edge.verdict === 'mismatch' ? ' bad' : ''}" data-from="${e(edge.a)}" data-to="${e(edge.b)}" data-encapsulation="${e(edge.encapsulation)}" data-verdict="${edge.verdict}">` +
        `<title>${e(tooltip)}</title><line class="halo" x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}"/>` +
        `<line class="wire" x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" stroke-width="${strokeWidth}"/></g>`,
    );
    // The label: the first free place along the edge, from its middle outwards.
    const w = Math.max(...text.map((t) => t.length)) * CHAR + 14;
    const h = text.length * LINE + 8;
    let best: { box: Box; cost: number } | null = null;
    for (const t of [0.5, 0.38, 0.62, 0.3, 0.7, 0.44, 0.56, 0.24, 0.76]) {
      const box = { x: a.x + (b.x - a.x) * t - w / 2, y: a.y + (b.y - a.y) * t - h / 2, w, h };
      const cost = taken.reduce((s, q) => s + overlap(box, q), 0);
      if (!best || cost < best.cost) best = { box, cost };
      if (cost === 0) break;
    }
    const box = best!.box;
    taken.push(box);
    labels.push(
      `<g class="edge-label${edge.verdict === 'mismatch' ? ' bad' : ''}"><rect x="${box.x.toFixed(1)}" y="${box.y.toFixed(1)}" width="${w.toFixed(1)}" height="${h}" rx="4"/>` +
        text.map((t, i) => `<text x="${(box.x + w / 2).toFixed(1)}" y="${(box.y + 4 + LINE * (i + 1) - 3.5).toFixed(1)}"${i === text.length - 1 && why.length ? ' class="problem"' : ''}>${e(t)}</text>`).join('') +
        '</g>',
    );
  }
  const boxes = graph.nodes.map((node) => {
    const p = pos.get(node.name)!;
    const w = boxW.get(node.name)!;
    const cls = ['node', node.inModel ? 'model' : 'seen', node.traffic ? '' : 'idle'].filter(Boolean).join(' ');
    const sub = node.address ?? (node.inModel ? '' : 'seen in traffic');
    const tip = [node.name, ...node.details, node.traffic ? '' : 'no traffic to or from it in these captures'].filter(Boolean).join('\n');
    return (
      `<g class="${cls}" data-node="${e(node.name)}"><title>${e(tip)}</title>` +
      `<rect x="${p.x - w / 2}" y="${p.y - boxH / 2}" width="${w}" height="${boxH}" rx="9"/>` +
      `<text class="name" x="${p.x}" y="${p.y - 3}">${e(node.name)}</text>` +
      `<text class="addr" x="${p.x}" y="${p.y + 14}">${e(sub)}</text></g>`
    );
  });
  return (
    `<svg class="graph" role="img" aria-label="cluster graph: ${plural(graph.nodes.length, 'node')}, ${plural(graph.edges.length, 'node pair')} with traffic" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<g class="edges">${lines.join('')}</g><g class="labels">${labels.join('')}</g><g class="alerts">${alerts.join('')}</g><g class="nodes">${boxes.join('')}</g></svg>`
  );
}

function legend(graph: ClusterGraph): string {
  const items = [
    ['plain', 'plain (no tunnel)'],
    ['ipip', 'IPIP'],
    ['vxlan', 'VXLAN'],
    ['mixed', 'mixed encapsulations'],
  ];
  if (graph.edges.some((x) => !(x.encapsulation in ENCAP_CLASS))) items.push(['other', 'other']);
  return (
    '<ul class="legend">' +
    items.map(([cls, label]) => `<li><span class="swatch enc-${cls}"></span>${label}</li>`).join('') +
    '<li><span class="swatch bad"></span>mismatch or error finding</li>' +
    '<li><span class="swatch idle"></span>node without traffic</li></ul>'
  );
}

// ------------------------------------------------------------------ tables

interface Cell {
  html: string;
  /** The value the column sorts by, when the text is not it (formatted numbers). */
  sort?: string | number;
  cls?: string;
  title?: string;
}
interface Column {
  head: string;
  num?: boolean;
  title?: string;
}
interface Row {
  cells: (Cell | string)[];
  id?: string;
  cls?: string;
}

const num = (n: number, cls = 'num'): Cell => ({ html: int(n), sort: n, cls });
/** Identifiers (ports, VNIs): no thousands separator. */
const ident = (n: number | null): Cell => (n === null ? { html: '', sort: '', cls: 'num' } : { html: e(n), sort: n, cls: 'num' });
/** A file path that may wrap after its slashes. */
const path = (text: string): Cell => ({ html: e(text).replace(/\//g, '/<wbr>'), cls: 'mono path', sort: text });
const mono = (text: string | null): Cell => (text === null ? { html: '-', cls: 'mono muted', sort: '' } : { html: e(text), cls: 'mono' });
/** "src → dst" on two lines, sorted by the source. */
const stacked = (ends: { src: string; dst: string } | null, cls = 'mono'): Cell =>
  ends === null ? { html: '-', cls: `${cls} muted`, sort: '' } : { html: `<span>${e(ends.src)}</span><span>\u2192 ${e(ends.dst)}</span>`, cls: `${cls} stack`, sort: `${ends.src} ${ends.dst}` };
/** The inner ends with their pods' names (--pods) after the addresses, in the muted colour. */
const innerStacked = (ends: FlowView['inner']): Cell => {
  if (ends === null || (!ends.srcPod && !ends.dstPod)) return stacked(ends);
  const pod = (name: string | null | undefined) => (name ? ` <small class="muted">${e(name)}</small>` : '');
  return { html: `<span>${e(ends.src)}${pod(ends.srcPod)}</span><span>\u2192 ${e(ends.dst)}${pod(ends.dstPod)}</span>`, cls: 'mono stack', sort: `${ends.src} ${ends.dst}` };
};
const badge = (kind: string, text: string, title?: string): string => `<span class="badge ${e(kind)}"${title ? ` title="${e(title)}"` : ''}>${e(text)}</span>`;

function table(cls: string, columns: Column[], rows: Row[], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${empty}</p>`;
  const head = columns.map((c) => `<th scope="col"${c.num ? ' class="num"' : ''} title="${e(c.title ? `${c.title} (click to sort)` : 'click to sort')}">${e(c.head)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cells = r.cells.map((c, i) => {
        const cell = typeof c === 'string' ? { html: c } : c;
        const classes = [cell.cls ?? (columns[i]?.num ? 'num' : '')].filter(Boolean).join(' ');
        return `<td${classes ? ` class="${classes}"` : ''}${cell.sort !== undefined ? ` data-sort="${e(cell.sort)}"` : ''}${cell.title ? ` title="${e(cell.title)}"` : ''}>${cell.html}</td>`;
      });
      return `<tr${r.id ? ` id="${r.id}"` : ''}${r.cls ? ` class="${r.cls}"` : ''}>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table class="sortable ${cls}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function verdictBadge(verdict: string, title?: string): string {
  const kind = verdict === 'ok' ? 'ok' : verdict === 'mismatch' ? 'bad' : verdict === 'host' || verdict === 'local' ? 'neutral' : 'warn';
  return badge(kind, verdict, title);
}

// ------------------------------------------------------------------ one capture

function captureSection(doc: AnalysisDocument | VerifyDocument, ci: number): string {
  const v = isVerify(doc) ? doc.verify : null;
  const t = doc.totals;
  const anchor = `capture-${ci + 1}`;
  const flowAnchor = (i: number) => `c${ci + 1}-f${i}`;
  const out: string[] = [];
  const result = v ? badge(v.result === 'pass' ? 'ok' : v.result === 'fail' ? 'bad' : 'neutral', v.result.toUpperCase(), v.hint ?? undefined) : badge('neutral', 'not verified', 'analysed without a cluster model');
  out.push(`<section class="card capture" id="${anchor}"><h2><span class="idx">${ci + 1}</span> <span class="mono file">${e(doc.capture.file)}</span> ${result}</h2>`);

  const facts: string[] = [
    `${e(doc.capture.format)}${doc.capture.gzip ? ' (gzip)' : ''}`,
    plural(t.packets, 'packet'),
    `${int(t.bytes)} bytes`,
    plural(t.flows, 'flow'),
    `${time(t.firstTime)} \u2192 ${time(t.lastTime)}`,
  ];
  const ifaces = doc.capture.interfaces.map((i) => `${e(i.name ?? `interface ${i.id}`)} (${e(i.linktypeName)}, snaplen ${int(i.snaplen)})`);
  if (ifaces.length) facts.push(ifaces.join(', '));
  if (v?.device.name) facts.push(`captured on ${e(v.device.name)}${v.device.tunnel ? `: plain flows there were carried in ${e(v.device.tunnel)}` : ''}`);
  out.push(`<p class="facts">${facts.map((f) => `<span>${f}</span>`).join('')}</p>`);

  const chips: string[] = Object.entries(doc.encapsulations).map(([name, x]) => `<span class="chip enc-${ENCAP_CLASS[name] ?? 'other'}"><b>${e(name)}</b> ${plural(x.packets, 'packet')}, ${plural(x.flows, 'flow')}</span>`);
  for (const [code, n] of Object.entries(doc.issues.counts)) chips.push(`<span class="chip warn" title="capture issue (decoder)"><b>${e(code)}</b> ${int(n)}</span>`);
  for (const [type, n] of Object.entries(doc.nonIp)) chips.push(`<span class="chip"><b>non-IP ${e(type)}</b> ${int(n)}</span>`);
  const counters: [number, string][] = [
    [t.fragments, 'fragments'],
    [t.badChecksums, 'bad checksums'],
    [t.checksumOffloadSuspects, 'checksum offload suspects'],
    [t.malformedPackets, 'malformed packets'],
    [t.snaplenCutPackets, 'packets cut by snaplen'],
    [t.untrackedFlowPackets, 'packets of untracked flows (flow table full)'],
  ];
  for (const [n, label] of counters) if (n > 0) chips.push(`<span class="chip warn"><b>${int(n)}</b> ${label}</span>`);
  if (doc.capture.endedEarly) chips.push('<span class="chip warn"><b>ended early</b> the capture file is truncated</span>');
  if (chips.length) out.push(`<p class="chips">${chips.join('')}</p>`);
  if (v?.expectations) {
    const x = v.expectations;
    out.push(`<p>${badge(x.matched ? 'ok' : 'bad', x.matched ? 'expectations met' : 'expectations differ')} <span class="mono">${e(x.file)}</span></p>`);
    if (x.differences.length) out.push(`<ul class="diff">${x.differences.map((d) => `<li class="mono">${e(d)}</li>`).join('')}</ul>`);
  }

  // Flows, with the verdict columns when verified.
  const verdicts = new Map((v?.flows ?? []).map((fv) => [fv.flow, fv]));
  const columns: Column[] = [
    { head: 'flow', num: true, title: 'index in the JSON document' },
    { head: 'encap' },
    { head: 'outer (nodes)', title: 'outer source \u2192 destination: the node IPs of a tunnel' },
    { head: 'VNI', num: true },
    { head: 'inner (pods)', title: 'inner source \u2192 destination: pod IPs' },
    { head: 'proto' },
    { head: 'sport', num: true },
    { head: 'dport', num: true },
    { head: 'packets', num: true },
    { head: 'bytes', num: true },
    { head: 'notes', title: 'fragments, bad checksums, malformed packets, SYNs' },
  ];
  if (v) columns.push({ head: 'nodes', title: 'sender \u2192 receiver node' }, { head: 'verdict' }, { head: 'reason' });
  const rows: Row[] = doc.flows.map((f, i) => {
    const notes: string[] = [];
    if (f.fragments) notes.push(`${int(f.fragments)} frag`);
    if (f.badChecksums) notes.push(`${int(f.badChecksums)} bad csum`);
    if (f.checksumOffloadSuspects) notes.push(`${int(f.checksumOffloadSuspects)} offload?`);
    if (f.malformedPackets) notes.push(`${int(f.malformedPackets)} malformed`);
    if (f.synPackets > 1) notes.push(`${int(f.synPackets)} SYN`);
    const cells: (Cell | string)[] = [
      { html: `<a href="#${flowAnchor(i)}">${i}</a>`, sort: i, cls: 'num' },
      { html: `<span class="enc enc-${ENCAP_CLASS[f.encapsulation] ?? 'other'}">${e(f.encapsulation)}</span>`, sort: f.encapsulation },
      stacked(f.outer),
      ident(f.vni),
      innerStacked(f.inner),
      { html: e(f.protocol ?? f.innerEtherType ?? '-') },
      ident(f.sport),
      ident(f.dport),
      num(f.packets),
      num(f.bytes),
      { html: notes.map((x) => `<span class="note">${x}</span>`).join(' '), sort: f.fragments + f.badChecksums + f.malformedPackets, title: `${time(f.firstTime)} \u2192 ${time(f.lastTime)}` },
    ];
    const fv = verdicts.get(i);
    if (v) {
      cells.push(
        fv && (fv.from || fv.to) ? stacked({ src: fv.from ?? '?', dst: fv.to ?? '?' }, 'nodes') : { html: '', sort: '' },
        fv ? { html: verdictBadge(fv.verdict) + (fv.verdict === 'mismatch' ? `<span class="expected">expected ${e(fv.expected ?? '?')}</span>` : ''), sort: fv.verdict, cls: 'verdict' } : { html: '' },
        { html: e(fv?.reason ?? ''), cls: 'reason' },
      );
    }
    return { cells, id: flowAnchor(i), cls: fv?.verdict === 'mismatch' ? 'row-bad' : undefined };
  });
  out.push(`<h3>Flows</h3>${table('flows', columns, rows, 'No flows.')}`);

  if (v) {
    const pairRows: Row[] = v.pairs.map((p) => ({
      cls: p.verdict === 'mismatch' ? 'row-bad' : undefined,
      cells: [e(p.from), e(p.to), e(p.expected), e(p.seen.join(', ')), { html: verdictBadge(p.verdict), sort: p.verdict }, num(p.flows), num(p.packets), { html: e(p.reason), cls: 'reason' }],
    }));
    out.push(
      '<h3>Node pairs <span class="muted">(pod traffic, per direction)</span></h3>' +
        table('pairs', [{ head: 'from' }, { head: 'to' }, { head: 'expected' }, { head: 'seen' }, { head: 'verdict' }, { head: 'flows', num: true }, { head: 'packets', num: true }, { head: 'reason' }], pairRows, 'None: no pod traffic between known nodes in this capture.'),
    );
    const rank: Record<string, number> = { error: 0, warning: 1, info: 2 };
    const findingRows: Row[] = v.findings.map((f) => ({
      cls: f.severity === 'error' ? 'row-bad' : undefined,
      cells: [
        { html: badge(f.severity === 'error' ? 'bad' : f.severity === 'warning' ? 'warn' : 'info', f.severity), sort: rank[f.severity] ?? 3 },
        { html: e(f.code), cls: 'mono' },
        { html: e(f.message) },
        { html: e(f.why), cls: 'reason' },
        { html: f.flows.map((i) => `<a href="#${flowAnchor(i)}">${int(i)}</a>`).join(', '), sort: f.flows[0] ?? '' },
        { html: `${f.packets.map(int).join(', ')}${f.packets.length >= 20 ? ', \u2026' : ''}`, sort: f.packets[0] ?? '', cls: 'mono' },
      ],
    }));
    out.push(
      `<h3>Findings <span class="muted">(${int(v.findings.length)})</span></h3>` +
        table('findings', [{ head: 'severity' }, { head: 'code' }, { head: 'message' }, { head: 'why it matters' }, { head: 'flows' }, { head: 'first packets' }], findingRows, 'No findings.'),
    );
    if (v.model.learnedBlocks.length) {
      out.push(`<p class="muted">Blocks learned from the capture (not given): ${v.model.learnedBlocks.map((l) => `${e(l.node)} <span class="mono">${e(l.block)}</span>`).join(', ')}</p>`);
    }
  }
  out.push('</section>');
  return out.join('\n');
}

// ------------------------------------------------------------------ correlation

function correlationSection(c: CorrelateDocument): string {
  const out: string[] = ['<section class="card" id="correlation"><h2>Correlation across captures</h2>'];
  out.push(
    `<p class="facts"><span>${plural(c.matched, 'inner packet')} matched in two or more captures</span><span class="${c.lost > 0 ? 'bad-text' : ''}">${int(c.lost)} lost</span>` +
      `<span class="${c.decapsulationDropped > 0 ? 'bad-text' : ''}">${int(c.decapsulationDropped)} dropped by the receiving node before decapsulation</span>` +
      (c.notCovered > 0 ? `<span>${int(c.notCovered)} not judged (the receiver\u2019s capture was not running)</span>` : '') +
      `<span>window ${int(c.windowSeconds)} s (peak ${int(c.windowPeakPackets)} packets held)</span></p>`,
  );
  out.push(
    '<h3>Captures</h3>' +
      table(
        'corr-captures',
        [{ head: 'id', num: true }, { head: 'file' }, { head: 'node' }, { head: 'device' }, { head: 'kind' }, { head: 'packets', num: true }, { head: 'inner packets', num: true }, { head: 'first \u2192 last packet' }],
        c.captures.map((x) => ({
          cells: [num(x.id), path(x.file), { html: e(x.node ?? '-'), cls: 'nodes' }, mono(x.device), e(x.kind), num(x.packets), num(x.innerPackets), { html: `<span>${time(x.firstTime)}</span><span>\u2192 ${time(x.lastTime)}</span>`, sort: x.firstTime ?? '', cls: 'time stack' }],
        })),
        'No captures.',
      ),
  );
  const ms = (x: number | undefined): Cell => (x === undefined ? { html: '-', sort: '', cls: 'num muted' } : { html: `${Number.isFinite(x) ? x.toFixed(3) : e(x)} ms`, sort: x, cls: 'num' });
  out.push(
    '<h3>Node pairs <span class="muted">(one-way, sender capture \u2192 receiver capture)</span></h3>' +
      table(
        'corr-pairs',
        [{ head: 'from' }, { head: 'to' }, { head: 'matched', num: true }, { head: 'lost', num: true }, { head: 'latency min', num: true }, { head: 'median', num: true }, { head: 'p99', num: true }, { head: 'how the packets looked' }],
        c.pairs.map((p) => ({
          cls: p.lost > 0 ? 'row-bad' : undefined,
          cells: [e(p.from), e(p.to), num(p.matched), num(p.lost), ms(p.latency?.minMs), ms(p.latency?.medianMs), ms(p.latency?.p99Ms), { html: p.looks.map((l) => `<div class="mono">${e(l)}</div>`).join(''), sort: p.looks.join(' ') }],
        })),
        'No node pair seen in both its sender\u2019s and its receiver\u2019s capture.',
      ),
  );
  for (const w of c.warnings) out.push(`<p class="callout">\u26a0 ${e(w)}</p>`);
  out.push(
    '<h3>Decapsulation <span class="muted">(uplink capture against the same node\u2019s tunnel-device capture)</span></h3>' +
      table(
        'decap',
        [{ head: 'node' }, { head: 'uplink' }, { head: 'tunnel device' }, { head: 'arrived', num: true }, { head: 'decapsulated', num: true }, { head: 'dropped', num: true }, { head: 'likely causes' }],
        c.decapsulation.map((d) => ({
          cls: d.dropped > 0 ? 'row-bad' : undefined,
          cells: [e(d.node), mono(d.uplink), mono(d.tunnelDevice), num(d.arrived), num(d.decapsulated), num(d.dropped, d.dropped > 0 ? 'num bad-text' : 'num'), { html: d.causes.length ? `<ul>${d.causes.map((x) => `<li>${e(x)}</li>`).join('')}</ul>` : '', cls: 'reason' }],
        })),
        'No node with both an uplink and a tunnel-device capture.',
      ),
  );
  out.push('</section>');
  return out.join('\n');
}

// ------------------------------------------------------------------ the page

const STYLE = `
:root{--fg:#1d2430;--muted:#5d6878;--line:#d9dee7;--bg:#f4f6f9;--card:#fff;--plain:#8a94a3;--ipip:#2f6fdb;--vxlan:#1f9d55;--mixed:#e8871e;--other:#8b5cc7;--bad:#d43131;--warn:#b7791f;--ok:#1f8a4c}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans","Liberation Sans",Arial,sans-serif}
main{max-width:1360px;margin:0 auto;padding:0 24px 32px}
header.top{background:#1d2430;color:#fff;padding:20px 24px 18px}
header.top .inner{max-width:1312px;margin:0 auto}
header.top h1{margin:0 0 2px;font-size:22px;font-weight:650;letter-spacing:.01em}
header.top .meta{color:#b9c2cf;font-size:13px}
.summary{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.stat{background:#2a3343;border-radius:8px;padding:8px 14px;min-width:110px}
.stat .v{font-size:20px;font-weight:650;font-variant-numeric:tabular-nums}
.stat .k{font-size:12px;color:#b9c2cf;text-transform:uppercase;letter-spacing:.05em}
.stat.pass{background:#1f6f43}.stat.fail{background:#a42424}
nav.toc{margin:14px 0 0;font-size:13px}
nav.toc a{color:#cfe0ff;margin-right:14px;text-decoration:none}
nav.toc a:hover{text-decoration:underline}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 20px 18px;margin:18px 0;box-shadow:0 1px 2px rgba(20,30,50,.04)}
h2{font-size:18px;margin:0 0 8px;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
h2 .idx{display:inline-block;background:var(--fg);color:#fff;border-radius:50%;width:24px;height:24px;text-align:center;font-size:13px;line-height:24px}
h3{font-size:14px;margin:18px 0 6px;text-transform:uppercase;letter-spacing:.04em;color:#394455}
h3 .muted{text-transform:none;letter-spacing:0;font-weight:400}
.muted{color:var(--muted)}
.mono{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;font-size:12.5px}
.file{font-size:15px;font-weight:600;word-break:break-all}
.facts{margin:4px 0 8px;color:var(--muted)}
.facts span{white-space:nowrap;display:inline-block}
.facts span:not(:last-child)::after{content:"\\00b7";margin:0 8px;color:#aab2bf}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}
.chip{border:1px solid var(--line);border-radius:999px;padding:1px 10px;font-size:12.5px;background:#fafbfc}
.chip.enc-plain{border-color:var(--plain)}.chip.enc-ipip{border-color:var(--ipip)}.chip.enc-vxlan{border-color:var(--vxlan)}.chip.enc-other{border-color:var(--other)}
.chip.warn{border-color:#e9c46a;background:#fff8e6}
.badge{display:inline-block;border-radius:4px;padding:0 7px;font-size:12px;font-weight:600;line-height:19px;white-space:nowrap}
.badge.ok{background:#dff3e6;color:#17693a}.badge.bad{background:#fde2e2;color:#a61b1b}.badge.warn{background:#fff0cf;color:#8a5a00}.badge.info{background:#e3ecfd;color:#2450a6}.badge.neutral{background:#eceff3;color:#4b5565}
h2 .badge{font-size:13px;line-height:22px;padding:0 9px}
.enc{font-weight:600}.enc-plain.enc{color:#5f6978}.enc-ipip.enc{color:var(--ipip)}.enc-vxlan.enc{color:var(--vxlan)}.enc-other.enc{color:var(--other)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 6px;border-bottom:1px solid #e8ebf0;text-align:left;vertical-align:top}
th{background:#f0f3f7;font-weight:600;color:#394455;cursor:pointer;user-select:none;white-space:nowrap;position:sticky;top:0}
th:hover{background:#e4e9f0}
th[aria-sort]{background:#dde4ee}
th[aria-sort=ascending]::after{content:"\\25b2";margin-left:3px;font-size:10px}
th[aria-sort=descending]::after{content:"\\25bc";margin-left:3px;font-size:10px}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfd}
tbody tr:hover{background:#eef4ff}
tr.row-bad{background:#fff5f5}
tr.row-bad:nth-child(even){background:#fdeeee}
tr:target{outline:2px solid var(--mixed);outline-offset:-2px}
td.reason{color:var(--muted);font-size:12.5px;min-width:200px}
td.mono,td.nodes,td.verdict,td.time{white-space:nowrap}
td.path{white-space:normal;min-width:160px}
td.stack span{display:block}
td.stack span+span{color:#4b5565}
.expected{display:block;color:var(--bad);font-size:12px}
td ul{margin:0;padding-left:16px}
.note{display:inline-block;background:#fff0cf;color:#8a5a00;border-radius:3px;padding:0 5px;font-size:11.5px;white-space:nowrap}
a{color:#2458c6}
.bad-text{color:var(--bad);font-weight:600}
.callout{background:#fff8e6;border:1px solid #f0d38a;border-radius:6px;padding:6px 10px;margin:8px 0;font-size:13px}
.graph-wrap{display:flex;justify-content:center;overflow-x:auto}
svg.graph{max-width:100%;height:auto;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",Arial,sans-serif}
svg .edge .halo{stroke:#fff;stroke-width:9;stroke-linecap:round}
svg .edge .wire{stroke-linecap:round;stroke:var(--plain)}
svg .edge.enc-ipip .wire{stroke:var(--ipip)}svg .edge.enc-vxlan .wire{stroke:var(--vxlan)}svg .edge.enc-mixed .wire{stroke:var(--mixed)}svg .edge.enc-other .wire{stroke:var(--other)}
svg .edge.bad .wire{stroke:var(--bad);stroke-dasharray:10 5}
svg .edge:hover .wire{filter:brightness(.8)}
svg .edge-alert circle{fill:var(--bad);stroke:#fff;stroke-width:2}
svg .edge-alert text{fill:#fff;font-weight:700;font-size:14px;text-anchor:middle}
svg .edge-label rect{fill:#fff;fill-opacity:.94;stroke:#d5dae2}
svg .edge-label.bad rect{stroke:#f0b4b4}
svg .edge-label text{font-size:12px;fill:#394455;text-anchor:middle}
svg .edge-label text.problem{fill:var(--bad);font-weight:600}
svg .node rect{fill:#fff;stroke:#394455;stroke-width:1.6}
svg .node.seen rect{stroke-dasharray:5 3}
svg .node.idle rect{stroke:#aab2bf;fill:#f6f7f9}
svg .node text{text-anchor:middle}
svg .node .name{font-size:14px;font-weight:650;fill:var(--fg)}
svg .node .addr{font-size:11.5px;fill:var(--muted)}
svg .node.idle .name{fill:var(--muted)}
.legend{list-style:none;display:flex;flex-wrap:wrap;justify-content:center;gap:6px 18px;padding:0;margin:6px 0 0;font-size:12.5px;color:var(--muted)}
.swatch{display:inline-block;width:22px;height:4px;border-radius:2px;margin-right:6px;vertical-align:middle;background:var(--plain)}
.swatch.enc-ipip{background:var(--ipip)}.swatch.enc-vxlan{background:var(--vxlan)}.swatch.enc-mixed{background:var(--mixed)}.swatch.enc-other{background:var(--other)}
.swatch.bad{background:repeating-linear-gradient(90deg,var(--bad) 0 8px,transparent 8px 11px)}
.swatch.idle{height:12px;width:18px;border:1.5px solid #aab2bf;background:#f6f7f9;border-radius:3px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media print{body{background:#fff}.card{box-shadow:none;break-inside:avoid-page}th{position:static}}
`;

// Click (or Enter on) a column header: sort the rows by it, numbers as numbers, blanks last.
const SCRIPT = `
(function () {
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  function key(row, col) {
    var cell = row.cells[col];
    if (!cell) return '';
    var v = cell.getAttribute('data-sort');
    return (v === null ? cell.textContent : v).trim();
  }
  function compare(a, b) {
    if (a === b) return 0;
    if (a === '' || a === '-') return 1;
    if (b === '' || b === '-') return -1;
    var x = Number(a), y = Number(b);
    if (!isNaN(x) && !isNaN(y)) return x - y;
    return collator.compare(a, b);
  }
  // Label boxes were sized by an estimate: fit them to the text as this browser's fonts draw it.
  document.querySelectorAll('svg.graph .edge-label').forEach(function (g) {
    var rect = g.querySelector('rect'), texts = g.querySelectorAll('text');
    if (!rect || !texts.length || !texts[0].getBBox) return;
    var left = Infinity, right = -Infinity;
    texts.forEach(function (t) { var b = t.getBBox(); left = Math.min(left, b.x); right = Math.max(right, b.x + b.width); });
    if (right > left) { rect.setAttribute('x', (left - 7).toFixed(1)); rect.setAttribute('width', (right - left + 14).toFixed(1)); }
  });
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      function sort() {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r, s) {
          var a = key(r, col), b = key(s, col);
          var blankA = a === '' || a === '-', blankB = b === '' || b === '-';
          if (blankA || blankB) return compare(a, b);
          return dir * compare(a, b);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); sort(); }
      });
    });
  });
})();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export function renderHtmlReport(input: HtmlReportInput): string {
  const { captures, correlation } = input;
  const graph = buildClusterGraph(captures);
  const verified = captures.filter(isVerify);
  const packets = captures.reduce((s, d) => s + d.totals.packets, 0);
  const flows = captures.reduce((s, d) => s + d.totals.flows, 0);
  const findings = verified.flatMap((d) => d.verify.findings);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const failed = verified.filter((d) => d.verify.result === 'fail').length;

  const stats: string[] = [
    `<div class="stat"><div class="v">${int(captures.length)}</div><div class="k">captures</div></div>`,
    `<div class="stat"><div class="v">${int(packets)}</div><div class="k">packets</div></div>`,
    `<div class="stat"><div class="v">${int(flows)}</div><div class="k">flows</div></div>`,
    `<div class="stat"><div class="v">${int(graph.nodes.length)}</div><div class="k">nodes</div></div>`,
  ];
  if (verified.length) {
    const inconclusive = verified.filter((d) => d.verify.result === 'inconclusive').length;
    const overall = failed > 0 ? 'fail' : inconclusive > 0 ? 'inconclusive' : 'pass';
    const scope = verified.length === captures.length ? '' : ` (${verified.length} of ${captures.length} verified)`;
    const counts = [failed ? `${failed} failed` : '', inconclusive ? `${inconclusive} inconclusive` : ''].filter(Boolean).join(', ');
    stats.push(`<div class="stat result ${overall === 'pass' ? 'pass' : 'fail'}" data-result="${overall}"><div class="v">${overall.toUpperCase()}</div><div class="k">verify${counts ? `: ${counts}` : ''}${scope}</div></div>`);
    stats.push(`<div class="stat"><div class="v">${int(findings.length)}</div><div class="k">findings${findings.length ? `: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}</div></div>`);
  }
  if (correlation) {
    stats.push(`<div class="stat${correlation.lost > 0 ? ' fail' : ''}"><div class="v">${int(correlation.matched)} / ${int(correlation.lost)}</div><div class="k">matched / lost</div></div>`);
    const dropped = correlation.decapsulationDropped;
    if (dropped > 0) stats.push(`<div class="stat fail"><div class="v">${int(dropped)}</div><div class="k">not decapsulated</div></div>`);
  }
  const toc = [
    '<a href="#graph">Cluster</a>',
    ...captures.map((d, i) => `<a href="#capture-${i + 1}">${i + 1}. ${e(d.capture.file.split('/').pop() ?? d.capture.file)}</a>`),
    correlation ? '<a href="#correlation">Correlation</a>' : '',
  ].join('');
  const tool = captures[0]?.tool ?? correlation?.tool;
  const csp = `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; img-src 'none'; base-uri 'none'; form-action 'none'`;

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="${e(tool ? `${tool.name} ${tool.version}` : 'calico-pcap')}">`,
    `<title>${e(input.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header class="top"><div class="inner"><h1>${e(input.title)}</h1><div class="meta">generated ${e(input.generated)}${tool ? ` by ${e(tool.name)} ${e(tool.version)}` : ''}</div>`,
    `<div class="summary">${stats.join('')}</div><nav class="toc">${toc}</nav></div></header>`,
    '<main>',
    `<section class="card" id="graph"><h2>Cluster</h2><p class="muted">One box per node${verified.length ? ' of the cluster model' : ' (tunnel endpoints and plain flows\u2019 endpoints, by IP)'}, one line per node pair with traffic in these captures, both directions together.</p>`,
    `<div class="graph-wrap">${renderGraph(graph)}</div>${legend(graph)}</section>`,
    ...captures.map(captureSection),
    correlation ? correlationSection(correlation) : '',
    `<footer>Self-contained report: no external resources. ${e(tool ? `${tool.name} ${tool.version}` : '')}</footer>`,
    '</main>',
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
