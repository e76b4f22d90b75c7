// `calico-pcap live`: capture on node interfaces through libpcap (the optional `cap` module)
// and run the very pipeline `analyze` and `verify` use. On a terminal the flow table refreshes
// about once a second; otherwise the final report is printed once (or ndjson per packet as it
// arrives). --count, --duration, SIGINT and SIGTERM all stop cleanly: the -w file is complete,
// the final report printed, exit 0. Once stopping, a second SIGINT or a SIGTERM ends the process
// at once, even while a huge report is being rendered.
//
// The -w file is flushed at least once a second (after every packet with -U), so it can be read
// while the capture runs and survives a SIGKILL. When it cannot be written (disk full), it keeps
// every whole record that fitted, the capture stops, the report is printed and the exit code is 2.
import { describeWriteError, EXIT_OK, EXIT_UNREADABLE, Output, colorWanted, type CliIo } from './support.js';
import { LiveCapture, LiveCaptureError, listInterfaces } from '../capture/live.js';
import { CaptureWriteError, PcapWriter } from '../capture/pcap-writer.js';
import { PcapngWriter } from '../capture/pcapng-writer.js';
import type { CaptureInterface } from '../capture/reader.js';
import { PacketProcessor, type CaptureRun, type RecordInfo } from '../analysis/pipeline.js';
import { buildDocument, type EncapsulationTotals } from '../report/document.js';
import { encapsulationName } from '../decode/layers.js';
import type { FlowRecord, FlowTable } from '../analysis/flows.js';
import type { CaptureAnalyzer } from '../analysis/analyzer.js';
import { renderTable } from '../report/table.js';
import { packetLine } from '../report/ndjson.js';
import { buildVerifyDocument, renderJunit, renderVerifyTable, type VerifyDocument } from '../report/verify-report.js';
import { documentOf, judgeRun } from './verdict.js';
import { decoderPorts } from './model-options.js';
import { exitOf } from './verify.js';
import type { ClusterModel } from '../model/cluster.js';
import type { ModelFlags } from '../model/sources.js';
import { optionalModel, type KubeModelOptions } from './model-options.js';
import { whereFilter } from './where.js';
import { podNamesOption, type PodOptions } from './pod-options.js';
import type { PodNames } from '../report/pod-names.js';

export interface LiveOptions {
  interface: string[];
  filter?: string;
  snaplen: number;
  count?: number;
  duration?: number;
  write?: string;
  /** -U: flush the -w file after every packet, as tcpdump -U does. */
  packetBuffered?: boolean;
  format: 'table' | 'json' | 'ndjson' | 'junit';
  color: boolean;
  vxlanPort: number[];
  maxFlows: number;
  maxTunnelDepth: number;
  /** -Y/--where EXPR (docs/filter.md): the report counts only the packets it selects; -w keeps them all. */
  where?: string;
}

export interface LiveSummary {
  interfaces: string[];
  filter: string | null;
  packets: number;
  seconds: number;
  stoppedBy: 'count' | 'duration' | 'signal' | 'write-error';
  written: string | null;
  /** Packets in the -w file: all of them, or those that fitted before a write failed. */
  writtenPackets: number | null;
  /** libpcap's drop counters: not exposed by the cap binding. */
  dropped: null;
}

/** Prints the interfaces libpcap can capture on (--list-interfaces). */
export function runListInterfaces(io: CliIo): number {
  try {
    for (const i of listInterfaces()) io.stdout(`${i.name}${i.addresses.length ? `  ${i.addresses.join(' ')}` : ''}${i.description ? `  (${i.description})` : ''}\n`);
    return EXIT_OK;
  } catch (err) {
    io.stderr(`calico-pcap: ${(err as Error).message}\n`);
    return EXIT_UNREADABLE;
  }
}

export async function runLive(opts: LiveOptions, model: ClusterModel | null, io: CliIo, names: PodNames | null = null): Promise<number> {
  if (opts.interface.length === 0) {
    io.stderr('calico-pcap: live needs at least one -i INTERFACE (calico-pcap live --list-interfaces shows them)\n');
    return EXIT_UNREADABLE;
  }
  const where = whereFilter(opts.where, model, io, undefined, names?.index ?? null);
  if (where === undefined) return EXIT_UNREADABLE;
  const out = new Output((s) => io.stdout(s));
  const processor = new PacketProcessor(
    { ...decoderPorts(opts.vxlanPort, model), maxFlows: opts.maxFlows, maxTunnelDepth: opts.maxTunnelDepth, where: where ?? undefined },
    opts.format === 'ndjson' ? (record, packet) => out.push(JSON.stringify(packetLine(record, packet, names)) + '\n') : undefined,
  );
  const record: RecordInfo = { packetNumber: 0, tsSec: 0, tsNsec: 0, interfaceId: 0, caplen: 0, origLen: 0 };
  const views = new Map<Buffer, DataView>();
  let writer: PcapWriter | PcapngWriter | null = null;
  let capture: LiveCapture;
  let stop: (why: LiveSummary['stoppedBy']) => void = () => {};
  // What ended the capture other than the user: the -w file failed, or stdout, or a bug.
  let writeFailure: CaptureWriteError | null = null;
  let fault: unknown = null;
  let stopped = false;
  const started = performance.now();

  /** Runs a step that writes; a failure stops the capture (it cannot be thrown into libpcap's callback). */
  const guard = (step: () => void): void => {
    try {
      step();
    } catch (err) {
      if (err instanceof CaptureWriteError) {
        writeFailure = err;
        stop('write-error');
      } else {
        fault ??= err;
        stop('signal');
      }
    }
  };

  try {
    capture = LiveCapture.open(opts.interface, opts.filter ?? '', (iface, bytes, nbytes) => {
      if (stopped) return; // packets cap delivers after the stop are not part of the report
      guard(() => {
        // Stamped on arrival, in whole microseconds: what the -w file can hold, so that analysing
        // it later gives exactly the report shown live.
        const nowUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
        record.packetNumber++;
        record.tsSec = Math.floor(nowUs / 1e6);
        record.tsNsec = (nowUs - record.tsSec * 1e6) * 1000;
        record.interfaceId = iface;
        record.origLen = nbytes;
        record.caplen = Math.min(nbytes, opts.snaplen);
        let view = views.get(bytes);
        if (!view) views.set(bytes, (view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
        const data = bytes.subarray(0, record.caplen);
        let fileOffset = 0;
        if (writer instanceof PcapWriter) {
          fileOffset = writer.bytesWritten + 16;
          writer.writePacket(data, record.tsSec, Math.floor(record.tsNsec / 1000), record.origLen);
        } else if (writer) {
          writer.writePacket(iface, data, record.tsSec, Math.floor(record.tsNsec / 1000), record.origLen);
        }
        if (writer && opts.packetBuffered) writer.flush();
        processor.process(record, bytes, view, 0, fileOffset, capture.interfaces[iface].linktype);
        if (opts.count !== undefined && record.packetNumber >= opts.count) stop('count');
      });
    });
  } catch (err) {
    if (err instanceof LiveCaptureError) {
      io.stderr(`calico-pcap: ${err.message}\n`);
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  processor.interfaces = capture.interfaces;
  const unsupported = capture.interfaces.filter((i) => i.linktype < 0);
  if (unsupported.length > 0) {
    capture.close();
    io.stderr(`calico-pcap: ${unsupported.map((i) => i.name).join(', ')}: link type not supported by the cap binding\n`);
    return EXIT_UNREADABLE;
  }
  try {
    if (opts.write) {
      writer = openWriter(opts.write, capture, opts.snaplen);
      writer.flush(); // the file header now: a file that cannot be written fails before capturing
    }
  } catch (err) {
    capture.close();
    await writer?.close(opts.write !== '-').catch(() => {});
    const cause = err instanceof CaptureWriteError ? err.error : err;
    io.stderr(`calico-pcap: ${opts.write}: cannot write: ${describeWriteError(cause)}\n`);
    return EXIT_UNREADABLE;
  }

  const interfaces: CaptureInterface[] = capture.interfaces.map((i, id) => ({ id, linktype: i.linktype, snaplen: opts.snaplen, name: i.name, tsBase: 10, tsExponent: 6, tsOffset: 0 }));
  const run = (): CaptureRun => ({ file: `live:${opts.interface.join(',')}`, format: 'live', gzip: false, interfaces, analyzer: processor.analyzer, bytesRead: processor.analyzer.capturedBytes, endedEarly: false });

  let timer: NodeJS.Timeout | null = null;
  // The -w file is flushed at least once a second, so it is readable while live runs.
  const flusher = writer ? setInterval(() => guard(() => writer!.flush()), 1000) : null;

  // A refreshing table on a terminal; nothing until the end elsewhere (ndjson streams as it goes).
  // A refresh shows only the busiest flows that fit the screen and yields while it scans the
  // flow table, so signals and packets are served in between; the next one comes a second
  // later, or later still when the scan itself took long (a million flows).
  const live = io.isTTY && opts.format === 'table';
  let refresh: NodeJS.Timeout | null = null;
  if (live) {
    let lastPackets = 0;
    let lastTime = performance.now();
    const tick = async (): Promise<void> => {
      const began = performance.now();
      const screen = await busiestFlows(processor.analyzer.flows, rowsThatFit(), () => stopped);
      if (stopped || screen === null) return;
      const doc = buildDocument({ ...run(), analyzer: withFlows(processor.analyzer, screen.top) }, undefined, names);
      doc.totals.flows = screen.flowCount;
      doc.encapsulations = screen.encapsulations;
      // Verdicts of the shown flows only; the final report judges every flow, exactly as
      // `verify` of the -w file does (the engine never changes the model).
      const shown = model ? buildVerifyDocument(doc, model, judgeRun(run(), screen.top, model, {})) : doc;
      const body = 'verify' in shown ? renderVerifyTable(shown as VerifyDocument, colorWanted(opts.color, io)) : renderTable(shown, colorWanted(opts.color, io));
      const now = performance.now();
      const rate = Math.round((record.packetNumber - lastPackets) / ((now - lastTime) / 1000));
      lastPackets = record.packetNumber;
      lastTime = now;
      const trimmed = screen.top.length < screen.flowCount ? `(the ${screen.top.length} busiest of ${screen.flowCount} flows; the final report lists all)\n` : '';
      guard(() => io.stdout(`\x1b[H\x1b[2J${body}${trimmed}${rate} packets/s on ${opts.interface.join(', ')}; Ctrl-C to stop\n`));
      if (!stopped) refresh = setTimeout(tick, Math.max(1000, 4 * (performance.now() - began)));
    };
    refresh = setTimeout(tick, 1000);
  }

  const onSignal = () => stop('signal');
  const stoppedBy = await new Promise<LiveSummary['stoppedBy']>((resolve) => {
    stop = (why) => {
      if (stopped) return;
      stopped = true;
      // From now on a signal takes the default action: a second Ctrl-C or a SIGTERM ends the
      // process at once, even while a report of a million flows is rendered (which blocks).
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (timer) clearTimeout(timer);
      resolve(why);
    };
    if (opts.duration !== undefined) timer = setTimeout(() => stop('duration'), opts.duration * 1000);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  capture.close();
  if (refresh) clearTimeout(refresh);
  if (flusher) clearInterval(flusher);
  if (writer) {
    try {
      await writer.close(opts.write !== '-'); // standard output is never ended: Node's own stream
    } catch (err) {
      if (!(err instanceof CaptureWriteError)) throw err;
      writeFailure = err;
    }
  }
  if (fault) throw fault; // stdout could not be written (exit 2), or a bug (exit 3)
  const summary: LiveSummary = {
    interfaces: opts.interface,
    filter: opts.filter ?? null,
    packets: record.packetNumber,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    stoppedBy,
    written: opts.write ?? null,
    writtenPackets: writer ? (writeFailure ? writeFailure.keptPackets : writer.packets) : null,
    dropped: null,
  };
  const { doc, judgement } = documentOf(run(), model, {}, names);
  const withLive = { ...doc, live: summary };
  if (live) io.stdout('\x1b[H\x1b[2J');
  switch (opts.format) {
    case 'json':
      out.push(JSON.stringify(withLive, null, 2) + '\n');
      break;
    case 'junit':
      if ('verify' in doc) out.push(renderJunit(doc as VerifyDocument));
      break;
    case 'ndjson':
      out.push(JSON.stringify({ summary: { schema: doc.schema, totals: doc.totals, encapsulations: doc.encapsulations, issues: doc.issues.counts, live: summary } }) + '\n');
      break;
    default: {
      const body = 'verify' in doc ? renderVerifyTable(doc as VerifyDocument, colorWanted(opts.color, io)) : renderTable(doc, colorWanted(opts.color, io));
      const written = !summary.written ? '' : writeFailure ? `, only the first ${summary.writtenPackets} written to ${summary.written} (the write failed)` : `, written to ${summary.written}`;
      out.push(`${body}captured ${summary.packets} packets on ${summary.interfaces.join(', ')} in ${summary.seconds} s (stopped by ${stoppedBy})${written}\n`);
    }
  }
  out.flush();
  if (writeFailure) {
    const f: CaptureWriteError = writeFailure;
    io.stderr(`calico-pcap: ${opts.write}: cannot write: ${describeWriteError(f.error)}; it holds the first ${f.keptPackets} of ${summary.packets} packets captured (${f.keptBytes} bytes, ending on a whole record)\n`);
    return EXIT_UNREADABLE;
  }
  return judgement ? exitOf(judgement.verify.result, judgement.verify.hint, `live:${opts.interface.join(',')}`, io) : EXIT_OK;
}

/** Rows of the refreshed table: what fits the terminal below the header and above the totals. */
function rowsThatFit(): number {
  const rows = process.stdout.rows || 40;
  return Math.max(5, Math.min(200, rows - 12));
}

interface BusiestFlows {
  /** The busiest flows (most packets first, ties in capture order), at most the rows asked for. */
  top: FlowRecord[];
  flowCount: number;
  encapsulations: Record<string, EncapsulationTotals>;
}

/** Time the scan may hold the event loop before it yields. */
const SLICE_MS = 20;

/**
 * One pass over the flow table for a refresh: totals per encapsulation over every flow, and
 * the `limit` busiest flows. Yields every SLICE_MS; null when the capture stopped meanwhile.
 */
async function busiestFlows(flows: FlowTable, limit: number, stopped: () => boolean): Promise<BusiestFlows | null> {
  const flowCount = flows.count;
  const top: FlowRecord[] = [];
  const byChain = new Map<number, EncapsulationTotals>();
  let slice = performance.now();
  for (let id = 0; id < flowCount; id++) {
    const f = flows.record(id);
    const e = byChain.get(f.encapsulation) ?? { packets: 0, bytes: 0, flows: 0 };
    if (e.flows === 0) byChain.set(f.encapsulation, e);
    e.packets += f.packets;
    e.bytes += f.bytes;
    e.flows++;
    if (top.length < limit || f.packets > top[top.length - 1].packets) {
      let at = top.length;
      while (at > 0 && top[at - 1].packets < f.packets) at--;
      top.splice(at, 0, f);
      if (top.length > limit) top.pop();
    }
    if ((id & 255) === 255 && performance.now() - slice > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      if (stopped()) return null;
      slice = performance.now();
    }
  }
  const encapsulations: Record<string, EncapsulationTotals> = {};
  for (const [chain, e] of byChain) encapsulations[encapsulationName(chain)] = e;
  return { top, flowCount, encapsulations };
}

/** The analyzer as buildDocument sees it, with only the given flows in its table. */
function withFlows(analyzer: CaptureAnalyzer, top: FlowRecord[]): CaptureAnalyzer {
  const flows = { records: () => top, overflowPackets: analyzer.flows.overflowPackets };
  return Object.create(analyzer, { flows: { value: flows } }) as CaptureAnalyzer;
}

function openWriter(path: string, capture: LiveCapture, snaplen: number): PcapWriter | PcapngWriter {
  // `-w -` is standard output, as in tcpdump: `calico-pcap live -i any -w - | tshark -r -`.
  if (capture.interfaces.length > 1 || /\.pcapng$/i.test(path)) {
    const opts = { interfaces: capture.interfaces.map((i) => ({ linktype: i.linktype, snaplen, name: i.name })) };
    return path === '-' ? new PcapngWriter(process.stdout, opts) : PcapngWriter.openFile(path, opts);
  }
  const opts = { linktype: capture.interfaces[0].linktype, snaplen };
  return path === '-' ? new PcapWriter(process.stdout, opts) : PcapWriter.openFile(path, opts);
}

export interface LiveCommandOptions extends LiveOptions, Omit<ModelFlags, 'vxlanPort'>, PodOptions, KubeModelOptions {
  listInterfaces?: boolean;
  cluster: string[];
}

export async function runLiveCommand(opts: LiveCommandOptions, io: CliIo): Promise<number> {
  if (opts.listInterfaces) return runListInterfaces(io);
  // With `-w -` the packets own standard output: the report goes to stderr, never redrawn.
  if (opts.write === '-') io = { stdout: io.stderr, stderr: io.stderr, isTTY: false };
  const model = await optionalModel(opts, io);
  if (model === undefined) return EXIT_UNREADABLE;
  // JUnit holds verdicts: without a model there would be nothing to print.
  if (opts.format === 'junit' && model === null) {
    io.stderr('calico-pcap: live -o junit needs a cluster model (--cluster, or --pool and --node): JUnit test cases are verdicts\n');
    return EXIT_UNREADABLE;
  }
  const names = podNamesOption(opts, io);
  if (names === undefined) return EXIT_UNREADABLE;
  return runLive(opts, model, io, names);
}
