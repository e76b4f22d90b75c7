// `calico-pcap report --html FILE CAPTURE...`: one self-contained HTML file with the node graph,
// the flow tables with verdicts and findings, and the correlation when several captures are
// given. It runs the same pipeline as analyze, verify and correlate.
import { writeFileSync } from 'node:fs';
import { EXIT_OK, EXIT_UNREADABLE, parseCaptureArg, type CliIo } from './cli-support.js';
import { analyzeCapture } from './pipeline.js';
import { SourceOpenError } from './capture/source.js';
import { CaptureFormatError } from './capture/reader.js';
import { buildDocument, type AnalysisDocument } from './report/document.js';
import { buildVerifyDocument, type VerifyDocument } from './report/verify-report.js';
import { renderHtmlReport } from './report/html.js';
import { correlate } from './correlate/correlate.js';
import type { CorrelateDocument } from './correlate/types.js';
import { learnBlocks, verify } from './verify/verify.js';
import { captureDevice } from './verify/device.js';
import type { ClusterModel } from './model/cluster.js';

export interface ReportOptions {
  html: string;
  title?: string;
  window: number;
  vxlanPort: number[];
}

export async function runReport(captures: string[], opts: ReportOptions, model: ClusterModel | null, io: CliIo): Promise<number> {
  const docs: (AnalysisDocument | VerifyDocument)[] = [];
  const inputs = captures.map(parseCaptureArg);
  let correlation: CorrelateDocument | null = null;
  try {
    for (const input of inputs) {
      const run = await analyzeCapture(input.file, { vxlanPorts: opts.vxlanPort });
      const doc = buildDocument(run);
      if (model) {
        learnBlocks(model, doc.flows);
        const device = captureDevice(undefined, run);
        docs.push(buildVerifyDocument(doc, model, verify(model, doc.flows, { deviceTunnel: device.tunnel }), device));
      } else {
        docs.push(doc);
      }
    }
    if (inputs.length > 1) correlation = await correlate(inputs, { windowSeconds: opts.window, model, vxlanPorts: opts.vxlanPort });
  } catch (err) {
    if (err instanceof SourceOpenError || err instanceof CaptureFormatError) {
      io.stderr(`calico-pcap: ${err.message}\n`);
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  const html = renderHtmlReport({ title: opts.title ?? `calico-pcap report: ${docs.length} capture${docs.length === 1 ? '' : 's'}`, generated: new Date().toISOString(), captures: docs, correlation });
  try {
    writeFileSync(opts.html, html);
  } catch (err) {
    io.stderr(`calico-pcap: ${opts.html}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`);
    return EXIT_UNREADABLE;
  }
  const verdicts = docs.filter((d): d is VerifyDocument => 'verify' in d);
  const failing = verdicts.filter((d) => d.verify.result === 'fail').length;
  io.stdout(`wrote ${opts.html}: ${docs.length} capture(s), ${docs.reduce((n, d) => n + d.totals.flows, 0)} flows${verdicts.length ? `, ${failing} of ${verdicts.length} failing verification` : ''}${correlation ? `, ${correlation.matched} packets matched and ${correlation.lost} lost across captures` : ''}\n`);
  return EXIT_OK;
}
