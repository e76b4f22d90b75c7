// Hostile and odd model input through the real CLI: cluster and --expect files that are endless,
// huge, alias bombs or too deep are one-line errors (exit 2) with bounded memory; sources that
// contradict each other are warnings naming both; names with terminal escapes and bidi controls
// reach the terminal inert.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-hostile-model-'));
const CAPTURE = join(ROOT, 'fixtures', 'vxlan-crosssubnet', 'node04-ens37.pcap');
const CLUSTER = join(ROOT, 'fixtures', 'vxlan-crosssubnet', 'cluster.yaml');

/** Runs the CLI; exit code, output, and its peak RSS in MB (measured inside the process). */
function run(args: string[]) {
  const rusage = join(dir, `rusage-${Math.random()}.json`);
  const r = spawnSync('node', ['--import', join(ROOT, 'dist-dev', 'dev', 'bench', 'rusage-preload.js'), CLI, ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, CALICO_PCAP_BENCH_RUSAGE: rusage }, timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20,
  });
  let peakMb = Infinity;
  try {
    peakMb = JSON.parse(readFileSync(rusage, 'utf8')).maxRSS_kB / 1024;
  } catch {
    // killed before exit: no measurement, the assertions below fail
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, peakMb };
}

function write(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('model files are read within bounds (exit 2, one line naming the file)', () => {
  it('--cluster /dev/zero: stops after 64 MiB', () => {
    const r = run(['verify', CAPTURE, '--cluster', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('calico-pcap: /dev/zero: more than 64 MiB, too big for a cluster file\n');
    expect(r.stdout).toBe('');
    expect(r.peakMb).toBeLessThan(250);
  });

  it('--expect /dev/zero: stops after 1 MiB', () => {
    const r = run(['verify', CAPTURE, '--cluster', CLUSTER, '--expect', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('calico-pcap: /dev/zero: more than 1 MiB, too big for an expectations file\n');
    expect(r.peakMb).toBeLessThan(150);
  });

  it('a 65 MiB YAML file is refused, not parsed', () => {
    const path = write('huge.yaml', Buffer.alloc(65 << 20, '# a comment line, repeated\n'));
    const r = run(['verify', CAPTURE, '--cluster', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${path}: more than 64 MiB, too big for a cluster file\n`);
    expect(r.peakMb).toBeLessThan(300);
  });

  it('a 4 MB YAML of a million tiny nodes is refused before the YAML library spends a GB on it', () => {
    const path = write('many-nodes.yaml', '- 1\n'.repeat(1_100_000));
    const r = run(['verify', CAPTURE, '--cluster', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${path}: more than 1,000,000 YAML nodes, too many to read (export as JSON, e.g. kubectl get nodes -o json, which costs far less)\n`);
    expect(r.peakMb).toBeLessThan(250);
  });

  it('a billion-laughs alias bomb is bad input (exit 2), not an internal error', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const [prev, cur] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const path = write('laughs.yaml', levels.join('\n') + '\n');
    const r = run(['verify', CAPTURE, '--cluster', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${path}: not YAML or JSON: Excessive alias count indicates a resource exhaustion attack\n`);
    const expect2 = run(['verify', CAPTURE, '--cluster', CLUSTER, '--expect', path]);
    expect(expect2.code).toBe(2);
    expect(expect2.stderr).toBe(r.stderr);
  });

  it('nesting too deep for the parser is one line, without the library position text', () => {
    const path = write('deep.yaml', Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}- `).join('\n') + 'x\n');
    const r = run(['verify', CAPTURE, '--cluster', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${path}: not YAML or JSON: nested too deeply\n`);
  });

  it('a repeated key in a YAML mapping is an error: which of the two was meant is unknown', () => {
    const path = write('dup.yaml', 'pools:\n  - cidr: 10.200.0.0/16\n    vxlanMode: Always\n    vxlanMode: Never\n');
    const r = run(['verify', CAPTURE, '--cluster', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${path}: not YAML or JSON: Map keys must be unique at line 4, column 5\n`);
  });

  it('a FIFO is read like a file; one that never ends stops at the bound', async () => {
    const fifo = join(dir, 'cluster.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const feed = (command: string) => spawn('sh', ['-c', `${command} > '${fifo}'`], { stdio: 'ignore' });
    const ended = (child: ReturnType<typeof spawn>) => new Promise((resolve) => child.on('exit', resolve));
    let writer = feed(`cat '${CLUSTER}'`);
    const ok = run(['verify', CAPTURE, '--cluster', fifo, '--format', 'json']);
    await ended(writer);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).verify.model.nodes.map((n: { name: string }) => n.name)).toEqual(['kube-master01', 'kube-node01', 'kube-node02', 'kube-node04']);
    writer = feed('cat /dev/zero');
    const endless = run(['verify', CAPTURE, '--cluster', fifo]);
    await ended(writer); // SIGPIPE once calico-pcap closed its end
    expect(endless.code).toBe(2);
    expect(endless.stderr).toBe(`calico-pcap: ${fifo}: more than 64 MiB, too big for a cluster file\n`);
    expect(endless.peakMb).toBeLessThan(250);
  });
});

describe('contradictory model sources are warnings naming both, and the run goes on', () => {
  // The reference cluster, then a second file that contradicts it where the verdicts do not
  // change (all of node04's traffic crosses subnets: VXLAN under Always and CrossSubnet alike).
  const contradicting = write('contradicting.yaml', [
    'pools:',
    '  - {name: default-ipv4-ippool, cidr: 10.200.0.0/16, blockSize: 24, vxlanMode: Always}',
    '  - {name: unused, cidr: 10.200.100.0/24, ipipMode: Always}',
    'nodes:',
    '  - {name: kube-ghost, address: 10.0.2.202/24}',
    '',
  ].join('\n'));
  const WARNINGS = [
    `pool 10.200.0.0/16 is defined twice: default-ipv4-ippool 10.200.0.0/16 /24 ipipMode=Never vxlanMode=CrossSubnet (${CLUSTER}) and default-ipv4-ippool 10.200.0.0/16 /24 ipipMode=Never vxlanMode=Always (${contradicting}); the later is used`,
    `node kube-node01 is defined twice with different addresses: 10.0.2.201/24 (${CLUSTER} nodes[1].address) and 10.0.2.201/25 (--node kube-node01=10.0.2.201/25); the later is used`,
    `pools default-ipv4-ippool (${contradicting}) and unused (${contradicting}) overlap with different modes: default-ipv4-ippool 10.200.0.0/16 /24 ipipMode=Never vxlanMode=Always and unused 10.200.100.0/24 /26 ipipMode=Always vxlanMode=Never; the longer prefix decides`,
    `nodes kube-node02 (${CLUSTER} nodes[2].address) and kube-ghost (${contradicting} nodes[0].address) have the same address 10.0.2.202: its packets are attributed to kube-node02`,
  ];
  const args = ['--cluster', CLUSTER, '--cluster', contradicting, '--node', 'kube-node01=10.0.2.201/25'];

  it('verify: one stderr line each, the same lines in verify.model.warnings, the result kept', () => {
    const r = run(['verify', CAPTURE, ...args, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(WARNINGS.map((w) => `calico-pcap: warning: ${w}\n`).join(''));
    const doc = JSON.parse(r.stdout);
    expect(doc.verify.model.warnings).toEqual(WARNINGS);
    expect(doc.verify.result).toBe('pass');
    expect(doc.verify.model.pools.find((p: { cidr: string }) => p.cidr === '10.200.0.0/16').vxlanMode).toBe('Always');
    expect(doc.verify.model.nodes.find((n: { name: string }) => n.name === 'kube-node01').address).toBe('10.0.2.201/25');
  });

  it('correlate (an optional model) prints them too', () => {
    const r = run(['correlate', CAPTURE, ...args, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(WARNINGS.map((w) => `calico-pcap: warning: ${w}\n`).join(''));
    expect(JSON.parse(r.stdout).captures[0].node).toBe('kube-node04');
  });

  it('a model without contradictions has none', () => {
    const r = run(['verify', CAPTURE, '--cluster', CLUSTER, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).verify.model.warnings).toEqual([]);
  });
});

describe('hostile names reach the terminal inert', () => {
  // kube-node04 renamed: an SGR colour, a C1 CSI, a BEL and a right-to-left override.
  const EVIL = 'kube-\x1b[31mnode04\u009b2J\x07\u202e';
  const SHOWN = 'kube-\\x1b[31mnode04\\x9b2J\\x07\\u202e';
  const cluster = write('evil-cluster.yaml', readFileSync(CLUSTER, 'utf8').replace('name: kube-node04', 'name: "kube-\\e[31mnode04\\x9b2J\\a\\u202e"'));
  const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

  it('the verify table shows the node name escaped, and no raw control from the input', () => {
    const r = run(['verify', CAPTURE, '--cluster', cluster, '--no-color']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toContain(`kube-node02 -> ${SHOWN}: expected vxlan, seen vxlan, ok`);
  });

  it('verify JSON escapes them too, and reads back as the same name', () => {
    const r = run(['verify', CAPTURE, '--cluster', cluster, '--format', 'json']);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toContain('"kube-\\u001b[31mnode04\\u009b2J\\u0007\\u202e"');
    expect(JSON.parse(r.stdout).verify.model.nodes.map((n: { name: string }) => n.name)).toContain(EVIL);
  });

  it('warnings and errors on stderr are escaped', () => {
    const warned = run(['verify', CAPTURE, '--cluster', cluster, '--node', `${EVIL}=10.0.1.99/24`, '--format', 'json']);
    expect(warned.stderr).toBe(`calico-pcap: warning: node ${SHOWN} is defined twice with different addresses: 10.0.1.204/24 (${cluster} nodes[3].address) and 10.0.1.99/24 (--node ${SHOWN}=10.0.1.99/24); the later is used\n`);
    const failed = run(['verify', CAPTURE, '--node', `${EVIL}=not-an-ip`]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe(`calico-pcap: flags: --node ${SHOWN}="not-an-ip" is not IP/PREFIX\n`);
  });

  it('pairs from an --expect file are escaped in the differences', () => {
    const expectFile = write('evil.expect.yaml', 'pairs:\n  "kube-\\e]0;pwned\\a -> kube-node04": ipip\n');
    const r = run(['verify', CAPTURE, '--cluster', CLUSTER, '--expect', expectFile, '--no-color']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toContain('  - pair kube-\\x1b]0;pwned\\x07 -> kube-node04: expected ipip, not in the capture\n');
    expect(r.stderr).not.toMatch(RAW);
  });

  it('a node name of 70,000 characters: the tables show it shortened, at once; JSON keeps it whole', () => {
    // Found by the fuzzer: cli-table3 measured the cell again per column, and correlate ran minutes.
    const long = 'kube-node04-' + 'x'.repeat(70_000);
    const huge = write('long-name-cluster.yaml', readFileSync(CLUSTER, 'utf8').replace('name: kube-node04', `name: ${long}`));
    const c = 'fixtures/vxlan-crosssubnet';
    const started = Date.now();
    const table = run(['correlate', `${c}/node02-ens37.pcap`, `${c}/node04-ens37.pcap`, '--cluster', huge, '--no-color']);
    const verifyTable = run(['verify', CAPTURE, '--cluster', huge, '--no-color']);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(table.code).toBe(0);
    expect(verifyTable.code).toBe(0);
    const shown = `kube-node04-${'x'.repeat(308)}...[69652 characters left out]...${'x'.repeat(40)}`;
    expect(verifyTable.stdout).toContain(`kube-node02 -> ${shown}: expected vxlan, seen vxlan, ok`);
    expect(table.stdout).toContain(shown);
    expect(Math.max(...table.stdout.split('\n').map((l) => l.length))).toBeLessThan(1000);
    const json = run(['verify', CAPTURE, '--cluster', huge, '--format', 'json']);
    expect(JSON.parse(json.stdout).verify.model.nodes.map((n: { name: string }) => n.name)).toContain(long);
  });

  it('the analyze table escapes a capture file name', () => {
    const evilCapture = join(dir, 'cap\x1b[2J\u202egnp.pcap');
    copyFileSync(CAPTURE, evilCapture);
    const r = run(['analyze', evilCapture, '--no-color']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout.split('\n')[0]).toBe(`${join(dir, 'cap\\x1b[2J\\u202egnp.pcap')}: pcap, ETHERNET`);
  });

  it('the correlate table escapes node and file names', () => {
    const r = run(['correlate', `${EVIL}=${CAPTURE}`, CAPTURE.replace('node04', 'node02'), '--no-color']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toContain(`│ 0 │ ${CAPTURE} │ ${SHOWN} │`);
    expect(r.stdout).toContain(`│ 10.0.2.202 -> ${SHOWN} │ 4 `);
  });
});
