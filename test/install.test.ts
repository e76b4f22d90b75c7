// Installation as users do it: `npm pack` makes the tarball, `npm install -g --prefix TMP` installs
// it (dependencies from the configured registry or the npm cache, no other network), and the
// installed `calico-pcap` runs from another directory on a bundled capture copied there. The
// optional `cap` binding may fail to build: the install must still succeed and `live` say what is
// missing. The kubectl plugin shim `kubectl-calico_pcap` runs the same command line, directly and
// through real kubectl's plugin discovery when kubectl is on the machine.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  files: string[];
  engines: { node: string };
};
const TMP = mkdtempSync(join(tmpdir(), 'calico-pcap-install-'));
const ELSEWHERE = join(TMP, 'elsewhere'); // no package.json, no node_modules: nothing to lean on
const CAPTURE = join(ELSEWHERE, 'uplink.pcap');
const CLUSTER = join(ELSEWHERE, 'cluster.yaml');

/** The environment of a user's shell: no npm_* variables inherited from `npm test`'s own run. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.toLowerCase().startsWith('npm_') || /^npm_config_(cache|userconfig|globalconfig|registry|cafile)$/i.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function sh(command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { cwd: opts.cwd, env: opts.env ?? userEnv(), encoding: 'utf8', timeout: opts.timeout ?? 60_000, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

/** Installs the tarball into a fresh prefix; returns the prefix, its bin/ and npm's own output. */
function installInto(name: string, tarball: string, env: NodeJS.ProcessEnv) {
  const prefix = join(TMP, name);
  const r = sh('npm', ['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: TMP, env, timeout: 120_000 });
  return { prefix, bin: join(prefix, 'bin'), r, packageDir: join(prefix, 'lib', 'node_modules', PKG.name) };
}

const withBin = (bin: string) => userEnv({ PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` });

let tarball = '';
let packed: string[] = [];

beforeAll(() => {
  mkdirSync(ELSEWHERE);
  copyFileSync(join(ROOT, 'fixtures', 'vxlan-crosssubnet', 'node04-ens37.pcap'), CAPTURE);
  copyFileSync(join(ROOT, 'fixtures', 'cluster', 'reference-cluster.yaml'), CLUSTER);
  // --ignore-scripts: prepack cleans and rebuilds dist/, which the other test files are using now;
  // `npm test` has just built it.
  const r = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', TMP], { cwd: ROOT });
  expect(r.status, r.stderr).toBe(0);
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(TMP, info.filename);
  packed = info.files.map((f) => f.path).sort();
}, 60_000);

afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('the npm package', () => {
  it('ships the compiled program and nothing else: every shipped source compiled, no dev tools, no stale files', () => {
    expect(existsSync(tarball)).toBe(true);
    const other = packed.filter((p) => !p.startsWith('dist/'));
    expect(other.every((p) => /^(README\.md|package\.json|LICENSE(\.\w+)?)$/.test(p)), other.join(', ')).toBe(true);
    const dist = packed.filter((p) => p.startsWith('dist/'));
    expect(dist.filter((p) => !p.endsWith('.js')), 'only JavaScript under dist/').toEqual([]);
    expect(dist.filter((p) => p.startsWith('dist/dev/')), 'bench, fuzz and synth live in dist-dev, never shipped').toEqual([]);
    // The shipped modules are exactly the compiled src/ (less src/dev): a file left in dist/ by a
    // source since removed would be shipped too (`npm pack` cleans first through prepack).
    const sources = (readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }) as string[])
      // TypeScript modules, and the display filter's parser, generated as JavaScript by peggy (allowJs)
      .filter((f) => ((f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.js')) && !f.startsWith('dev/'))
      .map((f) => `dist/${f.replace(/\.ts$/, '.js')}`)
      .sort();
    expect(dist, 'dist/ holds files no source compiles to: rm -rf dist && npm run build').toEqual(sources);
  });

  it('declares its programs, with a shebang, and the Node it needs', () => {
    expect(Object.keys(PKG.bin).sort()).toEqual(['calico-pcap', 'kubectl-calico_pcap']);
    for (const target of Object.values(PKG.bin)) {
      expect(packed).toContain(target);
      expect(readFileSync(join(ROOT, target), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    }
    expect(PKG.engines.node).toBe('>=20');
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
  });
});

describe('npm install -g of the tarball', () => {
  // node-gyp builds cap against this Node's own headers, never downloaded ones (as .ci/run does).
  const nodedir = dirname(dirname(process.execPath));
  let installed: ReturnType<typeof installInto>;
  beforeAll(() => {
    installed = installInto('prefix', tarball, userEnv({ npm_config_nodedir: nodedir }));
  }, 150_000);

  it('installs, with both programs on the prefix bin/', () => {
    expect(installed.r.status, installed.r.stderr).toBe(0);
    expect(existsSync(join(installed.bin, 'calico-pcap'))).toBe(true);
    expect(existsSync(join(installed.bin, 'kubectl-calico_pcap'))).toBe(true);
    // Its runtime dependencies came with it, under the package.
    for (const dep of ['commander', 'cli-table3', 'ipaddr.js', 'yaml']) expect(existsSync(join(installed.packageDir, 'node_modules', dep)), dep).toBe(true);
  });

  it('calico-pcap on PATH analyses a capture in another directory: the flows of the golden document, exit 0', () => {
    const r = sh('calico-pcap', ['analyze', 'uplink.pcap', '-o', 'json'], { cwd: ELSEWHERE, env: withBin(installed.bin) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    const golden = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'golden', 'vxlan-crosssubnet', 'node04-ens37.json'), 'utf8'));
    expect(doc.capture.file).toBe('uplink.pcap');
    expect(doc.totals).toEqual({ ...golden.totals });
    expect(doc.totals.flows).toBe(12);
    expect(doc.flows).toEqual(golden.flows);
    expect(doc.flows[0]).toMatchObject({ encapsulation: 'vxlan', outer: { src: '10.0.2.201', dst: '10.0.1.204' }, vni: 4096, inner: { src: '10.200.2.10', dst: '10.200.255.10' } });
    expect(doc.tool).toEqual({ name: 'calico-pcap', version: PKG.version });
  });

  it('prints the table, and verify gates on the copied cluster file (PASS exit 0)', () => {
    const table = sh('calico-pcap', ['analyze', 'uplink.pcap'], { cwd: ELSEWHERE, env: withBin(installed.bin) });
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^uplink\.pcap: pcap, ETHERNET\n/);
    expect(table.stdout).toMatch(/│ vxlan │ 10\.0\.2\.201 -> 10\.0\.1\.204 │ 4096 │ 10\.200\.2\.10 -> 10\.200\.255\.10 +│ tcp 40080 -> 8080 │ +5 │ +665 │/);
    expect(table.stdout).toContain('30 packets, 6457 bytes, 12 flows (vxlan 28, plain 2)');
    const verify = sh('calico-pcap', ['verify', 'kube-node04=uplink.pcap', '--cluster', 'cluster.yaml'], { cwd: ELSEWHERE, env: withBin(installed.bin) });
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/\nresult: PASS\n$/);
  });

  it('--version prints the package version', () => {
    const r = sh('calico-pcap', ['--version'], { cwd: ELSEWHERE, env: withBin(installed.bin) });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${PKG.version}\n`);
  });

  it('live works when cap built (as on every machine where the clone built it), else says what is missing', () => {
    let repoCap = true;
    try {
      createRequire(join(ROOT, 'package.json'))('cap');
    } catch {
      repoCap = false;
    }
    const r = sh('calico-pcap', ['live', '--list-interfaces'], { cwd: ELSEWHERE, env: withBin(installed.bin) });
    if (repoCap) {
      // The same toolchain and headers built the clone's cap: the installed one must load too.
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/\blo\b/);
    } else {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/optional native module 'cap'/);
    }
  });

  it('kubectl-calico_pcap on PATH is the same command line: same output, same exit code', () => {
    const env = withBin(installed.bin);
    for (const args of [['analyze', 'uplink.pcap'], ['analyze', 'uplink.pcap', '-o', 'csv'], ['--version'], ['analyze', 'missing.pcap']]) {
      const direct = sh('calico-pcap', args, { cwd: ELSEWHERE, env });
      const shim = sh('kubectl-calico_pcap', args, { cwd: ELSEWHERE, env });
      expect(shim.stdout, args.join(' ')).toBe(direct.stdout);
      expect(shim.stderr, args.join(' ')).toBe(direct.stderr);
      expect(shim.status, args.join(' ')).toBe(direct.status);
    }
    expect(sh('kubectl-calico_pcap', ['analyze', 'missing.pcap'], { cwd: ELSEWHERE, env }).status).toBe(2);
  });

  // Real kubectl finds the shim by its name (kubectl calico-pcap -> kubectl-calico_pcap).
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 30_000 });
  const noKubectl = kubectl.error || kubectl.status !== 0 ? `kubectl is not on this machine (${kubectl.error?.message ?? kubectl.stderr.trim()})` : '';
  if (noKubectl && process.env.CI === 'true') {
    it('has kubectl in CI (.ci/run installs kubernetes-client where none is there)', () => {
      throw new Error(`CI=true but ${noKubectl}`);
    });
  } else if (noKubectl) {
    console.warn(`\n*** test/install.test.ts: the kubectl plugin was NOT run through kubectl: ${noKubectl} (the shim itself was tested) ***\n`);
    it.skip(`SKIPPED: kubectl calico-pcap through real kubectl: ${noKubectl}`, () => {});
  } else {
    it('kubectl calico-pcap runs the plugin through kubectl plugin discovery', () => {
      const env = withBin(installed.bin);
      const help = sh('kubectl', ['calico-pcap', '--help'], { cwd: ELSEWHERE, env });
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toBe(sh('calico-pcap', ['--help'], { cwd: ELSEWHERE, env }).stdout);
      expect(help.stdout).toMatch(/^Usage: calico-pcap /);
      const analyze = sh('kubectl', ['calico-pcap', 'analyze', 'uplink.pcap'], { cwd: ELSEWHERE, env });
      expect(analyze.status, analyze.stderr).toBe(0);
      expect(analyze.stdout).toBe(sh('calico-pcap', ['analyze', 'uplink.pcap'], { cwd: ELSEWHERE, env }).stdout);
      const list = sh('kubectl', ['plugin', 'list'], { cwd: ELSEWHERE, env });
      expect(list.stdout).toContain(join(installed.bin, 'kubectl-calico_pcap'));
    });
  }
});

describe('npm install -g where the optional cap binding cannot build', () => {
  // node-gyp pointed at a directory without Node's headers fails as it does on a machine without
  // them (and never downloads any): npm must drop the optional dependency and install the rest.
  let installed: ReturnType<typeof installInto>;
  beforeAll(() => {
    const noHeaders = join(TMP, 'no-node-headers');
    mkdirSync(noHeaders);
    installed = installInto('prefix-no-cap', tarball, userEnv({ npm_config_nodedir: noHeaders }));
  }, 150_000);

  it('still installs, without cap', () => {
    expect(installed.r.status, installed.r.stderr).toBe(0);
    expect(existsSync(join(installed.packageDir, 'node_modules', 'cap'))).toBe(false);
  });

  it('analyze works; live says that libpcap support is missing and how to get it, exit 2', () => {
    const env = withBin(installed.bin);
    const analyze = sh('calico-pcap', ['analyze', 'uplink.pcap', '-o', 'csv'], { cwd: ELSEWHERE, env });
    expect(analyze.status, analyze.stderr).toBe(0);
    expect(analyze.stdout.trim().split('\n')).toHaveLength(13);
    for (const args of [['live', '-i', 'lo', '-c', '1'], ['live', '--list-interfaces']]) {
      const live = sh('calico-pcap', args, { cwd: ELSEWHERE, env, timeout: 20_000 });
      expect(live.status, args.join(' ')).toBe(2);
      expect(live.stdout).toBe('');
      expect(live.stderr).toBe(
        "calico-pcap: live capture needs the optional native module 'cap' (a libpcap binding), which is not installed or did not build: apt-get install libpcap-dev g++ make python3, then install calico-pcap again (npm install -g calico-pcap; in a clone: npm install cap)\n",
      );
    }
  });
});
