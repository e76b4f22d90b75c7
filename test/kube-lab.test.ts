// scripts/kube-lab: a real control plane on 127.0.0.1 with the reference cluster as Kubernetes and
// Calico objects, stopped by PID by `down`, on failure, and when the process that asked for it dies.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partMissing } from './support/absent.js';
import { KUBE_LAB, kubeLabUnavailable, startKubeLab, type KubeLab } from './support/kube-lab.js';

/** The PIDs of every process whose command line names the lab directory. */
function processesOf(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function runLab(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(KUBE_LAB, args, { env: { ...process.env, KUBE_LAB_NO_BUILD: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

const unavailable = kubeLabUnavailable();
if (unavailable) {
  partMissing('kube-lab.test.ts', 'the kube-lab control plane', unavailable);
} else {
  describe('kube-lab up: the reference cluster on a real API server', () => {
    let lab: KubeLab;
    beforeAll(async () => {
      lab = await startKubeLab();
    }, 120_000);
    afterAll(async () => {
      await lab?.stop();
    }, 60_000);

    it('serves on 127.0.0.1 only, as kube-apiserver v1.37.2', async () => {
      expect(lab.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const version = await lab.kubectl(['get', '--raw', '/version']);
      expect(version.code).toBe(0);
      expect(JSON.parse(version.stdout).gitVersion).toBe('v1.37.2');
    });

    it('kubectl get nodes lists the four reference nodes, Ready, with their InternalIP', async () => {
      const got = await lab.kubectl(['get', 'nodes', '-o', 'json']);
      expect(got.code).toBe(0);
      const nodes = (JSON.parse(got.stdout).items as { metadata: { name: string; annotations: Record<string, string> }; status: { addresses: { type: string; address: string }[]; conditions: { type: string; status: string }[] } }[]).map((n) => ({
        name: n.metadata.name,
        internalIp: n.status.addresses.find((a) => a.type === 'InternalIP')?.address,
        calico: n.metadata.annotations['projectcalico.org/IPv4Address'],
        ready: n.status.conditions.find((c) => c.type === 'Ready')?.status,
      }));
      expect(nodes).toEqual([
        { name: 'kube-master01', internalIp: '10.0.2.200', calico: '10.0.2.200/24', ready: 'True' },
        { name: 'kube-node01', internalIp: '10.0.2.201', calico: '10.0.2.201/24', ready: 'True' },
        { name: 'kube-node02', internalIp: '10.0.2.202', calico: '10.0.2.202/24', ready: 'True' },
        { name: 'kube-node04', internalIp: '10.0.1.204', calico: '10.0.1.204/24', ready: 'True' },
      ]);
    });

    it('kubectl get ippools.crd.projectcalico.org shows the pool; affinities and blocks are there', async () => {
      const pools = await lab.kubectl(['get', 'ippools.crd.projectcalico.org', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.cidr} {.spec.blockSize} {.spec.vxlanMode} {.spec.ipipMode}{"\\n"}{end}']);
      expect(pools.stdout).toBe('default-ipv4-ippool 10.200.0.0/16 24 CrossSubnet Never\n');
      const affinities = await lab.kubectl(['get', 'blockaffinities.crd.projectcalico.org', '-o', 'jsonpath={range .items[*]}{.spec.node}={.spec.cidr} {end}']);
      expect(affinities.stdout.trim().split(' ').sort()).toEqual(['kube-master01=10.200.235.0/24', 'kube-node01=10.200.2.0/24', 'kube-node02=10.200.175.0/24', 'kube-node04=10.200.255.0/24']);
      const felix = await lab.kubectl(['get', 'felixconfigurations.crd.projectcalico.org', 'default', '-o', 'jsonpath={.spec.vxlanVNI}']);
      expect(felix.stdout).toBe('4096');
      const crds = await lab.kubectl(['get', 'crd', '-o', 'name']);
      expect(crds.stdout.trim().split('\n').sort()).toEqual([
        'customresourcedefinition.apiextensions.k8s.io/blockaffinities.crd.projectcalico.org',
        'customresourcedefinition.apiextensions.k8s.io/felixconfigurations.crd.projectcalico.org',
        'customresourcedefinition.apiextensions.k8s.io/installations.operator.tigera.io',
        'customresourcedefinition.apiextensions.k8s.io/ipamblocks.crd.projectcalico.org',
        'customresourcedefinition.apiextensions.k8s.io/ippools.crd.projectcalico.org',
      ]);
    });

    it('validates as a real server does: a pool whose blockSize is not a number is refused', async () => {
      const bad = 'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: bad}\nspec: {cidr: 10.9.0.0/16, blockSize: big}\n';
      const got = await lab.kubectl(['apply', '-f', '-'], bad);
      expect(got.code).not.toBe(0);
      expect(got.stderr).toMatch(/spec\.blockSize: Invalid value: "string": spec\.blockSize in body must be of type integer/);
    });

    it('the controller manager and kwok run: a pod bound to a node becomes Running', async () => {
      const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: probe, namespace: default}\nspec:\n  nodeName: kube-node04\n  containers: [{name: c, image: registry.invalid/none}]\n';
      expect((await lab.kubectl(['apply', '-f', '-'], pod)).code).toBe(0);
      const waited = await lab.kubectl(['wait', '--for', 'jsonpath={.status.phase}=Running', 'pod/probe', '--timeout', '30s']);
      expect(waited.code, waited.stderr).toBe(0);
      // The controller manager's service-account controller made the namespace's default account.
      expect((await lab.kubectl(['get', 'serviceaccount', 'default', '-o', 'name'])).stdout.trim()).toBe('serviceaccount/default');
    }, 60_000);

    it('down stops every process it started, by PID', async () => {
      const pids = readdirSync(join(lab.dir, 'pids')).map((f) => Number(readFileSync(join(lab.dir, 'pids', f), 'utf8')));
      expect(pids.length).toBe(5); // etcd, kube-apiserver, kube-controller-manager, kwok, the watcher
      expect(processesOf(lab.dir).length).toBeGreaterThanOrEqual(5);
      const down = await runLab(['down', '--dir', lab.dir]);
      expect(down.code).toBe(0);
      expect(down.stderr).toMatch(/stopped kube-apiserver \(pid \d+\)/);
      expect(pids.filter((p) => existsSync(`/proc/${p}`))).toEqual([]);
      expect(processesOf(lab.dir)).toEqual([]);
    }, 60_000);
  });

  describe('kube-lab cleans up after itself', () => {
    it('a step that fails after the servers started stops them all', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-kube-lab-fail-'));
      const objects = join(dir, 'bad-objects.yaml');
      writeFileSync(objects, 'apiVersion: v1\nkind: Node\nmetadata: {}\n'); // no name: the API server refuses it
      try {
        const up = await runLab(['up', '--dir', dir], { KUBE_LAB_OBJECTS: objects });
        expect(up.code).not.toBe(0);
        expect(up.stderr).toMatch(/up failed \(exit \d+\); stopping what it started/);
        expect(up.stderr).toMatch(/stopped etcd/);
        expect(processesOf(dir)).toEqual([]);
      } finally {
        await runLab(['down', '--dir', dir]);
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);

    it('up --watch PID stops the lab when that process exits', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-kube-lab-watch-'));
      const owner = spawn('sleep', ['600'], { stdio: 'ignore' });
      try {
        const up = await runLab(['up', '--dir', dir, '--watch', String(owner.pid)]);
        expect(up.code, up.stderr).toBe(0);
        expect(processesOf(dir).length).toBeGreaterThanOrEqual(5);
        owner.kill('SIGKILL');
        expect(await waitUntil(() => processesOf(dir).length === 0, 30_000)).toBe(true);
      } finally {
        owner.kill('SIGKILL');
        await runLab(['down', '--dir', dir]);
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  });
}
