// A scenario's cluster model (its cluster.yaml or exported model/) as the real objects a Calico
// cluster holds on the Kubernetes datastore: v1 Nodes with Calico's annotations
// (libcalico-go lib/backend/k8s/resources/node.go) and an InternalIP, and crd.projectcalico.org/v1
// IPPools, BlockAffinities, IPAMBlocks and the default FelixConfiguration. kube-model.test.ts
// applies them to the kube-lab, so that --kube and a `kubectl get -o yaml` export of the same
// cluster can be compared with each other and with the scenario's own file.
import { buildModel } from '../../src/model/sources.js';
import { defaultFelix, formatNodeAddress, type ClusterModel } from '../../src/model/cluster.js';
import { formatAddress, formatCidr } from '../../src/net/address.js';

type Obj = Record<string, unknown>;

export interface ClusterObjects {
  /** Nodes (metadata and annotations) and Calico's CRD objects, for `kubectl apply`. */
  objects: Obj[];
  /** Node status (InternalIP), for `kubectl apply --server-side --subresource=status`. */
  statuses: Obj[];
}

/** The model as the scenario's tests read it (a cluster file or a directory of exports). */
export function scenarioModel(path: string): ClusterModel {
  return buildModel([path], { pool: [], node: [], block: [], tunnelAddr: [] });
}

/** "10.200.255.0/24" -> "10-200-255-0-24", "fd00:10:200::255:0/122" -> "fd00-10-200--255-0-122" (Calico's names). */
function cidrName(cidr: string): string {
  return cidr.replace(/[.:/]/g, '-');
}

export function clusterObjects(model: ClusterModel): ClusterObjects {
  const objects: Obj[] = [];
  const statuses: Obj[] = [];
  for (const n of model.nodes) {
    const annotations: Record<string, string> = {};
    if (n.ipv4) annotations['projectcalico.org/IPv4Address'] = formatNodeAddress(n.ipv4);
    if (n.ipv6) annotations['projectcalico.org/IPv6Address'] = formatNodeAddress(n.ipv6);
    if (n.ipipTunnelAddr !== null) annotations['projectcalico.org/IPv4IPIPTunnelAddr'] = formatAddress(n.ipipTunnelAddr);
    if (n.vxlanTunnelAddr !== null) annotations['projectcalico.org/IPv4VXLANTunnelAddr'] = formatAddress(n.vxlanTunnelAddr);
    if (n.vxlanTunnelAddrV6 !== null) annotations['projectcalico.org/IPv6VXLANTunnelAddr'] = formatAddress(n.vxlanTunnelAddrV6);
    if (n.vtepMac !== null) annotations['projectcalico.org/VXLANTunnelMACAddr'] = n.vtepMac;
    if (n.vtepMacV6 !== null) annotations['projectcalico.org/VXLANTunnelMACAddrV6'] = n.vtepMacV6;
    objects.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, annotations, labels: { 'kubernetes.io/hostname': n.name } } });
    const addresses = [n.ipv4, n.ipv6].filter((a) => a !== null).map((a) => ({ type: 'InternalIP', address: formatAddress(a!.address) }));
    statuses.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, status: { addresses: [...addresses, { type: 'Hostname', address: n.name }] } });
    for (const b of n.blocks) {
      const cidr = formatCidr(b);
      objects.push({
        apiVersion: 'crd.projectcalico.org/v1', kind: 'BlockAffinity',
        metadata: { name: `${n.name}-${cidrName(cidr)}` },
        spec: { cidr, node: n.name, state: 'confirmed', deleted: 'false' },
      });
      objects.push({
        apiVersion: 'crd.projectcalico.org/v1', kind: 'IPAMBlock',
        metadata: { name: cidrName(cidr) },
        spec: { cidr, affinity: `host:${n.name}`, allocations: [], unallocated: [], attributes: [], strictAffinity: false },
      });
    }
  }
  for (const p of model.pools) {
    objects.push({
      apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool',
      metadata: { name: p.name.replace(/[.:/]/g, '-') },
      spec: { cidr: formatCidr(p.cidr), blockSize: p.blockSize, ipipMode: p.ipipMode, vxlanMode: p.vxlanMode, natOutgoing: true, nodeSelector: 'all()', ...(p.disabled ? { disabled: true } : {}) },
    });
  }
  // FelixConfiguration default: the settings that differ from Felix's defaults, and the VXLAN ones always.
  const f = model.felix;
  const d = defaultFelix();
  const spec: Obj = { vxlanVNI: f.vxlanVni, vxlanPort: f.vxlanPort };
  if (f.vxlanEnabled !== null) spec.vxlanEnabled = f.vxlanEnabled;
  if (f.ipipEnabled !== null) spec.ipipEnabled = f.ipipEnabled;
  if (f.wireguardEnabled !== d.wireguardEnabled) spec.wireguardEnabled = f.wireguardEnabled;
  if (f.wireguardEnabledV6 !== d.wireguardEnabledV6) spec.wireguardEnabledV6 = f.wireguardEnabledV6;
  if (f.wireguardPort !== d.wireguardPort) spec.wireguardListeningPort = f.wireguardPort;
  if (f.wireguardPortV6 !== d.wireguardPortV6) spec.wireguardListeningPortV6 = f.wireguardPortV6;
  if (f.bpfEnabled !== d.bpfEnabled) spec.bpfEnabled = f.bpfEnabled;
  objects.push({ apiVersion: 'crd.projectcalico.org/v1', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec });
  return { objects, statuses };
}

/** A v1 List of objects, as `kubectl apply -f -` reads it. */
export function listOf(objects: Obj[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
}
