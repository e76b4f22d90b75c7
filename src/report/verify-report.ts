// Reports of `calico-pcap verify`: the table people read, the JSON section scripts read, and
// JUnit XML for CI systems (one test case per node pair and direction).
import Table from 'cli-table3';
import type { ClusterModel } from '../model/cluster.js';
import { formatCidr, formatIpv4 } from '../model/ipv4.js';
import type { VerifyResult } from '../engine/verify/verify.js';
import type { AnalysisDocument } from './document.js';
import { terminalSafe as safe } from './terminal-safe.js';

export const VERIFY_SCHEMA_VERSION = 1;

export interface VerifyDocument extends AnalysisDocument {
  verify: {
    schema: number;
    result: 'pass' | 'fail';
    /** The capture point: on a tunnel device plain flows were carried in that tunnel. */
    device: { name: string | null; from: string; tunnel: string | null };
    model: {
      pools: { name: string; cidr: string; blockSize: number; ipipMode: string; vxlanMode: string; source: string }[];
      nodes: { name: string; address: string; blocks: string[]; ipipTunnelAddr: string | null; vxlanTunnelAddr: string | null; vtepMac: string | null; source: string }[];
      vni: number;
      vxlanPort: number;
      learnedBlocks: { node: string; block: string }[];
      /** Contradictions between the model's sources, resolved as the line says (also on stderr). */
      warnings: string[];
    };
    pairs: VerifyResult['pairs'];
    flows: VerifyResult['flows'];
    findings: VerifyResult['findings'];
    /** Present with --expect. */
    expectations?: { file: string; matched: boolean; differences: string[] };
  };
}

export function buildVerifyDocument(doc: AnalysisDocument, model: ClusterModel, result: VerifyResult, device: VerifyDocument['verify']['device']): VerifyDocument {
  return {
    ...doc,
    verify: {
      schema: VERIFY_SCHEMA_VERSION,
      result: result.passed ? 'pass' : 'fail',
      device,
      model: {
        pools: model.pools.map((p) => ({ name: p.name, cidr: formatCidr(p.cidr), blockSize: p.blockSize, ipipMode: p.ipipMode, vxlanMode: p.vxlanMode, source: p.source })),
        nodes: model.nodes.map((n) => ({
          name: n.name,
          address: `${formatIpv4(n.ip)}/${n.prefix}`,
          blocks: n.blocks.map(formatCidr),
          ipipTunnelAddr: n.ipipTunnelAddr === null ? null : formatIpv4(n.ipipTunnelAddr),
          vxlanTunnelAddr: n.vxlanTunnelAddr === null ? null : formatIpv4(n.vxlanTunnelAddr),
          vtepMac: n.vtepMac,
          source: n.source,
        })),
        vni: model.vni,
        vxlanPort: model.vxlanPort,
        learnedBlocks: model.learnedBlocks.map((l) => ({ node: l.node, block: formatCidr(l.block) })),
        warnings: model.warnings,
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
  const lines: string[] = [`${safe(doc.capture.file)}: ${doc.capture.format}${doc.capture.gzip ? ' (gzip)' : ''}, ${t.packets} packets, ${t.flows} flows`];
  if (v.device.tunnel) lines.push(`captured on ${safe(v.device.name)} (from ${v.device.from}): plain flows there were carried in ${v.device.tunnel}`);
  const flows = new Table({
    head: ['encap', 'outer src -> dst (nodes)', 'vni', 'inner src -> dst (pods)', 'proto/ports', 'packets', 'sender -> receiver', 'verdict'],
    colAligns: ['left', 'left', 'right', 'left', 'left', 'right', 'left', 'left'],
    style: color ? {} : { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  v.flows.forEach((fv) => {
    const f = doc.flows[fv.flow];
    const ports = f.protocol === null ? f.innerEtherType ?? '' : f.sport === null ? f.protocol : `${f.protocol} ${f.sport} -> ${f.dport}`;
    const nodes = fv.from || fv.to ? `${safe(fv.from ?? '?')} -> ${safe(fv.to ?? '?')}` : '';
    const verdict = fv.verdict === 'mismatch' ? `MISMATCH: expected ${fv.expected ?? '?'}` : fv.verdict === 'ok' ? 'ok' : fv.verdict;
    flows.push([f.encapsulation, f.outer ? `${f.outer.src} -> ${f.outer.dst}` : '-', f.vni ?? '-', f.inner ? `${f.inner.src} -> ${f.inner.dst}` : '-', ports, f.packets, nodes, verdict]);
  });
  if (v.flows.length > 0) lines.push(flows.toString());
  lines.push('', 'node pairs (pod traffic, per direction):');
  if (v.pairs.length === 0) lines.push('  none: no pod traffic between known nodes in this capture');
  for (const p of v.pairs) {
    lines.push(`  ${safe(p.from)} -> ${safe(p.to)}: expected ${p.expected}, seen ${p.seen.join(', ')}, ${p.verdict === 'ok' ? 'ok' : 'MISMATCH'} (${safe(p.reason)}; ${p.flows} flows, ${p.packets} packets)`);
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
  lines.push('', `result: ${v.result === 'pass' ? 'PASS' : 'FAIL'}`);
  return lines.join('\n') + '\n';
}

function xml(s: string): string {
  // Controls other than tab and newline are not allowed in XML 1.0: shown as \x1b instead.
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML: one test case per node pair and direction; error findings not tied to a pair get their own case. */
export function renderJunit(doc: VerifyDocument): string {
  const v = doc.verify;
  const cases: string[] = [];
  let failures = 0;
  const pairFindings = (from: string, to: string) => v.findings.filter((f) => f.severity === 'error' && f.flows.some((i) => v.flows.find((x) => x.flow === i && x.from === from && x.to === to)));
  const covered = new Set<string>();
  for (const p of v.pairs) {
    const errors = pairFindings(p.from, p.to);
    errors.forEach((f) => covered.add(f.code + f.message));
    const failed = p.verdict === 'mismatch' || errors.length > 0;
    const name = `${p.from} -> ${p.to}`;
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
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="calico-pcap" tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
