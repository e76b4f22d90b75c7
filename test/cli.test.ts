// The command line as users run it (the built dist/cli.js): exit codes and exact messages.
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../src/capture/pcap-writer.js';
import { buildPacket } from '../src/dev/synth/index.js';
import { examplesOf } from '../src/commands/help-examples.js';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-cli-'));

function run(args: string[], input?: Buffer) {
  const r = spawnSync('node', [CLI, ...args], { input, encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function capture(name: string, packets: Uint8Array[]): Promise<string> {
  const path = join(dir, name);
  const w = PcapWriter.openFile(path, { linktype: 1 });
  packets.forEach((p, i) => w.writePacket(p, 1764064800 + i, 0));
  await w.close();
  return path;
}

const good = buildPacket([{ eth: {} }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { udp: { sport: 40000, dport: 4789 } }, { vxlan: { vni: 4096 } }, { eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { tcp: { sport: 8080, dport: 43512 } }]);
// IHL 15 (60 bytes) with only 20 bytes of IP header before the frame ends at 34 bytes.
const badIhl = (() => {
  const b = buildPacket([{ eth: {} }, { ipv4: { src: '10.0.2.201', dst: '10.0.1.204' } }]);
  b[14] = 0x4f;
  return b;
})();

describe('exit codes and messages', () => {
  it('0: analysed, with the flow table on stdout', async () => {
    const r = run(['analyze', await capture('good.pcap', [good, good])]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/vxlan .*10\.0\.1\.204 -> 10\.0\.2\.201 .*4096 .*10\.200\.255\.10 -> 10\.200\.2\.10 .*tcp 8080 -> 43512 .* 2 /);
  });

  it('0 (lax): a malformed packet is counted, the rest analysed', async () => {
    const r = run(['analyze', await capture('lax.pcap', [good, badIhl, good]), '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.totals.packets).toBe(3);
    expect(doc.totals.malformedPackets).toBe(1);
    expect(doc.issues.counts).toEqual({ 'ipv4.truncated': 1 });
    expect(doc.issues.records[0]).toMatchObject({ code: 'ipv4.truncated', packet: 2, offset: 24 + 16 + good.length + 16 + 14, needed: 60, present: 20 });
    expect(doc.flows[0].packets).toBe(2);
  });

  it('1: --strict stops at the first malformed packet with a one-line message', async () => {
    const path = await capture('strict.pcap', [good, badIhl, good]);
    const r = run(['analyze', path, '--strict', '--format', 'json']);
    expect(r.code).toBe(1);
    const offset = 24 + 16 + good.length + 16 + 14;
    expect(r.stderr).toBe(`calico-pcap: ${path}: packet 2 at byte ${offset}: IPv4 header longer than the bytes present (60 bytes needed, 20 present)\n`);
    expect(JSON.parse(r.stdout).totals.packets).toBe(2);
  });

  it('2: a missing file', () => {
    const r = run(['analyze', 'nope.pcap']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('calico-pcap: nope.pcap: no such file\n');
    expect(r.stdout).toBe('');
  });

  it('2: not a capture', () => {
    writeFileSync(join(dir, 'text.pcap'), 'hello world, not a capture\n');
    const r = run(['analyze', 'text.pcap']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('calico-pcap: text.pcap: not a pcap or pcapng capture (starts with 0x68656c6c)\n');
  });

  it('2: an unsupported link type for every interface', async () => {
    const path = join(dir, 'ppp.pcap');
    const w = PcapWriter.openFile(path, { linktype: 9 });
    w.writePacket(good, 1, 0);
    await w.close();
    const r = run(['analyze', 'ppp.pcap']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('calico-pcap: ppp.pcap: unsupported link type 9 (unknown(9)): nothing to decode\n');
  });

  it('2: bad usage', () => {
    const r = run(['analyze', 'x.pcap', '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^calico-pcap: option '--format <format>' argument 'xml' is invalid/);
    expect(run(['analyze', 'x.pcap', '-o', 'xml']).stderr).toMatch(/^calico-pcap: option '-o, --output <format>' argument 'xml' is invalid/);
    expect(run(['frobnicate']).code).toBe(2);
    const bare = run([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: calico-pcap \[options\] \[command\]/);
    expect(run(['--help']).code).toBe(0);
    expect(run(['analyze', 'x.pcap', '--vxlan-port', '70000']).code).toBe(2);
  });

  it('0 with a warning: a truncated file reports what came before', async () => {
    const path = await capture('trunc-src.pcap', [good, good, good]);
    const bytes = readFileSync(path);
    writeFileSync(join(dir, 'trunc.pcap'), bytes.subarray(0, bytes.length - 5));
    const r = run(['analyze', 'trunc.pcap', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).totals.packets).toBe(2);
    const at = 24 + 2 * (16 + good.length);
    expect(r.stderr).toBe(`calico-pcap: trunc.pcap: packet 3 at byte ${at}: the file ends ${bytes.length - 5 - at} byte(s) into a record of ${16 + good.length} (read stopped; 2 packets before it were analysed)\n`);
  });

  it('csv and ndjson', async () => {
    const path = await capture('formats.pcap', [good]);
    const csv = run(['analyze', path, '--format', 'csv']).stdout.split('\n');
    expect(csv[0]).toBe('encapsulation,outer_src,outer_dst,vni,inner_src,inner_dst,protocol,sport,dport,packets,bytes,fragments,malformed_packets,bad_checksums,first_packet,first_time,last_time');
    expect(csv[1]).toBe(`vxlan,10.0.1.204,10.0.2.201,4096,10.200.255.10,10.200.2.10,tcp,8080,43512,1,${good.length},0,0,0,1,2025-11-25T10:00:00.000000000Z,2025-11-25T10:00:00.000000000Z`);
    const lines = run(['analyze', path, '--format', 'ndjson']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ packet: 1, tunnels: [{ type: 'vxlan', src: '10.0.1.204', dst: '10.0.2.201', vni: 4096 }], inner: { src: '10.200.255.10', dst: '10.200.2.10', proto: 6, sport: 8080, dport: 43512 } });
    expect(lines[1].summary.totals.packets).toBe(1);
  });
});

describe('the version', () => {
  it('--version and every document say the version package.json gives', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(run(['--version']).stdout).toBe(`${pkg.version}\n`);
    const doc = JSON.parse(run(['analyze', join(__dirname, '..', 'fixtures', 'vxlan-crosssubnet', 'node04-ens37.pcap'), '--format', 'json']).stdout);
    expect(doc.tool).toEqual({ name: 'calico-pcap', version: pkg.version });
  });
});

describe('the habits of tcpdump and kubectl (issue 10, first steps)', () => {
  const ROOT = join(__dirname, '..');
  it('report --html - writes the page to standard output and the summary to stderr; no file named "-"', () => {
    const fixture = (f: string) => join(ROOT, 'fixtures', 'vxlan-crosssubnet', f);
    const r = spawnSync('node', [CLI, 'report', '--html', '-', fixture('node04-ens37.pcap'), '--cluster', fixture('cluster.yaml')], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(r.stdout.trimEnd().endsWith('</html>')).toBe(true);
    expect(r.stderr).toBe('wrote standard output: 1 capture(s), 12 flows, 0 of 1 failing verification\n');
    expect(existsSync(join(dir, '-'))).toBe(false);
  });
  it('live --format junit without a model is bad usage, exit 2 at once (before any capture)', () => {
    const r = spawnSync('node', [CLI, 'live', '-i', 'lo', '--format', 'junit'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('calico-pcap: live -o junit needs a cluster model (--cluster, or --pool and --node): JUnit test cases are verdicts\n');
  });
});

describe('the habits of tcpdump, tshark and kubectl', () => {
  const ROOT = join(__dirname, '..');
  const NODE04 = join(ROOT, 'fixtures/vxlan-crosssubnet/node04-ens37.pcap');
  const CLUSTER = join(ROOT, 'fixtures/vxlan-crosssubnet/cluster.yaml');
  it('-o FORMAT as kubectl takes it; --format is the same option', () => {
    const o = run(['analyze', '-o', 'json', NODE04]);
    const format = run(['analyze', '--format', 'json', NODE04]);
    expect(o.code).toBe(0);
    expect(JSON.parse(o.stdout).totals.flows).toBe(12);
    expect(o.stdout).toBe(format.stdout);
    expect(run(['verify', '--cluster', CLUSTER, '--output', 'junit', NODE04]).stdout).toMatch(/^<\?xml/);
    expect(JSON.parse(run(['correlate', '-o', 'json', NODE04]).stdout).schema).toBeDefined();
  });
  it('-f is a capture filter: on a file it is bad usage, exit 2, naming -Y and -o', () => {
    for (const cmd of [['analyze', NODE04], ['verify', '--cluster', CLUSTER, NODE04], ['correlate', NODE04], ['report', '--html', '-', NODE04]]) {
      const r = run([...cmd, '-f', 'json']);
      expect(r.code, cmd.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('calico-pcap: -f is a capture filter (BPF, as in tcpdump and dumpcap) and applies only to live; select packets of a file with -Y/--where EXPR; choose the output format with -o FORMAT\n');
    }
  });
  it('-r FILE reads the capture, as tcpdump -r; repeatable, added to the arguments (each file once); not neither', () => {
    const r = run(['analyze', '-o', 'csv', '-r', NODE04]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(run(['analyze', '-o', 'csv', NODE04]).stdout);
    expect(run(['verify', '--cluster', CLUSTER, '-r', NODE04]).code).toBe(0);
    // The same file as an argument and with -r is read once: the single-capture output.
    expect(run(['analyze', '-o', 'csv', '-r', NODE04, NODE04]).stdout).toBe(r.stdout);
    const none = run(['analyze']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('calico-pcap: missing capture: give a file, - for standard input, or -r FILE\n');
  });
  it('--write-expect - writes the expectations to stdout (verdicts on stderr), and --expect reads them back', () => {
    const r = run(['verify', '--cluster', CLUSTER, '--write-expect', '-', NODE04]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, '-'))).toBe(false);
    expect(r.stdout).toMatch(/^# calico-pcap verify --expect: what .*node04-ens37.pcap must show\nresult: pass\n/);
    expect(r.stdout).toContain('  kube-node01 -> kube-node04: vxlan\n');
    expect(r.stderr).toMatch(/PASS/);
    writeFileSync(join(dir, 'pinned.yaml'), r.stdout);
    expect(run(['verify', '--cluster', CLUSTER, '--expect', join(dir, 'pinned.yaml'), NODE04]).code).toBe(0);
  });
});

describe('colour as the conventions say (NO_COLOR, FORCE_COLOR), verdict words coloured', () => {
  const ROOT = join(__dirname, '..');
  const failing = () => [CLI, 'verify', join(ROOT, 'fixtures/ipip-crosssubnet/node04-ens37.pcap'), '--cluster', join(ROOT, 'fixtures/cluster/reference-cluster.yaml')];
  const withEnv = (env: Record<string, string>) => {
    const clean = { ...process.env };
    delete clean.NO_COLOR;
    delete clean.FORCE_COLOR;
    return spawnSync('node', failing(), { encoding: 'utf8', env: { ...clean, ...env } });
  };
  it('into a pipe: no colour, unless FORCE_COLOR; then MISMATCH and FAIL are red', () => {
    expect(withEnv({}).stdout).not.toContain('\x1b[');
    const forced = withEnv({ FORCE_COLOR: '1' });
    expect(forced.status).toBe(1);
    expect(forced.stdout).toContain('\nresult: \x1b[31mFAIL\x1b[39m\n');
    expect(forced.stdout).toContain('\x1b[31mMISMATCH: expected vxlan\x1b[39m');
    expect(withEnv({ FORCE_COLOR: '0' }).stdout).not.toContain('\x1b[');
  });
  it('NO_COLOR wins over FORCE_COLOR, and --no-color over both', () => {
    expect(withEnv({ FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain('\x1b[');
    const r = spawnSync('node', [...failing(), '--no-color'], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '1' } });
    expect(r.stdout).not.toContain('\x1b[');
  });
});

describe('every --help ends with real examples, and they run', () => {
  const ROOT = join(__dirname, '..');
  const work = mkdtempSync(join(tmpdir(), 'calico-pcap-examples-'));
  symlinkSync(join(ROOT, 'fixtures'), join(work, 'fixtures'));
  const shell = (example: string) => spawnSync('bash', ['-c', example.replace(/^calico-pcap /, `node ${CLI} `).replace(/\| calico-pcap /g, `| node ${CLI} `)], { cwd: work, encoding: 'utf8' });
  for (const command of ['analyze', 'verify', 'correlate', 'report', 'live', 'rbac']) {
    it(`${command} --help ends with its examples`, () => {
      const help = spawnSync('node', [CLI, command, '--help'], { encoding: 'utf8' });
      expect(help.status).toBe(0);
      expect(help.stdout.trimEnd().endsWith(examplesOf(command).map((e) => `  $ ${e}`).join('\n'))).toBe(true);
      expect(examplesOf(command).length).toBeGreaterThanOrEqual(2);
    });
  }
  for (const command of ['analyze', 'verify', 'correlate', 'report']) {
    for (const example of examplesOf(command)) {
      it(`runs: ${example}`, () => {
        const r = shell(example);
        // correlate --fail-on-loss on the drops capture fails on purpose; everything else passes
        expect(r.status, r.stderr).toBe(example.includes('--fail-on-loss') ? 1 : 0);
        expect(r.stderr.includes('internal error')).toBe(false);
        if (command === 'report') expect(readFileSync(join(work, 'report.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
        else expect(r.stdout.length).toBeGreaterThan(100);
      });
    }
  }
  it('the rbac examples print the role and binding (the part before | kubectl, which needs a cluster: test/rbac.test.ts applies it to one)', () => {
    for (const example of examplesOf('rbac')) {
      const r = shell(example.replace(/ \| kubectl .*$/, ''));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/kind(: |": ")ClusterRoleBinding/);
    }
  });
  it('the live examples parse (checked with --list-interfaces, which stops before capturing)', () => {
    for (const example of examplesOf('live')) {
      const r = shell(example.includes('--list-interfaces') ? example : `${example} --list-interfaces`);
      // Without the optional cap binding (never in CI) the line says so; options are parsed first either way.
      if (r.status !== 0) expect(r.stderr).toMatch(/optional native module 'cap'/);
      expect(r.stderr).not.toMatch(/unknown option|error: /);
    }
  });
});
