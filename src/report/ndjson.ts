// `--format ndjson`: one JSON object per packet, per line, written as packets are decoded.
// Strings are built only here, for the output the user asked for.
import { ISSUES } from '../issues.js';
import type { RecordInfo } from '../analysis/pipeline.js';
import { etherTypeName, LAYER_NAMES, TUNNEL_NAMES } from '../decode/layers.js';
import type { DecodedPacket } from '../decode/packet.js';
import { formatIpAddress } from '../analysis/address.js';
import { isoTime } from '../capture/time.js';
import type { PodNames } from './pod-names.js';

export interface PacketLine {
  packet: number;
  time: string;
  interface: number;
  caplen: number;
  len: number;
  layers: string[];
  tunnels: { type: string; src: string; dst: string; vni?: number; key?: number }[];
  /** srcPod and dstPod only with --pods ("namespace/name", or null). */
  inner?: { src: string; dst: string; srcPod?: string | null; dstPod?: string | null; proto: number; sport?: number; dport?: number; icmpType?: number; icmpCode?: number };
  etherType?: number;
  nonIp?: string;
  fragment?: true;
  sll?: { packetType: number; ifindex?: number };
  issues?: string[];
}

/** One line; `names` (--pods) looks the inner addresses up straight from the packet's bytes. */
export function packetLine(reader: RecordInfo, p: DecodedPacket, names: PodNames | null = null): PacketLine {
  const b = p.bytes;
  const layers: string[] = [];
  for (let i = 0; i < p.layerCount; i++) layers.push(LAYER_NAMES[p.layerKind[i]]);
  const tunnels: PacketLine['tunnels'] = [];
  for (let i = 0; i < p.tunnelCount; i++) {
    const ip = p.tunnelIp[i];
    const type = p.tunnelType[i];
    const t: PacketLine['tunnels'][number] = {
      type: TUNNEL_NAMES[type],
      src: formatIpAddress(b, p.ipFamily[ip], p.ipOffset[ip], 0),
      dst: formatIpAddress(b, p.ipFamily[ip], p.ipOffset[ip], 1),
    };
    // GRE shows its raw key; NVGRE also its VSID as the VNI (a plain GRE key is not a VNI).
    if (p.tunnelVni[i] >= 0 && p.tunnelVni[i] !== p.tunnelKey[i]) t.vni = p.tunnelVni[i];
    if (p.tunnelKey[i] >= 0) t.key = p.tunnelKey[i];
    tunnels.push(t);
  }
  const line: PacketLine = {
    packet: reader.packetNumber,
    time: isoTime(reader.tsSec, reader.tsNsec),
    interface: reader.interfaceId,
    caplen: reader.caplen,
    len: reader.origLen,
    layers,
    tunnels,
  };
  if (p.innerIp >= 0) {
    const ip = p.innerIp;
    const family = p.ipFamily[ip];
    const offset = p.ipOffset[ip];
    const src = formatIpAddress(b, family, offset, 0);
    const dst = formatIpAddress(b, family, offset, 1);
    const proto = p.ipProto[ip];
    // The names sit beside the addresses; without --pods the line is exactly as before.
    const inner: NonNullable<PacketLine['inner']> = names === null
      ? { src, dst, proto }
      : { src, dst, srcPod: names.ofPacket(b, family, offset, 0), dstPod: names.ofPacket(b, family, offset, 1), proto };
    if (p.sport >= 0) {
      inner.sport = p.sport;
      inner.dport = p.dport;
    }
    if (p.icmpType >= 0) {
      inner.icmpType = p.icmpType;
      inner.icmpCode = p.icmpCode;
    }
    line.inner = inner;
  } else if (p.etherType > 0xffff) {
    line.nonIp = etherTypeName(p.etherType); // not an EtherType: 802.3/LLC, PPP control, ...
  } else if (p.etherType >= 0) {
    line.etherType = p.etherType;
  }
  if (p.fragment) line.fragment = true;
  if (p.sllPacketType >= 0) line.sll = p.sllIfindex >= 0 ? { packetType: p.sllPacketType, ifindex: p.sllIfindex } : { packetType: p.sllPacketType };
  if (p.issueCount > 0) {
    const codes: string[] = [];
    for (let i = 0; i < p.issueCount; i++) codes.push(ISSUES[p.issueId[i]].code);
    line.issues = codes;
  }
  return line;
}
