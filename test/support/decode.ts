// Decoding single packets built in memory, for decoder tests.
import { PacketDecoder, type DecoderOptions } from '../../src/decode/decoder.js';
import { DecodedPacket } from '../../src/decode/packet.js';
import { LAYER_NAMES, TUNNEL_NAMES } from '../../src/decode/layers.js';
import { ISSUES } from '../../src/issues.js';
import { formatIpAddress } from '../../src/analysis/address.js';

export interface Decoded {
  layers: string[];
  layerOffsets: number[];
  ips: string[];
  tunnels: { type: string; src: string; dst: string; vni?: number; key?: number }[];
  inner: { src: string; dst: string; proto: number; sport?: number; dport?: number } | null;
  tcpFlags: number;
  issues: string[];
  fragment: boolean;
  etherType: number;
  sllPacketType: number;
  sllIfindex: number;
  vlanId: number;
}

export function decodeBytes(bytes: Uint8Array, linktype: number, opts: DecoderOptions & { wireLen?: number; caplen?: number } = {}): Decoded {
  const decoder = new PacketDecoder(opts);
  const p = new DecodedPacket();
  // Copy into a fresh buffer at an odd offset: decoders must never assume offset 0 or alignment.
  const buf = new Uint8Array(bytes.length + 3);
  buf.set(bytes, 3);
  const view = new DataView(buf.buffer);
  const caplen = opts.caplen ?? bytes.length;
  decoder.decode(p, buf, view, 3, caplen, opts.wireLen ?? caplen, linktype);
  const ip = (i: number, which: 0 | 1) => formatIpAddress(buf, p.ipFamily[i], p.ipOffset[i], which);
  const out: Decoded = {
    layers: Array.from(p.layerKind.subarray(0, p.layerCount), (k) => LAYER_NAMES[k]),
    layerOffsets: Array.from(p.layerOffset.subarray(0, p.layerCount)),
    ips: Array.from({ length: p.ipCount }, (_, i) => `${ip(i, 0)}>${ip(i, 1)}`),
    tunnels: Array.from({ length: p.tunnelCount }, (_, i) => {
      const t: Decoded['tunnels'][number] = { type: TUNNEL_NAMES[p.tunnelType[i]], src: ip(p.tunnelIp[i], 0), dst: ip(p.tunnelIp[i], 1) };
      if (p.tunnelVni[i] >= 0) t.vni = p.tunnelVni[i];
      if (p.tunnelKey[i] >= 0) t.key = p.tunnelKey[i];
      return t;
    }),
    inner: null,
    tcpFlags: p.tcpFlags,
    issues: Array.from(p.issueId.subarray(0, p.issueCount), (id) => ISSUES[id].code),
    fragment: p.fragment,
    etherType: p.etherType,
    sllPacketType: p.sllPacketType,
    sllIfindex: p.sllIfindex,
    vlanId: p.vlanId,
  };
  if (p.innerIp >= 0) {
    out.inner = { src: ip(p.innerIp, 0), dst: ip(p.innerIp, 1), proto: p.ipProto[p.innerIp] };
    if (p.sport >= 0) {
      out.inner.sport = p.sport;
      out.inner.dport = p.dport;
    }
  }
  return out;
}

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}
