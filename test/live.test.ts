// `calico-pcap live` end to end: real packets on a real interface.
//
// A two-node Calico datapath is built in network namespaces (test/support/netns-lab.ts):
// pod01 (10.200.2.10) behind node01 (10.0.2.201) and pod04 (10.200.255.10) behind node04
// (10.0.1.204), tunnelled over VXLAN (kernel vxlan.calico, VNI 4096) or IPIP (tunl0, served
// by fixtures/make/ipip-tunnel.py). `live` runs inside node04's namespace on its uplink ens37
// while pod01 pings pod04; its JSON report, its -w file and `analyze` of that file must agree.
//
// Needs root (namespaces, packet sockets) and the optional native module `cap`; without
// them the suite is reported as SKIPPED with the reason. Every packet stays inside the
// namespaces the lab creates; they are deleted in afterAll, and on process exit/signals.
//
// Also the -w file's robustness (issue 14): flushed within a second and after every packet with
// -U (read while live runs, then after SIGKILL), a full disk (a small tmpfs: whole records kept,
// exit 2), an unwritable path; and 20 000 flows on a terminal, where a second signal must end
// live at once while the final report renders.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { partMissing } from './support/absent.js';
import { withTmpfs } from './support/tmpfs.js';
import {
  buildLab,
  cmdline,
  leftoverNamespaces,
  LAB_PREFIX,
  NODE_IP,
  BLOCK,
  POD_IP,
  processesMatching,
  stillRunning,
  VNI,
  type Lab,
} from './support/netns-lab.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const TEST_TIMEOUT = 30_000;
/** Every process the labs started (tunnels, live runs), checked at the end. */
const spawnedByLabs: { pid: number; cmd: string }[] = [];
const LAB_TIMEOUT = 60_000;

// ------------------------------------------------------------------ skip logic

function skipReason(): string | null {
  if (process.platform !== 'linux') return `needs Linux network namespaces (platform is ${process.platform})`;
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (uid !== 0) return `not running as root (uid ${uid}); the lab creates network namespaces and live opens packet sockets`;
  try {
    createRequire(import.meta.url)('cap');
  } catch (e) {
    return `the optional native module 'cap' (libpcap binding) cannot be loaded: ${(e as Error).message.split('\n')[0]}`;
  }
  return null;
}
const SKIP = skipReason();

// Registered only when skipping, so that a root run with cap shows no skipped test at all.
if (SKIP) partMissing('live.test.ts', 'live end-to-end tests', SKIP);

/** Running the CLI as an unprivileged user (for the "not permitted" case): setpriv to nobody. */
const UNPRIVILEGED = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
function unprivilegedSkipReason(): string | null {
  if (SKIP) return SKIP;
  const r = spawnSync(UNPRIVILEGED[0], [...UNPRIVILEGED.slice(1), process.execPath, CLI, '--version'], { encoding: 'utf8', cwd: ROOT, timeout: 20_000 });
  if (r.error) return `setpriv not available (${r.error.message})`;
  if (r.status !== 0) return `uid 65534 cannot run ${process.execPath} ${CLI} (exit ${r.status}: ${(r.stderr ?? '').trim().split('\n')[0]})`;
  return null;
}
const UNPRIVILEGED_SKIP = unprivilegedSkipReason();

// ------------------------------------------------------------------ helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

interface LiveRun {
  child: ChildProcess;
  /** Number of -i options: live opens one packet socket per interface. */
  interfaces: number;
  pid: number;
  started: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
}

/** Socket inodes of `pid` that are AF_PACKET sockets (libpcap's capture socket). */
function ownPacketSockets(pid: number): string[] {
  let table: string;
  try {
    table = readFileSync(`/proc/${pid}/net/packet`, 'utf8');
  } catch {
    return [];
  }
  const inodes = new Set(
    table
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/).pop()!),
  );
  const own: string[] = [];
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) own.push(m[1]);
      } catch {
        /* fd closed meanwhile */
      }
    }
  } catch {
    return [];
  }
  return own;
}

/** live runs still going: a failed test's run is killed in afterEach, not left capturing. */
const activeRuns = new Set<LiveRun>();

/** Starts `node dist/cli.js live ARGS` in a lab namespace with `ip netns exec`. */
function startLive(lab: Lab, ns: string, args: string[], stdoutFd?: number): LiveRun {
  const started = Date.now();
  // stdoutFd: standard output goes straight to that file (binary output, `-w -`).
  const child = lab.spawnIn(ns, [process.execPath, CLI, 'live', ...args], { cwd: ROOT, ...(stdoutFd !== undefined ? { stdio: ['ignore', stdoutFd, 'pipe'] } : {}) });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err, ms: Date.now() - started })),
  );
  const interfaces = args.filter((a) => a === '-i' || a === '--interface').length;
  const run: LiveRun = { child, interfaces, pid: child.pid!, started, stdout: () => out, stderr: () => err, exited };
  activeRuns.add(run);
  void exited.then(() => activeRuns.delete(run));
  return run;
}

/**
 * Waits until live is capturing: `ip netns exec` has exec'd node in place (the spawned pid's
 * command line is the CLI), the process holds an AF_PACKET socket per -i, and at least ~1 s has
 * passed since the start (libpcap sets the BPF filter after opening the socket).
 */
async function waitCapturing(run: LiveRun, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let opened = 0;
  for (;;) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) {
      throw new Error(`live exited before capturing (code ${run.child.exitCode}, signal ${run.child.signalCode}); stderr: ${run.stderr().trim()}`);
    }
    if (!opened && cmdline(run.pid).includes(CLI) && ownPacketSockets(run.pid).length >= run.interfaces) opened = Date.now();
    if (opened && Date.now() - opened >= 500 && Date.now() - run.started >= 1000) return;
    if (Date.now() > end) {
      throw new Error(`live did not open ${run.interfaces} packet socket(s) within ${timeoutMs} ms; cmdline "${cmdline(run.pid)}"; stderr: ${run.stderr().trim()}`);
    }
    await sleep(50);
  }
}

async function waitExit(run: LiveRun, timeoutMs = 15_000): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
  const r = await Promise.race([run.exited, timeout]);
  clearTimeout(timer);
  if (r === 'timeout') {
    run.child.kill('SIGKILL');
    const e = await run.exited;
    throw new Error(`live did not exit within ${timeoutMs} ms (killed); stdout: ${e.stdout.slice(0, 2000)} stderr: ${e.stderr.trim()}`);
  }
  return r;
}

/** `node dist/cli.js ARGS` in a lab namespace, synchronously (optionally behind a wrapper such as setpriv). */
function cliInNs(ns: string, args: string[], timeoutMs = 20_000, wrapper: string[] = []): Exit {
  const t = Date.now();
  const r = spawnSync('ip', ['netns', 'exec', ns, ...wrapper, process.execPath, CLI, ...args], { encoding: 'utf8', cwd: ROOT, timeout: timeoutMs });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - t };
}

function parseJson(what: string, e: Exit): any {
  try {
    return JSON.parse(e.stdout);
  } catch (err) {
    throw new Error(`${what}: stdout is not one JSON document (${(err as Error).message}); exit ${e.code}; stdout: ${e.stdout.slice(0, 2000)}; stderr: ${e.stderr.trim()}`);
  }
}

function analyzeJson(file: string): any {
  const r = spawnSync(process.execPath, [CLI, 'analyze', file, '--format', 'json'], { encoding: 'utf8', cwd: ROOT, timeout: 20_000 });
  expect(r.status, `analyze ${file}: ${r.stderr}`).toBe(0);
  return parseJson(`analyze ${file}`, { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: 0 });
}

const FLOW_FIELDS = ['encapsulation', 'outer', 'vni', 'inner', 'protocol', 'sport', 'dport', 'packets', 'bytes'] as const;
function flowsOf(doc: any): Record<string, unknown>[] {
  expect(Array.isArray(doc.flows), 'flows[] in the JSON document').toBe(true);
  return (doc.flows as any[])
    .map((f) => Object.fromEntries(FLOW_FIELDS.map((k) => [k, f[k] ?? null])))
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}

/** File format and number of packet records, read independently of calico-pcap. */
function captureFacts(file: string): { format: 'pcap' | 'pcapng'; records: number } {
  const d = readFileSync(file);
  expect(d.length, `${file} has a header`).toBeGreaterThanOrEqual(24);
  const magic = d.readUInt32LE(0);
  if (magic === 0x0a0d0d0a) {
    const le = d.readUInt32LE(8) === 0x1a2b3c4d;
    const u32 = (o: number) => (le ? d.readUInt32LE(o) : d.readUInt32BE(o));
    let off = 0;
    let records = 0;
    while (off + 12 <= d.length) {
      const type = u32(off);
      const len = u32(off + 4);
      expect(len >= 12 && off + len <= d.length, `${file}: pcapng block at ${off} complete`).toBe(true);
      if (type === 6 || type === 3 || type === 2) records++; // EPB, SPB, obsolete PB
      off += len;
    }
    expect(off, `${file}: no trailing partial block`).toBe(d.length);
    return { format: 'pcapng', records };
  }
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error(`${file}: not a pcap/pcapng file (magic 0x${magic.toString(16)})`);
  let off = 24;
  let records = 0;
  while (off + 16 <= d.length) {
    const incl = le ? d.readUInt32LE(off + 8) : d.readUInt32BE(off + 8);
    off += 16 + incl;
    records++;
  }
  expect(off, `${file}: no trailing partial record`).toBe(d.length);
  return { format: 'pcap', records };
}

/** Packet count according to tcpdump (and tshark, when installed). */
function externalCounts(file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  // -tt: every packet starts with an epoch timestamp; VXLAN packets print the inner packet on a 2nd line
  const td = spawnSync('tcpdump', ['-n', '-tt', '-r', file], { encoding: 'utf8' });
  expect(td.status, `tcpdump -r ${file}: ${td.stderr}`).toBe(0);
  counts.tcpdump = td.stdout.split('\n').filter((l) => /^\d{9,}\.\d+ /.test(l)).length;
  const which = spawnSync('sh', ['-c', 'command -v tshark'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) {
    const ts = spawnSync(which.stdout.trim(), ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
    expect(ts.status, `tshark -r ${file}: ${ts.stderr}`).toBe(0);
    counts.tshark = ts.stdout.split('\n').filter((l) => /^\d+$/.test(l.trim())).length;
  }
  return counts;
}

/** The -w file holds exactly the packets of the report, and analyze sees the same flows. */
function expectFileMatchesReport(file: string, doc: any, packets: number, format: 'pcap' | 'pcapng' = 'pcap'): void {
  expect(existsSync(file), `${file} written`).toBe(true);
  const facts = captureFacts(file);
  expect(facts.format).toBe(format);
  expect(facts.records).toBe(packets);
  for (const [tool, n] of Object.entries(externalCounts(file))) expect(n, `${tool} -r ${file}`).toBe(packets);
  const analyzed = analyzeJson(file);
  expect(analyzed.totals.packets).toBe(packets);
  expect(analyzed.totals.packets).toBe(doc.totals.packets);
  expect(flowsOf(analyzed)).toEqual(flowsOf(doc));
  // "Exactly the report that was shown live": the whole flow list and totals, times included.
  expect(analyzed.flows).toEqual(doc.flows);
  expect(analyzed.totals).toEqual(doc.totals);
}

/** Flows of 3 (or n) pings pod01 -> pod04 through the tunnel, seen on node04's ens37. */
function expectPodPingFlows(doc: any, encapsulation: 'vxlan' | 'ipip', packets: number): void {
  expect(doc.totals.packets).toBe(packets);
  const flows = doc.flows as any[];
  expect(flows.length).toBeGreaterThan(0);
  for (const f of flows) {
    expect(f.encapsulation).toBe(encapsulation);
    if (encapsulation === 'vxlan') expect(f.vni).toBe(VNI);
    expect(f.protocol).toBe('icmp');
  }
  const pairs = (k: 'outer' | 'inner') => [...new Set(flows.map((f) => `${f[k]?.src} -> ${f[k]?.dst}`))].sort();
  expect(pairs('outer')).toEqual([`${NODE_IP.node04} -> ${NODE_IP.node01}`, `${NODE_IP.node01} -> ${NODE_IP.node04}`].sort());
  expect(pairs('inner')).toEqual([`${POD_IP.node04} -> ${POD_IP.node01}`, `${POD_IP.node01} -> ${POD_IP.node04}`].sort());
  expect(flows.reduce((s, f) => s + f.packets, 0)).toBe(packets);
  // requests and replies: half each way
  const fromPod01 = flows.filter((f) => f.inner.src === POD_IP.node01).reduce((s, f) => s + f.packets, 0);
  expect(fromPod01).toBe(packets / 2);
}

function ping(lab: Lab, count: number): string {
  return lab.exec('pod01', ['ping', '-n', '-c', String(count), '-i', '0.2', '-W', '2', POD_IP.node04]);
}

function describeLab(mode: 'vxlan' | 'ipip', body: (get: () => { lab: Lab; dir: string }) => void): void {
  describe.skipIf(SKIP)(`live on a ${mode.toUpperCase()} lab (network namespaces)`, () => {
    let lab: Lab | undefined;
    let dir = '';
    beforeAll(async () => {
      expect(existsSync(CLI), `${CLI} (run npx tsc -p . first)`).toBe(true);
      dir = mkdtempSync(join(tmpdir(), `calico-pcap-live-${mode}-`));
      lab = await buildLab(mode);
    }, LAB_TIMEOUT);
    afterEach(async () => {
      for (const run of [...activeRuns]) {
        run.child.kill('SIGKILL');
        await run.exited;
      }
    });
    afterAll(async () => {
      if (lab) spawnedByLabs.push(...lab.spawned);
      await lab?.teardown();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }, LAB_TIMEOUT);
    body(() => {
      if (!lab) throw new Error('lab not built');
      return { lab, dir };
    });
  });
}

/** The issue's own check: live -i ens37 --filter F --count 6 --format json while three pod pings cross the tunnel. */
async function countSix({ lab, dir }: { lab: Lab; dir: string }, encapsulation: 'vxlan' | 'ipip', filter: string): Promise<void> {
  const out = join(dir, `${encapsulation}-count.pcap`);
  const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '--filter', filter, '--count', '6', '-w', out, '--format', 'json']);
  await waitCapturing(run);
  ping(lab, 3);
  const e = await waitExit(run);
  expect(e.code, `exit code; stderr: ${e.stderr}`).toBe(0);
  const doc = parseJson('live --format json', e);
  expect(doc.live?.interfaces).toEqual(['ens37']);
  expect(doc.live?.packets).toBe(6);
  expect(doc.live?.stoppedBy).toBe('count');
  expectPodPingFlows(doc, encapsulation, 6);
  expectFileMatchesReport(out, doc, 6);
}

// ------------------------------------------------------------------ VXLAN

describeLab('vxlan', (get) => {
  it('--count 6: three pod pings through vxlan.calico = 6 VXLAN packets, report = -w file = analyze', async () => {
    await countSix(get(), 'vxlan', 'udp port 4789');
  }, TEST_TIMEOUT);

  it('-w - writes the pcap to standard output, as tcpdump -w -; the JSON report goes to stderr', async () => {
    const { lab, dir } = get();
    const out = join(dir, 'stdout.pcap');
    const fd = openSync(out, 'w');
    let run: LiveRun;
    try {
      run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '--filter', 'udp port 4789', '--count', '6', '-w', '-', '-o', 'json'], fd);
    } finally {
      closeSync(fd);
    }
    await waitCapturing(run);
    ping(lab, 3);
    const e = await waitExit(run);
    expect(e.code, `exit code; stderr: ${e.stderr}`).toBe(0);
    const doc = JSON.parse(e.stderr);
    expect(doc.live?.packets).toBe(6);
    expect(doc.live?.written).toBe('-');
    expectPodPingFlows(doc, 'vxlan', 6);
    expectFileMatchesReport(out, doc, 6);
  }, TEST_TIMEOUT);

  it('--pods: every ndjson line names the pods of its inner addresses (the lab pods are default/pod-node01 and pod-node04 of fixtures/pods)', async () => {
    const { lab } = get();
    const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '--filter', 'udp port 4789', '--count', '6', '-o', 'ndjson', '--pods', join(ROOT, 'fixtures', 'pods', 'lab-pods.yaml')]);
    await waitCapturing(run);
    ping(lab, 3);
    const e = await waitExit(run);
    expect(e.code, `exit code; stderr: ${e.stderr}`).toBe(0);
    const packets = e.stdout.trimEnd().split('\n').map((l) => JSON.parse(l)).filter((l) => l.inner);
    expect(packets).toHaveLength(6);
    const name = { [POD_IP.node01]: 'default/pod-node01', [POD_IP.node04]: 'default/pod-node04' };
    for (const p of packets) expect([p.inner.srcPod, p.inner.dstPod], JSON.stringify(p)).toEqual([name[p.inner.src], name[p.inner.dst]]);
  }, TEST_TIMEOUT);

  it('SIGINT mid-capture: exit 0, stoppedBy signal, the -w file holds exactly the reported packets', async () => {
    const { lab, dir } = get();
    const out = join(dir, 'sigint.pcap');
    const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '--filter', 'udp port 4789', '-w', out, '--format', 'json']);
    await waitCapturing(run);
    // `ip netns exec` execs in place: the pid we spawned is node running the CLI, not `ip`
    expect(cmdline(run.pid)).toContain(`${CLI} live`);
    expect(realpathSync(readlinkSync(`/proc/${run.pid}/exe`))).toBe(realpathSync(process.execPath));
    ping(lab, 4);
    await sleep(300); // the last reply is on the wire; let it reach the capture
    expect(run.child.exitCode, `live still running; stderr: ${run.stderr()}`).toBeNull();
    run.child.kill('SIGINT');
    const e = await waitExit(run);
    expect(e.signal, `live died of a signal; stderr: ${e.stderr}`).toBeNull();
    expect(e.code, `exit code; stderr: ${e.stderr}`).toBe(0);
    const doc = parseJson('live --format json after SIGINT', e);
    expect(doc.live?.stoppedBy).toBe('signal');
    expect(doc.live?.packets).toBe(8);
    expectPodPingFlows(doc, 'vxlan', 8);
    expectFileMatchesReport(out, doc, 8);
  }, TEST_TIMEOUT);

  it('SIGTERM mid-capture with a .pcapng name: exit 0, stoppedBy signal, complete pcapng', async () => {
    const { lab, dir } = get();
    const out = join(dir, 'sigterm.pcapng');
    const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '--filter', 'udp port 4789', '-w', out, '--format', 'json']);
    await waitCapturing(run);
    ping(lab, 2);
    await sleep(300);
    run.child.kill('SIGTERM');
    const e = await waitExit(run);
    expect(e.signal, `live died of a signal; stderr: ${e.stderr}`).toBeNull();
    expect(e.code, `exit code; stderr: ${e.stderr}`).toBe(0);
    const doc = parseJson('live --format json after SIGTERM', e);
    expect(doc.live?.stoppedBy).toBe('signal');
    expectPodPingFlows(doc, 'vxlan', 4);
    expectFileMatchesReport(out, doc, 4, 'pcapng');
  }, TEST_TIMEOUT);

  it('-Y inner.src == pod01: the report counts the 3 requests of 6 captured; -w keeps all 6; analyze -Y of the file agrees', async () => {
    const { lab, dir } = get();
    const out = join(dir, 'where.pcap');
    const where = `encap == vxlan and inner.src == ${POD_IP.node01}`;
    const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '--filter', 'udp port 4789', '-Y', where, '--count', '6', '-w', out, '--format', 'json']);
    await waitCapturing(run);
    ping(lab, 3);
    const e = await waitExit(run);
    expect(e.code, `exit code; stderr: ${e.stderr}`).toBe(0);
    const doc = parseJson('live -Y --format json', e);
    expect(doc.live?.packets).toBe(6);
    expect(doc.totals.packets).toBe(3);
    expect(doc.filter).toEqual({ expression: where, packetsRead: 6, packetsPassed: 3, packetsFilteredOut: 3 });
    for (const f of doc.flows) expect(f.inner.src).toBe(POD_IP.node01);
    expect(captureFacts(out).records).toBe(6);
    const r = spawnSync(process.execPath, [CLI, 'analyze', out, '-o', 'json', '-Y', where], { encoding: 'utf8', cwd: ROOT, timeout: 20_000 });
    const again = JSON.parse(r.stdout);
    expect(again.totals.packets).toBe(3);
    expect(flowsOf(again)).toEqual(flowsOf(doc));
  }, TEST_TIMEOUT);

  it('--duration 2 stops by itself: stoppedBy duration, after about 2 s', async () => {
    const { lab, dir } = get();
    const out = join(dir, 'duration.pcap');
    const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '--filter', 'udp port 4789', '--duration', '2', '-w', out, '--format', 'json']);
    await waitCapturing(run);
    ping(lab, 2);
    const e = await waitExit(run);
    expect(e.code, `exit code; stderr: ${e.stderr}`).toBe(0);
    expect(e.ms).toBeGreaterThanOrEqual(2000);
    expect(e.ms).toBeLessThan(15_000);
    const doc = parseJson('live --duration 2 --format json', e);
    expect(doc.live?.stoppedBy).toBe('duration');
    expect(doc.live?.packets).toBe(4);
    expectPodPingFlows(doc, 'vxlan', 4);
    expectFileMatchesReport(out, doc, 4);
  }, TEST_TIMEOUT);

  it('two interfaces (ens37 + vxlan.calico): -w x.pcap is a pcapng with both, = analyze', async () => {
    const { lab, dir } = get();
    const out = join(dir, 'two.pcap');
    // ens37 carries the VXLAN packets, vxlan.calico the same pings decapsulated: 6 + 6
    const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '-i', 'vxlan.calico', '--filter', 'udp port 4789 or icmp', '--count', '12', '-w', out, '--format', 'json']);
    await waitCapturing(run);
    ping(lab, 3);
    const e = await waitExit(run);
    expect(e.code, `exit code; stderr: ${e.stderr}`).toBe(0);
    const doc = parseJson('live -i ens37 -i vxlan.calico --format json', e);
    expect(doc.live?.interfaces).toEqual(['ens37', 'vxlan.calico']);
    expect(doc.live?.packets).toBe(12);
    expect(doc.live?.stoppedBy).toBe('count');
    expect(doc.totals.packets).toBe(12);
    const flows = doc.flows as any[];
    const by = (enc: string) => flows.filter((f) => f.encapsulation === enc).reduce((s, f) => s + f.packets, 0);
    expect(by('vxlan')).toBe(6);
    expect(flows.filter((f) => f.encapsulation !== 'vxlan').every((f) => f.outer === null)).toBe(true);
    for (const f of flows) expect([POD_IP.node01, POD_IP.node04]).toContain(f.inner.src);
    expectFileMatchesReport(out, doc, 12, 'pcapng');
  }, TEST_TIMEOUT);

  it('two interfaces with a model: PASS live, and the same verdict from verify of the -w pcapng (the decapsulated copies are judged on the uplink)', async () => {
    const { lab, dir } = get();
    const out = join(dir, 'two-verdict.pcapng');
    const model = ['--pool', '10.200.0.0/16', '--block-size', '24', '--vxlan', 'CrossSubnet', '--node', `kube-node01=${NODE_IP.node01}/24`, '--node', `kube-node04=${NODE_IP.node04}/24`, '--block', `kube-node01=${BLOCK.node01}`, '--block', `kube-node04=${BLOCK.node04}`];
    const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '-i', 'vxlan.calico', '--filter', 'udp port 4789 or icmp', '--count', '12', '-w', out, '--format', 'json', ...model]);
    await waitCapturing(run);
    ping(lab, 3);
    const e = await waitExit(run);
    expect(e.code, `exit code; stderr: ${e.stderr}`).toBe(0);
    const live = parseJson('live -i ens37 -i vxlan.calico with a model', e) as any;
    expect(live.verify.result).toBe('pass');
    expect(live.verify.points.map((p: { name: string; kind: string }) => `${p.name}:${p.kind}`).sort()).toEqual(['ens37:uplink', 'vxlan.calico:tunnel']);
    expect(live.verify.flows.filter((f: { verdict: string }) => f.verdict === 'copy').length).toBeGreaterThan(0);
    const v = spawnSync('node', [CLI, 'verify', out, ...model, '--format', 'json'], { encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
    const file = JSON.parse(v.stdout);
    expect(file.verify.result).toBe(live.verify.result);
    expect(file.verify.pairs).toEqual(live.verify.pairs);
    expect(file.verify.flows.map((f: { verdict: string }) => f.verdict)).toEqual(live.verify.flows.map((f: { verdict: string }) => f.verdict));
  }, TEST_TIMEOUT);

  it('unknown interface: exit 2, one line naming it and listing the interfaces', () => {
    const { lab } = get();
    const e = cliInNs(lab.ns.node04, ['live', '-i', 'nosuch0', '--count', '1', '--format', 'json']);
    expect(e.code, `stdout: ${e.stdout} stderr: ${e.stderr}`).toBe(2);
    const msg = e.stderr.trim();
    expect(msg.split('\n'), `one line: ${msg}`).toHaveLength(1);
    expect(msg).toContain('nosuch0');
    expect(msg).toContain('ens37');
  }, TEST_TIMEOUT);

  it.skipIf(UNPRIVILEGED_SKIP)(`not permitted (uid 65534 via setpriv): exit 2, one line${UNPRIVILEGED_SKIP ? ` (SKIPPED: ${UNPRIVILEGED_SKIP})` : ''}`, () => {
    const { lab } = get();
    const e = cliInNs(lab.ns.node04, ['live', '-i', 'ens37', '--count', '1', '--format', 'json'], 20_000, UNPRIVILEGED);
    expect(e.code, `stdout: ${e.stdout} stderr: ${e.stderr}`).toBe(2);
    const msg = e.stderr.trim();
    expect(msg.split('\n'), `one line: ${msg}`).toHaveLength(1);
    expect(msg).toMatch(/permi|not permitted|root|capabilit/i);
    expect(e.stdout).toBe('');
  }, TEST_TIMEOUT);

  it("bad BPF filter: exit 2, one line quoting libpcap's message", () => {
    const { lab } = get();
    const e = cliInNs(lab.ns.node04, ['live', '-i', 'ens37', '--filter', 'udp porrt 1', '--count', '1', '--format', 'json']);
    expect(e.code, `stdout: ${e.stdout} stderr: ${e.stderr}`).toBe(2);
    const msg = e.stderr.trim();
    expect(msg.split('\n'), `one line: ${msg}`).toHaveLength(1);
    expect(msg).toMatch(/syntax error|parse error/i);
  }, TEST_TIMEOUT);
});

// ------------------------------------------------------------------ IPIP

// On a terminal the table refreshes about once a second, in place (cursor home + clear), then
// the final report; `script` gives the live process a real pseudo-terminal.
describeLab('vxlan', (get) => {
  it('on a terminal: the table refreshes in place about once a second, then the final report', async () => {
    const { lab, dir } = get();
    const typescript = join(dir, 'tty.out');
    const child = lab.spawnIn(lab.ns.node04, ['script', '-qfc', `node ${CLI} live -i ens37 --duration 3`, typescript], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 1200));
    ping(lab, 3);
    expect(await exited).toBe(0);
    const screen = readFileSync(typescript, 'utf8');
    const refreshes = screen.split('\x1b[H\x1b[2J').length - 1;
    expect(refreshes).toBeGreaterThanOrEqual(2); // at 1 s, 2 s (and the clear before the final report)
    expect(screen).toMatch(/\d+ packets\/s on ens37; Ctrl-C to stop/);
    expect(screen).toMatch(/captured 6 packets on ens37 in [\d.]+ s \(stopped by duration\)/);
  }, TEST_TIMEOUT);
});

describeLab('ipip', (get) => {
  it('--count 6: three pod pings through tunl0 = 6 IPIP packets, report = -w file = analyze', async () => {
    await countSix(get(), 'ipip', 'ip proto 4');
  }, TEST_TIMEOUT);
});

// ------------------------------------------------------------------ the -w file: flushing, full disk


describeLab('vxlan', (get) => {
  it('-w is flushed within a second while live runs, in whole records, and survives SIGKILL', async () => {
    const { lab, dir } = get();
    const out = join(dir, 'flushed.pcap');
    const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '--filter', 'udp port 4789', '-w', out, '--format', 'json']);
    await waitCapturing(run);
    ping(lab, 3);
    await sleep(1500);
    expect(run.child.exitCode, `live still running; stderr: ${run.stderr()}`).toBeNull();
    expect(captureFacts(out)).toEqual({ format: 'pcap', records: 6 });
    run.child.kill('SIGKILL');
    const e = await waitExit(run);
    expect(e.signal).toBe('SIGKILL');
    expect(captureFacts(out)).toEqual({ format: 'pcap', records: 6 });
    expect(analyzeJson(out).totals.packets).toBe(6);
  }, TEST_TIMEOUT);

  it('-U (--packet-buffered): every packet is in the file right after it was captured', async () => {
    const { lab, dir } = get();
    const out = join(dir, 'packet-buffered.pcapng');
    const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '--filter', 'udp port 4789', '-U', '-w', out, '--format', 'json']);
    await waitCapturing(run);
    // three rounds, each read 150 ms after the reply: far from always after a once-a-second flush
    for (let round = 1; round <= 3; round++) {
      ping(lab, 1);
      await sleep(150);
      expect(captureFacts(out), `round ${round}`).toEqual({ format: 'pcapng', records: 2 * round });
    }
    run.child.kill('SIGINT');
    const e = await waitExit(run);
    expect(e.code, `stderr: ${e.stderr}`).toBe(0);
    expect(parseJson('live -U', e).live).toMatchObject({ packets: 6, writtenPackets: 6 });
  }, TEST_TIMEOUT);

  it('-w on a full disk (16 KiB tmpfs): whole records kept, capture stops, report printed, exit 2 with one line', async () => {
    const { lab, dir } = get();
    await withTmpfs(dir, '16k', async (mount) => {
      const out = join(mount, 'full.pcap');
      const run = startLive(lab, lab.ns.node04, ['-i', 'ens37', '--filter', 'udp port 4789', '-w', out, '--format', 'json']);
      await waitCapturing(run);
      // 1000-byte pings: 24 VXLAN packets of about 1.1 KB, more than 16 KiB
      lab.exec('pod01', ['ping', '-n', '-c', '12', '-i', '0.2', '-s', '1000', '-W', '2', POD_IP.node04], { allowFail: true });
      const e = await waitExit(run);
      expect(e.signal, `stderr: ${e.stderr}`).toBeNull();
      expect(e.code, `stderr: ${e.stderr}`).toBe(2);
      const lines = e.stderr.trimEnd().split('\n');
      expect(lines, e.stderr).toHaveLength(1);
      const doc = parseJson('live -w on a full disk', e);
      const kept = doc.live.writtenPackets;
      const facts = captureFacts(out); // throws on a torn record
      expect(facts.records).toBe(kept);
      expect(kept).toBeGreaterThan(5);
      expect(doc.live.packets).toBeGreaterThan(kept);
      expect(doc.live.stoppedBy).toBe('write-error');
      expect(doc.totals.packets).toBe(doc.live.packets);
      const size = statSync(out).size;
      expect(lines[0]).toBe(`calico-pcap: ${out}: cannot write: no space left on device (ENOSPC); it holds the first ${kept} of ${doc.live.packets} packets captured (${size} bytes, ending on a whole record)`);
      expect(analyzeJson(out).totals.packets).toBe(kept);
    });
  }, TEST_TIMEOUT);

  it('-w /proc/version (cannot be written): exit 2, one line naming it, before capturing', () => {
    const { lab } = get();
    const e = cliInNs(lab.ns.node04, ['live', '-i', 'ens37', '-w', '/proc/version', '--count', '1', '--format', 'json']);
    expect(e.code, `stdout: ${e.stdout} stderr: ${e.stderr}`).toBe(2);
    expect(e.stderr).toMatch(/^calico-pcap: \/proc\/version: cannot write: [^\n]+ \(E[A-Z]+\)\n$/);
    expect(e.stdout).toBe('');
  }, TEST_TIMEOUT);
});

// ------------------------------------------------------------------ many flows on a terminal

/** Pid of the node process running `live` with `marker` in its command line (not script or sh around it). */
async function livePid(marker: string, timeoutMs = 10_000): Promise<number> {
  const node = realpathSync(process.execPath);
  const isNode = (pid: number) => {
    try {
      return realpathSync(readlinkSync(`/proc/${pid}/exe`)) === node;
    } catch {
      return false;
    }
  };
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = processesMatching(/ live /)
      .filter((l) => l.includes(`${CLI} live`) && l.includes(marker))
      .map((l) => Number(l.split(' ')[0]))
      .filter(isNode);
    if (found.length === 1) return found[0];
    if (Date.now() > end) throw new Error(`not one live process for ${marker}: ${found.join(', ')}`);
    await sleep(50);
  }
}

/** 20 000 UDP datagrams from pod01 to pod04, each to another port: 20 000 VXLAN flows on ens37. */
function manyFlows(lab: Lab, flows = 20_000): void {
  const js = `const s=require('dgram').createSocket('udp4');let p=0;const b=Buffer.from('x');(function go(){if(p>=${flows})return s.close();s.send(b,1+p++,'${POD_IP.node04}',go)})()`;
  lab.exec('pod01', [process.execPath, '-e', js], { timeoutMs: 60_000 });
}

/** The process has ended (gone, or a zombie not yet reaped by the shell under script). */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

for (const second of ['SIGINT', 'SIGTERM'] as const) {
  describeLab('vxlan', (get) => {
    it(`20 000 flows on a terminal: the refresh stays cheap, and Ctrl-C then ${second} ends it at once`, async () => {
      const { lab, dir } = get();
      const out = join(dir, `pty-${second}.pcap`);
      const typescript = join(dir, `pty-${second}.out`);
      lab.exec('pod01', ['ping', '-n', '-c', '1', '-W', '2', POD_IP.node04]); // neighbours resolved
      const child = lab.spawnIn(lab.ns.node04, ['script', '-qfc', `${process.execPath} ${CLI} live -i ens37 --filter 'udp port 4789' -w ${out}`, typescript], { stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      try {
        const pid = await livePid(out);
        const t0 = Date.now();
        while (ownPacketSockets(pid).length < 1 && Date.now() - t0 < 10_000) await sleep(50);
        await sleep(1000);
        manyFlows(lab);
        await sleep(2500); // refreshes over 20 000 flows happen meanwhile
        process.kill(pid, 'SIGINT');
        await sleep(300); // the final report of 20 000 flows is being rendered now
        expect(gone(pid), 'live still running after the first Ctrl-C: it renders the report').toBe(false);
        const sent = Date.now();
        process.kill(pid, second);
        while (!gone(pid) && Date.now() - sent < 10_000) await sleep(20);
        const ms = Date.now() - sent;
        expect(gone(pid), `live still running ${ms} ms after ${second}`).toBe(true);
        expect(ms).toBeLessThan(1000);
        // the refreshes showed the busiest flows only (all of them took seconds to render)
        const screen = readFileSync(typescript, 'utf8');
        const shown = /\(the (\d+) busiest of (\d+) flows; the final report lists all\)/.exec(screen);
        expect(shown, 'a refresh showing only the busiest flows').not.toBeNull();
        expect(Number(shown![1])).toBeLessThanOrEqual(200);
        expect(Number(shown![2])).toBeGreaterThan(2000);
        // stopped by the first Ctrl-C: the -w file was closed, whole, before the report was
        // rendered (not every datagram reaches the capture: the sender outruns the veth queue)
        expect(captureFacts(out).records).toBeGreaterThan(2000);
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
    }, 60_000);
  });
}

// ------------------------------------------------------------------ nothing left behind

describe.skipIf(SKIP)('live lab cleanup', () => {
  it('leaves no namespace and no live or ipip-tunnel process behind', () => {
    expect(leftoverNamespaces(), `namespaces ${LAB_PREFIX}*`).toEqual([]);
    expect(spawnedByLabs.length).toBeGreaterThan(0);
    expect(stillRunning(spawnedByLabs)).toEqual([]);
  });
});
