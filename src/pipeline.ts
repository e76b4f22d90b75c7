// The pipeline shared by every command: source -> capture reader -> packet decoder -> analyzer,
// with an optional per-packet observer (ndjson output). Live capture will be one more reader.
import { openSource } from './capture/source.js';
import { CaptureReader, type CaptureFormat, type CaptureInterface } from './capture/reader.js';
import { PacketDecoder, type DecoderOptions } from './decode/decoder.js';
import { DecodedPacket } from './decode/packet.js';
import { CaptureAnalyzer, type AnalyzerOptions } from './analysis/analyzer.js';

export interface PipelineOptions extends DecoderOptions, AnalyzerOptions {}

/** Called for every packet after it was decoded and counted; the bytes are valid only during the call. */
export type PacketObserver = (reader: CaptureReader, packet: DecodedPacket) => void;

export interface CaptureRun {
  file: string;
  format: CaptureFormat;
  gzip: boolean;
  interfaces: CaptureInterface[];
  analyzer: CaptureAnalyzer;
  /** Bytes of (decompressed) capture read. */
  bytesRead: number;
  /** The read stopped early (truncated file, record length that cannot be true, strict violation). */
  endedEarly: boolean;
}

/** Reads, decodes and analyses one capture. Throws SourceOpenError / CaptureFormatError for input that is not a capture. */
export async function analyzeCapture(path: string, options: PipelineOptions = {}, observe?: PacketObserver): Promise<CaptureRun> {
  const opened = await openSource(path);
  const analyzer = new CaptureAnalyzer(options);
  let reader: CaptureReader;
  try {
    reader = await CaptureReader.open(opened.source, analyzer);
  } catch (err) {
    await opened.source.close().catch(() => {});
    throw err;
  }
  const decoder = new PacketDecoder(options);
  const packet = new DecodedPacket();
  let stoppedByStrict = false;
  try {
    outer: for (;;) {
      while (reader.next()) {
        decoder.decode(packet, reader.bytes, reader.view, reader.dataOffset, reader.caplen, reader.origLen, reader.linktype);
        analyzer.add(packet, reader.packetNumber, reader.dataFileOffset, reader.tsSec, reader.tsNsec);
        if (observe) observe(reader, packet);
        if (analyzer.strictViolation) {
          stoppedByStrict = true;
          break outer;
        }
      }
      if (analyzer.strictViolation) {
        stoppedByStrict = true;
        break;
      }
      if (!(await reader.refill())) break;
    }
  } finally {
    await reader.close().catch(() => {});
  }
  return {
    file: opened.displayName,
    format: reader.format,
    gzip: opened.gzip,
    interfaces: reader.allInterfaces,
    analyzer,
    bytesRead: reader.bytesRead,
    endedEarly: reader.endedEarly || stoppedByStrict,
  };
}
