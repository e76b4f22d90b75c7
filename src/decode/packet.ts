// The result of decoding one packet: a reusable struct of typed arrays, filled in place for
// every packet (no per-packet objects). It holds offsets into the packet bytes, so it is only
// meaningful while those bytes are (until the reader moves to the next record).
import { L_NONE } from './layers.js';

export const MAX_LAYERS = 32;
export const MAX_IPS = 16;
/** At most this many tunnels fit the 4-bits-per-tunnel encapsulation number used as a flow key. */
export const MAX_TUNNELS = 7;
const MAX_ISSUES = 8;
/** Linux PACKET_OUTGOING, as SLL/SLL2 record it. */
const SLL_OUTGOING = 4;

export class DecodedPacket {
  bytes: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(new ArrayBuffer(0));
  /** Offset of the packet's first byte in `bytes`. */
  start = 0;
  /** Offset just past the last captured byte. */
  capEnd = 0;
  caplen = 0;
  /** Length on the wire; larger than caplen when the snapshot length cut the packet. */
  wireLen = 0;

  // The cursor decoders advance: `off` is where the next layer starts, `end` where its bytes end.
  off = 0;
  end = 0;

  layerCount = 0;
  readonly layerKind = new Uint8Array(MAX_LAYERS);
  readonly layerOffset = new Int32Array(MAX_LAYERS);

  /** Every IP header, outermost first: family (4 or 6), header offset, upper protocol. */
  ipCount = 0;
  readonly ipFamily = new Uint8Array(MAX_IPS);
  readonly ipOffset = new Int32Array(MAX_IPS);
  readonly ipProto = new Uint8Array(MAX_IPS);

  /** Tunnels, outermost first, each with the index of the IP header that carries it. */
  tunnelCount = 0;
  readonly tunnelType = new Uint8Array(MAX_TUNNELS + 1);
  readonly tunnelIp = new Uint8Array(MAX_TUNNELS + 1);
  /** VNI (VXLAN, GENEVE), NVGRE's VSID, other GRE keys, or -1 (doubles: a GRE key has 32 bits). */
  readonly tunnelVni = new Float64Array(MAX_TUNNELS + 1);
  /** The raw 32-bit GRE key (for NVGRE: VSID << 8 | FlowID), or -1. */
  readonly tunnelKey = new Float64Array(MAX_TUNNELS + 1);
  /** How many nested tunnels the decoder follows (1..MAX_TUNNELS). */
  maxTunnels = MAX_TUNNELS;
  /** Tunnel types packed 4 bits each, outermost in the low bits: the flow's encapsulation. */
  encapChain = 0;

  /** UDP destination port of the outermost UDP-based tunnel (VXLAN, GENEVE), or -1. */
  tunnelPort = -1;
  /** Offset of the Ethernet header inside the outermost VXLAN (the VTEP MACs), or -1. */
  vxlanInnerEthernet = -1;

  /** Index of the innermost IP header that is not a tunnel carrier, or -1 (no IP, or only a carrier). */
  innerIp = -1;
  /** Transport of the inner IP header (its protocol number), ports or ICMP type/code, -1 where absent. */
  sport = -1;
  dport = -1;
  icmpType = -1;
  icmpCode = -1;
  tcpFlags = -1;
  /** Some IP header on the path is a fragment (MF set or offset > 0) / a later fragment (offset > 0). */
  fragment = false;
  laterFragment = false;
  /** Same as `fragment`, read by decoders: lengths beyond a fragment are not checked against the bytes. */
  inFragment = false;
  /** Checksums found wrong on this packet, and wrong ones explained by TX offload. */
  badChecksums = 0;
  offloadSuspects = 0;

  /**
   * What a packet with no (inner) IP carries: the EtherType of the last link layer, or a KIND_
   * value (layers.ts) where no EtherType names it (802.3/LLC, PPP control, an empty PPTP packet).
   */
  etherType = -1;

  /** Linux cooked capture metadata (SLL/SLL2), -1 where absent: packet type (PACKET_HOST ... PACKET_OUTGOING), ifindex (SLL2 only). */
  sllPacketType = -1;
  sllIfindex = -1;
  /** ARPHRD_ type of the device the packet was captured on (if_arp.h: 1 Ethernet, 768 IPIP tunl0, 772 loopback, 65534 none), -1 where absent. */
  sllHatype = -1;
  /**
   * The SLL/SLL2 link-layer address when it is 6 bytes long (the frame's source MAC; for an outgoing
   * packet the sending device's), as a 48-bit number in a double; -1 where absent or of another length.
   */
  sllAddress = -1;
  vlanId = -1;

  issueCount = 0;
  readonly issueId = new Uint16Array(MAX_ISSUES);
  /** Offset of the problem relative to the packet's first byte. */
  readonly issueOffset = new Int32Array(MAX_ISSUES);
  readonly issueNeeded = new Int32Array(MAX_ISSUES);
  readonly issuePresent = new Int32Array(MAX_ISSUES);

  reset(bytes: Uint8Array, view: DataView, start: number, caplen: number, wireLen: number): void {
    this.bytes = bytes;
    this.view = view;
    this.start = start;
    this.caplen = caplen;
    this.wireLen = wireLen;
    this.capEnd = start + caplen;
    this.off = start;
    this.end = start + caplen;
    this.layerCount = 0;
    this.ipCount = 0;
    this.tunnelCount = 0;
    this.encapChain = 0;
    this.tunnelPort = -1;
    this.vxlanInnerEthernet = -1;
    this.innerIp = -1;
    this.clearTransport();
    this.fragment = false;
    this.laterFragment = false;
    this.inFragment = false;
    this.etherType = -1;
    this.badChecksums = 0;
    this.offloadSuspects = 0;
    this.sllPacketType = -1;
    this.sllIfindex = -1;
    this.sllHatype = -1;
    this.sllAddress = -1;
    this.vlanId = -1;
    this.issueCount = 0;
  }

  /** A packet the capturing host sent (SLL/SLL2 packet type 4): its checksums may still be blank for the NIC. */
  isOutgoing(): boolean {
    return this.sllPacketType === SLL_OUTGOING;
  }

  /** Forgets the transport fields: a new IP header starts, or the last one carries a tunnel. */
  clearTransport(): void {
    this.sport = -1;
    this.dport = -1;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.tcpFlags = -1;
  }

  /** Records that a layer of `kind` starts at `offset`; false when the stack is full. */
  pushLayer(kind: number, offset: number): boolean {
    if (this.layerCount >= MAX_LAYERS) return false;
    this.layerKind[this.layerCount] = kind;
    this.layerOffset[this.layerCount] = offset - this.start;
    this.layerCount++;
    return true;
  }

  addIssue(id: number, offset: number, needed: number, present: number): void {
    if (this.issueCount >= MAX_ISSUES) return;
    const i = this.issueCount++;
    this.issueId[i] = id;
    this.issueOffset[i] = offset - this.start;
    this.issueNeeded[i] = needed;
    this.issuePresent[i] = present;
  }

  /** The innermost layer kind decoded, or L_NONE. */
  lastLayer(): number {
    return this.layerCount === 0 ? L_NONE : this.layerKind[this.layerCount - 1];
  }
}
