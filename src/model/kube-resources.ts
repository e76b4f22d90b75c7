// What `--kube` reads from the API server, and therefore exactly what `calico-pcap rbac` grants.
// One list for both, so the role can never drift from the code that needs it.
//
// Calico's resources are read as the API server itself serves them, through Calico's CRDs
// (group crd.projectcalico.org, version v1), which every Calico cluster has whether or not the
// Calico API server (projectcalico.org/v3) is installed. The operator's Installation exists only
// where the tigera operator runs: its absence is not an error.

export interface KubeResource {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  /** The plural resource name, as in RBAC rules and URLs. */
  resource: string;
  kind: string;
  /** Absent on some clusters without that being a fault (the operator's Installation). */
  optional: boolean;
  /** What the model takes from it, for `calico-pcap rbac` comments and the docs. */
  why: string;
}

export const KUBE_MODEL_RESOURCES: readonly KubeResource[] = [
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', optional: false, why: "node addresses (Calico's projectcalico.org/IPv4Address annotation, InternalIP) and tunnel addresses" },
  { group: 'crd.projectcalico.org', version: 'v1', resource: 'ippools', kind: 'IPPool', optional: false, why: 'pools, block sizes, ipipMode and vxlanMode' },
  { group: 'crd.projectcalico.org', version: 'v1', resource: 'blockaffinities', kind: 'BlockAffinity', optional: false, why: 'which node owns which pod block' },
  { group: 'crd.projectcalico.org', version: 'v1', resource: 'ipamblocks', kind: 'IPAMBlock', optional: false, why: 'pod blocks and their host affinity' },
  { group: 'crd.projectcalico.org', version: 'v1', resource: 'felixconfigurations', kind: 'FelixConfiguration', optional: false, why: 'VXLAN VNI and port, WireGuard, eBPF' },
  { group: 'operator.tigera.io', version: 'v1', resource: 'installations', kind: 'Installation', optional: true, why: "the operator's pools and dataplane, where the tigera operator runs" },
];

/** The only verb `--kube` uses: every read is a (paginated) list. */
export const KUBE_MODEL_VERBS: readonly string[] = ['list'];

/** "nodes", "ippools.crd.projectcalico.org": the name kubectl and RBAC error messages use. */
export function qualifiedResource(r: KubeResource): string {
  return r.group === '' ? r.resource : `${r.resource}.${r.group}`;
}

/** The list URL path of a cluster-scoped resource. */
export function listPath(r: KubeResource): string {
  return r.group === '' ? `/api/${r.version}/${r.resource}` : `/apis/${r.group}/${r.version}/${r.resource}`;
}
