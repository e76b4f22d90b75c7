// The decode loop: starting from the link type, hand the cursor to one decoder after another
// until a decoder returns L_NONE. The stack of layers is ordered and bounded (MAX_LAYERS), so
// nested tunnels are followed as deep as allowed and no input can loop.
import { issueId } from '../issues.js';
import { createDissectorTables, type DissectorOptions, type DissectorTables } from './dispatch.js';
import {
  L_ARP, L_DCCP, L_ERSPAN2, L_ERSPAN3, L_ETHERNET, L_GENEVE, L_GRE, L_ICMP, L_ICMPV6, L_IPV4, L_IPV6,
  L_LLC, L_LOOPBACK, L_MPLS, L_NONE, L_NSH, L_PPP, L_RAW_IP, L_SCTP, L_SLL, L_SLL2, L_TCP, L_UDP,
  L_UDPLITE, L_VLAN, L_VXLAN, L_VXLAN_GPE, L_WIREGUARD,
} from './layers.js';
import { decodeEthernet, decodeLlc, decodeLoopback, decodeMpls, decodeRawIp, decodeSll, decodeSll2, decodeVlan } from './link.js';
import { decodeIpv4, decodeIpv6 } from './ip.js';
import { decodeDccp, decodeIcmp, decodeIcmpv6, decodeSctp, decodeTcp, decodeUdp, decodeUdpLite } from './transport.js';
import {
  decodeErspan2, decodeErspan3, decodeGeneve, decodeGre, decodeNsh, decodePpp, decodeVxlan, decodeVxlanGpe, decodeWireguard,
} from './tunnels.js';
import { MAX_LAYERS, MAX_TUNNELS, type DecodedPacket } from './packet.js';

const ID_UNSUPPORTED_LINK = issueId('capture.unsupported_linktype');
const ID_MAX_DEPTH = issueId('tunnel.max_depth');

export interface DecoderOptions extends DissectorOptions {
  /** Nested tunnels followed before decoding stops with tunnel.max_depth (1..7, default 7). */
  maxTunnelDepth?: number;
}

export class PacketDecoder {
  readonly tables: DissectorTables;
  private readonly maxTunnels: number;
  // The link type rarely changes between packets: skip the map lookup when it did not.
  private lastLinkType = -1;
  private lastFirstLayer = L_NONE;

  constructor(options: DecoderOptions = {}) {
    this.tables = createDissectorTables(options);
    this.maxTunnels = Math.max(1, Math.min(MAX_TUNNELS, options.maxTunnelDepth ?? MAX_TUNNELS));
  }

  /** True when packets of this link type can be decoded. */
  supportsLinkType(linktype: number): boolean {
    return this.tables.linkType.has(linktype);
  }

  /** Decodes the packet at bytes[start, start + caplen) into `p` (reused for every packet). */
  decode(p: DecodedPacket, bytes: Uint8Array, view: DataView, start: number, caplen: number, wireLen: number, linktype: number): void {
    p.reset(bytes, view, start, caplen, wireLen);
    p.maxTunnels = this.maxTunnels;
    const t = this.tables;
    if (linktype !== this.lastLinkType) {
      this.lastLinkType = linktype;
      this.lastFirstLayer = t.linkType.get(linktype) ?? L_NONE;
    }
    let next = this.lastFirstLayer;
    if (next === L_NONE) p.addIssue(ID_UNSUPPORTED_LINK, start, -1, linktype);
    while (next !== L_NONE) {
      if (p.layerCount >= MAX_LAYERS) {
        p.addIssue(ID_MAX_DEPTH, p.off, -1, -1);
        break;
      }
      switch (next) {
        case L_ETHERNET: next = decodeEthernet(p, t); break;
        case L_VLAN: next = decodeVlan(p, t); break;
        case L_MPLS: next = decodeMpls(p, t); break;
        case L_SLL: next = decodeSll(p, t); break;
        case L_SLL2: next = decodeSll2(p, t); break;
        case L_LOOPBACK: next = decodeLoopback(p, t); break;
        case L_RAW_IP: next = decodeRawIp(p, t); break;
        case L_IPV4: next = decodeIpv4(p, t); break;
        case L_IPV6: next = decodeIpv6(p, t); break;
        case L_UDP: next = decodeUdp(p, t); break;
        case L_TCP: next = decodeTcp(p, t); break;
        case L_ICMP: next = decodeIcmp(p, t); break;
        case L_ICMPV6: next = decodeIcmpv6(p, t); break;
        case L_VXLAN: next = decodeVxlan(p, t); break;
        case L_GENEVE: next = decodeGeneve(p, t); break;
        case L_GRE: next = decodeGre(p, t); break;
        case L_ERSPAN2: next = decodeErspan2(p, t); break;
        case L_ERSPAN3: next = decodeErspan3(p, t); break;
        case L_PPP: next = decodePpp(p, t); break;
        case L_WIREGUARD: next = decodeWireguard(p, t); break;
        case L_LLC: next = decodeLlc(p, t); break;
        case L_VXLAN_GPE: next = decodeVxlanGpe(p, t); break;
        case L_NSH: next = decodeNsh(p, t); break;
        case L_SCTP: next = decodeSctp(p, t); break;
        case L_DCCP: next = decodeDccp(p, t); break;
        case L_UDPLITE: next = decodeUdpLite(p, t); break;
        case L_ARP:
          p.pushLayer(L_ARP, p.off);
          next = L_NONE;
          break;
        default:
          next = L_NONE;
      }
    }
    finish(p);
  }
}

/** Works out which IP header is the inner one: the innermost that does not carry a tunnel. */
function finish(p: DecodedPacket): void {
  const last = p.ipCount - 1;
  if (last < 0 || (p.tunnelCount > 0 && p.tunnelIp[p.tunnelCount - 1] === last)) {
    p.innerIp = -1;
    p.clearTransport();
  } else {
    p.innerIp = last;
  }
}
