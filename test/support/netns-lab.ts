// A two-node Calico datapath in network namespaces, for tests that need real packets
// on a real interface (the `live` command).
//
//   pod01 10.200.2.10/32                                      pod04 10.200.255.10/32
//     eth0 --- caliXXXXXXXXXXX                    caliXXXXXXXXXXX --- eth0
//              node01 ------ ens37 ====== ens37 ------ node04
//              10.0.2.201/24  (one veth pair)  10.0.1.204/24
//              tunnel 10.200.2.0/32                      tunnel 10.200.255.0/32
//
// The nodes are in different subnets (like kube-node01 / kube-node04 of the fixture lab),
// reached through a host route over the shared link, so pod traffic between them goes
// through the tunnel device: the kernel's `vxlan.calico` (VXLAN, VNI 4096, port 4789) or
// `tunl0` served by fixtures/make/ipip-tunnel.py (IPIP; this kernel has no ipip module).
//
// Network rule: every packet stays inside namespaces created here (named
// `cpt<pid>-<n>-...`); the root namespace's interfaces, routes and sysctls are never
// touched. teardown() (also run on process exit and on SIGINT/SIGTERM) kills the
// background processes started here and deletes every namespace.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type TunnelMode = 'vxlan' | 'ipip';
export type LabNs = 'node01' | 'node04' | 'pod01' | 'pod04';

export const NODE_IP = { node01: '10.0.2.201', node04: '10.0.1.204' } as const;
export const POD_IP = { node01: '10.200.2.10', node04: '10.200.255.10' } as const;
export const TUNNEL_IP = { node01: '10.200.2.0', node04: '10.200.255.0' } as const;
export const BLOCK = { node01: '10.200.2.0/24', node04: '10.200.255.0/24' } as const;
export const VNI = 4096;
export const VXLAN_PORT = 4789;

type Node = 'node01' | 'node04';
const NODES: Node[] = ['node01', 'node04'];
const PEER: Record<Node, Node> = { node01: 'node04', node04: 'node01' };
const PREFIX_LEN: Record<Node, number> = { node01: 24, node04: 24 };

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const IPIP_TUNNEL = join(REPO, 'fixtures', 'make', 'ipip-tunnel.py');

/** Namespace name prefix of this process: `cpt<pid>-`. */
export const LAB_PREFIX = `cpt${process.pid}-`;

export interface Lab {
  mode: TunnelMode;
  /** Full namespace names. */
  ns: Record<LabNs, string>;
  /** Node-side veth name of each pod (cali + 11 hex chars). */
  cali: Record<Node, string>;
  /** Tunnel device on the nodes: vxlan.calico or tunl0. */
  tunnelDev: string;
  mtu: number;
  /** Runs a command in a lab namespace (short name like 'node04' or a full name) and returns stdout. */
  exec(ns: LabNs | string, cmd: string[], opts?: { timeoutMs?: number; allowFail?: boolean }): string;
  /** Starts a background command in a lab namespace with `ip netns exec` (which execs in place:
   * the child's pid is the command's pid). Killed by teardown() if still running. */
  spawnIn(ns: LabNs | string, cmd: string[], opts?: SpawnOptions): ChildProcess;
  /** Pid and command of every process spawnIn() started (for leak checks after teardown). */
  spawned: { pid: number; cmd: string }[];
  /** Kills the background processes and deletes every namespace of this lab. Idempotent. */
  teardown(): Promise<void>;
}

// ------------------------------------------------------------------ helpers

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function ip2hex(a: string): string {
  return a
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join(':');
}
const nicMac = (a: string) => `52:54:${ip2hex(a)}`;
const vxlanMac = (a: string) => `66:00:${ip2hex(a)}`;
const podMac = (a: string) => `0a:58:${ip2hex(a)}`;
const CALI_MAC = 'ee:ee:ee:ee:ee:ee';
const caliName = (node: Node) =>
  'cali' + createHash('sha1').update(`k8s.default.pod-${node}`).digest('hex').slice(0, 11);

/** The real python interpreter (not a pyenv-style shim), so a spawned pid is python itself. */
function pythonExe(): string {
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
}

function netnsList(): string[] {
  try {
    return ip(['netns', 'list'])
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0])
      .filter(Boolean);
  } catch {
    return [];
  }
}

function deleteNamespace(ns: string): void {
  // anything still running inside one of our namespaces was started by us
  try {
    for (const p of ip(['netns', 'pids', ns]).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  } catch {
    /* namespace already gone */
  }
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
}

/** Deletes `cpt<pid>-*` namespaces whose owning process is gone (a run that was SIGKILLed). */
export function cleanStaleLabs(): string[] {
  const removed: string[] = [];
  for (const ns of netnsList()) {
    const m = /^cpt(\d+)-/.exec(ns);
    if (!m) continue;
    const owner = Number(m[1]);
    if (owner === process.pid || pidAlive(owner)) continue;
    deleteNamespace(ns);
    removed.push(ns);
  }
  return removed;
}

/** Lab namespaces of this process that still exist (should be [] after teardown). */
export function leftoverNamespaces(): string[] {
  return netnsList().filter((n) => n.startsWith(LAB_PREFIX));
}

// ------------------------------------------------------- process-wide cleanup

const liveLabs = new Set<{ syncTeardown(): void }>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const l of [...liveLabs]) l.syncTeardown();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      for (const l of [...liveLabs]) l.syncTeardown();
      process.removeListener(sig, handler);
      // default action now: die by the same signal
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

let labSeq = 0;

// ------------------------------------------------------------------ builder

export interface BuildOptions {
  /** Log each step to stderr. */
  verbose?: boolean;
}

export async function buildLab(mode: TunnelMode, opts: BuildOptions = {}): Promise<Lab> {
  installExitHooks();
  cleanStaleLabs();
  const prefix = `${LAB_PREFIX}${labSeq++}-`;
  const ns: Record<LabNs, string> = {
    node01: `${prefix}node01`,
    node04: `${prefix}node04`,
    pod01: `${prefix}pod01`,
    pod04: `${prefix}pod04`,
  };
  const podNs: Record<Node, string> = { node01: ns.pod01, node04: ns.pod04 };
  const cali: Record<Node, string> = { node01: caliName('node01'), node04: caliName('node04') };
  const tunnelDev = mode === 'vxlan' ? 'vxlan.calico' : 'tunl0';
  const mtu = mode === 'vxlan' ? 1450 : 1480;
  const created: string[] = [];
  const children = new Set<ChildProcess>();
  const workDir = mkdtempSync(join(tmpdir(), 'calico-pcap-lab-'));
  const haveEthtool = ['/usr/sbin/ethtool', '/sbin/ethtool', '/usr/bin/ethtool'].some((p) => existsSync(p));
  let torn = false;

  const resolveNs = (n: string) => (n in ns ? ns[n as LabNs] : n);
  const log = (m: string) => {
    if (opts.verbose) process.stderr.write(`[netns-lab ${prefix}] ${m}\n`);
  };

  const syncTeardown = () => {
    if (torn) return;
    torn = true;
    liveLabs.delete(entry);
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null && c.pid) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    for (const n of [...created].reverse()) deleteNamespace(n);
    rmSync(workDir, { recursive: true, force: true });
  };
  const entry = { syncTeardown };
  liveLabs.add(entry);

  const exec: Lab['exec'] = (n, cmd, o = {}) => {
    try {
      return execFileSync('ip', ['netns', 'exec', resolveNs(n), ...cmd], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: o.timeoutMs ?? 30_000,
      });
    } catch (e) {
      if (o.allowFail) return ((e as { stdout?: string }).stdout ?? '').toString();
      const err = e as { stderr?: string; message: string };
      throw new Error(`ip netns exec ${resolveNs(n)} ${cmd.join(' ')} failed: ${err.stderr?.toString().trim() || err.message}`);
    }
  };

  const spawnIn: Lab['spawnIn'] = (n, cmd, o = {}) => {
    if (torn) throw new Error('lab already torn down');
    const c = spawn('ip', ['netns', 'exec', resolveNs(n), ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], ...o, detached: false });
    children.add(c);
    if (c.pid) lab.spawned.push({ pid: c.pid, cmd: cmd.join(' ') });
    c.on('exit', () => children.delete(c));
    return c;
  };

  const ipn = (n: string, args: string[]) => {
    try {
      ip(['-n', resolveNs(n), ...args]);
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`ip -n ${resolveNs(n)} ${args.join(' ')}: ${err.stderr?.toString().trim() || err.message}`);
    }
  };
  const sysctl = (n: string, ...kv: string[]) => exec(n, ['sysctl', '-qw', ...kv]);
  const noOffload = (n: string, dev: string) => {
    // the kernel finishes checksums in software: wire-correct checksums in the capture
    if (!haveEthtool) return;
    exec(n, ['ethtool', '-K', dev, 'tx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off'], { allowFail: true });
  };

  const newNs = (name: string, forward: boolean) => {
    ip(['netns', 'add', name]);
    created.push(name);
    // IPv6 off everywhere (no RS/MLD/ND noise in the captures), IPv4 pinned
    sysctl(name, 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    for (const k of ['all', 'default']) {
      sysctl(
        name,
        `net.ipv4.conf.${k}.rp_filter=0`,
        `net.ipv4.conf.${k}.send_redirects=0`,
        `net.ipv4.conf.${k}.accept_redirects=0`,
        `net.ipv4.conf.${k}.proxy_arp=0`,
      );
    }
    sysctl(name, `net.ipv4.ip_forward=${forward ? 1 : 0}`);
    ipn(name, ['link', 'set', 'lo', 'up']);
  };

  const waitFor = async (what: string, cond: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`netns-lab: timed out waiting for ${what}`);
      await sleep(50);
    }
  };

  const lab: Lab = {
    mode,
    ns,
    cali,
    tunnelDev,
    mtu,
    exec,
    spawnIn,
    spawned: [],
    async teardown() {
      if (torn) return;
      // polite first: SIGTERM, up to 3 s, then teardown SIGKILLs whatever is left
      const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
      for (const c of running) c.kill('SIGTERM');
      const end = Date.now() + 3000;
      while (running.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < end) await sleep(50);
      syncTeardown();
    },
  };

  try {
    log(`building ${mode} lab`);
    for (const n of NODES) newNs(ns[n], true);

    // the "wire": one veth pair, both ends named ens37, each in its node namespace
    ip(['-n', ns.node01, 'link', 'add', 'ens37', 'address', nicMac(NODE_IP.node01), 'type', 'veth',
      'peer', 'name', 'ens37', 'address', nicMac(NODE_IP.node04), 'netns', ns.node04]);
    for (const n of NODES) {
      const peer = PEER[n];
      ipn(n, ['addr', 'add', `${NODE_IP[n]}/${PREFIX_LEN[n]}`, 'dev', 'ens37']);
      ipn(n, ['link', 'set', 'ens37', 'mtu', '1500', 'up']);
      noOffload(n, 'ens37');
      // different subnets: a host route to the other node over the link, static ARP (no noise)
      ipn(n, ['route', 'add', `${NODE_IP[peer]}/32`, 'dev', 'ens37']);
      ipn(n, ['neigh', 'add', NODE_IP[peer], 'lladdr', nicMac(NODE_IP[peer]), 'dev', 'ens37', 'nud', 'permanent']);
      // Calico: blackhole route for the node's own block
      ipn(n, ['route', 'add', 'blackhole', BLOCK[n]]);
      // The pods' gateway 169.254.1.1 is answered by proxy ARP on the cali veth, which the
      // kernel only does for a target it has a unicast route to (on a real node: the default
      // route). The nodes here have no default route, so: a host route into lo (nothing is
      // ever sent to 169.254.1.1 itself; it is only the pods' next hop).
      ipn(n, ['route', 'add', '169.254.1.1/32', 'dev', 'lo']);
    }

    // tunnels
    if (mode === 'vxlan') {
      for (const n of NODES) {
        const peer = PEER[n];
        ipn(n, ['link', 'add', 'vxlan.calico', 'address', vxlanMac(NODE_IP[n]), 'type', 'vxlan', 'id', String(VNI),
          'dstport', String(VXLAN_PORT), 'local', NODE_IP[n], 'dev', 'ens37', 'nolearning']);
        ipn(n, ['link', 'set', 'vxlan.calico', 'mtu', String(mtu)]);
        ipn(n, ['addr', 'add', `${TUNNEL_IP[n]}/32`, 'dev', 'vxlan.calico']);
        ipn(n, ['link', 'set', 'vxlan.calico', 'up']);
        ipn(n, ['neigh', 'add', TUNNEL_IP[peer], 'lladdr', vxlanMac(NODE_IP[peer]), 'dev', 'vxlan.calico', 'nud', 'permanent']);
        execFileSync('bridge', ['-n', ns[n], 'fdb', 'add', vxlanMac(NODE_IP[peer]), 'dev', 'vxlan.calico',
          'dst', NODE_IP[peer], 'self', 'permanent'], { stdio: ['ignore', 'pipe', 'pipe'] });
        ipn(n, ['route', 'add', BLOCK[peer], 'via', TUNNEL_IP[peer], 'dev', 'vxlan.calico', 'onlink']);
      }
    } else {
      if (!existsSync('/dev/net/tun')) throw new Error('/dev/net/tun is missing: the userspace IPIP tunnel needs it');
      const py = pythonExe();
      for (const n of NODES) {
        const peer = PEER[n];
        const ready = join(workDir, `ipip-${n}.ready`);
        const c = spawnIn(n, [py, IPIP_TUNNEL, '--local', NODE_IP[n], '--dev', 'tunl0', '--ready-file', ready,
          '--peer', `${BLOCK[peer]}=${NODE_IP[peer]}`], { stdio: ['ignore', 'ignore', 'pipe'] });
        let errText = '';
        c.stderr?.on('data', (d: Buffer) => (errText += d.toString()));
        await waitFor(`ipip-tunnel in ${ns[n]}`, () => {
          if (c.exitCode !== null) throw new Error(`ipip-tunnel in ${ns[n]} exited ${c.exitCode}: ${errText.trim()}`);
          return existsSync(ready) && readFileSync(ready, 'utf8').trim() !== '';
        });
        ipn(n, ['addr', 'add', `${TUNNEL_IP[n]}/32`, 'dev', 'tunl0']);
        ipn(n, ['link', 'set', 'tunl0', 'mtu', String(mtu), 'up']);
        ipn(n, ['route', 'add', BLOCK[peer], 'via', NODE_IP[peer], 'dev', 'tunl0', 'onlink']);
      }
    }

    // pods, wired the way the Calico CNI does it
    for (const n of NODES) {
      const pod = podNs[n];
      const podIp = POD_IP[n];
      newNs(pod, false);
      ipn(n, ['link', 'add', cali[n], 'address', CALI_MAC, 'type', 'veth', 'peer', 'name', 'eth0',
        'address', podMac(podIp), 'netns', pod]);
      ipn(n, ['link', 'set', cali[n], 'mtu', String(mtu), 'up']);
      sysctl(ns[n], `net.ipv4.conf.${cali[n]}.proxy_arp=1`, `net.ipv4.neigh.${cali[n]}.proxy_delay=0`,
        `net.ipv4.conf.${cali[n]}.forwarding=1`);
      ipn(n, ['route', 'add', `${podIp}/32`, 'dev', cali[n], 'scope', 'link']);
      ipn(n, ['neigh', 'add', podIp, 'lladdr', podMac(podIp), 'dev', cali[n], 'nud', 'permanent']);
      noOffload(ns[n], cali[n]);
      ipn(pod, ['addr', 'add', `${podIp}/32`, 'dev', 'eth0']);
      ipn(pod, ['link', 'set', 'eth0', 'mtu', String(mtu), 'up']);
      ipn(pod, ['route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link']);
      ipn(pod, ['route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0', 'onlink']);
      noOffload(pod, 'eth0');
    }
    log(`up: ${created.join(' ')}`);
  } catch (e) {
    syncTeardown();
    throw e;
  }
  return lab;
}

/** The command line of `pid`, '' when it is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Of the given spawned processes, those still running the same command (for leak checks). */
export function stillRunning(spawned: { pid: number; cmd: string }[]): string[] {
  const out: string[] = [];
  for (const s of spawned) {
    const c = cmdline(s.pid); // '' when gone (or a zombie); a reused pid runs something else
    if (c && (c === s.cmd || c.endsWith(` ${s.cmd}`))) out.push(`${s.pid} ${c}`);
  }
  return out;
}

/** Processes whose command line matches `needle`. */
export function processesMatching(needle: RegExp): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const c = cmdline(Number(d));
    if (needle.test(c)) out.push(`${d} ${c}`);
  }
  return out;
}
