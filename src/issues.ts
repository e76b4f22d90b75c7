// Typed issues with stable codes. Readers and decoders report problems as values through an
// IssueSink, never as exceptions, so one bad packet never stops the analysis of the rest.
// The codes are a contract (JSON output, docs/issues.md): add new ones, never rename.

export const Severity = {
  /** The capture tool cut the packet (snapshot length): the bytes are fine, just not all there. */
  Cut: 0,
  /** The bytes contradict themselves: a length field that lies, a bad version, a bad checksum. */
  Malformed: 1,
  /** Worth knowing, not wrong: e.g. a record flagged but still decoded. */
  Note: 2,
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

export interface IssueDefinition {
  readonly code: string;
  readonly severity: Severity;
  readonly layer: string;
  readonly meaning: string;
  /** Stops reading the capture file: the reader cannot find the next record. */
  readonly endsRead?: boolean;
}

function def(code: string, severity: Severity, layer: string, meaning: string, endsRead = false): IssueDefinition {
  return { code, severity, layer, meaning, endsRead };
}

/** Every issue the tool can report. Index in this array = numeric id used on the hot path. */
export const ISSUES = [
  // capture files
  def('pcap.truncated_record', Severity.Malformed, 'pcap', 'the file ends inside a record header or its data (a capture cut short)', true),
  def('pcap.record_too_large', Severity.Malformed, 'pcap', 'a record claims more bytes than any capture can hold; the rest of the file cannot be trusted', true),
  def('pcap.caplen_exceeds_snaplen', Severity.Note, 'pcap', 'a record holds more bytes than the snapshot length in the file header (flagged, still decoded)'),
  def('pcap.caplen_exceeds_len', Severity.Malformed, 'pcap', 'a record claims more captured bytes than the packet had on the wire'),
  def('pcap.linktype_reserved_bits', Severity.Note, 'pcap', 'the link type field has reserved bits set; they were ignored'),
  def('input.ended_on_fault', Severity.Malformed, 'input', 'the input ended on a fault, not cleanly: a gzip stream cut short, corrupt gzip data, or a read error; everything before it was analysed', true),
  def('pcapng.truncated_block', Severity.Malformed, 'pcapng', 'the file ends inside a block (a capture cut short)', true),
  def('pcapng.bad_block_length', Severity.Malformed, 'pcapng', 'a block length is too small, not a multiple of 4, or differs from its trailing copy', true),
  def('pcapng.block_too_large', Severity.Malformed, 'pcapng', 'a block claims more bytes than the reader allows; the rest of the file cannot be trusted', true),
  def('pcapng.bad_section_header', Severity.Malformed, 'pcapng', 'a section header has an unknown byte-order magic or version; the rest of the file is not read', true),
  def('pcapng.bad_option_length', Severity.Malformed, 'pcapng', 'an option runs past the end of its block; the remaining options were ignored'),
  def('pcapng.bad_interface_id', Severity.Malformed, 'pcapng', 'a packet names an interface that no Interface Description Block declared; the packet was skipped'),
  def('pcapng.packet_before_interface', Severity.Malformed, 'pcapng', 'a Simple Packet Block comes before any interface was declared; skipped'),
  def('pcapng.caplen_exceeds_block', Severity.Malformed, 'pcapng', 'a packet block claims more captured bytes than the block holds; the packet was skipped'),
  def('capture.unsupported_linktype', Severity.Note, 'link', 'a packet on a link type this tool does not decode; counted, not decoded'),
  // per packet
  def('captured.snaplen_cut', Severity.Cut, 'capture', 'the packet was cut by the snapshot length before this layer ended (not malformed)'),
  def('eth.truncated', Severity.Malformed, 'eth', 'Ethernet header longer than the bytes present'),
  def('eth.invalid_length_type', Severity.Malformed, 'eth', 'the Ethernet length/type field is between 1501 and 1535: neither an 802.3 length nor an EtherType (IEEE 802.3 clause 3.2.6)'),
  def('llc.truncated', Severity.Malformed, 'llc', '802.2 LLC header (after an 802.3 length field) longer than the bytes present'),
  def('vlan.truncated', Severity.Malformed, 'vlan', '802.1Q/802.1ad tag longer than the bytes present'),
  def('mpls.truncated', Severity.Malformed, 'mpls', 'MPLS label stack runs past the bytes present'),
  def('sll.truncated', Severity.Malformed, 'sll', 'Linux cooked header longer than the bytes present'),
  def('loopback.truncated', Severity.Malformed, 'loopback', 'BSD loopback header longer than the bytes present'),
  def('ip.truncated', Severity.Malformed, 'ip', 'no bytes left where an IP header must start (raw IP, MPLS)'),
  def('ip.bad_version', Severity.Malformed, 'ip', 'the IP version nibble is neither 4 nor 6'),
  def('ipv4.truncated', Severity.Malformed, 'ipv4', 'IPv4 header longer than the bytes present'),
  def('ipv4.bad_ihl', Severity.Malformed, 'ipv4', 'IPv4 header length below 20 bytes'),
  def('ipv4.total_length_exceeds_captured', Severity.Malformed, 'ipv4', 'IPv4 total length is larger than the bytes the packet had'),
  def('ipv4.total_length_below_header', Severity.Malformed, 'ipv4', 'IPv4 total length is smaller than its own header'),
  def('ipv4.bad_checksum', Severity.Malformed, 'ipv4', 'IPv4 header checksum does not match: the header was corrupted on the way'),
  def('ipv4.checksum_offload_suspect', Severity.Note, 'ipv4', 'IPv4 header checksum does not match on a packet captured as it was sent (zero or outgoing): checksum offload, not corruption'),
  def('ipv6.truncated', Severity.Malformed, 'ipv6', 'IPv6 header longer than the bytes present'),
  def('ipv6.payload_length_exceeds_captured', Severity.Malformed, 'ipv6', 'IPv6 payload length is larger than the bytes the packet had'),
  def('ipv6.bad_extension_header', Severity.Malformed, 'ipv6', 'an IPv6 extension header runs past the bytes present'),
  def('udp.truncated', Severity.Malformed, 'udp', 'UDP header longer than the bytes present'),
  def('udp.bad_checksum', Severity.Malformed, 'udp', 'the outer UDP checksum of a VXLAN/GENEVE packet does not match (zero means none): receivers drop such packets, the classic Calico VXLAN offload bug'),
  def('udp.checksum_offload_suspect', Severity.Note, 'udp', 'the outer UDP checksum does not match but holds the partial (pseudo-header) sum or the packet is outgoing: captured before the NIC filled it in (TX offload), not corruption'),
  def('udp.bad_length', Severity.Malformed, 'udp', 'UDP length field is below 8 or beyond the IP payload'),
  def('tcp.truncated', Severity.Malformed, 'tcp', 'TCP header longer than the bytes present'),
  def('tcp.bad_data_offset', Severity.Malformed, 'tcp', 'TCP data offset below 5 words or beyond the bytes present'),
  def('icmp.truncated', Severity.Malformed, 'icmp', 'ICMP header longer than the bytes present'),
  def('transport.truncated', Severity.Malformed, 'transport', 'SCTP, DCCP or UDP-Lite header longer than the bytes present'),
  def('vxlan.truncated', Severity.Malformed, 'vxlan', 'VXLAN header longer than the bytes present'),
  def('vxlan.i_flag_unset', Severity.Malformed, 'vxlan', 'VXLAN I flag (valid VNI) is not set (RFC 7348 section 5)'),
  def('nsh.truncated', Severity.Malformed, 'nsh', 'Network Service Header (RFC 8300) shorter than 8 bytes or than its length field, or longer than the bytes present'),
  def('tunnel.unknown_next_protocol', Severity.Note, 'tunnel', 'a VXLAN-GPE or NSH header names a next protocol (or a version) this tool does not decode: the tunnel is reported, its payload is not decoded'),
  def('geneve.truncated', Severity.Malformed, 'geneve', 'GENEVE header or options longer than the bytes present'),
  def('geneve.bad_version', Severity.Malformed, 'geneve', 'GENEVE version is not 0'),
  def('gre.truncated', Severity.Malformed, 'gre', 'GRE header longer than the bytes present'),
  def('gre.bad_version', Severity.Malformed, 'gre', 'GRE version is neither 0 nor 1 (PPTP)'),
  def('erspan.truncated', Severity.Malformed, 'erspan', 'ERSPAN header longer than the bytes present'),
  def('ppp.truncated', Severity.Malformed, 'ppp', 'PPP header longer than the bytes present'),
  def('wireguard.truncated', Severity.Malformed, 'wireguard', 'WireGuard message shorter than its type requires'),
  def('tunnel.max_depth', Severity.Malformed, 'tunnel', 'more nested layers than the decoder follows; decoding stopped there'),
  def('flows.table_full', Severity.Note, 'analysis', 'the flow table reached --max-flows; further new flows were counted only in the totals'),
] as const;

export type IssueCode = (typeof ISSUES)[number]['code'];

const idByCode = new Map<string, number>(ISSUES.map((d, i) => [d.code, i]));

/** The numeric id of a code, for hot paths that count issues in typed arrays. */
export function issueId(code: IssueCode): number {
  return idByCode.get(code)!;
}

export function issueDefinition(id: number): IssueDefinition {
  return ISSUES[id];
}

/** Where an issue was found, with bytes needed vs present for length problems (-1 where not applicable). */
export interface IssueSink {
  report(id: number, packetNumber: number, fileOffset: number, needed: number, present: number, detail?: string): void;
}

/** One issue, materialised for reports (only the first few of each run are kept). */
export interface IssueRecord {
  code: string;
  layer: string;
  severity: 'cut' | 'malformed' | 'note';
  packet: number;
  offset: number;
  needed?: number;
  present?: number;
  message: string;
}

export function severityName(s: Severity): IssueRecord['severity'] {
  return s === Severity.Cut ? 'cut' : s === Severity.Malformed ? 'malformed' : 'note';
}

/** The record of one reported issue, with its message (the detail given, or the meaning). */
export function issueRecord(id: number, packetNumber: number, fileOffset: number, needed: number, present: number, detail?: string): IssueRecord {
  const def = ISSUES[id];
  const record: IssueRecord = {
    code: def.code,
    layer: def.layer,
    severity: severityName(def.severity),
    packet: packetNumber,
    offset: fileOffset,
    message: detail ? detail : needed >= 0 && present >= 0 ? `${def.meaning} (${needed} bytes needed, ${present} present)` : def.meaning,
  };
  if (needed >= 0) record.needed = needed;
  if (present >= 0) record.present = present;
  return record;
}
