// Byte vectors per decoder: each asserts the sequence of layers and the decoded fields.
import { describe, expect, it } from 'vitest';
import { buildPacket, type PacketSpec } from '../src/dev/synth/index.js';
import { decodeBytes, hex } from './support/decode.js';

const ETH = { eth: { src: '66:00:00:00:00:01', dst: '66:00:00:00:00:02' } } as const;
const NODE04 = '10.0.1.204';
const NODE01 = '10.0.2.201';
const POD04 = '10.200.255.10';
const POD01 = '10.200.2.10';

describe('hand-written byte vectors', () => {
  it('Ethernet / IPv4 / ICMP echo, read field by field from literal bytes', () => {
    // dst mac, src mac, type 0800 | IPv4 IHL 5, total 28, id 1, TTL 64, proto 1, checksum, 10.0.1.204 -> 10.0.2.201 | ICMP echo
    const bytes = hex(`
      660000000002 660000000001 0800
      4500 001c 0001 0000 4001 624c 0a0001cc 0a0002c9
      0800 f7fe 0001 0000`);
    const d = decodeBytes(bytes, 1);
    expect(d.layers).toEqual(['eth', 'ipv4', 'icmp']);
    expect(d.layerOffsets).toEqual([0, 14, 34]);
    expect(d.inner).toEqual({ src: NODE04, dst: NODE01, proto: 1 });
    expect(d.tunnels).toEqual([]);
    expect(d.issues).toEqual([]);
  });

  it('IPIP as Calico sends it: outer node IPs, protocol 4, inner pod IPs (RFC 2003)', () => {
    const bytes = hex(`
      4500 0030 0000 4000 4004 2236 0a0002c9 0a0001cc
      4500 001c 0000 4000 4001 243d 0ac8020a 0ac8ff0a
      0800 0000 0001 0001`);
    const d = decodeBytes(bytes, 101);
    expect(d.layers).toEqual(['ipv4', 'ipv4', 'icmp']);
    expect(d.tunnels).toEqual([{ type: 'ipip', src: NODE01, dst: NODE04 }]);
    expect(d.inner).toEqual({ src: POD01, dst: POD04, proto: 1 });
  });

  it('VXLAN with VNI 4096 (0x001000) on port 4789', () => {
    const bytes = hex(`
      660000000002 660000000001 0800
      4500 004e 0000 0000 4011 620b 0a0001cc 0a0002c9
      d431 12b5 003a 0000
      08000000 00100000
      660000000004 660000000003 0800
      4500 001c 0000 0000 4001 643d 0ac8ff0a 0ac8020a
      0000 0000 0001 0001`);
    const d = decodeBytes(bytes, 1);
    expect(d.layers).toEqual(['eth', 'ipv4', 'udp', 'vxlan', 'eth', 'ipv4', 'icmp']);
    expect(d.tunnels).toEqual([{ type: 'vxlan', src: NODE04, dst: NODE01, vni: 4096 }]);
    expect(d.inner).toEqual({ src: POD04, dst: POD01, proto: 1 });
  });

  it('VXLAN without the I flag is still decoded but flagged', () => {
    const bytes = hex(`
      4500 0032 0000 0000 4011 6227 0a0001cc 0a0002c9
      d431 12b5 001e 0000
      00000000 00100000
      660000000004 660000000003 0806`);
    const d = decodeBytes(bytes, 228);
    expect(d.issues).toEqual(['vxlan.i_flag_unset']);
    expect(d.tunnels[0]).toMatchObject({ type: 'vxlan', vni: 4096 });
    expect(d.inner).toBeNull(); // ARP inside: no inner IP
    expect(d.etherType).toBe(0x0806);
  });

  it('Linux SLL2 keeps the interface index and packet type', () => {
    const bytes = hex(`
      0800 0000 00000007 0001 04 06 660000000001 0000
      4500 0014 0000 0000 4006 6250 0a0002c9 0a0001cc`);
    const d = decodeBytes(bytes, 276);
    expect(d.layers).toEqual(['sll2', 'ipv4']);
    expect(d.sllIfindex).toBe(7);
    expect(d.sllPacketType).toBe(4); // outgoing
    expect(d.inner).toEqual({ src: NODE01, dst: NODE04, proto: 6 });
  });

  it('BSD loopback in either byte order, and OpenBSD LOOP', () => {
    const ip = '4500 0014 0000 0000 4011 7cd6 7f000001 7f000002';
    expect(decodeBytes(hex(`02000000 ${ip}`), 0).layers).toEqual(['loopback', 'ipv4']);
    expect(decodeBytes(hex(`00000002 ${ip}`), 0).layers).toEqual(['loopback', 'ipv4']);
    expect(decodeBytes(hex(`00000002 ${ip}`), 108).layers).toEqual(['loopback', 'ipv4']);
  });

  it('MPLS label stack then IPv4 (guessed from the version nibble)', () => {
    const bytes = hex(`
      660000000002 660000000001 8847
      00010040 00020140
      4500 0014 0000 0000 4011 66d7 0a000001 0a000002`);
    const d = decodeBytes(bytes, 1);
    expect(d.layers).toEqual(['eth', 'mpls', 'ipv4']);
    expect(d.ips).toEqual(['10.0.0.1>10.0.0.2']);
  });

  it('WireGuard handshake initiation on 51820 is an encrypted tunnel with no inner', () => {
    const wg = '01000000' + '00'.repeat(144);
    const bytes = hex(`4500 00b0 0000 0000 4011 61a9 0a0001cc 0a0002c9  ca6c ca6c 009c 0000 ${wg}`);
    const d = decodeBytes(bytes, 228);
    expect(d.layers).toEqual(['ipv4', 'udp', 'wireguard']);
    expect(d.tunnels).toEqual([{ type: 'wireguard', src: NODE04, dst: NODE01 }]);
    expect(d.inner).toBeNull();
  });

  it('UDP to 51820 that is not WireGuard (reserved bytes set) stays plain UDP', () => {
    const bytes = hex(`4500 0020 0000 0000 4011 6239 0a0001cc 0a0002c9  ca6c ca6c 000c 0000 01ffffff`);
    const d = decodeBytes(bytes, 228);
    expect(d.tunnels).toEqual([]);
    expect(d.inner).toEqual({ src: NODE04, dst: NODE01, proto: 17, sport: 51820, dport: 51820 });
  });
});

describe('built stacks', () => {
  const inner = (proto: 'tcp' | 'udp' | 'icmp'): PacketSpec => [
    ETH,
    { ipv4: { src: POD04, dst: POD01 } },
    proto === 'tcp' ? { tcp: { sport: 8080, dport: 43512, flags: 'A' } } : proto === 'udp' ? { udp: { sport: 5353, dport: 53 } } : { icmp: { type: 8 } },
    { payload: 20 },
  ];

  it('802.1ad + 802.1Q (QinQ) around IPv4 TCP', () => {
    const d = decodeBytes(buildPacket([{ eth: { vlans: [{ vid: 100 }, { vid: 200 }] } }, { ipv4: { src: NODE04, dst: NODE01 } }, { tcp: { sport: 179, dport: 40000 } }]), 1);
    expect(d.layers).toEqual(['eth', 'vlan', 'vlan', 'ipv4', 'tcp']);
    expect(d.vlanId).toBe(100);
    expect(d.inner).toEqual({ src: NODE04, dst: NODE01, proto: 6, sport: 179, dport: 40000 });
  });

  it('VXLAN on the Linux default port 8472, and on a custom port only with --vxlan-port', () => {
    const on = (dport: number) =>
      buildPacket([ETH, { ipv4: { src: NODE04, dst: NODE01 } }, { udp: { sport: 50000, dport } }, { vxlan: { vni: 4096 } }, ...inner('tcp')]);
    expect(decodeBytes(on(8472), 1).tunnels).toEqual([{ type: 'vxlan', src: NODE04, dst: NODE01, vni: 4096 }]);
    expect(decodeBytes(on(4800), 1).tunnels).toEqual([]);
    const custom = decodeBytes(on(4800), 1, { vxlanPorts: [4800] });
    expect(custom.tunnels).toEqual([{ type: 'vxlan', src: NODE04, dst: NODE01, vni: 4096 }]);
    expect(custom.inner).toEqual({ src: POD04, dst: POD01, proto: 6, sport: 8080, dport: 43512 });
  });

  it('GENEVE carrying Ethernet, and GENEVE carrying IPv4 directly', () => {
    const eth = decodeBytes(buildPacket([ETH, { ipv4: { src: NODE04, dst: NODE01 } }, { udp: { dport: 6081 } }, { geneve: { vni: 77, options: new Uint8Array(8) } }, ...inner('udp')]), 1);
    expect(eth.layers).toEqual(['eth', 'ipv4', 'udp', 'geneve', 'eth', 'ipv4', 'udp']);
    expect(eth.tunnels).toEqual([{ type: 'geneve', src: NODE04, dst: NODE01, vni: 77 }]);
    const ip = decodeBytes(buildPacket([ETH, { ipv4: { src: NODE04, dst: NODE01 } }, { udp: { dport: 6081 } }, { geneve: { vni: 5 } }, { ipv4: { src: POD04, dst: POD01 } }, { icmp: {} }]), 1);
    expect(ip.layers).toEqual(['eth', 'ipv4', 'udp', 'geneve', 'ipv4', 'icmp']);
    expect(ip.inner).toEqual({ src: POD04, dst: POD01, proto: 1 });
  });

  it('GRE with a key carrying IPv4, and GRE transparent Ethernet bridging', () => {
    const keyed = decodeBytes(buildPacket([ETH, { ipv4: { src: NODE04, dst: NODE01 } }, { gre: { key: 42 } }, { ipv4: { src: POD04, dst: POD01 } }, { tcp: { sport: 1, dport: 2 } }]), 1);
    expect(keyed.layers).toEqual(['eth', 'ipv4', 'gre', 'ipv4', 'tcp']);
    expect(keyed.tunnels).toEqual([{ type: 'gre', src: NODE04, dst: NODE01, vni: 42, key: 42 }]);
    const teb = decodeBytes(buildPacket([ETH, { ipv4: { src: NODE04, dst: NODE01 } }, { gre: {} }, ...inner('icmp')]), 1);
    expect(teb.layers).toEqual(['eth', 'ipv4', 'gre', 'eth', 'ipv4', 'icmp']);
  });

  it('6in4, 4in6 and IPv6 extension headers before the payload', () => {
    const sixIn4 = decodeBytes(buildPacket([{ ipv4: { src: NODE04, dst: NODE01 } }, { ipv6: { src: 'fd00::1', dst: 'fd00::2' } }, { udp: { sport: 1, dport: 2 } }]), 228);
    expect(sixIn4.tunnels).toEqual([{ type: '6in4', src: NODE04, dst: NODE01 }]);
    expect(sixIn4.inner).toEqual({ src: 'fd00::1', dst: 'fd00::2', proto: 17, sport: 1, dport: 2 });
    const fourIn6 = decodeBytes(buildPacket([{ ipv6: { src: '2001:db8::1', dst: '2001:db8::2' } }, { ipv4: { src: POD04, dst: POD01 } }, { icmp: {} }]), 229);
    expect(fourIn6.tunnels).toEqual([{ type: '4in6', src: '2001:db8::1', dst: '2001:db8::2' }]);
    // Hop-by-hop (8 bytes of PadN) then UDP, written by hand after a built IPv6 header.
    const v6 = hex(`6000 0000 0010 0011 ${'fd00'.padEnd(32, '0')} ${'fd00'.padEnd(28, '0')}0002 1100 0104 0000 0000 0001 0002 0008 0000`.replace('0011', '0011'));
    v6[6] = 0; // next header: hop-by-hop
    const ext = decodeBytes(v6, 229);
    expect(ext.layers).toEqual(['ipv6', 'udp']);
    expect(ext.inner).toMatchObject({ proto: 17, sport: 1, dport: 2 });
  });

  it('a first fragment is decoded as far as its bytes go; a later fragment shows only its IP', () => {
    const first = decodeBytes(buildPacket([ETH, { ipv4: { src: NODE04, dst: NODE01, mf: true } }, { udp: { sport: 40000, dport: 4789, length: 1500 } }, { vxlan: { vni: 4096 } }, ...inner('tcp')]), 1);
    expect(first.fragment).toBe(true);
    expect(first.tunnels).toEqual([{ type: 'vxlan', src: NODE04, dst: NODE01, vni: 4096 }]);
    expect(first.issues).toEqual([]); // UDP length beyond a fragment is not a lie
    const later = decodeBytes(buildPacket([ETH, { ipv4: { src: NODE04, dst: NODE01, fragmentOffset: 1480, protocol: 17 } }, { payload: 100 }]), 1);
    expect(later.layers).toEqual(['eth', 'ipv4']);
    expect(later.fragment).toBe(true);
    expect(later.inner).toEqual({ src: NODE04, dst: NODE01, proto: 17 });
  });

  it('an ICMP error quoting an IP header is not a tunnel', () => {
    const d = decodeBytes(buildPacket([{ ipv4: { src: NODE01, dst: NODE04 } }, { icmp: { type: 3, code: 4 } }, { payload: hex('4500 0578 0000 4000 4011 1ce1 0a0001cc 0a0002c9 d431 12b5 0564 0000') }]), 228);
    expect(d.layers).toEqual(['ipv4', 'icmp']);
    expect(d.ips).toHaveLength(1);
    expect(d.tunnels).toEqual([]);
  });

  it('nested tunnels stop at the depth limit with tunnel.max_depth', () => {
    const spec: PacketSpec = [
      ETH, { ipv4: { src: '1.1.1.1', dst: '1.1.1.2' } }, { udp: { dport: 4789 } }, { vxlan: { vni: 1 } },
      ETH, { ipv4: { src: '2.2.2.1', dst: '2.2.2.2' } }, { udp: { dport: 4789 } }, { vxlan: { vni: 2 } },
      ETH, { ipv4: { src: '3.3.3.1', dst: '3.3.3.2' } }, { udp: { dport: 4789 } }, { vxlan: { vni: 3 } },
      ETH, { ipv4: { src: '4.4.4.1', dst: '4.4.4.2' } }, { udp: { sport: 53, dport: 53 } },
    ];
    const all = decodeBytes(buildPacket(spec), 1);
    expect(all.tunnels.map((t) => t.vni)).toEqual([1, 2, 3]);
    expect(all.inner).toMatchObject({ src: '4.4.4.1', dst: '4.4.4.2' });
    const limited = decodeBytes(buildPacket(spec), 1, { maxTunnelDepth: 2 });
    expect(limited.tunnels.map((t) => t.vni)).toEqual([1, 2]);
    expect(limited.issues).toEqual(['tunnel.max_depth']);
  });

  it('IPv6 fragment header: first fragment decoded, later fragment stops at IP; a lying extension length is flagged', () => {
    const v6 = (nh: number, ext: string, payloadLength: number) =>
      hex(`6000 0000 ${payloadLength.toString(16).padStart(4, '0')} ${nh.toString(16).padStart(2, '0')}40 fd000000000000000000000000000001 fd000000000000000000000000000002 ${ext}`);
    // Fragment header: next header UDP (17), offset 0 with M set; then UDP 1 -> 2.
    const first = decodeBytes(v6(44, '1100 0001 00000001  0001 0002 0010 0000', 16), 229);
    expect(first.layers).toEqual(['ipv6', 'udp']);
    expect(first.fragment).toBe(true);
    expect(first.issues).toEqual([]);
    // Offset 185 (x 8 bytes): the middle of the datagram.
    const later = decodeBytes(v6(44, '1100 05c8 00000001  deadbeef', 12), 229);
    expect(later.layers).toEqual(['ipv6']);
    expect(later.inner).toEqual({ src: 'fd00::1', dst: 'fd00::2', proto: 17 });
    // Destination options claiming (255 + 1) * 8 bytes in a 16-byte payload.
    const lying = decodeBytes(v6(60, '11ff 0000 00000000 0000 0000 0000 0000', 16), 229);
    expect(lying.issues).toEqual(['ipv6.bad_extension_header']);
  });

  it('Linux SLL v1, GRE carrying ERSPAN type II, and PPTP (GRE version 1) carrying PPP', () => {
    const sll = decodeBytes(hex('0000 0001 0006 660000000001 0000 0800  4500 0014 0000 0000 4011 66d7 0a000001 0a000002'), 113);
    expect(sll.layers).toEqual(['sll', 'ipv4']);
    expect(sll.sllPacketType).toBe(0);
    const erspan = decodeBytes(hex(`
      4500 0046 0000 0000 402f 61f5 0a0001cc 0a0002c9
      1000 88be 00000001
      1001 0064 00000000
      660000000002 660000000001 0800 4500 0014 0000 0000 4032 6414 0ac8ff0a 0ac8020a`), 228);
    expect(erspan.layers).toEqual(['ipv4', 'gre', 'erspan', 'eth', 'ipv4']);
    expect(erspan.tunnels).toEqual([{ type: 'gre', src: NODE04, dst: NODE01 }]);
    expect(erspan.inner).toEqual({ src: POD04, dst: POD01, proto: 50 }); // ESP: not decoded further
    expect(erspan.issues).toEqual([]);
    const pptp = decodeBytes(hex(`
      4500 0038 0000 0000 402f 6203 0a0001cc 0a0002c9
      3001 880b 0018 0001 00000005
      ff03 0021 4500 0014 0000 0000 4032 6414 0ac8ff0a 0ac8020a`), 228);
    expect(pptp.layers).toEqual(['ipv4', 'gre', 'ppp', 'ipv4']);
    expect(pptp.inner).toEqual({ src: POD04, dst: POD01, proto: 50 });
    expect(pptp.issues).toEqual([]);
  });
});

