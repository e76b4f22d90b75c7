// The examples every `--help` ends with: real commands on the captures this repository ships
// (test/cli.test.ts runs them), so a user can paste them from a clone.
const EXAMPLES: Record<string, string[]> = {
  analyze: [
    'calico-pcap analyze fixtures/vxlan-crosssubnet/node04-ens37.pcap',
    "calico-pcap analyze fixtures/vxlan-crosssubnet/node04-ens37.pcap -Y 'encap == vxlan and inner.addr in 10.200.2.0/24'",
    "calico-pcap analyze fixtures/vxlan-crosssubnet/ 'fixtures/ipip-*/node04*.pcap' --sort bytes --top 10",
    'calico-pcap analyze fixtures/dual-stack-vxlan/node04-ens37.pcap --pods fixtures/pods/dual-stack-pods.json',
  ],
  verify: [
    'calico-pcap verify fixtures/vxlan-crosssubnet/node04-ens37.pcap --cluster fixtures/cluster/reference-cluster.yaml',
    'calico-pcap verify fixtures/vxlan-port-4790/node04-ens37.pcap --cluster fixtures/vxlan-port-4790/model -o junit',
    'calico-pcap verify kube-node04=fixtures/any-vxlan/node04-any.pcap --cluster fixtures/any-vxlan/cluster.yaml -o json',
    'calico-pcap verify fixtures/vxlan-crosssubnet/node04-ens37.pcap fixtures/vxlan-crosssubnet/node04-vxlan.calico.pcap --cluster fixtures/vxlan-crosssubnet/cluster.yaml',
  ],
  correlate: [
    'calico-pcap correlate fixtures/correlate-vxlan/node01-ens37.pcap fixtures/correlate-vxlan/node04-ens37.pcap fixtures/correlate-vxlan/node04-vxlan.calico.pcap --cluster fixtures/correlate-vxlan/cluster.yaml',
    'calico-pcap correlate fixtures/correlate-vxlan-drops/*.pcap --cluster fixtures/correlate-vxlan-drops/cluster.yaml --fail-on-loss',
  ],
  report: [
    'calico-pcap report --html report.html fixtures/vxlan-bad-udp-checksum/*.pcap --cluster fixtures/vxlan-bad-udp-checksum/cluster.yaml',
    'calico-pcap report --html - fixtures/vxlan-crosssubnet/node04-ens37.pcap > report.html',
  ],
  rbac: [
    'calico-pcap rbac --user alice | kubectl apply -f -',
    'calico-pcap rbac --serviceaccount monitoring:calico-pcap -o json',
  ],
  live: [
    'calico-pcap live --list-interfaces',
    'calico-pcap live -i ens37 -i vxlan.calico -w node04.pcapng --duration 60',
    "calico-pcap live -i any -f 'udp port 4789 or ip proto 4' --cluster cluster.yaml -o junit",
  ],
};

/** The help text after a command's options: "Examples:" and one `$ ...` line each. */
export function examplesText(command: string): string {
  return `\nExamples:\n${(EXAMPLES[command] ?? []).map((e) => `  $ ${e}\n`).join('')}`;
}

export function examplesOf(command: string): readonly string[] {
  return EXAMPLES[command] ?? [];
}
