// `calico-pcap live`: capture on node interfaces through libpcap (the optional `cap` module)
// and run the very pipeline `analyze` and `verify` use. On a terminal the flow table refreshes
// about once a second; otherwise the final report is printed once (or ndjson per packet as it
// arrives). --count, --duration, SIGINT and SIGTERM all stop cleanly: the -w file is complete,
// the final report printed, exit 0. A second SIGINT exits at once.
import { EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, Output, type CliIo } from './cli-support.js';
import { LiveCapture, LiveCaptureError, listInterfaces } from './capture/live.js';
import { PcapWriter } from './capture/pcap-writer.js';
import { PcapngWriter } from './capture/pcapng-writer.js';
import type { CaptureInterface } from './capture/reader.js';
import { PacketProcessor, type CaptureRun, type RecordInfo } from './pipeline.js';
import { buildDocument, type AnalysisDocument } from './report/document.js';
import { renderTable } from './report/table.js';
import { packetLine } from './report/ndjson.js';
import { buildVerifyDocument, renderJunit, renderVerifyTable, type VerifyDocument } from './report/verify-report.js';
import { learnBlocks, verify } from './verify/verify.js';
import { tunnelOfDevice } from './verify/device.js';
import type { ClusterModel } from './model/cluster.js';

export interface LiveOptions {
  interface: string[];
  filter?: string;
  snaplen: number;
  count?: number;
  duration?: number;
  write?: string;
  format: 'table' | 'json' | 'ndjson' | 'junit';
  color: boolean;
  vxlanPort: number[];
  maxFlows: number;
  maxTunnelDepth: number;
}

export interface LiveSummary {
  interfaces: string[];
  filter: string | null;
  packets: number;
  seconds: number;
  stoppedBy: 'count' | 'duration' | 'signal';
  written: string | null;
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

export async function runLive(opts: LiveOptions, model: ClusterModel | null, io: CliIo): Promise<number> {
  if (opts.interface.length === 0) {
    io.stderr('calico-pcap: live needs at least one -i INTERFACE (calico-pcap live --list-interfaces shows them)\n');
    return EXIT_UNREADABLE;
  }
  const out = new Output((s) => io.stdout(s));
  const processor = new PacketProcessor(
    { vxlanPorts: opts.vxlanPort, maxFlows: opts.maxFlows, maxTunnelDepth: opts.maxTunnelDepth },
    opts.format === 'ndjson' ? (record, packet) => out.push(JSON.stringify(packetLine(record, packet)) + '\n') : undefined,
  );
  const record: RecordInfo = { packetNumber: 0, tsSec: 0, tsNsec: 0, interfaceId: 0, caplen: 0, origLen: 0 };
  const views = new Map<Buffer, DataView>();
  let writer: PcapWriter | PcapngWriter | null = null;
  let capture: LiveCapture;
  let stop: (why: LiveSummary['stoppedBy']) => void = () => {};
  const started = performance.now();

  try {
    capture = LiveCapture.open(opts.interface, opts.filter ?? '', (iface, bytes, nbytes) => {
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
      processor.process(record, bytes, view, 0, fileOffset, capture.interfaces[iface].linktype);
      if (opts.count !== undefined && record.packetNumber >= opts.count) stop('count');
    });
  } catch (err) {
    if (err instanceof LiveCaptureError) {
      io.stderr(`calico-pcap: ${err.message}\n`);
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  const unsupported = capture.interfaces.filter((i) => i.linktype < 0);
  if (unsupported.length > 0) {
    capture.close();
    io.stderr(`calico-pcap: ${unsupported.map((i) => i.name).join(', ')}: link type not supported by the cap binding\n`);
    return EXIT_UNREADABLE;
  }
  try {
    if (opts.write) writer = openWriter(opts.write, capture, opts.snaplen);
  } catch (err) {
    capture.close();
    io.stderr(`calico-pcap: ${opts.write}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`);
    return EXIT_UNREADABLE;
  }

  const interfaces: CaptureInterface[] = capture.interfaces.map((i, id) => ({ id, linktype: i.linktype, snaplen: opts.snaplen, name: i.name, tsBase: 10, tsExponent: 6, tsOffset: 0 }));
  const run = (): CaptureRun => ({ file: `live:${opts.interface.join(',')}`, format: 'live', gzip: false, interfaces, analyzer: processor.analyzer, bytesRead: processor.analyzer.capturedBytes, endedEarly: false });
  const report = (): { doc: AnalysisDocument | VerifyDocument; verdicts: ReturnType<typeof verify> | null } => {
    const doc = buildDocument(run());
    if (!model) return { doc, verdicts: null };
    learnBlocks(model, doc.flows);
    const tunnels = capture.interfaces.map((i) => tunnelOfDevice(i.name));
    const tunnel = tunnels.every((t) => t === tunnels[0]) ? tunnels[0] : null;
    const verdicts = verify(model, doc.flows, { deviceTunnel: tunnel });
    return { doc: buildVerifyDocument(doc, model, verdicts, { name: opts.interface.join(','), from: 'the capture interface', tunnel }), verdicts };
  };

  // A refreshing table on a terminal; nothing until the end elsewhere (ndjson streams as it goes).
  const live = io.isTTY && opts.format === 'table';
  let lastPackets = 0;
  const refresh = live
    ? setInterval(() => {
        const rate = record.packetNumber - lastPackets;
        lastPackets = record.packetNumber;
        const { doc } = report();
        const body = 'verify' in doc ? renderVerifyTable(doc as VerifyDocument, opts.color) : renderTable(doc, opts.color);
        io.stdout(`\x1b[H\x1b[2J${body}${rate} packets/s on ${opts.interface.join(', ')}; Ctrl-C to stop\n`);
      }, 1000)
    : null;

  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const onSignal = () => {
    if (stopped) process.exit(130); // a second Ctrl-C while the report is written: out now
    stop('signal');
  };
  const stoppedBy = await new Promise<LiveSummary['stoppedBy']>((resolve) => {
    stop = (why) => {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      resolve(why);
    };
    if (opts.duration !== undefined) timer = setTimeout(() => stop('duration'), opts.duration * 1000);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  capture.close();
  if (refresh) clearInterval(refresh);
  if (writer) await writer.close();
  const summary: LiveSummary = {
    interfaces: opts.interface,
    filter: opts.filter ?? null,
    packets: record.packetNumber,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    stoppedBy,
    written: opts.write ?? null,
    dropped: null,
  };
  const { doc, verdicts } = report();
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
      const body = 'verify' in doc ? renderVerifyTable(doc as VerifyDocument, opts.color && io.isTTY) : renderTable(doc, opts.color && io.isTTY);
      out.push(`${body}captured ${summary.packets} packets on ${summary.interfaces.join(', ')} in ${summary.seconds} s (stopped by ${stoppedBy})${summary.written ? `, written to ${summary.written}` : ''}\n`);
    }
  }
  out.flush();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return verdicts && !verdicts.passed ? EXIT_VIOLATION : EXIT_OK;
}

function openWriter(path: string, capture: LiveCapture, snaplen: number): PcapWriter | PcapngWriter {
  if (capture.interfaces.length > 1 || /\.pcapng$/i.test(path)) {
    return PcapngWriter.openFile(path, { interfaces: capture.interfaces.map((i) => ({ linktype: i.linktype, snaplen, name: i.name })) });
  }
  return PcapWriter.openFile(path, { linktype: capture.interfaces[0].linktype, snaplen });
}
