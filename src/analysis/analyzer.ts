// Per-capture analysis: feeds decoded packets into the flow table and keeps the counters and
// issues the reports need. It is also the IssueSink of the reader, so file faults and packet
// faults are counted the same way.
import type { CaptureSlice } from './slice.js';
import { issueRecord, ISSUES, Severity, type IssueRecord, type IssueSink } from '../issues.js';
import type { DecodedPacket } from '../decode/packet.js';
import { FlowTable, pointWord } from './flows.js';
import { CapturePointTable, packetDirection } from './capture-points.js';

/** Detailed issue records kept per run; counts are always complete. */
const MAX_ISSUE_RECORDS = 100;

export interface AnalyzerOptions {
  maxFlows?: number;
  /** Capture points tracked individually (default 4096); further ones share one overflow point. */
  maxCapturePoints?: number;
  /** Stop at the first malformed packet or file fault. */
  strict?: boolean;
  /** A -Y/--where filter: the analyzer keeps its text for the reports. */
  where?: { readonly expression: string };
}

/** What a -Y/--where filter did to a run: the `filter` section of the JSON documents. */
export interface FilterSummary {
  expression: string;
  /** Packets read from the capture (decoded and tested). */
  packetsRead: number;
  /** Packets the filter selected: the only ones counted anywhere else (totals.packets). */
  packetsPassed: number;
  packetsFilteredOut: number;
}

export class CaptureAnalyzer implements IssueSink {
  readonly flows: FlowTable;
  /** Where packets were captured: interface, SLL device, direction counts (capture-points.ts). */
  readonly points: CapturePointTable;
  packets = 0;
  wireBytes = 0;
  capturedBytes = 0;
  /** Packets with no IP header at all, by EtherType or KIND_ value (-1: none known, e.g. unsupported link type). */
  readonly nonIpByEtherType = new Map<number, number>();
  nonIpPackets = 0;
  fragments = 0;
  malformedPackets = 0;
  snaplenCutPackets = 0;
  badChecksums = 0;
  checksumOffloadSuspects = 0;
  readonly issueCounts = new Uint32Array(ISSUES.length);
  readonly issueRecords: IssueRecord[] = [];
  /** The first malformed issue when strict: the run stops there. */
  strictViolation: IssueRecord | null = null;
  firstSec = Infinity;
  firstNsec = 0;
  lastSec = -Infinity;
  lastNsec = 0;

  /** The -Y/--where expression of the run, or null; packets it rejected are counted here only. */
  readonly where: string | null;
  /** --since/--until/-c of this capture, or null (set by the PacketProcessor). */
  slice: CaptureSlice | null = null;
  filteredOut = 0;

  private readonly strict: boolean;

  /** The filter section of the reports, or null when no filter was given. */
  filterSummary(): FilterSummary | null {
    if (this.where === null) return null;
    return { expression: this.where, packetsRead: this.packets + this.filteredOut, packetsPassed: this.packets, packetsFilteredOut: this.filteredOut };
  }

  constructor(options: AnalyzerOptions = {}) {
    this.where = options.where?.expression ?? null;
    this.flows = new FlowTable(options.maxFlows);
    this.points = new CapturePointTable(options.maxCapturePoints);
    this.strict = options.strict ?? false;
  }

  report(id: number, packetNumber: number, fileOffset: number, needed: number, present: number, detail?: string): void {
    this.issueCounts[id]++;
    const def = ISSUES[id];
    const keep = this.issueRecords.length < MAX_ISSUE_RECORDS;
    const violates = this.strict && def.severity === Severity.Malformed && this.strictViolation === null;
    if (!keep && !violates && !def.endsRead) return;
    const record = issueRecord(id, packetNumber, fileOffset, needed, present, detail);
    if (keep) this.issueRecords.push(record);
    if (violates) this.strictViolation = record;
    if (def.endsRead) this.readFault = record;
  }

  /** The fault that ended the read early, if any (truncated file, absurd record length...). */
  readFault: IssueRecord | null = null;

  /**
   * Reports the packet's issues; true when one of them makes it malformed. Kept out of add(),
   * which runs for every packet: a smaller add() is inlined into the pipeline's loop.
   */
  private countIssues(p: DecodedPacket, packetNumber: number, fileOffset: number): boolean {
    let malformed = false;
    let cut = false;
    for (let i = 0; i < p.issueCount; i++) {
      const id = p.issueId[i];
      const sev = ISSUES[id].severity;
      if (sev === Severity.Malformed) malformed = true;
      else if (sev === Severity.Cut) cut = true;
      this.report(id, packetNumber, fileOffset + p.issueOffset[i], p.issueNeeded[i], p.issuePresent[i]);
    }
    if (malformed) this.malformedPackets++;
    if (cut) this.snaplenCutPackets++;
    return malformed;
  }

  /**
   * Adds one decoded packet. `fileOffset` is where the packet's bytes start in the file;
   * `interfaceIndex` and `linktype` name its capture interface, `recordedDirection` is what the
   * capture file said of its direction (pcapng epb_flags; 0 when nothing).
   */
  add(p: DecodedPacket, packetNumber: number, fileOffset: number, tsSec: number, tsNsec: number,
    interfaceIndex = 0, linktype = -1, recordedDirection = 0): void {
    this.packets++;
    this.wireBytes += p.wireLen;
    this.capturedBytes += p.caplen;
    if (tsSec < this.firstSec || (tsSec === this.firstSec && tsNsec < this.firstNsec)) {
      this.firstSec = tsSec;
      this.firstNsec = tsNsec;
    }
    if (tsSec > this.lastSec || (tsSec === this.lastSec && tsNsec > this.lastNsec)) {
      this.lastSec = tsSec;
      this.lastNsec = tsNsec;
    }
    const malformed = p.issueCount !== 0 && this.countIssues(p, packetNumber, fileOffset);
    if (p.fragment) this.fragments++;
    this.badChecksums += p.badChecksums;
    this.checksumOffloadSuspects += p.offloadSuspects;
    const direction = packetDirection(recordedDirection, p);
    const point = this.points.add(interfaceIndex, linktype, p, direction);
    if (p.ipCount === 0) {
      this.nonIpPackets++;
      this.nonIpByEtherType.set(p.etherType, (this.nonIpByEtherType.get(p.etherType) ?? 0) + 1);
      return;
    }
    this.flows.add(p, packetNumber, tsSec, tsNsec, malformed, pointWord(point, direction));
  }
}
