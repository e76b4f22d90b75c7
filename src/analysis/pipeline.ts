// The pipeline shared by every command: source -> capture reader -> packet decoder -> analyzer,
// with an optional per-packet observer (ndjson output). Files are pulled through CaptureReader;
// live capture pushes packets into the same PacketProcessor, so decoding, flows, findings and
// verdicts are one implementation.
import { openSource } from '../capture/source.js';
import type { Compression } from '../capture/decompress.js';
import { CaptureReader, type CaptureFormat, type CaptureInterface } from '../capture/reader.js';
import { PacketDecoder, type DecoderOptions } from '../decode/decoder.js';
import { DecodedPacket } from '../decode/packet.js';
import { CaptureSlice, type SliceOptions } from './slice.js';
import { CaptureAnalyzer, type AnalyzerOptions } from './analyzer.js';

export interface PipelineOptions extends DecoderOptions, AnalyzerOptions {
  /** --since, --until, -c: the records looked at (files only). */
  slice?: SliceOptions;
  /** -Y/--where: only packets it selects are counted, analysed and observed (src/filter). */
  where?: PacketSelector;
}

/**
 * A display filter (src/filter's PacketFilter): builds, once per capture, the test of each
 * decoded packet, given the capture's interface names and the packet's recorded direction.
 */
export interface PacketSelector {
  readonly expression: string;
  forCapture(env: { interfaceName(index: number): string | null }): (packet: DecodedPacket, interfaceIndex: number, recordedDirection: number) => boolean;
}

/** What is known of a captured record besides its bytes (a CaptureReader, or a live packet). */
export interface RecordInfo {
  packetNumber: number;
  tsSec: number;
  tsNsec: number;
  interfaceId: number;
  caplen: number;
  origLen: number;
  /** Index of the interface in the run's interface list; interfaceId where absent (one section, live). */
  interfaceIndex?: number;
  /** Direction the capture recorded (CaptureReader.direction: 0 unknown, 1 in, 2 out); 0 where absent. */
  direction?: number;
}

/** Called for every packet after it was decoded and counted; the bytes are valid only during the call. */
export type PacketObserver = (record: RecordInfo, packet: DecodedPacket) => void;

/** Decoder, analyzer and observer for one run: every source hands its packets to process(). */
export class PacketProcessor {
  readonly analyzer: CaptureAnalyzer;
  private readonly decoder: PacketDecoder;
  private readonly packet = new DecodedPacket();
  /** The -Y/--where test of this capture, or null: then the hot path pays one null test. */
  private readonly accept: ReturnType<PacketSelector['forCapture']> | null;
  /** The capture's interfaces (the reader's list, which grows): a filter on `iface` reads their names. */
  interfaces: readonly { name?: string }[] = [];

  /** --since/--until/-c, or null (one null test per packet). */
  private readonly slice: CaptureSlice | null;
  /** The read reached -c: stop reading (not a fault). */
  countReached = false;

  constructor(options: PipelineOptions, private readonly observe?: PacketObserver) {
    this.analyzer = new CaptureAnalyzer(options);
    this.slice = options.slice ? new CaptureSlice(options.slice) : null;
    this.analyzer.slice = this.slice;
    this.decoder = new PacketDecoder(options);
    this.accept = options.where ? options.where.forCapture({ interfaceName: (i) => this.interfaces[i]?.name ?? null }) : null;
  }

  /** Decodes and counts the packet at bytes[offset, offset + record.caplen); false once --strict was violated or -c reached. */
  process(record: RecordInfo, bytes: Uint8Array, view: DataView, offset: number, fileOffset: number, linktype: number): boolean {
    const slice = this.slice;
    if (slice !== null) {
      // Time is known without decoding: a record outside the window costs one comparison.
      const inside = slice.accepts(record.tsSec, record.tsNsec);
      if (slice.atLimit) this.countReached = true;
      if (!inside) return !this.countReached;
    }
    const packet = this.packet;
    this.decoder.decode(packet, bytes, view, offset, record.caplen, record.origLen, linktype);
    if (this.accept !== null && !this.accept(packet, record.interfaceIndex ?? record.interfaceId, record.direction ?? 0)) {
      this.analyzer.filteredOut++;
      return this.analyzer.strictViolation === null && !this.countReached;
    }
    this.analyzer.add(packet, record.packetNumber, fileOffset, record.tsSec, record.tsNsec,
      record.interfaceIndex ?? record.interfaceId, linktype, record.direction ?? 0);
    if (this.observe) this.observe(record, packet);
    return this.analyzer.strictViolation === null && !this.countReached;
  }
}

export interface CaptureRun {
  file: string;
  /** pcap, pcapng, or live. */
  format: CaptureFormat | 'live';
  gzip: boolean;
  compression?: Compression | null;
  interfaces: CaptureInterface[];
  analyzer: CaptureAnalyzer;
  /** Bytes of (decompressed) capture read. */
  bytesRead: number;
  /** The read stopped early (truncated file, record length that cannot be true, strict violation). */
  endedEarly: boolean;
  /** The read was stopped by ReadControl.signal (Ctrl-C): the run covers what was read before. */
  interrupted?: boolean;
}

/** How far a read has come, handed to ReadControl.checkpoint. */
export interface ReadProgress {
  packets: number;
  /** Bytes taken from the input: compressed bytes for compressed input. */
  inputBytes: number;
  /** Size of the input file (compressed size when compressed); null for a pipe. */
  inputSize: number | null;
}

/**
 * What a command may do to a running read (all optional; none of it runs per packet):
 * stop it, and look in or wait between buffers of input.
 */
export interface ReadControl {
  /** Aborted: reading stops; what was read is reported, and a record the stop cut is no fault. */
  signal?: AbortSignal;
  /**
   * Called between buffers of input (every few MiB, or every chunk of a pipe), after a turn of
   * the event loop (so signals and stdout errors are seen): progress, output backpressure.
   */
  checkpoint?: (progress: ReadProgress) => void | Promise<void>;
}

/** Reads, decodes and analyses one capture. Throws SourceOpenError / CaptureFormatError for input that is not a capture. */
export async function analyzeCapture(path: string, options: PipelineOptions = {}, observe?: PacketObserver, control?: ReadControl): Promise<CaptureRun> {
  const opened = await openSource(path);
  const signal = control?.signal;
  const interrupt = () => opened.source.interrupt?.();
  if (signal?.aborted) interrupt();
  signal?.addEventListener('abort', interrupt);
  const processor = new PacketProcessor(options, observe);
  const analyzer = processor.analyzer;
  let reader: CaptureReader;
  try {
    reader = await CaptureReader.open(opened.source, analyzer);
  } catch (err) {
    signal?.removeEventListener('abort', interrupt);
    await opened.source.close().catch(() => {});
    throw err;
  }
  processor.interfaces = reader.allInterfaces;
  const progress: ReadProgress = { packets: 0, inputBytes: 0, inputSize: opened.fileSize };
  let stoppedByStrict = false;
  try {
    outer: for (;;) {
      while (reader.next()) {
        if (!processor.process(reader, reader.bytes, reader.view, reader.dataOffset, reader.dataFileOffset, reader.linktype)) {
          // -c reached is the end the user asked for; anything else is a --strict stop.
          stoppedByStrict = analyzer.strictViolation !== null || !processor.countReached;
          break outer;
        }
      }
      if (analyzer.strictViolation) {
        stoppedByStrict = true;
        break;
      }
      if (control) {
        // A regular file is read synchronously: give the event loop a turn (a SIGINT handler,
        // an EPIPE on stdout) once per buffer, never per packet.
        await new Promise<void>((resolve) => setImmediate(resolve));
        progress.packets = analyzer.packets;
        progress.inputBytes = opened.inputBytesRead();
        await control.checkpoint?.(progress);
      }
      if (!(await reader.refill())) break;
    }
  } finally {
    signal?.removeEventListener('abort', interrupt);
    await reader.close().catch(() => {});
  }
  return {
    file: opened.displayName,
    format: reader.format,
    gzip: opened.gzip,
    compression: opened.compression,
    interfaces: reader.allInterfaces,
    analyzer,
    bytesRead: reader.bytesRead,
    endedEarly: reader.endedEarly || stoppedByStrict,
    interrupted: opened.source.interrupted ?? false,
  };
}
