// calico-pcap rbac: the ClusterRole printed is exactly what --kube needs. Checked on the real API
// server of scripts/kube-lab: a ServiceAccount bound to that role verifies a capture with its own
// token and gets the administrator's document; a role missing any one of its rules makes the run
// fail with exit 2 and a line naming the permission that is missing.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KUBE_MODEL_RESOURCES, KUBE_MODEL_VERBS, qualifiedResource } from '../src/model/kube-resources.js';
import { partMissing } from './support/absent.js';
import { kubeLabUnavailable, startKubeLab, type KubeLab } from './support/kube-lab.js';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const CAPTURE = join(__dirname, '..', 'fixtures', 'vxlan-crosssubnet', 'node04-ens37.pcap');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('calico-pcap rbac prints the role --kube needs', () => {
  it('YAML and JSON carry the same ClusterRole and binding; list on exactly the resources --kube reads', () => {
    const yaml = cli(['rbac', '--serviceaccount', 'lab:reader', '--user', 'alice']);
    expect(yaml.code).toBe(0);
    const docs = parseAllDocuments(yaml.stdout).map((d) => d.toJS());
    const json = cli(['rbac', '--serviceaccount', 'lab:reader', '--user', 'alice', '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).items).toEqual(docs);
    const [role, binding] = docs;
    expect(role.kind).toBe('ClusterRole');
    const granted = role.rules.flatMap((r: { apiGroups: string[]; resources: string[]; verbs: string[] }) =>
      r.apiGroups.flatMap((g) => r.resources.map((res) => `${r.verbs.join(',')} ${g === '' ? res : `${res}.${g}`}`)));
    expect(granted.sort()).toEqual(KUBE_MODEL_RESOURCES.map((r) => `${KUBE_MODEL_VERBS.join(',')} ${qualifiedResource(r)}`).sort());
    expect(granted).toContain('list ipamblocks.crd.projectcalico.org');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'calico-pcap' });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'reader', namespace: 'lab' },
      { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
    ]);
    // Every resource's reason is in the YAML's comment.
    for (const r of KUBE_MODEL_RESOURCES) expect(yaml.stdout).toContain(`#   ${qualifiedResource(r)}`);
  });

  it('without a subject it binds the ServiceAccount calico-pcap:calico-pcap; bad subjects and names are exit 2', () => {
    const json = JSON.parse(cli(['rbac', '-o', 'json', '--name', 'pcap-reader']).stdout);
    expect(json.items[1].subjects).toEqual([{ kind: 'ServiceAccount', name: 'calico-pcap', namespace: 'calico-pcap' }]);
    expect(json.items[0].metadata.name).toBe('pcap-reader');
    const bad = cli(['rbac', '--serviceaccount', 'no-namespace']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('calico-pcap: --serviceaccount "no-namespace" is not NAMESPACE:NAME\n');
    expect(cli(['rbac', '--name', 'Not_A_Name']).code).toBe(2);
  });
});

const unavailable = kubeLabUnavailable();
if (unavailable) {
  partMissing('rbac.test.ts', 'the kube-lab control plane', unavailable);
} else {
  describe('the printed role on a real API server', () => {
    let lab: KubeLab;
    /** A kubeconfig for the lab's server that authenticates with a ServiceAccount's token. */
    async function kubeconfigFor(account: string): Promise<string> {
      const token = await lab.kubectl(['create', 'token', account, '-n', 'rbac-test', '--duration', '1h']);
      expect(token.code, token.stderr).toBe(0);
      const ca = join(lab.dir, 'pki', 'ca.crt');
      const file = join(lab.dir, `kubeconfig-${account}`);
      writeFileSync(file, [
        'apiVersion: v1', 'kind: Config',
        'clusters: [{name: lab, cluster: {server: "' + lab.server + '", certificate-authority: "' + ca + '"}}]',
        `users: [{name: ${account}, user: {token: "${token.stdout.trim()}"}}]`,
        `contexts: [{name: ${account}, context: {cluster: lab, user: ${account}}}]`,
        `current-context: ${account}`, '',
      ].join('\n'));
      return file;
    }
    /** The printed role with one resource's rule taken away (the rest unchanged), bound to `account`. */
    async function bindWithout(account: string, missing: string | null): Promise<void> {
      const docs = parseAllDocuments(cli(['rbac', '--name', account, '--serviceaccount', `rbac-test:${account}`]).stdout).map((d) => d.toJS());
      if (missing !== null) {
        for (const rule of docs[0].rules) rule.resources = rule.resources.filter((r: string) => `${r}${rule.apiGroups[0] ? `.${rule.apiGroups[0]}` : ''}` !== missing);
        docs[0].rules = docs[0].rules.filter((r: { resources: string[] }) => r.resources.length > 0);
      }
      expect((await lab.kubectl(['create', 'serviceaccount', account, '-n', 'rbac-test'])).code).toBe(0);
      const applied = await lab.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }));
      expect(applied.code, applied.stderr).toBe(0);
    }

    beforeAll(async () => {
      lab = await startKubeLab();
      expect((await lab.kubectl(['create', 'namespace', 'rbac-test'])).code).toBe(0);
    }, 120_000);
    afterAll(async () => {
      await lab?.stop();
    }, 60_000);

    it('the API server accepts the role; the account may list what --kube reads and nothing else', async () => {
      await bindWithout('reader', null);
      const as = ['--as', 'system:serviceaccount:rbac-test:reader'];
      for (const r of KUBE_MODEL_RESOURCES) {
        expect((await lab.kubectl(['auth', 'can-i', 'list', qualifiedResource(r), ...as])).stdout.trim()).toBe('yes');
        expect((await lab.kubectl(['auth', 'can-i', 'get', qualifiedResource(r), ...as])).stdout.trim()).toBe('no');
        expect((await lab.kubectl(['auth', 'can-i', 'watch', qualifiedResource(r), ...as])).stdout.trim()).toBe('no');
      }
      for (const other of ['pods', 'secrets', 'configmaps', 'ippools.projectcalico.org']) {
        expect((await lab.kubectl(['auth', 'can-i', 'list', other, ...as])).stdout.trim(), other).toBe('no');
      }
      expect((await lab.kubectl(['auth', 'can-i', 'get', 'nodes', '--subresource', 'proxy', ...as])).stdout.trim()).toBe('no');
    }, 60_000);

    it('verify --kube with that account\'s token gives the administrator\'s document', async () => {
      const reader = await kubeconfigFor('reader');
      const asReader = cli(['verify', '--kube', '--kubeconfig', reader, CAPTURE, '-o', 'json']);
      expect(asReader.code, asReader.stderr).toBe(0);
      const asAdmin = cli(['verify', '--kube', '--kubeconfig', lab.kubeconfig, CAPTURE, '-o', 'json']);
      expect(asAdmin.code, asAdmin.stderr).toBe(0);
      expect(JSON.parse(asReader.stdout).verify.result).toBe('pass');
      // The source labels name the context, which differs; everything else is the same.
      const strip = (text: string) => text.replace(/"source": "[^"]*"/g, '"source": ""');
      expect(strip(asReader.stdout)).toBe(strip(asAdmin.stdout));
    }, 60_000);

    it('an account lacking list on IPAM blocks fails with exit 2, naming the permission', async () => {
      await bindWithout('no-blocks', 'ipamblocks.crd.projectcalico.org');
      const r = cli(['verify', '--kube', '--kubeconfig', await kubeconfigFor('no-blocks'), CAPTURE]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual([
        'calico-pcap: the API server refused to list ipamblocks.crd.projectcalico.org for system:serviceaccount:rbac-test:no-blocks (forbidden); calico-pcap rbac prints the role --kube needs',
      ]);
    }, 60_000);

    it('every rule of the role is needed: without any one of them the run names it', async () => {
      for (const r of KUBE_MODEL_RESOURCES.filter((x) => qualifiedResource(x) !== 'ipamblocks.crd.projectcalico.org')) {
        const account = `no-${r.resource}`;
        await bindWithout(account, qualifiedResource(r));
        const run = cli(['verify', '--kube', '--kubeconfig', await kubeconfigFor(account), CAPTURE]);
        expect(run.code, `${account}: ${run.stderr}`).toBe(2);
        expect(run.stderr).toContain(`refused to list ${qualifiedResource(r)} for system:serviceaccount:rbac-test:${account} (forbidden)`);
      }
    }, 120_000);
  });
}
