// The real Kubernetes control plane of scripts/kube-lab (etcd, kube-apiserver,
// kube-controller-manager, kwok) for the tests that talk to an API server. The tests never build
// it: .ci/run builds it before `npm test` (or reuses the version-keyed cache). Without the
// binaries or kubectl the tests are skipped outside CI and fail in CI (partMissing).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const KUBE_LAB = join(__dirname, '..', '..', 'scripts', 'kube-lab', 'kube-lab');
const BUILD = join(__dirname, '..', '..', 'scripts', 'kube-lab', 'build.sh');

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubeLab {
  /** The lab's directory: certificates, kubeconfig, logs, PID files. */
  dir: string;
  kubeconfig: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** Runs kubectl against the lab as its administrator. */
  kubectl(args: string[], stdin?: string): Promise<KubectlResult>;
  /** Stops every process of the lab (by PID) and removes its directory. */
  stop(): Promise<void>;
}

/** Why the lab cannot start on this machine, or null when it can. */
export function kubeLabUnavailable(): string | null {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch {
    return 'kubectl is not installed';
  }
  try {
    execFileSync(BUILD, [], { env: { ...process.env, KUBE_LAB_NO_BUILD: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim().split('\n').pop();
    return `the kube-lab binaries are not built (${stderr || 'build.sh failed'}); run scripts/kube-lab/build.sh`;
  }
  return null;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

/**
 * Starts a fresh lab in a new temporary directory: free ports on 127.0.0.1, Calico's CRDs and
 * the reference cluster applied, the four nodes Ready. The lab stops itself when this process
 * exits, even if stop() is never called. `exec`: `kube-lab up --exec` (kwok's Exec objects route a
 * pod's exec into a network namespace; see scripts/kube-lab/NOTES-exec.md).
 */
export async function startKubeLab(options: { exec?: boolean } = {}): Promise<KubeLab> {
  const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-kube-lab-'));
  const up = await new Promise<KubectlResult>((resolve) => {
    const child = spawn(KUBE_LAB, ['up', '--dir', dir, '--watch', String(process.pid), ...(options.exec ? ['--exec'] : [])], {
      env: { ...process.env, KUBE_LAB_NO_BUILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
  const kubeconfig = up.stdout.trim().split('\n').pop() ?? '';
  if (up.code !== 0 || kubeconfig !== join(dir, 'kubeconfig')) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`kube-lab up failed (exit ${up.code}):\n${up.stderr}`);
  }
  const server = /server: (\S+)/.exec(readFileSync(kubeconfig, 'utf8'))?.[1] ?? '';
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  return {
    dir,
    kubeconfig,
    server,
    kubectl: (args, stdin) => run('kubectl', args, env, stdin),
    async stop() {
      await run(KUBE_LAB, ['down', '--dir', dir], process.env);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
