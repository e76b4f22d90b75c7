// Decoder errors found by decoding public captures against tshark 4.0 (issue 14). Each vector is
// the real bytes of one packet of a public capture, named with its project and file, unless the
// test says it was built because no public packet was found. What tshark shows for the packet is
// in the comment; the assertions are what we must report.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildPacket, type PacketSpec } from '../src/dev/synth/index.js';
import { encodePcapHeader, encodePcapRecord } from '../src/capture/pcap-writer.js';
import { buildDocument } from '../src/report/document.js';
import { renderCsv } from '../src/report/csv.js';
import { renderTable } from '../src/report/table.js';
import { etherTypeName, KIND_PPP } from '../src/decode/layers.js';
import { decodeBytes, hex } from './support/decode.js';
import { decodeFile } from './support/run.js';

const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-regress-'));
const CLI = join(__dirname, '..', 'dist', 'cli.js');

/** Writes packets (Ethernet unless told) as a pcap and runs the real pipeline over it. */
async function analyze(name: string, packets: Uint8Array[], linktype = 1) {
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([encodePcapHeader(linktype), ...packets.map((p, i) => encodePcapRecord(p, 1000 + i, 0))]));
  const { run, packets: lines } = await decodeFile(path);
  return { doc: buildDocument(run), lines };
}

// tcpdump tests/pptp.pcap, packet 16: 10.1.1.11 -> 10.1.1.10, enhanced GRE (K, S), PPP LCP
// Configure-Request (tshark: eth:ethertype:ip:gre:ppp:lcp).
const PPTP_LCP = hex(`
  0800209f6b72 000000000000 0800
  4500 0050 03bc 0000 802f 20ad 0a01010b 0a01010a
  3001 880b 0030 0000 00000000
  ff03 c021 0100002c0506021952cf070208020d03061104064e13170129f76a9077f1472c835247f271d656070000000c`);

describe('PPTP: enhanced GRE (version 1) and the PPP it carries', () => {
  it('an acknowledgement alone (A set, S clear, payload length 0) is clean GRE, not a truncated PPP frame', async () => {
    // Built: no public capture with an ack-only packet was found (tcpdump pptp.pcap, zeek
    // gre-pptp.pcap and suricata-verify hold none). It answers the session of tcpdump
    // tests/pptp.pcap: 10.1.1.10 -> 10.1.1.11, acknowledging sequence 0, in a 60-byte frame.
    // tshark 4.0: eth:ethertype:ip:gre, Payload Length 0, Acknowledgment Number 0, no expert info.
    const ack = hex(`
      000000000000 0800209f6b72 0800
      4500 0020 03bd 0000 802f 20dc 0a01010a 0a01010b
      2081 880b 0000 4000 00000000
      0000000000000000000000000000`);
    const d = decodeBytes(ack, 1);
    expect(d.layers).toEqual(['eth', 'ipv4', 'gre']);
    expect(d.issues).toEqual([]);
    expect(d.tunnels).toEqual([{ type: 'gre', src: '10.1.1.10', dst: '10.1.1.11' }]);
    expect(d.inner).toBeNull();
    const { doc, lines } = await analyze('pptp-ack.pcap', [ack]);
    expect(doc.totals.malformedPackets).toBe(0);
    expect(doc.flows[0]).toMatchObject({ encapsulation: 'gre', inner: null, protocol: null, innerEtherType: 'empty' });
    expect(lines[0].etherType).toBeUndefined(); // not the outer frame's IPv4
    expect(lines[0].nonIp).toBe('empty');
  });

  it('an enhanced GRE packet whose payload length is beyond the bytes is still a truncated PPP frame', () => {
    const cut = hex(`4500 0020 03bd 0000 802f 20dc 0a01010a 0a01010b  3001 880b 0030 0000 00000000`);
    expect(decodeBytes(cut, 228).issues).toEqual(['ppp.truncated']);
  });

  it('PPP control traffic (LCP) is PPP control, never the IPv4 of the frame around it', async () => {
    const d = decodeBytes(PPTP_LCP, 1);
    expect(d.layers).toEqual(['eth', 'ipv4', 'gre', 'ppp']);
    expect(d.issues).toEqual([]);
    expect(d.etherType).toBe(KIND_PPP | 0xc021);
    const { doc, lines } = await analyze('pptp-lcp.pcap', [PPTP_LCP]);
    expect(doc.flows[0]).toMatchObject({ encapsulation: 'gre', outer: { src: '10.1.1.11', dst: '10.1.1.10' }, protocol: null, innerEtherType: 'ppp-lcp' });
    expect(lines[0].etherType).toBeUndefined();
    expect(lines[0].nonIp).toBe('ppp-lcp');
    expect(renderCsv(doc).split('\n')[1]).toContain(',ppp-lcp,');
    expect(renderTable(doc, false)).toContain('ppp-lcp');
    expect(renderTable(doc, false)).not.toMatch(/\bipv4\b/);
  });

  it('names CCP and IPCP, and shows other PPP protocols by number', () => {
    expect(etherTypeName(KIND_PPP | 0x80fd)).toBe('ppp-ccp');
    expect(etherTypeName(KIND_PPP | 0x8021)).toBe('ppp-ipcp');
    expect(etherTypeName(KIND_PPP | 0xc029)).toBe('ppp(0xc029)');
    // The LCP frame of pptp.pcap rewritten to IPCP (8021): same path, other name.
    const ipcp = PPTP_LCP.slice();
    ipcp.set([0x80, 0x21], 48);
    expect(etherTypeName(decodeBytes(ipcp, 1).etherType)).toBe('ppp-ipcp');
  });
});

describe('IEEE 802.3 frames: a length, then LLC, not an EtherType', () => {
  // tcpdump tests/802.1w_rapid_STP.pcap, packet 1: 802.3 length 0x0027, LLC 42 42 03, RSTP BPDU
  // (tshark: eth:llc:stp), padded to 60 bytes.
  const RSTP = hex(`
    0180c2000000 001906eab88c 0027
    424203 000002020e8001001906eab880000000008001001906eab880800c0000140002000f00
    0000000000000000`);

  it('a plain spanning tree BPDU is reported as stp in nonIp, not ethertype(0x0027)', async () => {
    const d = decodeBytes(RSTP, 1);
    expect(d.layers).toEqual(['eth', 'llc']);
    expect(d.issues).toEqual([]);
    const { doc, lines } = await analyze('rstp.pcap', [RSTP]);
    expect(doc.nonIp).toEqual({ stp: 1 });
    expect(lines[0].nonIp).toBe('stp');
    expect(lines[0].etherType).toBeUndefined();
  });

  it('802.1Q then 802.3: Cisco PVST+ in SNAP is stp; DTP is llc', async () => {
    // tcpdump tests/various_gre.pcap, packet 2 (tshark: eth:ethertype:vlan:llc:stp) and packet 62
    // (tshark: eth:llc:dtp, a protocol we do not name).
    const pvst = hex(`
      01000ccccccd aabbcc000310 8100 04bd 0032
      aaaa03 00000c 010b 000000000084bdaabbcc0003000000000084bdaabbcc00030080020000140002000f00000000000204bd`);
    const dtp = hex(`
      01000ccccccc aabbcc000310 0022
      aaaa03 00000c 2004 010001000500000200058100030005a50004000aaabbcc000310000000000000000000000000`);
    expect(decodeBytes(pvst, 1).layers).toEqual(['eth', 'vlan', 'llc']);
    expect(decodeBytes(pvst, 1).vlanId).toBe(1213);
    const { doc } = await analyze('pvst-dtp.pcap', [pvst, dtp]);
    expect(doc.nonIp).toEqual({ stp: 1, llc: 1 });
  });

  it('spanning tree inside ERSPAN is a GRE flow carrying stp', async () => {
    // tcpdump tests/erspan-type-ii-3.pcap, packet 1 (tshark: eth:ethertype:ip:gre:erspan:eth:llc:stp).
    const erspanStp = hex(`
      001018b38f10 881dfcc9dc03 0800
      4500 0060 0000 0000 ff2f 3679 c0a801ac c0a801f9
      1000 88be 0001a1ca
      10011065 0000abc5
      0180c2000000 001969dfdc01 0026
      424203 0000000000800000 1969dfdc01000000 008000001969dfdc 0180150000140002 000f00
      0000000000000000`);
    const d = decodeBytes(erspanStp, 1);
    expect(d.layers).toEqual(['eth', 'ipv4', 'gre', 'erspan', 'eth', 'llc']);
    expect(d.issues).toEqual([]);
    const { doc } = await analyze('erspan-stp.pcap', [erspanStp]);
    expect(doc.flows[0]).toMatchObject({ encapsulation: 'gre', outer: { src: '192.168.1.172', dst: '192.168.1.249' }, innerEtherType: 'stp' });
  });

  it('a length/type between 1501 and 1535 is neither: flagged, never an EtherType', () => {
    // Built from the RSTP frame above with its length field set to 0x05dd.
    const bad = RSTP.slice();
    bad.set([0x05, 0xdd], 12);
    const d = decodeBytes(bad, 1);
    expect(d.layers).toEqual(['eth']);
    expect(d.issues).toEqual(['eth.invalid_length_type']);
    expect(etherTypeName(d.etherType)).toBe('invalid-type(0x05dd)');
  });
});

describe('VXLAN-GPE (UDP 4790)', () => {
  // tcpdump tests/nsh-over-vxlan-gpe.pcap, packet 1: VXLAN-GPE flags 0x0c (I, P), next protocol
  // 4 (NSH), VNI 16777215; NSH MD type 2, next protocol IPv4; then UDP 10000 -> 20000.
  // tshark 4.0: vxlan.vni 16777215, ip.src 127.0.0.1,192.168.0.1, udp.srcport 4790,10000.
  const NSH_OVER_GPE = hex(`
    000000000000 000000000000 0800
    4500 005c 4023 4000 4011 fc6b 7f000001 7f000001
    12b6 12b6 0048 49f7
    0c000004 ffffff00
    30060201 ffffffff 00010201 12345678 00020301 12345678
    4500 0020 d431 0000 ff11 6647 c0a80001 c0a80002
    2710 4e20 000c 2178 74657374`);

  it('dispatches on the next protocol: NSH, then the IPv4 inside (as tshark)', () => {
    for (const opts of [{}, { vxlanPorts: [4790] }]) {
      const d = decodeBytes(NSH_OVER_GPE, 1, opts);
      expect(d.layers).toEqual(['eth', 'ipv4', 'udp', 'vxlan-gpe', 'nsh', 'ipv4', 'udp']);
      expect(d.tunnels).toEqual([{ type: 'vxlan-gpe', src: '127.0.0.1', dst: '127.0.0.1', vni: 16777215 }]);
      expect(d.inner).toEqual({ src: '192.168.0.1', dst: '192.168.0.2', proto: 17, sport: 10000, dport: 20000 });
      expect(d.issues).toEqual([]);
    }
  });

  it('NSH on Ethernet (EtherType 0x894f) is decoded the same way', () => {
    // suricata-verify tests/decode-nsh-type1/input.pcap, packet 1 (tshark: eth:ethertype:nsh:ip:udp:data).
    const d = decodeBytes(hex(`
      525400000001 525400000002 894f
      00060101 00000102 00000001 00000002 00000003 00000004
      4500 0022 2844 4000 4011 e96a 0a000001 0a000002
      cc99 ccf0 000e 0000 64617461 0a0a`), 1);
    expect(d.layers).toEqual(['eth', 'nsh', 'ipv4', 'udp']);
    expect(d.inner).toEqual({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 52377, dport: 52464 });
  });

  // Built (no public capture of these was found): the GPE header of the tcpdump capture above with
  // other next protocols, after an outer IPv4/UDP 4790 from the builder.
  const gpe = (header: string, payload: PacketSpec) =>
    buildPacket([{ ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { udp: { sport: 50000, dport: 4790 } }, { payload: concat(hex(header), buildPacket(payload)) }]);

  it('IPv4 directly (next protocol 1), Ethernet (3) as VXLAN would', () => {
    const inner: PacketSpec = [{ ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { tcp: { sport: 8080, dport: 43512 } }];
    const ip = decodeBytes(gpe('0c000001 00100000', inner), 228);
    expect(ip.layers).toEqual(['ipv4', 'udp', 'vxlan-gpe', 'ipv4', 'tcp']);
    expect(ip.tunnels).toEqual([{ type: 'vxlan-gpe', src: '10.0.1.204', dst: '10.0.2.201', vni: 4096 }]);
    expect(ip.inner).toEqual({ src: '10.200.255.10', dst: '10.200.2.10', proto: 6, sport: 8080, dport: 43512 });
    const eth = decodeBytes(gpe('0c000003 00100000', [{ eth: {} }, ...inner]), 228);
    expect(eth.layers).toEqual(['ipv4', 'udp', 'vxlan-gpe', 'eth', 'ipv4', 'tcp']);
    expect(eth.inner).toMatchObject({ src: '10.200.255.10', sport: 8080 });
  });

  it('an unknown next protocol is an issue, not an inner frame read from garbage', () => {
    const d = decodeBytes(gpe('0c00007f 00100000', [{ ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }]), 228);
    expect(d.layers).toEqual(['ipv4', 'udp', 'vxlan-gpe']);
    expect(d.tunnels).toEqual([{ type: 'vxlan-gpe', src: '10.0.1.204', dst: '10.0.2.201', vni: 4096 }]);
    expect(d.inner).toBeNull();
    expect(d.issues).toEqual(['tunnel.unknown_next_protocol']);
  });

  it('without the P bit the header is plain VXLAN carrying Ethernet (draft backward compatibility)', () => {
    const d = decodeBytes(gpe('08000000 00100000', [{ eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { icmp: {} }]), 228);
    expect(d.layers).toEqual(['ipv4', 'udp', 'vxlan', 'eth', 'ipv4', 'icmp']);
    expect(d.tunnels).toEqual([{ type: 'vxlan', src: '10.0.1.204', dst: '10.0.2.201', vni: 4096 }]);
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

describe('ports whose bytes are there', () => {
  it('a first fragment holding 8 bytes of TCP keeps its ports', () => {
    // suricata-verify tests/defrag/bug-6887-defrag-eth-vlan-ipv4-tcp-syn/frag-eth-vlan-ip-tcp-syn.pcap,
    // packet 1: MF set, offset 0, 8 bytes of TCP. tshark (reassembly off): tcp.srcport 12345, tcp.dstport 8080.
    const d = decodeBytes(hex(`
      050403020100 000102030405 8100 0006 0800
      4500 001c 0001 2000 4006 54d6 01010101 02020202
      3039 1f90 00000001`), 1);
    expect(d.fragment).toBe(true);
    expect(d.inner).toEqual({ src: '1.1.1.1', dst: '2.2.2.2', proto: 6, sport: 12345, dport: 8080 });
    expect(d.issues).toEqual(['tcp.truncated']); // the cut is still reported
    expect(d.tcpFlags).toBe(-1); // the flags byte is not there
  });

  it('UDP and TCP headers cut by the snapshot length keep their ports, flagged as cut', () => {
    // tcpdump tests/udp-length-heapoverflow.pcap and tcp_header_heapoverflow.pcap, packet 1: caplen
    // 38 and 46 of 262144 on the wire. tshark: 12336 -> 12336 [Packet size limited during capture].
    const udp = hex('303030303030303030303030 0800 4530 3030 3030 0000 3011 3030 30303030 30303030  3030 3030');
    const tcp = hex('303030303030303030303030 0800 4530 3030 3030 0000 3006 3030 30303030 30303030  3030 3030 30303030 30303030');
    const u = decodeBytes(udp, 1, { wireLen: 262144 });
    expect(u.inner).toEqual({ src: '48.48.48.48', dst: '48.48.48.48', proto: 17, sport: 12336, dport: 12336 });
    expect(u.issues).toContain('captured.snaplen_cut');
    const t = decodeBytes(tcp, 1, { wireLen: 262144 });
    expect(t.inner).toEqual({ src: '48.48.48.48', dst: '48.48.48.48', proto: 6, sport: 12336, dport: 12336 });
    expect(t.issues.filter((i) => i !== 'ipv4.bad_checksum')).toEqual(['captured.snaplen_cut', 'captured.snaplen_cut']);
    // Fewer than 4 bytes: no ports to keep.
    expect(decodeBytes(udp.slice(0, 37), 1, { wireLen: 262144 }).inner).toEqual({ src: '48.48.48.48', dst: '48.48.48.48', proto: 17 });
  });

  it('SCTP and DCCP flows have ports', () => {
    // tcpdump tests/isup.pcap, packet 3 (tshark: sctp.srcport 2905, sctp.dstport 2905).
    const sctp = decodeBytes(hex(`
      0001af0c0696 00a080005e46 0800
      4500 0048 c3aa 4000 ff84 96f9 0a1c062c 0a1c062a
      0b59 0b59 7df33f49 dd2f0877 00030028000010d4000002840000000301000101000000180002000fc502ede05bd5000604240000`), 1);
    expect(sctp.layers).toEqual(['eth', 'ipv4', 'sctp']);
    expect(sctp.inner).toEqual({ src: '10.28.6.44', dst: '10.28.6.42', proto: 132, sport: 2905, dport: 2905 });
    // tcpdump tests/dccp_partial_csum_v4_simple.pcap, packet 1 (tshark: dccp.srcport 52667, dccp.dstport 5001).
    const dccp = decodeBytes(hex(`
      001422595551 0007e9bd5d1f 0800
      4500 0034 758f 4000 4021 0b1d 8b85d1b0 8b85d141
      cdbb 1389 0800a766 01000007b8bb9240 00000000200405022204010220040102`), 1);
    expect(dccp.inner).toEqual({ src: '139.133.209.176', dst: '139.133.209.65', proto: 33, sport: 52667, dport: 5001 });
  });
});

describe('NVGRE (RFC 7637): the GRE key is a VSID and a FlowID', () => {
  // Built (no public NVGRE capture was found; tshark 4.0 shows only gre.key 0x12345602 and the
  // inner Ethernet): key 0x12345602 = VSID 0x123456 (1193046), FlowID 2.
  const nvgre = (key: number) =>
    buildPacket([
      { eth: {} }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { gre: { key } },
      { eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { udp: { sport: 5353, dport: 53 } },
    ]);

  it('reports the VSID as the VNI and keeps the raw key, in the decoder, json, ndjson, csv and table', async () => {
    const d = decodeBytes(nvgre(0x12345602), 1);
    expect(d.tunnels).toEqual([{ type: 'gre', src: '10.0.1.204', dst: '10.0.2.201', vni: 1193046, key: 305419778 }]);
    const { doc, lines } = await analyze('nvgre.pcap', [nvgre(0x12345602)]);
    expect(doc.flows[0]).toMatchObject({ encapsulation: 'gre', vni: 1193046, key: 305419778 });
    expect(lines[0].tunnels).toEqual([{ type: 'gre', src: '10.0.1.204', dst: '10.0.2.201', vni: 1193046, key: 305419778 }]);
    expect(renderCsv(doc).split('\n')[1].split(',')[3]).toBe('1193046');
    expect(renderTable(doc, false)).toContain('1193046');
  });

  it('a keyed gretap with a small key (reserved VSID range 0-0xFFF) keeps the key as its identifier', async () => {
    const d = decodeBytes(nvgre(42), 1);
    expect(d.tunnels).toEqual([{ type: 'gre', src: '10.0.1.204', dst: '10.0.2.201', vni: 42, key: 42 }]);
    const { lines } = await analyze('gretap.pcap', [nvgre(42)]);
    expect(lines[0].tunnels).toEqual([{ type: 'gre', src: '10.0.1.204', dst: '10.0.2.201', key: 42 }]);
  });

  it('a key with the top bit set is kept whole', () => {
    const d = decodeBytes(buildPacket([{ ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { gre: { key: 0xfedcba98 } }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }]), 228);
    expect(d.tunnels[0]).toMatchObject({ vni: 0xfedcba98, key: 0xfedcba98 });
  });
});

describe('tunnels answered from their well-known port (UDP source port)', () => {
  // Built (no public capture of a reply from 6081 or 4789 to another port was found in the
  // tcpdump, zeek or suricata-verify traces). tshark 4.0 decodes both (udp.port matching):
  // geneve.vni 0x00004d / vxlan.vni 4096 and the inner 10.200.255.10 -> 10.200.2.10.
  const inner: PacketSpec = [{ eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { udp: { sport: 5353, dport: 53 } }, { payload: 8 }];
  const outer = (sport: number, dport: number): PacketSpec => [{ eth: {} }, { ipv4: { src: '10.0.2.201', dst: '10.0.1.204' } }, { udp: { sport, dport } }];

  it('GENEVE from 6081 to a random port is GENEVE', () => {
    const d = decodeBytes(buildPacket([...outer(6081, 40000), { geneve: { vni: 77 } }, ...inner]), 1);
    expect(d.tunnels).toEqual([{ type: 'geneve', src: '10.0.2.201', dst: '10.0.1.204', vni: 77 }]);
    expect(d.inner).toEqual({ src: '10.200.255.10', dst: '10.200.2.10', proto: 17, sport: 5353, dport: 53 });
  });

  it('VXLAN from 4789 to a random port is VXLAN; the tunnel port is the well-known one', async () => {
    const pkt = buildPacket([...outer(4789, 40000), { vxlan: { vni: 4096 } }, ...inner]);
    expect(decodeBytes(pkt, 1).tunnels).toEqual([{ type: 'vxlan', src: '10.0.2.201', dst: '10.0.1.204', vni: 4096 }]);
    const { doc } = await analyze('vxlan-from-4789.pcap', [pkt]);
    expect(doc.flows[0]).toMatchObject({ encapsulation: 'vxlan', tunnelPort: 4789, vni: 4096 });
  });

  it('UDP from 6081 or 4789 that is not a valid header stays plain UDP', () => {
    // GENEVE version 1; GENEVE options longer than the datagram; VXLAN with reserved bits set.
    const notGeneve = decodeBytes(buildPacket([...outer(6081, 40000), { payload: hex('40006558 00000100 01020304') }]), 1);
    expect(notGeneve.tunnels).toEqual([]);
    expect(notGeneve.inner).toMatchObject({ proto: 17, sport: 6081, dport: 40000 });
    expect(decodeBytes(buildPacket([...outer(6081, 40000), { payload: hex('3f006558 00000100 01020304') }]), 1).tunnels).toEqual([]);
    expect(decodeBytes(buildPacket([...outer(4789, 40000), { payload: hex(`ff000000 00100000 ${'00'.repeat(30)}`) }]), 1).tunnels).toEqual([]);
  });

  it('the destination port wins: VXLAN from 6081 to 4789 is VXLAN, Calico-style random source ports unchanged', () => {
    expect(decodeBytes(buildPacket([...outer(6081, 4789), { vxlan: { vni: 4096 } }, ...inner]), 1).tunnels[0]).toMatchObject({ type: 'vxlan', vni: 4096 });
    expect(decodeBytes(buildPacket([...outer(54321, 4789), { vxlan: { vni: 4096 } }, ...inner]), 1).tunnels[0]).toMatchObject({ type: 'vxlan', vni: 4096 });
  });
});

describe('pcapng section header versions, as libpcap (sf-pcapng.c) reads them', () => {
  // Built from the pcapng block layout; libpcap 1.10.3 (tcpdump -r) on the same files: first
  // section 1.1 or 1.3 "unsupported pcapng savefile version", 1.2 read; a later section is checked
  // for its major version only.
  const packet = buildPacket([{ ipv4: { src: '10.0.2.202', dst: '10.0.1.204' } }, { icmp: { type: 8 } }]);
  function block(type: number, body: Buffer): Buffer {
    const padded = Buffer.alloc((body.length + 3) & ~3);
    body.copy(padded);
    const head = Buffer.alloc(8);
    head.writeUInt32LE(type, 0);
    head.writeUInt32LE(12 + padded.length, 4);
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(12 + padded.length, 0);
    return Buffer.concat([head, padded, tail]);
  }
  const shb = (major: number, minor: number) => {
    const body = Buffer.alloc(16);
    body.writeUInt32LE(0x1a2b3c4d, 0);
    body.writeUInt16LE(major, 4);
    body.writeUInt16LE(minor, 6);
    body.writeBigInt64LE(-1n, 8);
    return block(0x0a0d0d0a, body);
  };
  const idb = () => {
    const body = Buffer.alloc(8);
    body.writeUInt16LE(101, 0);
    return block(1, body);
  };
  const epb = () => {
    const body = Buffer.alloc(20);
    body.writeUInt32LE(packet.length, 12);
    body.writeUInt32LE(packet.length, 16);
    return block(6, Buffer.concat([body, Buffer.from(packet)]));
  };
  const section = (major: number, minor: number) => Buffer.concat([shb(major, minor), idb(), epb()]);
  const run = (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return spawnSync('node', [CLI, 'analyze', '--format', 'json', path], { encoding: 'utf8' });
  };

  it('a first section of version 1.1 (or 1.3) is refused in one line with exit 2; 1.0 and 1.2 are read', () => {
    for (const minor of [1, 3]) {
      const r = run(`v1${minor}.pcapng`, section(1, minor));
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`calico-pcap: ${join(dir, `v1${minor}.pcapng`)} at byte 12: unsupported pcapng version 1.${minor}\n`);
    }
    for (const minor of [0, 2]) {
      const r = run(`v1${minor}.pcapng`, section(1, minor));
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout).totals.packets).toBe(1);
    }
  });

  it('a later section: any 1.x is read, another major ends the read with pcapng.bad_section_header', () => {
    const minor = run('later-11.pcapng', Buffer.concat([section(1, 0), section(1, 1)]));
    expect(minor.status).toBe(0);
    expect(JSON.parse(minor.stdout).totals.packets).toBe(2);
    const major = run('later-20.pcapng', Buffer.concat([section(1, 0), section(2, 0)]));
    expect(major.status).toBe(0);
    const doc = JSON.parse(major.stdout);
    expect(doc.totals.packets).toBe(1);
    expect(doc.capture.endedEarly).toBe(true);
    expect(doc.issues.counts).toEqual({ 'pcapng.bad_section_header': 1 });
  });
});
