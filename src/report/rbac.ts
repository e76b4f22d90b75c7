// `calico-pcap rbac` output: the ClusterRole and ClusterRoleBinding as YAML documents to pipe into
// `kubectl apply -f -` (with a comment saying why each resource is read), or as a JSON v1 List.
import { stringify } from 'yaml';
import type { KubeResource } from '../model/kube-resources.js';
import { qualifiedResource } from '../model/kube-resources.js';
import type { ClusterRole, ClusterRoleBinding } from '../model/kube-rbac.js';

export function renderRbacYaml(role: ClusterRole, binding: ClusterRoleBinding, resources: readonly KubeResource[], verbs: readonly string[]): string {
  const width = Math.max(...resources.map((r) => qualifiedResource(r).length));
  const header = [
    `# The least access calico-pcap --kube needs: ${verbs.join(', ')} on these cluster-scoped resources.`,
    ...resources.map((r) => `#   ${qualifiedResource(r).padEnd(width)}  ${r.why}${r.optional ? ' (may be absent)' : ''}`),
    '# Apply with: calico-pcap rbac | kubectl apply -f -',
  ];
  const yaml = (o: unknown) => stringify(o, { indentSeq: false });
  return `${header.join('\n')}\n${yaml(role)}---\n${yaml(binding)}`;
}

export function renderRbacJson(role: ClusterRole, binding: ClusterRoleBinding): string {
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [role, binding] }, null, 2)}\n`;
}
