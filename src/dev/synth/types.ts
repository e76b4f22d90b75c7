// Layer specs for the packet builder.  A packet is an array of layers,
// outermost first; the builder derives every length, next-protocol field and
// checksum from what follows, so a spec only states what a reader would see.
//
// Every field the builder can derive is optional; setting it overrides the
// derived value (useful to build deliberately inconsistent packets).

/** Dotted quad, or 4 raw bytes. */
export type Ipv4Address = string | Uint8Array;
/** Any RFC 4291 text form ("fd00::1", "::ffff:10.0.0.1"), or 16 raw bytes. */
export type Ipv6Address = string | Uint8Array;
/** "aa:bb:cc:dd:ee:ff" (":" or "-" separated), or 6 raw bytes. */
export type MacAddress = string | Uint8Array;

export interface VlanTagSpec {
  /** 12-bit VLAN id. */
  vid: number;
  /** 3-bit priority code point, default 0. */
  pcp?: number;
  /** Drop eligible indicator, default false. */
  dei?: boolean;
  /**
   * Tag protocol id.  Default: with one tag 0x8100 (802.1Q); with several,
   * 0x88a8 (802.1ad S-tag) for the outermost and 0x8100 for the rest.
   */
  tpid?: number;
}

export interface EthSpec {
  src?: MacAddress;
  dst?: MacAddress;
  /** VLAN tags, outermost first. */
  vlans?: VlanTagSpec[];
  /** EtherType after the tags; derived from the next layer. */
  etherType?: number;
  /**
   * Pad the frame with zero bytes up to this length (60 = Ethernet minimum
   * without FCS).  Default: no padding, as captured on the sending host.
   */
  padTo?: number;
}

/** Linux "cooked" capture header v1 (LINKTYPE_LINUX_SLL, 16 bytes). */
export interface SllSpec {
  /** 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 outgoing. Default 0. */
  packetType?: number;
  /** ARPHRD_ type, default 1 (Ethernet). */
  arphrd?: number;
  /** Link-layer source address (up to 8 bytes), default 6 zero bytes. */
  addr?: MacAddress;
  /** Protocol (EtherType); derived from the next layer. */
  protocol?: number;
}

/** Linux "cooked" capture header v2 (LINKTYPE_LINUX_SLL2, 20 bytes). */
export interface Sll2Spec extends SllSpec {
  /** Interface index, default 1. */
  ifindex?: number;
}

export interface Ipv4Spec {
  src: Ipv4Address;
  dst: Ipv4Address;
  /** Default 64. */
  ttl?: number;
  /** Identification, default 0. */
  id?: number;
  /** DSCP/ECN byte, default 0. */
  tos?: number;
  /** Don't Fragment, default false. */
  df?: boolean;
  /** More Fragments, default false. */
  mf?: boolean;
  /** Fragment offset in bytes (a multiple of 8), default 0. */
  fragmentOffset?: number;
  /** Protocol number; derived from the next layer. */
  protocol?: number;
  /** Raw options, a multiple of 4 bytes, at most 40. */
  options?: Uint8Array;
  /** Total length; derived. */
  totalLength?: number;
  /** Header checksum; computed. */
  checksum?: number;
}

export interface Ipv6Spec {
  src: Ipv6Address;
  dst: Ipv6Address;
  /** Default 64. */
  hopLimit?: number;
  /** Default 0. */
  trafficClass?: number;
  /** 20-bit flow label, default 0. */
  flowLabel?: number;
  /** Next header; derived from the next layer (59 "no next header" if none). */
  nextHeader?: number;
  /** Payload length; derived. */
  payloadLength?: number;
}

/**
 * An IPv6 extension header (RFC 8200 section 4), after an ipv6 layer or another ipv6ext; any
 * number may be chained.  The previous header's Next Header names it.
 */
export interface Ipv6ExtSpec {
  /** 0 hop-by-hop, 43 routing, 44 fragment, 60 destination options (any number is written). */
  type: number;
  /**
   * Bytes after the next-header/length pair, zero-padded so the header is a multiple of 8
   * bytes (at least 8).  Default: 6 zero bytes, i.e. Pad1 options for hop-by-hop and
   * destination options, an empty routing header, an atomic fragment.
   */
  data?: Uint8Array;
  /** Next header; derived from the next layer. */
  nextHeader?: number;
  /** Hdr Ext Len field; derived as (length / 8) - 1 (0 for a fragment header, where it is reserved). */
  hdrExtLen?: number;
}

export interface UdpSpec {
  /** Default 40000. */
  sport?: number;
  /** Default 4789 before VXLAN, 6081 before GENEVE, else 40001. */
  dport?: number;
  /** Length field; derived. */
  length?: number;
  /** Checksum; computed over the pseudo header.  0 means "no checksum" (IPv4). */
  checksum?: number;
}

/**
 * TCP flags: a number, or letters in any order from
 * F S R P A U E C (tcpdump's "." is accepted for ACK).
 */
export type TcpFlags = number | string;

export interface TcpSpec {
  /** Default 40000. */
  sport?: number;
  /** Default 80. */
  dport?: number;
  /** Default 1. */
  seq?: number;
  /** Default 1. */
  ack?: number;
  /** Default "A". */
  flags?: TcpFlags;
  /** Default 502. */
  window?: number;
  urgent?: number;
  /** Raw options, a multiple of 4 bytes, at most 40 (see tcpOptions()). */
  options?: Uint8Array;
  /** Checksum; computed over the pseudo header. */
  checksum?: number;
}

/** ICMP (IPv4) echo-style message: type, code, checksum, id, seq. */
export interface IcmpSpec {
  /** Default 8 (echo request); 0 is echo reply. */
  type?: number;
  code?: number;
  id?: number;
  seq?: number;
  /** Checksum; computed. */
  checksum?: number;
}

/** ICMPv6 echo-style message; checksum covers the IPv6 pseudo header. */
export interface Icmpv6Spec {
  /** Default 128 (echo request); 129 is echo reply. */
  type?: number;
  code?: number;
  id?: number;
  seq?: number;
  /** Checksum; computed. */
  checksum?: number;
}

/** VXLAN, RFC 7348. */
export interface VxlanSpec {
  /** 24-bit VXLAN network identifier. */
  vni: number;
  /** Flags byte, default 0x08 (I flag: VNI valid). */
  flags?: number;
}

/** GRE, RFC 2784 with the RFC 2890 key and sequence extensions. */
export interface GreSpec {
  /** Protocol type; derived: 0x0800 IPv4, 0x86dd IPv6, 0x6558 Ethernet. */
  protocol?: number;
  /** Include the optional checksum (computed over GRE header + payload). */
  checksum?: boolean;
  /** Include a key field with this value. */
  key?: number;
  /** Include a sequence number field with this value. */
  seq?: number;
}

/** GENEVE, RFC 8926. */
export interface GeneveSpec {
  /** 24-bit virtual network identifier. */
  vni: number;
  /** Protocol type; derived: 0x6558 Ethernet, 0x0800 IPv4, 0x86dd IPv6. */
  protocol?: number;
  /** O bit (control packet). */
  oam?: boolean;
  /** C bit (critical options present). */
  critical?: boolean;
  /** Raw TLV options, a multiple of 4 bytes, at most 252. */
  options?: Uint8Array;
}

/**
 * Application bytes.  A number builds that many bytes of a fixed pattern;
 * `{ length, fill }` repeats one byte value.
 */
export type PayloadSpec = number | Uint8Array | { length: number; fill?: number };

export type LayerSpec =
  | { eth: EthSpec }
  | { sll: SllSpec }
  | { sll2: Sll2Spec }
  | { ipv4: Ipv4Spec }
  | { ipv6: Ipv6Spec }
  | { ipv6ext: Ipv6ExtSpec }
  | { udp: UdpSpec }
  | { tcp: TcpSpec }
  | { icmp: IcmpSpec }
  | { icmpv6: Icmpv6Spec }
  | { vxlan: VxlanSpec }
  | { gre: GreSpec }
  | { geneve: GeneveSpec }
  | { payload: PayloadSpec };

/** A packet, outermost layer first.  `payload`, if present, must be last. */
export type PacketSpec = readonly LayerSpec[];

export type LayerKind =
  | 'eth' | 'sll' | 'sll2' | 'ipv4' | 'ipv6' | 'ipv6ext' | 'udp' | 'tcp' | 'icmp' | 'icmpv6'
  | 'vxlan' | 'gre' | 'geneve' | 'payload';
