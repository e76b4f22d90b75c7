// The least access `--kube` needs, as Kubernetes RBAC objects: one ClusterRole granting the verbs
// of KUBE_MODEL_VERBS on exactly KUBE_MODEL_RESOURCES (the resources are cluster-scoped, hence a
// ClusterRole and a ClusterRoleBinding), and the binding to the given subjects.
import { KUBE_MODEL_RESOURCES, KUBE_MODEL_VERBS, type KubeResource } from './kube-resources.js';

export type RbacSubject =
  | { kind: 'ServiceAccount'; namespace: string; name: string }
  | { kind: 'User' | 'Group'; name: string };

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface ClusterRole {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRole';
  metadata: { name: string; labels: Record<string, string> };
  rules: PolicyRule[];
}

export interface ClusterRoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRoleBinding';
  metadata: { name: string; labels: Record<string, string> };
  roleRef: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'ClusterRole'; name: string };
  subjects: ({ kind: string; name: string; namespace?: string; apiGroup?: string })[];
}

const LABELS = { 'app.kubernetes.io/name': 'calico-pcap', 'app.kubernetes.io/component': 'model-reader' };

/** One rule per API group, in the order the resources are listed, resources sorted. */
export function modelRules(resources: readonly KubeResource[] = KUBE_MODEL_RESOURCES): PolicyRule[] {
  const byGroup = new Map<string, string[]>();
  for (const r of resources) {
    const list = byGroup.get(r.group) ?? [];
    if (!list.includes(r.resource)) list.push(r.resource);
    byGroup.set(r.group, list);
  }
  return [...byGroup].map(([group, names]) => ({ apiGroups: [group], resources: [...names].sort(), verbs: [...KUBE_MODEL_VERBS] }));
}

export function modelClusterRole(name: string): ClusterRole {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: { ...LABELS } }, rules: modelRules() };
}

export function modelClusterRoleBinding(name: string, subjects: readonly RbacSubject[]): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...LABELS } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: subjects.map((s) => (s.kind === 'ServiceAccount'
      ? { kind: s.kind, name: s.name, namespace: s.namespace }
      : { kind: s.kind, name: s.name, apiGroup: 'rbac.authorization.k8s.io' })),
  };
}
