// `calico-pcap rbac`: prints the ClusterRole and ClusterRoleBinding that `--kube` needs, for the
// subjects given as kubectl create clusterrolebinding takes them.
import { KUBE_MODEL_RESOURCES, KUBE_MODEL_VERBS } from '../model/kube-resources.js';
import { modelClusterRole, modelClusterRoleBinding, type RbacSubject } from '../model/kube-rbac.js';
import { renderRbacJson, renderRbacYaml } from '../report/rbac.js';
import { EXIT_OK, EXIT_UNREADABLE, type CliIo } from './support.js';

export interface RbacOptions {
  name: string;
  serviceaccount: string[];
  user: string[];
  group: string[];
  format: 'yaml' | 'json';
}

/** The ServiceAccount a pod of calico-pcap runs as when no subject is given. */
export const DEFAULT_SERVICE_ACCOUNT = 'calico-pcap:calico-pcap';

// A DNS-1123 subdomain, as Kubernetes names ServiceAccounts, namespaces and roles.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function runRbac(opts: RbacOptions, io: CliIo): number {
  if (!DNS_SUBDOMAIN.test(opts.name) || opts.name.length > 253) {
    io.stderr(`calico-pcap: --name "${opts.name}" is not a valid Kubernetes name (lower case letters, digits, '-' and '.')\n`);
    return EXIT_UNREADABLE;
  }
  const subjects: RbacSubject[] = [];
  const accounts = opts.serviceaccount.length || opts.user.length || opts.group.length ? opts.serviceaccount : [DEFAULT_SERVICE_ACCOUNT];
  for (const sa of accounts) {
    const [namespace, name, extra] = sa.split(':');
    if (extra !== undefined || !namespace || !name || !DNS_SUBDOMAIN.test(namespace) || !DNS_SUBDOMAIN.test(name)) {
      io.stderr(`calico-pcap: --serviceaccount "${sa}" is not NAMESPACE:NAME\n`);
      return EXIT_UNREADABLE;
    }
    subjects.push({ kind: 'ServiceAccount', namespace, name });
  }
  for (const name of opts.user) subjects.push({ kind: 'User', name });
  for (const name of opts.group) subjects.push({ kind: 'Group', name });
  const role = modelClusterRole(opts.name);
  const binding = modelClusterRoleBinding(opts.name, subjects);
  io.stdout(opts.format === 'json' ? renderRbacJson(role, binding) : renderRbacYaml(role, binding, KUBE_MODEL_RESOURCES, KUBE_MODEL_VERBS));
  return EXIT_OK;
}
