// Hostile captures built from scratch with the project's packet builder (src/dev/synth): tunnels
// nested 50 deep (the decoder follows at most --max-tunnel-depth, 7 at most, and must stop
// there cleanly), IPv6 extension-header chains of 100 headers, and a length field that lies
// at one layer of an otherwise valid stack. The builder itself has no depth limit (every
// length is derived from the layers inside); the one bound is the 16-bit IPv4/UDP/IPv6 length
// fields, which 50 levels of about 50 bytes stay well under.
import { buildPacket, linkTypeFor, packetLength, type LayerSpec, type PacketSpec } from '../synth/index.js';
import { concat, epb, idb, pcapFile, shb } from './blocks.js';

export type Generated = 'deep-tunnels' | 'ipv6-extension-chain' | 'lying-length';

type Pick = <T>(xs: readonly T[]) => T;

/** One generated capture: several packets of the chosen kind, as pcap or pcapng. */
export function generate(random: () => number): { bytes: Uint8Array; applied: string[] } {
  const int = (n: number) => Math.floor(random() * Math.max(1, n));
  const pick: Pick = (xs) => xs[int(xs.length)]!;
  const kind = pick<Generated>(['deep-tunnels', 'ipv6-extension-chain', 'lying-length']);
  const applied: string[] = [kind];
  const packets: Uint8Array[] = [];
  let linktype = 1;
  const count = 1 + int(4);
  for (let k = 0; k < count; k++) {
    let spec: PacketSpec;
    let lie: ((p: Uint8Array) => string) | null = null;
    if (kind === 'deep-tunnels') spec = deepTunnels(50, pick);
    else if (kind === 'ipv6-extension-chain') spec = extensionChain(100, random, pick, int);
    else ({ spec, lie } = lyingLength(random, pick, int));
    linktype = linkTypeFor(spec);
    const bytes = buildPacket(spec);
    if (lie) applied.push(lie(bytes));
    packets.push(bytes);
  }
  return { bytes: container(linktype, packets, random, pick), applied };
}

/** Tunnels `depth` deep, each level one of IPIP, 6in4, VXLAN, GRE (IP or Ethernet), GENEVE. */
export function deepTunnels(depth: number, pick: Pick): PacketSpec {
  const v4 = (n: number): LayerSpec => ({ ipv4: { src: `10.${n & 0xff}.0.1`, dst: `10.${n & 0xff}.0.2` } });
  const v6 = (n: number): LayerSpec => ({ ipv6: { src: `fd00::${n.toString(16)}:1`, dst: `fd00::${n.toString(16)}:2` } });
  const spec: LayerSpec[] = [{ eth: {} }, v4(0)];
  for (let level = 1; level <= depth; level++) {
    const how = pick(['ipip', '6in4', 'vxlan', 'gre-ip', 'gre-eth', 'geneve'] as const);
    if (how === 'ipip') spec.push(v4(level));
    // IPv6 in IPv4, then IPv4 in that IPv6: the carrier of the next level is IPv4 again.
    else if (how === '6in4') spec.push(v6(level), v4(level));
    else if (how === 'vxlan') spec.push({ udp: {} }, { vxlan: { vni: level } }, { eth: {} }, v4(level));
    else if (how === 'gre-ip') spec.push({ gre: { key: level } }, v4(level));
    else if (how === 'gre-eth') spec.push({ gre: {} }, { eth: {} }, v4(level));
    else spec.push({ udp: {} }, { geneve: { vni: level } }, { eth: {} }, v4(level));
  }
  spec.push({ tcp: { flags: 'S' } }, { payload: 8 });
  return spec;
}

/** IPv6 with `n` extension headers (hop-by-hop, routing, destination, fragment) before UDP. */
export function extensionChain(n: number, random: () => number, pick: Pick, int: (n: number) => number): PacketSpec {
  const spec: LayerSpec[] = [{ eth: {} }, { ipv6: { src: 'fd00::1', dst: 'fd00::2' } }];
  for (let i = 0; i < n; i++) {
    const type = i === 0 ? 0 : pick([0, 43, 60, 60, 44]);
    const data = type === 44 ? undefined : random() < 0.3 ? new Uint8Array(6 + 8 * int(4)) : undefined;
    spec.push({ ipv6ext: { type, data } });
  }
  // Sometimes the last one lies about its length or the chain ends in "no next header".
  if (random() < 0.3) spec[spec.length - 1] = { ipv6ext: { type: 60, hdrExtLen: pick([1, 8, 255]) } };
  if (random() < 0.2) return spec;
  spec.push({ udp: { sport: 53, dport: 53 } }, { payload: 16 });
  return spec;
}

/** A valid stack with one length field at one layer set to a lie; returns how to apply byte-level lies. */
function lyingLength(random: () => number, pick: Pick, int: (n: number) => number): { spec: PacketSpec; lie: (p: Uint8Array) => string } {
  const bases: LayerSpec[][] = [
    [{ eth: {} }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.202' } }, { udp: {} }, { vxlan: { vni: 4096 } }, { eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.175.10' } }, { tcp: { flags: 'S' } }, { payload: 20 }],
    [{ eth: { vlans: [{ vid: 10 }, { vid: 20 }] } }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.202' } }, { ipv4: { src: '10.200.255.10', dst: '10.200.175.10' } }, { udp: {} }, { payload: 30 }],
    [{ sll2: {} }, { ipv6: { src: 'fd00::1', dst: 'fd00::2' } }, { ipv6ext: { type: 0 } }, { udp: {} }, { geneve: { vni: 7, options: new Uint8Array(8) } }, { eth: {} }, { ipv4: { src: '10.1.0.1', dst: '10.1.0.2' } }, { icmp: {} }, { payload: 12 }],
    [{ eth: {} }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2' } }, { gre: { key: 1, seq: 2, checksum: true } }, { ipv6: { src: 'fd00::1', dst: 'fd00::2' } }, { tcp: {} }, { payload: 10 }],
  ];
  const spec = pick(bases);
  const i = 1 + int(spec.length - 2);
  const layer = spec[i]!;
  const kind = Object.keys(layer)[0]!;
  const at = packetLength(spec.slice(0, i));
  const value16 = pick([0, 1, 7, 8, 19, 20, 39, 40, 0x7fff, 0xffff]);
  const nibble = pick([0, 1, 4, 5, 6, 15]);
  return {
    spec,
    lie: (p) => {
      const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
      switch (kind) {
        case 'ipv4':
          if (random() < 0.5) v.setUint16(at + 2, value16);
          else p[at] = 0x40 | nibble; // IHL
          return `ipv4-length@${at}`;
        case 'ipv6':
          v.setUint16(at + 4, value16);
          return `ipv6-payload-length@${at}`;
        case 'ipv6ext':
          p[at + 1] = pick([1, 8, 255]);
          return `ipv6ext-length@${at}`;
        case 'udp':
          v.setUint16(at + 4, value16);
          return `udp-length@${at}`;
        case 'tcp':
          p[at + 12] = nibble << 4; // data offset
          return `tcp-data-offset@${at}`;
        case 'geneve':
          p[at] = pick([1, 0x3f, 0x7f]); // option length, and sometimes a version
          return `geneve-option-length@${at}`;
        case 'gre':
          v.setUint16(at, pick([0xb000, 0xf000, 0x0007, 0x8001]));
          return `gre-flags@${at}`;
        case 'vxlan':
          p[at] = pick([0, 0xff, 0x0c]);
          return `vxlan-flags@${at}`;
        case 'eth':
          v.setUint16(at + 12, pick([0x0800, 0x86dd, 0x8100, 0x88a8, 0x0600, 0x05dc]));
          return `eth-type@${at}`;
        default:
          p[at] ^= 0xff;
          return `${kind}@${at}`;
      }
    },
  };
}

/** pcap or pcapng; sometimes the record says the packet is longer (or shorter) than it is. */
function container(linktype: number, packets: Uint8Array[], random: () => number, pick: Pick): Uint8Array {
  if (random() < 0.5) return pcapFile(linktype, packets, { le: random() < 0.7, nano: random() < 0.3 });
  const le = random() < 0.7;
  const parts = [shb(le), idb(le, linktype, pick([0, 262144, 96]))];
  for (const p of packets) parts.push(epb(le, 0, 0, 1_000_000, p, random() < 0.2 ? p.length + 100 : p.length));
  return concat(parts);
}
