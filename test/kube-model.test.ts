// --kube against a real API server (scripts/kube-lab): the same verdicts as a `kubectl get -o yaml`
// export of the same objects for every committed scenario, paginated lists, the deadline, and
// each one-line error (unreachable, silent server, missing CRDs, unknown context, 401, 403), and
// the kubeconfig resolution of kubectl (KUBECONFIG of two files, in-cluster).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../src/cli.js';
import { readKubeObjects } from '../src/model/kube-source.js';
import { KUBE_MODEL_RESOURCES, qualifiedResource } from '../src/model/kube-resources.js';
import { partMissing } from './support/absent.js';
import { kubeLabUnavailable, startKubeLab, type KubeLab } from './support/kube-lab.js';
import { clusterObjects, listOf, scenarioModel } from './support/kube-objects.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const FIXTURES = join(ROOT, 'fixtures');
const CRDS = join(ROOT, 'scripts', 'kube-lab', 'objects', 'calico-crds.yaml');
/** What a user exports for --cluster: the kinds --kube reads (the optional Installation has none here). */
const EXPORT_KINDS = KUBE_MODEL_RESOURCES.filter((r) => !r.optional).map(qualifiedResource).join(',');

/** The scenarios verify is run on (as test/expectations.test.ts): their model and captures. */
const scenarios = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && (existsSync(join(FIXTURES, d.name, 'cluster.yaml')) || existsSync(join(FIXTURES, d.name, 'model'))))
  .map((d) => ({
    name: d.name,
    model: existsSync(join(FIXTURES, d.name, 'model')) ? join(FIXTURES, d.name, 'model') : join(FIXTURES, d.name, 'cluster.yaml'),
    captures: readdirSync(join(FIXTURES, d.name)).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(FIXTURES, d.name, f)),
  }));

/** The CLI in this process: exit code, stdout, stderr. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false });
  return { code, stdout, stderr };
}

/** The built CLI as a user runs it (a separate process, its own environment). */
function cliProcess(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn('node', [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - start }));
  });
}

/** An environment without any kubeconfig of the machine: no KUBECONFIG, an empty HOME. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'calico-pcap-home-')), ...extra };
  if (extra.KUBECONFIG === undefined) delete env.KUBECONFIG;
  for (const k of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT']) if (extra[k] === undefined) delete env[k];
  return env;
}

const ONE_CAPTURE = join(FIXTURES, 'vxlan-crosssubnet', 'node04-ens37.pcap');

const unavailable = kubeLabUnavailable();
if (unavailable) {
  partMissing('kube-model.test.ts', 'the kube-lab control plane', unavailable);
} else {
  describe('--kube: the cluster model from a real API server', () => {
    let lab: KubeLab;
    let work: string;
    let label: string;
    /** The lab's kubeconfig with another server (a closed port, a silent socket). */
    const kubeconfigTo = (server: string, name: string) => {
      const file = join(work, name);
      writeFileSync(file, readFileSync(lab.kubeconfig, 'utf8').replace(lab.server, server));
      return file;
    };

    beforeAll(async () => {
      lab = await startKubeLab();
      work = mkdtempSync(join(tmpdir(), 'calico-pcap-kube-model-'));
      label = `kube context ${(await lab.kubectl(['config', 'current-context'])).stdout.trim()}`;
    }, 120_000);
    afterAll(async () => {
      await lab?.stop();
    }, 60_000);

    /** Replaces the cluster's objects by a scenario's: Nodes (with their status) and Calico's CRD objects. */
    async function applyScenario(modelPath: string): Promise<void> {
      const del = await lab.kubectl(['delete', EXPORT_KINDS, '--all']);
      expect(del.code, del.stderr).toBe(0);
      const { objects, statuses } = clusterObjects(scenarioModel(modelPath));
      const applied = await lab.kubectl(['apply', '-f', '-'], listOf(objects));
      expect(applied.code, applied.stderr).toBe(0);
      // status.addresses goes only through the status subresource (a merge patch: dual-stack nodes
      // have two InternalIPs, which server-side apply refuses as duplicate list keys).
      const patched = await Promise.all(statuses.map((s) => lab.kubectl(['patch', 'node', (s.metadata as { name: string }).name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: s.status })])));
      for (const p of patched) expect(p.code, p.stderr).toBe(0);
    }

    describe('verdicts equal those of a kubectl export of the same objects, for every scenario', () => {
      it('has the scenarios', () => expect(scenarios.length).toBeGreaterThanOrEqual(15));
      for (const s of scenarios) {
        it(s.name, async () => {
          await applyScenario(s.model);
          const exported = await lab.kubectl(['get', EXPORT_KINDS, '-o', 'yaml']);
          expect(exported.code, exported.stderr).toBe(0);
          const exports = join(work, `${s.name}-exports.yaml`);
          writeFileSync(exports, exported.stdout);
          const normalise = (text: string, source: string) => text.split(source).join('<source>');
          for (const capture of s.captures) {
            const fromExport = await cli(['verify', capture, '-o', 'json', '--cluster', exports]);
            const fromKube = await cli(['verify', capture, '-o', 'json', '--kube', '--kubeconfig', lab.kubeconfig]);
            const own = await cli(['verify', capture, '-o', 'json', '--cluster', s.model]);
            expect(fromKube.stderr, capture).toBe(normalise(fromExport.stderr, exports).split('<source>').join(label));
            expect(fromKube.code, capture).toBe(fromExport.code);
            const kubeDoc = JSON.parse(fromKube.stdout);
            expect(kubeDoc.verify.model.pools[0].source).toMatch(new RegExp(`^${label} \\(IPPool `));
            expect(kubeDoc.verify.model.nodes[0].source).toMatch(new RegExp(`^${label} \\(Node `));
            expect(JSON.parse(normalise(fromKube.stdout, label))).toEqual(JSON.parse(normalise(fromExport.stdout, exports)));
            expect(kubeDoc.verify.result, capture).toBe(JSON.parse(own.stdout).verify.result);
            expect(fromKube.code, capture).toBe(own.code);
            // Nothing of the scenario's model is lost on the way through the cluster.
            const strip = (doc: { verify: { model: { nodes: Record<string, unknown>[]; pools: Record<string, unknown>[] } } }) => ({
              nodes: doc.verify.model.nodes.map(({ source: _, ...n }) => n),
              pools: doc.verify.model.pools.map(({ source: _, name: __, ...p }) => p),
            });
            expect(strip(kubeDoc)).toEqual(strip(JSON.parse(own.stdout)));
          }
        }, 60_000);
      }
    });

    it('reads lists page by page: more objects than the page size, all of them', async () => {
      await applyScenario(join(FIXTURES, 'dual-stack-vxlan', 'cluster.yaml'));
      const paged = await readKubeObjects({ kubeconfig: lab.kubeconfig, timeoutSeconds: 30, chunkSize: 3 });
      const whole = await readKubeObjects({ kubeconfig: lab.kubeconfig, timeoutSeconds: 30 });
      const names = (r: typeof paged) => r.objects.map((o) => `${o.kind}/${(o.metadata as { name: string }).name}`).sort();
      expect(names(paged)).toEqual(names(whole));
      const count = (kind: string) => whole.objects.filter((o) => o.kind === kind).length;
      expect(count('Node')).toBe(4);
      expect(count('BlockAffinity')).toBe(8);
      expect(count('IPAMBlock')).toBe(8);
      // One request a resource unpaged; with 3 a page: 4 nodes, 8 affinities and 8 blocks take 2, 3 and 3.
      expect(whole.requests).toBe(KUBE_MODEL_RESOURCES.length);
      const minimum = KUBE_MODEL_RESOURCES.reduce((sum, r) => sum + Math.max(1, Math.ceil(whole.objects.filter((o) => o.kind === r.kind).length / 3)), 0);
      expect(paged.requests).toBeGreaterThanOrEqual(minimum);
      expect(paged.requests).toBeLessThanOrEqual(minimum + KUBE_MODEL_RESOURCES.length);
      // The same document through the command line with one object a page.
      const capture = join(FIXTURES, 'dual-stack-vxlan', 'node04-ens37.pcap');
      const one = await cli(['verify', capture, '-o', 'json', '--kube', '--kubeconfig', lab.kubeconfig, '--chunk-size', '1']);
      const all = await cli(['verify', capture, '-o', 'json', '--kube', '--kubeconfig', lab.kubeconfig]);
      expect(one.code).toBe(0);
      expect(one.stdout).toBe(all.stdout);
      // The tests below run against the reference cluster.
      await applyScenario(join(FIXTURES, 'vxlan-crosssubnet', 'cluster.yaml'));
    }, 60_000);

    it('ends within --request-timeout when the server accepts the connection and never answers', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const port = (silent.address() as { port: number }).port;
      try {
        const kubeconfig = kubeconfigTo(`https://127.0.0.1:${port}`, 'silent.kubeconfig');
        const start = Date.now();
        await expect(readKubeObjects({ kubeconfig, timeoutSeconds: 1 })).rejects.toThrow(`the API server https://127.0.0.1:${port} (${label}, --kubeconfig ${kubeconfig}) did not answer within 1s (--request-timeout)`);
        const ms = Date.now() - start;
        expect(ms).toBeGreaterThanOrEqual(950);
        expect(ms).toBeLessThan(2500); // the library's import (~0.6 s) is before the deadline starts
        expect(sockets.length).toBeGreaterThanOrEqual(1); // it did connect
        const r = await cliProcess(['verify', ONE_CAPTURE, '--kubeconfig', kubeconfig, '--request-timeout', '1500ms'], cleanEnv());
        expect(r.stderr).toBe(`calico-pcap: the API server https://127.0.0.1:${port} (${label}, --kubeconfig ${kubeconfig}) did not answer within 1.5s (--request-timeout)\n`);
        expect(r.code).toBe(2);
        expect(r.ms).toBeLessThan(6000);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((r) => silent.close(r));
      }
    }, 30_000);

    it('an unreachable server (a closed port on 127.0.0.1) is one line naming it: connection refused', async () => {
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const port = (probe.address() as { port: number }).port;
      await new Promise((r) => probe.close(r));
      const kubeconfig = kubeconfigTo(`https://127.0.0.1:${port}`, 'closed.kubeconfig');
      const r = await cliProcess(['verify', ONE_CAPTURE, '--kube', '--kubeconfig', kubeconfig], cleanEnv());
      expect(r.stderr).toBe(`calico-pcap: cannot reach the API server https://127.0.0.1:${port} (${label}, --kubeconfig ${kubeconfig}): connection refused\n`);
      expect(r.code).toBe(2);
    }, 30_000);

    it('a server certificate the kubeconfig does not trust is a TLS error naming the server', async () => {
      const other = join(work, 'other-ca.crt');
      // Any other CA: the lab's own apiserver certificate is not a CA for itself.
      const self = spawn('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'other.key'), '-out', other, '-days', '1', '-subj', '/CN=other-ca'], { stdio: 'ignore' });
      await new Promise((r) => self.on('close', r));
      const kubeconfig = join(work, 'other-ca.kubeconfig');
      writeFileSync(kubeconfig, readFileSync(lab.kubeconfig, 'utf8').replace(/certificate-authority: .*/, `certificate-authority: ${other}`));
      const r = await cliProcess(['verify', ONE_CAPTURE, '--kubeconfig', kubeconfig], cleanEnv());
      expect(r.stderr).toMatch(new RegExp(`^calico-pcap: cannot reach the API server ${lab.server.replace(/\./g, '\\.')} \\(${label}, --kubeconfig ${kubeconfig}\\): TLS: .*\\n$`));
      expect(r.code).toBe(2);
    }, 30_000);

    it('an unknown --context is one line naming the context and the kubeconfig', async () => {
      const r = await cliProcess(['verify', ONE_CAPTURE, '--kubeconfig', lab.kubeconfig, '--context', 'kube-prod'], cleanEnv());
      expect(r.stderr).toBe(`calico-pcap: context "kube-prod" is not in the kubeconfig (--kubeconfig ${lab.kubeconfig}); its contexts: ${label.replace('kube context ', '')}\n`);
      expect(r.code).toBe(2);
    }, 30_000);

    it('401: credentials the server refuses name the context and the kubeconfig', async () => {
      const kubeconfig = join(work, 'wrong-token.kubeconfig');
      writeFileSync(kubeconfig, readFileSync(lab.kubeconfig, 'utf8').replace(/token: .*/, 'token: not-a-token'));
      const r = await cliProcess(['verify', ONE_CAPTURE, '--kubeconfig', kubeconfig], cleanEnv());
      expect(r.stderr).toBe(`calico-pcap: the API server ${lab.server} refused the credentials of ${label} (--kubeconfig ${kubeconfig}): unauthorized (401)\n`);
      expect(r.code).toBe(2);
    }, 30_000);

    it('403: a service account without list on one resource gets the line naming it and calico-pcap rbac', async () => {
      // A role with every resource but IPAMBlocks.
      const rules = KUBE_MODEL_RESOURCES.filter((r) => r.resource !== 'ipamblocks').map((r) => ({ apiGroups: [r.group], resources: [r.resource], verbs: ['list'] }));
      const objects = [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pcap-partial', namespace: 'default' } },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pcap-partial' }, rules },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'pcap-partial' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pcap-partial' }, subjects: [{ kind: 'ServiceAccount', name: 'pcap-partial', namespace: 'default' }] },
      ];
      expect((await lab.kubectl(['apply', '-f', '-'], listOf(objects))).code).toBe(0);
      const token = await lab.kubectl(['create', 'token', 'pcap-partial', '-n', 'default']);
      expect(token.code, token.stderr).toBe(0);
      const kubeconfig = join(work, 'partial.kubeconfig');
      writeFileSync(kubeconfig, readFileSync(lab.kubeconfig, 'utf8').replace(/token: .*/, `token: ${token.stdout.trim()}`));
      const r = await cliProcess(['verify', ONE_CAPTURE, '--kubeconfig', kubeconfig], cleanEnv());
      expect(r.stderr).toBe('calico-pcap: the API server refused to list ipamblocks.crd.projectcalico.org for system:serviceaccount:default:pcap-partial (forbidden); calico-pcap rbac prints the role --kube needs\n');
      expect(r.code).toBe(2);
    }, 30_000);

    it('KUBECONFIG of two files is merged as kubectl merges it: the first file to set a value wins', async () => {
      const config = parse(readFileSync(lab.kubeconfig, 'utf8'));
      const context = config['current-context'];
      // First file: the cluster, the context, current-context. Second: the user, and a
      // current-context of its own that must lose (client-go: the first file that sets it wins).
      const first = join(work, 'first.kubeconfig');
      const second = join(work, 'second.kubeconfig');
      writeFileSync(first, stringify({ apiVersion: 'v1', kind: 'Config', clusters: config.clusters, contexts: config.contexts, 'current-context': context }));
      writeFileSync(second, stringify({ apiVersion: 'v1', kind: 'Config', users: config.users, contexts: [{ name: 'elsewhere', context: { cluster: 'nowhere', user: 'nobody' } }], 'current-context': 'elsewhere' }));
      const missing = join(work, 'no-such.kubeconfig');
      const r = await cliProcess(['verify', ONE_CAPTURE, '--kube', '-o', 'json'], cleanEnv({ KUBECONFIG: [first, missing, second].join(':') }));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).verify.model.pools.map((p: { source: string }) => p.source)).toEqual([`${label} (IPPool default-ipv4-ippool)`]);
      // --context picks the second file's context, which names a cluster no file defines.
      const other = await cliProcess(['verify', ONE_CAPTURE, '--context', 'elsewhere'], cleanEnv({ KUBECONFIG: `${first}:${second}` }));
      expect(other.stderr).toBe(`calico-pcap: context "elsewhere" of the kubeconfig (KUBECONFIG ${first}:${second}) names cluster "nowhere", which it does not define\n`);
      expect(other.code).toBe(2);
    }, 30_000);

    it('in a pod: the in-cluster config from KUBERNETES_SERVICE_HOST/_PORT and the service-account files', async () => {
      // client-node's loadFromCluster(pathPrefix) reads <prefix>/var/run/secrets/kubernetes.io/serviceaccount;
      // CALICO_PCAP_SERVICEACCOUNT_PREFIX points it at a directory made here, since a test cannot
      // write /var/run/secrets. The token is the lab administrator's, the CA the lab's.
      const config = parse(readFileSync(lab.kubeconfig, 'utf8'));
      const prefix = join(work, 'pod');
      const sa = join(prefix, 'var', 'run', 'secrets', 'kubernetes.io', 'serviceaccount');
      mkdirSync(sa, { recursive: true });
      writeFileSync(join(sa, 'token'), config.users[0].user.token);
      writeFileSync(join(sa, 'ca.crt'), readFileSync(config.clusters[0].cluster['certificate-authority']));
      writeFileSync(join(sa, 'namespace'), 'kube-system');
      const url = new URL(lab.server);
      const pod = { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port, CALICO_PCAP_SERVICEACCOUNT_PREFIX: prefix };
      const r = await cliProcess(['verify', ONE_CAPTURE, '--kube', '-o', 'json'], cleanEnv(pod));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).verify.model.pools.map((p: { source: string }) => p.source)).toEqual(['kube in-cluster (IPPool default-ipv4-ippool)']);
      // Outside a pod and without any kubeconfig: one line saying what to give.
      const none = await cliProcess(['verify', ONE_CAPTURE, '--kube'], cleanEnv());
      expect(none.stderr).toMatch(/^calico-pcap: --kube found no kubeconfig: give --kubeconfig FILE, set KUBECONFIG, create \S+\/\.kube\/config, or run in a pod with a service account\n$/);
      expect(none.code).toBe(2);
    }, 30_000);

    it("missing Calico CRDs: one line starting \"Calico's CRDs are not installed on this cluster\"", async () => {
      const deleted = await lab.kubectl(['delete', 'crd', 'ippools.crd.projectcalico.org']);
      expect(deleted.code, deleted.stderr).toBe(0);
      try {
        let r = await cliProcess(['verify', ONE_CAPTURE, '--kubeconfig', lab.kubeconfig], cleanEnv());
        // The API server stops serving a deleted CRD within moments.
        for (let i = 0; i < 20 && !r.stderr.includes('404'); i++) {
          await new Promise((done) => setTimeout(done, 250));
          r = await cliProcess(['verify', ONE_CAPTURE, '--kubeconfig', lab.kubeconfig], cleanEnv());
        }
        expect(r.stderr).toBe(`calico-pcap: Calico's CRDs are not installed on this cluster (ippools.crd.projectcalico.org: 404 from ${lab.server})\n`);
        expect(r.code).toBe(2);
      } finally {
        expect((await lab.kubectl(['apply', '-f', CRDS])).code).toBe(0);
        expect((await lab.kubectl(['wait', '--for=condition=established', 'crd/ippools.crd.projectcalico.org', '--timeout=30s'])).code).toBe(0);
        // Deleting a CRD deletes its objects: the reference cluster's pools come back.
        await applyScenario(join(FIXTURES, 'vxlan-crosssubnet', 'cluster.yaml'));
      }
    }, 60_000);

    it('the optional Installation: its CRD absent is no error', async () => {
      expect((await lab.kubectl(['delete', 'crd', 'installations.operator.tigera.io'])).code).toBe(0);
      try {
        await new Promise((done) => setTimeout(done, 1000));
        const r = await cliProcess(['verify', ONE_CAPTURE, '--kubeconfig', lab.kubeconfig], cleanEnv());
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      } finally {
        expect((await lab.kubectl(['apply', '-f', CRDS])).code).toBe(0);
      }
    }, 60_000);
  });
}
