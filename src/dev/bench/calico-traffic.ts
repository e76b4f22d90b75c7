// The traffic model behind the benchmark capture: a pool of distinct template
// packets, grouped into flows, each flow cycling through its own pattern of
// templates (e.g. data, data, ACK), and a relative weight per flow.
//
// Modelled on the reference cluster: node01-03 share 10.0.2.0/24, node04 sits
// alone in 10.0.1.0/24, so Calico encapsulates (VXLAN or IPIP) only between
// node04 and the rest and routes pod traffic plainly inside 10.0.2.0/24.

import { buildPacket, tcpOptions, type Ipv4Spec, type LayerSpec } from '../synth/index.js';
import { Prng } from './prng.js';

export interface CalicoNode {
  name: string;
  ip: string;
  mac: string;
  /** MAC of the vxlan.calico device. */
  vtepMac: string;
  /** First three octets of the node's pod /24 block. */
  podBlock: string;
  /** MAC of the default gateway on the node's subnet. */
  gatewayMac: string;
}

const GW_10_0_2 = '00:00:5e:00:01:02';
const GW_10_0_1 = '00:00:5e:00:01:01';

export const CLUSTER: readonly CalicoNode[] = [
  { name: 'node01', ip: '10.0.2.200', mac: '52:54:00:0a:02:c8', vtepMac: '66:0b:35:51:c8:01', podBlock: '10.200.235', gatewayMac: GW_10_0_2 },
  { name: 'node02', ip: '10.0.2.201', mac: '52:54:00:0a:02:c9', vtepMac: '66:0b:35:51:c9:02', podBlock: '10.200.2', gatewayMac: GW_10_0_2 },
  { name: 'node03', ip: '10.0.2.202', mac: '52:54:00:0a:02:ca', vtepMac: '66:0b:35:51:ca:03', podBlock: '10.200.175', gatewayMac: GW_10_0_2 },
  { name: 'node04', ip: '10.0.1.204', mac: '52:54:00:0a:01:cc', vtepMac: '66:0b:35:51:cc:04', podBlock: '10.200.255', gatewayMac: GW_10_0_1 },
];
export const VXLAN_VNI = 4096;

export type Encap = 'vxlan' | 'ipip' | 'plain' | 'host';

/** Share of packets per kind of traffic. */
const PACKET_SHARE: Record<Encap, number> = { vxlan: 0.32, ipip: 0.22, plain: 0.26, host: 0.2 };
/** Distinct flows per kind of pod traffic (host flows are enumerated below). */
const POD_FLOWS: Record<Exclude<Encap, 'host'>, number> = { vxlan: 420, ipip: 300, plain: 360 };

export interface TrafficModel {
  /** Distinct packets, each a complete Ethernet frame. */
  templates: Uint8Array[];
  /** Template indices; flow f uses pattern[flowStart[f] .. flowStart[f] + flowLen[f]). */
  pattern: Uint32Array;
  flowStart: Uint32Array;
  flowLen: Uint32Array;
  /** Relative packet rate of each flow. */
  flowWeight: Float64Array;
  flowsPerEncap: Record<Encap, number>;
}

interface Side {
  node: CalicoNode;
  /** Pod IP, or the node IP for host traffic. */
  ip: string;
  port: number;
}

/** One packet of a flow's pattern, sent by the client or the server. */
interface Step {
  fromClient: boolean;
  payload: number;
}

type Profile = 'bulk-down' | 'bulk-up' | 'rpc' | 'dns' | 'udp-stream' | 'icmp' | 'bgp';

// Relative packet rate by profile: bulk transfers dominate the bytes.
const PROFILE_RATE: Record<Profile, number> = {
  'bulk-down': 3, 'bulk-up': 2.5, rpc: 1, dns: 0.6, 'udp-stream': 1, icmp: 0.3, bgp: 0.5,
};

// Largest IP packet per encapsulation: pod MTU 1450 (VXLAN overhead 50) is
// used cluster-wide, IPIP pods get 1480, hosts the full 1500.
const IP_MTU: Record<Encap, number> = { vxlan: 1450, ipip: 1480, plain: 1450, host: 1500 };
const TCP_HEADER = 32; // 20 + timestamps option

class ModelBuilder {
  readonly templates: Uint8Array[] = [];
  private readonly pattern: number[] = [];
  private readonly flowStart: number[] = [];
  private readonly flowLen: number[] = [];
  private readonly flowWeight: number[] = [];
  private readonly flowEncap: Encap[] = [];

  constructor(private readonly rng: Prng) {}

  addTcpFlow(encap: Encap, client: Side, server: Side, steps: Step[], rate: number): void {
    const rng = this.rng;
    let clientSeq = rng.u32();
    let serverSeq = rng.u32();
    const tsBase = rng.u32() >>> 1;
    const outerSport = rng.int(32768, 60999); // VXLAN source port: a hash of the inner flow
    this.beginFlow(encap, rate);
    steps.forEach((step, i) => {
      const [from, to] = step.fromClient ? [client, server] : [server, client];
      const seq = step.fromClient ? clientSeq : serverSeq;
      const ack = step.fromClient ? serverSeq : clientSeq;
      const full = step.payload >= IP_MTU[encap] - 20 - TCP_HEADER;
      const tcp: LayerSpec = {
        tcp: {
          sport: from.port, dport: to.port, seq, ack, window: rng.int(400, 3000),
          flags: step.payload === 0 || full ? 'A' : 'PA',
          options: tcpOptions({ timestamp: [tsBase + i, tsBase + i - 1] }),
        },
      };
      if (step.fromClient) clientSeq = (clientSeq + step.payload) >>> 0;
      else serverSeq = (serverSeq + step.payload) >>> 0;
      this.addTemplate(this.frame(encap, from, to, tcp, step.payload, outerSport, true));
    });
  }

  addUdpFlow(encap: Encap, client: Side, server: Side, steps: Step[], rate: number): void {
    const outerSport = this.rng.int(32768, 60999);
    this.beginFlow(encap, rate);
    for (const step of steps) {
      const [from, to] = step.fromClient ? [client, server] : [server, client];
      this.addTemplate(this.frame(encap, from, to, { udp: { sport: from.port, dport: to.port } }, step.payload, outerSport, false));
    }
  }

  addPingFlow(encap: Encap, client: Side, server: Side, rate: number): void {
    const id = this.rng.int(1, 65535);
    const seq = this.rng.int(1, 5000);
    const outerSport = this.rng.int(32768, 60999);
    this.beginFlow(encap, rate);
    for (let k = 0; k < 2; k++) {
      this.addTemplate(this.frame(encap, client, server, { icmp: { type: 8, id, seq: seq + k } }, 56, outerSport, false));
      this.addTemplate(this.frame(encap, server, client, { icmp: { type: 0, id, seq: seq + k } }, 56, outerSport, false));
    }
  }

  build(): TrafficModel {
    const flowsPerEncap: Record<Encap, number> = { vxlan: 0, ipip: 0, plain: 0, host: 0 };
    for (const e of this.flowEncap) flowsPerEncap[e]++;
    // Scale each kind's flow rates so the kinds get their share of packets.
    const rateSum: Record<Encap, number> = { vxlan: 0, ipip: 0, plain: 0, host: 0 };
    this.flowWeight.forEach((w, f) => (rateSum[this.flowEncap[f]!] += w));
    const weights = this.flowWeight.map((w, f) => (w / rateSum[this.flowEncap[f]!]) * PACKET_SHARE[this.flowEncap[f]!]);
    return {
      templates: this.templates,
      pattern: Uint32Array.from(this.pattern),
      flowStart: Uint32Array.from(this.flowStart),
      flowLen: Uint32Array.from(this.flowLen),
      flowWeight: Float64Array.from(weights),
      flowsPerEncap,
    };
  }

  private beginFlow(encap: Encap, rate: number): void {
    this.flowStart.push(this.pattern.length);
    this.flowLen.push(0);
    this.flowWeight.push(rate);
    this.flowEncap.push(encap);
  }

  private addTemplate(spec: LayerSpec[]): void {
    this.pattern.push(this.templates.length);
    this.flowLen[this.flowLen.length - 1]!++;
    this.templates.push(buildPacket(spec));
  }

  // The frame as seen on the wire between two nodes.
  private frame(
    encap: Encap, from: Side, to: Side, l4: LayerSpec, payload: number, outerSport: number, df: boolean,
  ): LayerSpec[] {
    const sameSubnet = from.node.gatewayMac === to.node.gatewayMac;
    const eth: LayerSpec = { eth: { src: from.node.mac, dst: sameSubnet ? to.node.mac : from.node.gatewayMac } };
    const id = this.rng.int(0, 65535);
    // Pod packets have been routed once by the sending node.
    const inner: Ipv4Spec = { src: from.ip, dst: to.ip, id, df, ttl: encap === 'host' ? 64 : 63 };
    const outer: Ipv4Spec = { src: from.node.ip, dst: to.node.ip, id: this.rng.int(0, 65535), ttl: 64 };
    switch (encap) {
      case 'host':
      case 'plain':
        return [eth, { ipv4: inner }, l4, { payload }];
      case 'ipip':
        return [eth, { ipv4: { ...outer, df: true } }, { ipv4: inner }, l4, { payload }];
      case 'vxlan':
        // Linux VXLAN sends IPv4 UDP without a checksum by default.
        return [
          eth, { ipv4: outer }, { udp: { sport: outerSport, dport: 4789, checksum: 0 } }, { vxlan: { vni: VXLAN_VNI } },
          { eth: { src: from.node.vtepMac, dst: to.node.vtepMac } }, { ipv4: inner }, l4, { payload },
        ];
    }
  }
}

const node = (name: string): CalicoNode => CLUSTER.find((n) => n.name === name)!;
const NODE04 = node('node04');
const SUBNET_2 = CLUSTER.filter((n) => n !== NODE04);

/** Builds the deterministic traffic model for a seed. */
export function buildTrafficModel(seed: number): TrafficModel {
  const rng = new Prng(seed);
  const b = new ModelBuilder(rng);
  const podIp = (n: CalicoNode) => `${n.podBlock}.${rng.int(2, 60)}`;
  const ephemeral = () => rng.int(32768, 60999);
  // Zipf-like rates: a few elephant flows, a long tail of mice.
  const zipf = (k: number) => 1 / Math.pow(k + 1, 0.8);

  for (const encap of ['vxlan', 'ipip', 'plain'] as const) {
    for (let k = 0; k < POD_FLOWS[encap]; k++) {
      let a: CalicoNode;
      let z: CalicoNode;
      if (encap === 'plain') {
        [a, z] = twoDistinct(rng, SUBNET_2);
      } else {
        const other = rng.pick(SUBNET_2);
        [a, z] = rng.float() < 0.5 ? [NODE04, other] : [other, NODE04];
      }
      const profile = pickProfile(rng);
      const rate = zipf(rng.int(0, POD_FLOWS[encap] - 1)) * PROFILE_RATE[profile];
      const client: Side = { node: a, ip: podIp(a), port: ephemeral() };
      const server: Side = { node: z, ip: podIp(z), port: serverPort(rng, profile) };
      addProfileFlow(b, rng, encap, profile, client, server, rate);
    }
  }

  // Host traffic between node IPs: BGP full mesh, kubelet, API server, etcd.
  const hostSide = (n: CalicoNode, port: number): Side => ({ node: n, ip: n.ip, port });
  for (let i = 0; i < CLUSTER.length; i++) {
    for (let j = i + 1; j < CLUSTER.length; j++) {
      b.addTcpFlow('host', hostSide(CLUSTER[i]!, ephemeral()), hostSide(CLUSTER[j]!, 179), bgpSteps(rng), PROFILE_RATE.bgp);
    }
  }
  const controlPlane = node('node01');
  for (const n of CLUSTER.filter((x) => x !== controlPlane)) {
    for (let k = 0; k < 20; k++) {
      const logs = rng.float() < 0.3;
      const profile: Profile = logs ? 'bulk-down' : 'rpc';
      addProfileFlow(b, rng, 'host', profile, hostSide(controlPlane, ephemeral()), hostSide(n, 10250), zipf(k) * PROFILE_RATE[profile]);
      const watch = rng.float() < 0.3;
      const p2: Profile = watch ? 'bulk-down' : 'rpc';
      addProfileFlow(b, rng, 'host', p2, hostSide(n, ephemeral()), hostSide(controlPlane, 6443), zipf(k) * PROFILE_RATE[p2]);
    }
  }
  for (const n of SUBNET_2.filter((x) => x !== controlPlane)) {
    for (let k = 0; k < 8; k++) {
      addProfileFlow(b, rng, 'host', 'rpc', hostSide(n, ephemeral()), hostSide(controlPlane, k < 6 ? 2379 : 2380), zipf(k));
    }
  }
  return b.build();
}

function twoDistinct(rng: Prng, nodes: readonly CalicoNode[]): [CalicoNode, CalicoNode] {
  const a = rng.pick(nodes);
  const rest = nodes.filter((n) => n !== a);
  return [a, rng.pick(rest)];
}

function pickProfile(rng: Prng): Profile {
  const r = rng.float();
  if (r < 0.3) return 'bulk-down';
  if (r < 0.4) return 'bulk-up';
  if (r < 0.75) return 'rpc';
  if (r < 0.87) return 'dns';
  if (r < 0.94) return 'udp-stream';
  return 'icmp';
}

function serverPort(rng: Prng, profile: Profile): number {
  switch (profile) {
    case 'dns': return 53;
    case 'udp-stream': return rng.pick([8125, 4317, 6831]);
    case 'icmp': return 0;
    default: return rng.pick([8080, 80, 443, 9000, 5432, 6379, 3306, 9090]);
  }
}

function addProfileFlow(b: ModelBuilder, rng: Prng, encap: Encap, profile: Profile, client: Side, server: Side, rate: number): void {
  const full = IP_MTU[encap] - 20 - TCP_HEADER;
  const mid = () => rng.int(120, 1100);
  switch (profile) {
    case 'bulk-down':
    case 'bulk-up': {
      // Linux ACKs every second full segment.
      const up = profile === 'bulk-up';
      const steps: Step[] = [];
      for (let k = 0; k < 3; k++) {
        steps.push({ fromClient: up, payload: full }, { fromClient: up, payload: full }, { fromClient: !up, payload: 0 });
      }
      b.addTcpFlow(encap, client, server, steps, rate);
      return;
    }
    case 'rpc':
      b.addTcpFlow(encap, client, server, [
        { fromClient: true, payload: mid() }, { fromClient: false, payload: 0 },
        { fromClient: false, payload: rng.float() < 0.4 ? full : mid() }, { fromClient: true, payload: 0 },
      ], rate);
      return;
    case 'dns':
      b.addUdpFlow(encap, client, server, [
        { fromClient: true, payload: rng.int(30, 70) }, { fromClient: false, payload: rng.int(80, 260) },
      ], rate);
      return;
    case 'udp-stream':
      b.addUdpFlow(encap, client, server, [
        { fromClient: true, payload: mid() }, { fromClient: true, payload: mid() }, { fromClient: true, payload: rng.int(40, 200) },
      ], rate);
      return;
    case 'icmp':
      b.addPingFlow(encap, client, server, rate);
      return;
    case 'bgp':
      b.addTcpFlow(encap, client, server, bgpSteps(rng), rate);
  }
}

// Keepalives (19-byte BGP messages) each way with their ACKs, now and then an UPDATE.
function bgpSteps(rng: Prng): Step[] {
  return [
    { fromClient: true, payload: 19 }, { fromClient: false, payload: 0 },
    { fromClient: false, payload: 19 }, { fromClient: true, payload: 0 },
    { fromClient: false, payload: rng.int(60, 400) }, { fromClient: true, payload: 0 },
  ];
}
