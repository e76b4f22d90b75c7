// Property tests over the packet builder (fast-check):
//  1. random valid stacks (link, IPv4/IPv6, tunnels nested up to three deep, L4) decode to
//     exactly what was built, with no issue;
//  2. random byte mutations and truncations produce only typed issues, never an exception, and
//     the decoder still decodes the next (valid) packet exactly.
// Seeds that once failed are kept in REGRESSION_SEEDS and replayed on every run.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPacket, type LayerSpec, type PacketSpec } from '../src/dev/synth/index.js';
import { PacketDecoder } from '../src/decode/decoder.js';
import { DecodedPacket } from '../src/decode/packet.js';
import { ISSUES } from '../src/issues.js';
import { decodeBytes } from './support/decode.js';

const REGRESSION_SEEDS: number[] = [];
const RUNS = Number(process.env.CALICO_PCAP_PROPERTY_RUNS ?? 400);

const TUNNEL_PORTS = new Set([4789, 8472, 6081, 51820]);
const v4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((o) => o.join('.'));
const v6 = fc.tuple(fc.integer({ min: 0x2001, max: 0xfdff }), fc.nat(0xffff), fc.integer({ min: 1, max: 0xffff })).map(([a, b, c]) => `${a.toString(16)}:${b.toString(16)}::${c.toString(16)}`);
const ip = fc.oneof(fc.record({ family: fc.constant(4 as const), src: v4, dst: v4 }), fc.record({ family: fc.constant(6 as const), src: v6, dst: v6 }));
const port = fc.integer({ min: 1, max: 65535 }).filter((p) => !TUNNEL_PORTS.has(p));
const transport = fc.oneof(
  fc.record({ kind: fc.constant('tcp' as const), sport: port, dport: port }),
  fc.record({ kind: fc.constant('udp' as const), sport: port, dport: port }),
  fc.record({ kind: fc.constant('icmp' as const) }),
);
type Tunnel = 'vxlan' | 'ipip' | 'geneve-eth' | 'geneve-ip' | 'gre-ip' | 'gre-eth';
const tunnel = fc.record({ kind: fc.constantFrom<Tunnel>('vxlan', 'ipip', 'geneve-eth', 'geneve-ip', 'gre-ip', 'gre-eth'), carrier: ip, vni: fc.nat(0xffffff), key: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }) });
const link = fc.constantFrom('eth', 'vlan', 'qinq', 'sll', 'sll2', 'raw');

const stack = fc.record({ link, tunnels: fc.array(tunnel, { maxLength: 3 }), inner: ip, transport, payload: fc.nat(300) });
type Stack = typeof stack extends fc.Arbitrary<infer T> ? T : never;

const LINKTYPES: Record<string, number> = { eth: 1, vlan: 1, qinq: 1, sll: 113, sll2: 276, raw: 101 };

function ipLayer(a: { family: 4 | 6; src: string; dst: string }): LayerSpec {
  return a.family === 4 ? { ipv4: { src: a.src, dst: a.dst } } : { ipv6: { src: a.src, dst: a.dst } };
}

/** The spec and what decoding it must give. */
function build(s: Stack) {
  const layers: LayerSpec[] = [];
  if (s.link === 'eth') layers.push({ eth: {} });
  if (s.link === 'vlan') layers.push({ eth: { vlans: [{ vid: 10 }] } });
  if (s.link === 'qinq') layers.push({ eth: { vlans: [{ vid: 10 }, { vid: 20 }] } });
  if (s.link === 'sll') layers.push({ sll: {} });
  if (s.link === 'sll2') layers.push({ sll2: { ifindex: 3 } });
  const expectedTunnels: { type: string; src: string; dst: string; vni?: number; key?: number }[] = [];
  // An IP-in-IP tunnel needs an IP right after the link; a raw link cannot start with Ethernet.
  let needEthernet = false;
  for (const t of s.tunnels) {
    if (needEthernet) layers.push({ eth: {} });
    layers.push(ipLayer(t.carrier));
    const name = (inner: 4 | 6) =>
      t.carrier.family === 4 ? (inner === 4 ? 'ipip' : '6in4') : inner === 4 ? '4in6' : '6in6';
    switch (t.kind) {
      case 'vxlan':
        layers.push({ udp: { sport: 50000, dport: 4789 } }, { vxlan: { vni: t.vni } });
        expectedTunnels.push({ type: 'vxlan', src: t.carrier.src, dst: t.carrier.dst, vni: t.vni });
        needEthernet = true;
        break;
      case 'geneve-eth':
      case 'geneve-ip':
        layers.push({ udp: { sport: 50000, dport: 6081 } }, { geneve: { vni: t.vni } });
        expectedTunnels.push({ type: 'geneve', src: t.carrier.src, dst: t.carrier.dst, vni: t.vni });
        needEthernet = t.kind === 'geneve-eth';
        break;
      case 'gre-ip':
      case 'gre-eth':
        layers.push({ gre: t.key === undefined ? {} : { key: t.key } });
        // Ethernet in GRE with a key outside the reserved VSIDs 0-0xFFF is NVGRE (RFC 7637): VSID = key >>> 8.
        expectedTunnels.push(t.key === undefined
          ? { type: 'gre', src: t.carrier.src, dst: t.carrier.dst }
          : { type: 'gre', src: t.carrier.src, dst: t.carrier.dst, vni: t.kind === 'gre-eth' && t.key >>> 8 >= 0x1000 ? t.key >>> 8 : t.key, key: t.key });
        needEthernet = t.kind === 'gre-eth';
        break;
      case 'ipip':
        // The next IP header decides the name (ipip, 6in4, 4in6, 6in6); filled in below.
        expectedTunnels.push({ type: `ipip:${t.carrier.family}`, src: t.carrier.src, dst: t.carrier.dst });
        needEthernet = false;
        break;
    }
  }
  if (needEthernet) layers.push({ eth: {} });
  layers.push(ipLayer(s.inner));
  const tr = s.transport;
  const proto = tr.kind === 'tcp' ? 6 : tr.kind === 'udp' ? 17 : s.inner.family === 4 ? 1 : 58;
  if (tr.kind === 'tcp') layers.push({ tcp: { sport: tr.sport, dport: tr.dport } });
  else if (tr.kind === 'udp') layers.push({ udp: { sport: tr.sport, dport: tr.dport } });
  else layers.push(s.inner.family === 4 ? { icmp: { type: 8 } } : { icmpv6: { type: 128 } });
  layers.push({ payload: s.payload });
  // Resolve IP-in-IP names from the header that follows each carrier.
  const ips = layers.filter((l) => 'ipv4' in l || 'ipv6' in l);
  expectedTunnels.forEach((t, i) => {
    if (t.type.startsWith('ipip:')) {
      const outer = t.type.endsWith('4') ? 4 : 6;
      const inner = 'ipv4' in ips[i + 1] ? 4 : 6;
      t.type = outer === 4 ? (inner === 4 ? 'ipip' : '6in4') : inner === 4 ? '4in6' : '6in6';
    }
  });
  const inner = tr.kind === 'icmp' ? { src: s.inner.src, dst: s.inner.dst, proto } : { src: s.inner.src, dst: s.inner.dst, proto, sport: tr.sport, dport: tr.dport };
  return { spec: layers as PacketSpec, linktype: LINKTYPES[s.link], expectedTunnels, inner };
}

/** IPv6 text as the decoder prints it (RFC 5952): the builder accepts any form. */
function canonical(a: string): string {
  return a.includes(':') ? new URL(`http://[${a}]/`).hostname.slice(1, -1) : a;
}

const depthSeen = [0, 0, 0, 0];
describe("property: random valid stacks decode to exactly what was built", () => {
  afterAll(() => {
    // The generator must really exercise nesting.
    expect(depthSeen.every((n) => n > 10)).toBe(true);
  });
  for (const seed of [...REGRESSION_SEEDS, 20261125]) {
    it(`seed ${seed}`, () => {
      fc.assert(
        fc.property(stack, (s) => {
          depthSeen[s.tunnels.length]++;
          const { spec, linktype, expectedTunnels, inner } = build(s);
          const d = decodeBytes(buildPacket(spec), linktype);
          expect(d.issues).toEqual([]);
          expect(d.tunnels).toEqual(expectedTunnels.map((t) => ({ ...t, src: canonical(t.src), dst: canonical(t.dst) })));
          expect(d.inner).toEqual({ ...inner, src: canonical(inner.src), dst: canonical(inner.dst) });
        }),
        { numRuns: RUNS, seed },
      );
    });
  }
});

describe('property: mutations and truncations give only typed issues; the next packet still decodes', () => {
  const codes = new Set(ISSUES.map((d) => d.code));
  const mutation = fc.record({
    stack,
    flips: fc.array(fc.record({ at: fc.nat(), value: fc.nat(255) }), { minLength: 1, maxLength: 8 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    wireExtra: fc.nat(3000),
  });
  for (const seed of [...REGRESSION_SEEDS, 42]) {
    it(`seed ${seed}`, () => {
      const decoder = new PacketDecoder();
      const p = new DecodedPacket();
      const control = build({ link: 'eth', tunnels: [{ kind: 'vxlan', carrier: { family: 4, src: '10.0.1.204', dst: '10.0.2.201' }, vni: 4096, key: undefined }], inner: { family: 4, src: '10.200.255.10', dst: '10.200.2.10' }, transport: { kind: 'tcp', sport: 8080, dport: 43512 }, payload: 10 });
      const controlBytes = buildPacket(control.spec);
      fc.assert(
        fc.property(mutation, ({ stack: s, flips, cut, wireExtra }) => {
          const { spec, linktype } = build(s);
          const bytes = buildPacket(spec);
          for (const f of flips) bytes[f.at % bytes.length] = f.value;
          const len = cut === undefined ? bytes.length : cut % (bytes.length + 1);
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          // Any decoded result is fine; an exception or an untyped issue is not.
          decoder.decode(p, bytes, view, 0, len, len + wireExtra, linktype);
          for (let i = 0; i < p.issueCount; i++) expect(codes.has(ISSUES[p.issueId[i]].code)).toBe(true);
          expect(p.layerCount).toBeLessThanOrEqual(32);
          // The same decoder and struct, next packet: exactly right.
          decoder.decode(p, controlBytes, new DataView(controlBytes.buffer), 0, controlBytes.length, controlBytes.length, 1);
          expect(p.issueCount).toBe(0);
          expect(p.tunnelCount).toBe(1);
          expect(p.tunnelVni[0]).toBe(4096);
          expect(p.sport).toBe(8080);
        }),
        { numRuns: RUNS * 5, seed },
      );
    });
  }
});
