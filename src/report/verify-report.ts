// Reports of `calico-pcap verify`: the table people read, the JSON section scripts read, and
// JUnit XML for CI systems (one test case per node pair and direction).
import { formatNodeAddress, type ClusterModel } from '../model/cluster.js';
import { formatAddress, formatCidr } from '../net/address.js';
import type { Judgement } from '../engine/judge.js';
import { pairName, type VerifyResult } from '../engine/verify/verify.js';
import { describeLearned } from '../engine/cluster-index.js';
import type { AnalysisDocument } from './document.js';
import { terminalSafe as safe } from './terminal-safe.js';
import { paint, paintResult } from './paint.js';
import { innerPair } from './pod-names.js';
import { renderGrid } from './grid.js';

/** 2: result may be "inconclusive" (with hint); points, captureNode, model.felix and model.notes. */
export const VERIFY_SCHEMA_VERSION = 2;

export interface VerifyDocument extends AnalysisDocument {
  verify: {
    schema: number;
    result: VerifyResult['result'];
    /** For an inconclusive result: what to give so that the pod traffic can be judged. */
    hint: string | null;
    /** The capture point of a single-point capture (the first point otherwise): on a tunnel device plain flows were carried in that tunnel. */
    device: { name: string | null; from: string; tunnel: string | null };
    /** Every capture point: its device, kind (uplink, tunnel, pod) and how that was decided. */
    points: { id: number; name: string | null; kind: string; tunnel: string | null; how: string }[];
    /** The node the capture was taken on, and how it was found. */
    captureNode: { name: string | null; how: string };
    model: {
      pools: { name: string; cidr: string; blockSize: number; ipipMode: string; vxlanMode: string; disabled: boolean; source: string }[];
      nodes: { name: string; address: string | null; ipv6Address: string | null; blocks: string[]; ipipTunnelAddr: string | null; vxlanTunnelAddr: string | null; vxlanTunnelAddrV6: string | null; vtepMac: string | null; vtepMacV6: string | null; source: string }[];
      vni: number;
      vxlanPort: number;
      felix: ClusterModel['felix'];
      learnedBlocks: { node: string; block: string }[];
      /** Contradictions between the model's sources, resolved as the line says (also on stderr). */
      warnings: string[];
      /** What was read and not used (kinds not read, stale affinities). */
      notes: string[];
    };
    pairs: VerifyResult['pairs'];
    flows: VerifyResult['flows'];
    findings: VerifyResult['findings'];
    /** Present with --expect. */
    expectations?: { file: string; matched: boolean; differences: string[] };
  };
}

export function buildVerifyDocument(doc: AnalysisDocument, model: ClusterModel, judgement: Judgement): VerifyDocument {
  const result = judgement.verify;
  const first = judgement.points[0];
  const opt = (a: bigint | null) => (a === null ? null : formatAddress(a));
  return {
    ...doc,
    verify: {
      schema: VERIFY_SCHEMA_VERSION,
      result: result.result,
      hint: result.hint,
      device: { name: first?.name ?? null, from: first?.how ?? 'default', tunnel: first?.kind === 'tunnel' ? first.tunnel : null },
      points: judgement.points.map((p) => ({ id: p.id, name: p.name, kind: p.kind, tunnel: p.tunnel, how: p.how })),
      captureNode: { name: judgement.captureNode.node?.name ?? null, how: judgement.captureNode.how },
      model: {
        pools: model.pools.map((p) => ({ name: p.name, cidr: formatCidr(p.cidr), blockSize: p.blockSize, ipipMode: p.ipipMode, vxlanMode: p.vxlanMode, disabled: p.disabled, source: p.source })),
        nodes: model.nodes.map((n) => ({
          name: n.name,
          address: n.ipv4 ? formatNodeAddress(n.ipv4) : null,
          ipv6Address: n.ipv6 ? formatNodeAddress(n.ipv6) : null,
          blocks: n.blocks.map(formatCidr),
          ipipTunnelAddr: opt(n.ipipTunnelAddr),
          vxlanTunnelAddr: opt(n.vxlanTunnelAddr),
          vxlanTunnelAddrV6: opt(n.vxlanTunnelAddrV6),
          vtepMac: n.vtepMac,
          vtepMacV6: n.vtepMacV6,
          source: n.source,
        })),
        vni: model.felix.vxlanVni,
        vxlanPort: model.felix.vxlanPort,
        felix: model.felix,
        learnedBlocks: result.learnedBlocks.map(describeLearned),
        warnings: model.warnings,
        notes: model.notes,
      },
      pairs: result.pairs,
      flows: result.flows,
      findings: result.findings,
    },
  };
}

export function renderVerifyTable(doc: VerifyDocument, color: boolean): string {
  const v = doc.verify;
  const t = doc.totals;
  const lines: string[] = [`${safe(doc.capture.file)}: ${doc.capture.format}${doc.capture.gzip ? ' (gzip)' : ''}, ${t.packets} packets, ${t.flows} flows${doc.filter ? ` (-Y ${safe(doc.filter.expression)}: ${doc.filter.packetsPassed} of ${doc.filter.packetsRead} packets selected)` : ''}`];
  for (const p of v.points) {
    if (p.kind === 'tunnel') lines.push(`captured on ${safe(p.name ?? '?')} (from ${p.how}): plain flows there were carried in ${p.tunnel}`);
    else if (p.kind === 'pod' || v.points.length > 1) lines.push(`captured on ${safe(p.name ?? '?')} (${p.kind}; from ${p.how})`);
  }
  if (v.captureNode.name !== null && v.points.length > 1) lines.push(`capturing node: ${safe(v.captureNode.name)} (${v.captureNode.how})`);
  const rows: (string | number)[][] = [];
  v.flows.forEach((fv) => {
    const f = doc.flows[fv.flow];
    const ports = f.protocol === null ? f.innerEtherType ?? '' : f.sport === null ? f.protocol : `${f.protocol} ${f.sport} -> ${f.dport}`;
    const nodes = fv.from || fv.to ? `${safe(fv.from ?? '?')} -> ${safe(fv.to ?? '?')}` : '';
    const verdict = fv.verdict === 'mismatch' ? paint('red', `MISMATCH: expected ${fv.expected ?? '?'}`, color) : fv.verdict === 'ok' ? paint('green', 'ok', color) : fv.verdict;
    rows.push([f.encapsulation, f.outer ? `${f.outer.src} -> ${f.outer.dst}` : '-', f.vni ?? '-', innerPair(f.inner, safe), ports, f.packets, nodes, verdict]);
  });
  if (v.flows.length > 0) {
    lines.push(renderGrid(
      ['encap', 'outer src -> dst (nodes)', 'vni', 'inner src -> dst (pods)', 'proto/ports', 'packets', 'sender -> receiver', 'verdict'],
      ['left', 'left', 'right', 'left', 'left', 'right', 'left', 'left'], rows, color,
    ));
  }
  lines.push('', 'node pairs (pod traffic, per direction):');
  if (v.pairs.length === 0) lines.push('  none: no pod traffic between known nodes in this capture');
  for (const p of v.pairs) {
    lines.push(`  ${pairName(p, safe)}: expected ${p.expected}, seen ${p.seen.join(', ')}, ${p.verdict === 'ok' ? paint('green', 'ok', color) : paint('red', 'MISMATCH', color)} (${safe(p.reason)}; ${p.flows} flows, ${p.packets} packets)`);
  }
  const other = new Map<string, number>();
  for (const f of v.flows) if (f.verdict !== 'ok' && f.verdict !== 'mismatch') other.set(f.verdict, (other.get(f.verdict) ?? 0) + 1);
  if (other.size > 0) lines.push(`  not judged: ${[...other].map(([k, n]) => `${n} ${k}`).join(', ')}`);
  if (v.model.learnedBlocks.length > 0) {
    lines.push(`blocks learned from the capture (not given): ${v.model.learnedBlocks.map((l) => `${safe(l.node)} ${l.block}`).join(', ')}`);
  }
  if (v.findings.length > 0) {
    // One heading per code (severity, code, why it matters), then what was seen, one line each.
    lines.push('', 'findings:');
    const codes = [...new Set(v.findings.map((f) => f.code))];
    for (const code of codes) {
      const group = v.findings.filter((f) => f.code === code);
      lines.push(`  ${group[0].severity} ${code}: ${group[0].why}`);
      for (const f of group) lines.push(`    ${safe(f.message)} (packets ${f.packets.slice(0, 6).join(', ')}${f.packets.length > 6 ? ', ...' : ''})`);
    }
  }
  const issues = Object.entries(doc.issues.counts);
  if (issues.length > 0) lines.push(`capture issues: ${issues.map(([code, n]) => `${code} ${n}`).join(', ')}`);
  lines.push('', `result: ${paintResult(v.result, color)}`);
  if (v.hint) lines.push(`hint: ${safe(v.hint)}`);
  return lines.join('\n') + '\n';
}

function xml(s: string): string {
  // Controls other than tab and newline are not allowed in XML 1.0: shown as \x1b instead.
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One capture's test suite: one test case per node pair and direction; error findings not tied to a pair get their own case. */
function junitSuite(doc: VerifyDocument): { xml: string[]; tests: number; failures: number } {
  const v = doc.verify;
  const cases: string[] = [];
  let failures = 0;
  const pairFindings = (from: string, to: string) => v.findings.filter((f) => f.severity === 'error' && f.flows.some((i) => v.flows.find((x) => x.flow === i && x.from === from && x.to === to)));
  const covered = new Set<string>();
  for (const p of v.pairs) {
    const errors = pairFindings(p.from, p.to);
    errors.forEach((f) => covered.add(f.code + f.message));
    const failed = p.verdict === 'mismatch' || errors.length > 0;
    const name = pairName(p);
    if (failed) {
      failures++;
      const message = `expected ${p.expected}, seen ${p.seen.join(', ')}`;
      const body = [message, ...errors.map((f) => `${f.code}: ${f.message}`)].join('\n');
      cases.push(`    <testcase classname="calico-pcap.verify" name="${xml(name)}"><failure message="${xml(message)}" type="${xml(errors[0]?.code ?? 'encap.mismatch')}">${xml(body)}</failure></testcase>`);
    } else {
      cases.push(`    <testcase classname="calico-pcap.verify" name="${xml(name)}"/>`);
    }
  }
  for (const f of v.findings) {
    if (f.severity !== 'error' || covered.has(f.code + f.message)) continue;
    failures++;
    cases.push(`    <testcase classname="calico-pcap.verify.findings" name="${xml(f.code)}"><failure message="${xml(f.message)}" type="${xml(f.code)}">${xml(`${f.message}\n${f.why}`)}</failure></testcase>`);
  }
  const suite = `calico-pcap verify ${doc.capture.file}`;
  return {
    xml: [`  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">`, ...cases, '  </testsuite>'],
    tests: cases.length,
    failures,
  };
}

function junitDocument(suites: { xml: string[]; tests: number; failures: number; errors?: number }[]): string {
  const tests = suites.reduce((n, s) => n + s.tests, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  const errors = suites.reduce((n, s) => n + (s.errors ?? 0), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="calico-pcap" tests="${tests}" failures="${failures}"${errors > 0 ? ` errors="${errors}"` : ''}>`,
    ...suites.flatMap((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

/** JUnit XML of one capture. */
export function renderJunit(doc: VerifyDocument): string {
  return junitDocument([junitSuite(doc)]);
}

/** JUnit XML of several captures: one test suite each; a capture that could not be read is a suite with one error. */
export function renderJunitMany(docs: readonly VerifyDocument[], unreadable: readonly { file: string; message: string }[]): string {
  const suites = docs.map(junitSuite);
  for (const u of unreadable) {
    suites.push({
      xml: [
        `  <testsuite name="${xml(`calico-pcap verify ${u.file}`)}" tests="1" failures="0" errors="1" skipped="0">`,
        `    <testcase classname="calico-pcap.verify" name="read"><error message="${xml(u.message)}" type="capture.unreadable">${xml(u.message)}</error></testcase>`,
        '  </testsuite>',
      ],
      tests: 1,
      failures: 0,
      errors: 1,
    } as { xml: string[]; tests: number; failures: number; errors: number });
  }
  return junitDocument(suites);
}
