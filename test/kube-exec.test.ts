// `kubectl exec` into a kwok pod runs a command inside a node's network namespace (the test bed of
// issue 12), all on the real control plane of scripts/kube-lab started with --exec:
// - the API server reaches kwok's kubelet endpoint on 127.0.0.1 only (the node's extra
//   InternalDNS address 127.0.0.1, --kubelet-preferred-address-types InternalDNS, kwok's port in
//   status.daemonEndpoints), over TLS checked against the lab's CA;
// - a kwok Exec object per pod names the network namespace (env KUBE_LAB_NETNS), and the lab's
//   netns-exec wrappers on kwok's PATH run the command there: the namespaces are those of
//   test/support/netns-lab.ts (node01 10.0.2.201/24, node04 10.0.1.204/24, VXLAN between them).
// What kwok v0.8.0 does with exit codes and stdin is pinned here as measured (NOTES-exec.md).
//
// Network rule: the API server, kwok and kubectl talk on 127.0.0.1; every other packet stays in
// the namespaces buildLab creates, which afterAll (and process exit) deletes.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partMissing } from './support/absent.js';
import { kubeLabUnavailable, startKubeLab, type KubeLab } from './support/kube-lab.js';
import { buildLab, leftoverNamespaces, NODE_IP, type Lab } from './support/netns-lab.js';

const NS = 'kube-exec';
const MB20 = 20 * 1024 * 1024;

function skipReason(): string | null {
  const lab = kubeLabUnavailable();
  if (lab) return lab;
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (uid !== 0) return `not running as root (uid ${uid}); the test creates network namespaces`;
  for (const tool of ['ip', 'ping']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return null;
}

interface Raw {
  code: number;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

/** kubectl with bytes in and out (the lab's kubectl() helper decodes text). */
function kubectlRaw(lab: KubeLab, args: string[], stdin?: Buffer): Promise<Raw> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: lab.kubeconfig }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr, ms: performance.now() - t0 }));
    child.stdin.on('error', () => {}); // the command may exit before reading everything
    child.stdin.end(stdin);
  });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const SKIP = skipReason();
if (SKIP) {
  partMissing('kube-exec.test.ts', 'kubectl exec into network namespaces (kube-lab --exec)', SKIP);
} else {
  describe('kube-lab --exec: kubectl exec into a kwok pod runs in its node\'s network namespace', () => {
    let lab: KubeLab;
    let net: Lab;
    const pod = { node01: 'capture-node01', node04: 'capture-node04' } as const;
    const exec = (p: string, cmd: string[], stdin?: Buffer) => kubectlRaw(lab, ['exec', ...(stdin ? ['-i'] : []), '-n', NS, p, '--', ...cmd], stdin);

    beforeAll(async () => {
      [lab, net] = await Promise.all([startKubeLab({ exec: true }), buildLab('vxlan')]);
      // A command the lab does not link already: ping, run in the namespace like the others.
      symlinkSync('netns-exec', join(lab.dir, 'exec-path', 'ping'));
      const objects = [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
        ...(['node01', 'node04'] as const).flatMap((n) => [
          {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: pod[n], namespace: NS },
            spec: { nodeName: `kube-${n}`, hostNetwork: true, containers: [{ name: 'capture', image: 'registry.invalid/calico-pcap' }] },
          },
          {
            apiVersion: 'kwok.x-k8s.io/v1alpha1',
            kind: 'Exec',
            metadata: { name: pod[n], namespace: NS },
            spec: { execs: [{ local: { envs: [{ name: 'KUBE_LAB_NETNS', value: net.ns[n] }] } }] },
          },
        ]),
      ];
      const applied = await lab.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
      if (applied.code !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);
      const waited = await lab.kubectl(['wait', '-n', NS, '--for', 'jsonpath={.status.phase}=Running', 'pod', '--all', '--timeout', '60s']);
      if (waited.code !== 0) throw new Error(`pods not Running: ${waited.stderr}`);
    }, 180_000);

    afterAll(async () => {
      try {
        await lab?.kubectl(['delete', 'namespace', NS, '--wait=false']);
      } finally {
        await Promise.all([lab?.stop(), net?.teardown()]);
        expect(leftoverNamespaces()).toEqual([]);
      }
    }, 60_000);

    it('the API server dials kwok on 127.0.0.1 (InternalDNS), at the port kwok serves, with TLS of the lab CA', async () => {
      const nodes = await lab.kubectl(['get', 'nodes', '-o', 'json']);
      const items = JSON.parse(nodes.stdout).items as { metadata: { name: string }; status: { addresses: { type: string; address: string }[]; daemonEndpoints: { kubeletEndpoint: { Port: number } } } }[];
      const kwokArgs = readFileSync(`/proc/${readFileSync(join(lab.dir, 'pids', 'kwok'), 'utf8').trim()}/cmdline`, 'utf8').split('\0');
      const served = kwokArgs[kwokArgs.indexOf('--server-address') + 1];
      expect(served).toMatch(/^127\.0\.0\.1:\d+$/);
      for (const n of items) {
        expect(n.status.addresses.filter((a) => a.type === 'InternalDNS')).toEqual([{ type: 'InternalDNS', address: '127.0.0.1' }]);
        expect(n.status.addresses.find((a) => a.type === 'InternalIP')?.address).toMatch(/^10\.0\.[12]\.\d+$/);
        expect(`127.0.0.1:${n.status.daemonEndpoints.kubeletEndpoint.Port}`).toBe(served);
      }
      const apiArgs = readFileSync(`/proc/${readFileSync(join(lab.dir, 'pids', 'kube-apiserver'), 'utf8').trim()}/cmdline`, 'utf8').split('\0');
      expect(apiArgs[apiArgs.indexOf('--kubelet-preferred-address-types') + 1]).toBe('InternalDNS');
      expect(apiArgs[apiArgs.indexOf('--kubelet-certificate-authority') + 1]).toBe(join(lab.dir, 'pki', 'ca.crt'));
    });

    it('exec lists the node namespace\'s interfaces, not the host\'s', async () => {
      for (const n of ['node01', 'node04'] as const) {
        const got = await exec(pod[n], ['ip', '-o', '-4', 'addr', 'show']);
        expect(got.code, got.stderr).toBe(0);
        const addrs = got.stdout.toString().split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(1, 4).join(' '));
        expect(addrs).toContain(`lo inet 127.0.0.1/8`);
        expect(addrs).toContain(`ens37 inet ${NODE_IP[n]}/24`);
        const links = (await exec(pod[n], ['ip', '-o', 'link', 'show'])).stdout.toString();
        expect(links.split('\n').filter(Boolean).map((l) => l.split(': ')[1].split('@')[0]).sort()).toEqual(['ens37', 'lo', net.cali[n], 'vxlan.calico'].sort());
      }
    }, 60_000);

    it('real kernel traffic: node01 pings node04 over the namespaces\' link', async () => {
      const got = await exec(pod.node01, ['ping', '-c', '2', '-i', '0.2', '-W', '2', NODE_IP.node04]);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout.toString()).toMatch(/2 packets transmitted, 2 received/);
    }, 30_000);

    it('stdout and stderr stay separate', async () => {
      const got = await exec(pod.node04, ['sh', '-c', 'echo to-stdout; echo to-stderr >&2']);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout.toString()).toBe('to-stdout\n');
      expect(got.stderr).toBe('to-stderr\n');
    }, 30_000);

    it('a failing command fails kubectl exec; kwok v0.8.0 reports the exit status only in the message', async () => {
      const got = await exec(pod.node04, ['sh', '-c', 'echo partial; exit 3']);
      expect(got.stdout.toString()).toBe('partial\n');
      expect(got.code).toBe(1);
      expect(got.stderr).toMatch(/exit status 3/);
    }, 30_000);

    it('20 MB of random bytes come out of exec unchanged (the result-download direction)', async () => {
      const data = randomBytes(MB20);
      const file = join(lab.dir, 'random.bin');
      writeFileSync(file, data);
      const got = await exec(pod.node01, ['cat', file]);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout.length).toBe(MB20);
      expect(sha256(got.stdout)).toBe(sha256(data));
      console.log(`kube-exec: 20 MiB out of exec in ${got.ms.toFixed(0)} ms (${(MB20 / 1048576 / (got.ms / 1000)).toFixed(1)} MiB/s)`);
    }, 120_000);

    it('kwok v0.8.0 never closes the command\'s stdin: `kubectl exec -i POD -- cat` waits for ever', async () => {
      const child = spawn('kubectl', ['exec', '-i', '-n', NS, pod.node01, '--', 'cat'], { env: { ...process.env, KUBECONFIG: lab.kubeconfig }, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stdin.end('hello\n');
      const exited = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 3000);
        child.on('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      child.kill('SIGKILL');
      expect(out).toBe('hello\n'); // the bytes went through; only the end of input did not
      expect(exited).toBe(false); // (kwok ends the waiting cat when it stops)
    }, 30_000);

    it('20 MB of random bytes go into exec unchanged (the command reads a known length: kwok never closes stdin)', async () => {
      const data = randomBytes(MB20);
      const got = await exec(pod.node01, ['sh', '-c', `head -c ${MB20} | sha256sum`], data);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout.toString()).toBe(`${sha256(data)}  -\n`);
      console.log(`kube-exec: 20 MiB into exec in ${got.ms.toFixed(0)} ms (${(MB20 / 1048576 / (got.ms / 1000)).toFixed(1)} MiB/s)`);
    }, 120_000);

    it('a held Job pod (hostNetwork, NET_RAW) stays Running for exec, completes its Job when released, and goes with its anchor', async () => {
      const anchor = await lab.kubectl(['create', 'configmap', '-n', NS, 'capture-run', '-o', 'jsonpath={.metadata.uid}']);
      expect(anchor.code, anchor.stderr).toBe(0);
      const job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'capture-node04', namespace: NS, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'capture-run', uid: anchor.stdout, blockOwnerDeletion: true }] },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: 120,
          template: {
            metadata: { annotations: { 'kube-lab.calico-pcap/hold': 'true' } },
            spec: {
              nodeName: 'kube-node04',
              hostNetwork: true,
              restartPolicy: 'Never',
              containers: [{ name: 'capture', image: 'registry.invalid/calico-pcap', securityContext: { capabilities: { drop: ['ALL'], add: ['NET_RAW'] } } }],
            },
          },
        },
      };
      expect((await lab.kubectl(['apply', '-f', '-'], JSON.stringify(job))).code).toBe(0);
      const selector = ['-n', NS, '-l', 'batch.kubernetes.io/job-name=capture-node04'];
      let podName = '';
      for (let i = 0; i < 100 && !podName; i++) {
        podName = (await lab.kubectl(['get', 'pods', ...selector, '-o', 'jsonpath={.items[?(@.status.phase=="Running")].metadata.name}'])).stdout.trim();
        if (!podName) await new Promise((r) => setTimeout(r, 200));
      }
      expect(podName).toMatch(/^capture-node04-/);
      const uid = (await lab.kubectl(['get', 'pod', '-n', NS, podName, '-o', 'jsonpath={.metadata.uid}'])).stdout;
      // The Exec belongs to the pod: the garbage collector removes it with the pod.
      const execObject = {
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'Exec',
        metadata: { name: podName, namespace: NS, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: podName, uid }] },
        spec: { execs: [{ local: { envs: [{ name: 'KUBE_LAB_NETNS', value: net.ns.node04 }] } }] },
      };
      expect((await lab.kubectl(['apply', '-f', '-'], JSON.stringify(execObject))).code).toBe(0);
      // kwok learns of the new Exec through its informer: until then it answers "no exec found".
      let inside = await exec(podName, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'ens37']);
      for (let i = 0; i < 20 && /no exec found/.test(inside.stderr); i++) {
        await new Promise((r) => setTimeout(r, 100));
        inside = await exec(podName, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'ens37']);
      }
      expect(inside.code, inside.stderr).toBe(0);
      expect(inside.stdout.toString()).toContain(`inet ${NODE_IP.node04}/24`);
      // Released, the pod Succeeds and the Job completes.
      expect((await lab.kubectl(['annotate', 'pod', '-n', NS, podName, 'kube-lab.calico-pcap/hold-'])).code).toBe(0);
      const complete = await lab.kubectl(['wait', '-n', NS, '--for', 'condition=Complete', 'job/capture-node04', '--timeout', '30s']);
      expect(complete.code, complete.stderr).toBe(0);
      const finished = await exec(podName, ['true']);
      expect(finished.code).toBe(1);
      expect(finished.stderr).toMatch(/cannot exec into a container in a completed pod; current phase is Succeeded/);
      // Foreground deletion of the anchor takes the Job, its pod and the pod's Exec with it.
      const deleted = await lab.kubectl(['delete', 'configmap', '-n', NS, 'capture-run', '--cascade=foreground', '--timeout', '60s']);
      expect(deleted.code, deleted.stderr).toBe(0);
      const left = await lab.kubectl(['get', 'jobs,pods,execs.kwok.x-k8s.io', '-n', NS, '-o', 'name']);
      expect(left.stdout.trim().split('\n').sort()).toEqual([`exec.kwok.x-k8s.io/${pod.node01}`, `exec.kwok.x-k8s.io/${pod.node04}`, `pod/${pod.node01}`, `pod/${pod.node04}`]);
    }, 120_000);

    it('Pod Security: baseline refuses the capture pod (hostNetwork, NET_RAW); privileged admits it', async () => {
      const ns = 'kube-exec-psa';
      expect((await lab.kubectl(['create', 'namespace', ns])).code).toBe(0);
      try {
        const capturePod = JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'capture', namespace: ns },
          spec: { nodeName: 'kube-node01', hostNetwork: true, containers: [{ name: 'capture', image: 'registry.invalid/calico-pcap', securityContext: { capabilities: { drop: ['ALL'], add: ['NET_RAW'] } } }] },
        });
        await lab.kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=baseline']);
        const refused = await lab.kubectl(['apply', '--dry-run=server', '-f', '-'], capturePod);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain('pods "capture" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "capture" must not include "NET_RAW" in securityContext.capabilities.add), host namespaces (hostNetwork=true)');
        await lab.kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=privileged', '--overwrite']);
        const admitted = await lab.kubectl(['apply', '--dry-run=server', '-f', '-'], capturePod);
        expect(admitted.code, admitted.stderr).toBe(0);
        expect(admitted.stdout).toBe('pod/capture created (server dry run)\n');
      } finally {
        await lab.kubectl(['delete', 'namespace', ns, '--wait=false']);
      }
    }, 60_000);
  });
}
