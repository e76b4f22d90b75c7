// `calico-pcap correlate`: one inner packet followed across captures of several nodes.
import { CaptureFormatError } from '../capture/reader.js';
import { SourceOpenError } from '../capture/source.js';
import { captureIssuesWarning, correlate, disjointWarnings, windowCutWarning } from '../engine/correlate/correlate.js';
import type { CorrelateDocument } from '../engine/correlate/types.js';
import type { ModelFlags } from '../model/sources.js';
import { namedPacket, renderCorrelateTable } from '../report/correlate-report.js';
import { jsonTerminalSafe } from '../report/terminal-safe.js';
import { optionalModel, windowOption, type KubeModelOptions } from './model-options.js';
import { whereFilter } from './where.js';
import { podNamesOption, type PodOptions } from './pod-options.js';
import { EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, Output, parseCaptureArg, printCorrelateReadFaults, colorWanted, type CliIo } from './support.js';

export interface CorrelateCommandOptions extends Omit<ModelFlags, 'vxlanPort'>, PodOptions, KubeModelOptions {
  window: string;
  windowPackets: number;
  format: 'table' | 'json' | 'ndjson';
  cluster: string[];
  vxlanPort: number[];
  color: boolean;
  failOnLoss?: boolean;
  ownSpan?: boolean;
  /** -Y/--where EXPR (docs/filter.md): each sighting passes it or is ignored. */
  where?: string;
}

export async function runCorrelateCommand(captures: string[], opts: CorrelateCommandOptions, io: CliIo): Promise<number> {
  const window = windowOption(opts.window, io);
  const model = window === undefined ? undefined : await optionalModel(opts, io);
  if (window === undefined || model === undefined) return EXIT_UNREADABLE;
  const names = podNamesOption(opts, io);
  if (names === undefined) return EXIT_UNREADABLE;
  const where = whereFilter(opts.where, model, io, undefined, names?.index ?? null);
  if (where === undefined) return EXIT_UNREADABLE;
  const out = new Output((s) => io.stdout(s));
  const inputs = captures.map(parseCaptureArg);
  let doc;
  try {
    doc = await correlate(inputs, {
      windowSeconds: window, windowPackets: opts.windowPackets, model, vxlanPorts: opts.vxlanPort, span: opts.ownSpan ? 'own' : 'shared', where: where ?? undefined,
      onPacket: opts.format === 'ndjson' ? (p) => out.push(JSON.stringify(names ? namedPacket(p, names) : p) + '\n') : undefined,
    });
  } catch (err) {
    if (err instanceof SourceOpenError || err instanceof CaptureFormatError) {
      io.stderr(`calico-pcap: ${err.message}\n`);
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  if (doc.windowCutPackets > 0) io.stderr(`calico-pcap: warning: ${windowCutWarning(doc.windowCutPackets, doc.windowPackets)}\n`);
  printCorrelateReadFaults(doc, io);
  printCaptureWarnings(doc, io);
  if (opts.format === 'json') out.push(jsonTerminalSafe(JSON.stringify(doc, null, 2)) + '\n');
  else if (opts.format === 'ndjson') {
    const { schema, matched, lost, decapsulationDropped, notCovered, pairs, decapsulation } = doc;
    out.push(JSON.stringify({ summary: { schema, matched, lost, decapsulationDropped, notCovered, pairs, decapsulation } }) + '\n');
  } else out.push(renderCorrelateTable(doc, colorWanted(opts.color, io)));
  out.flush();
  return opts.failOnLoss && (doc.lost > 0 || doc.decapsulationDropped > 0) ? EXIT_VIOLATION : EXIT_OK;
}

/** One line per capture with malformed or cut packets, and for captures that do not overlap in time. */
function printCaptureWarnings(doc: CorrelateDocument, io: CliIo): void {
  for (const c of doc.captures) {
    const w = captureIssuesWarning(c);
    if (w !== null) io.stderr(`calico-pcap: warning: ${w}\n`);
  }
  for (const w of disjointWarnings(doc.captures)) io.stderr(`calico-pcap: warning: ${w}\n`);
}
