// Input as it arrives in practice (issue 10): zstd and xz captures, compressed captures cut short
// (an interrupted kubectl cp), Ctrl-C on a pipeline (`tcpdump -w - | calico-pcap analyze -`), a
// reader that goes away (`| head -1`), the progress line on a terminal, and file-system errors.
// Every case runs the built CLI as a user would. test/support/feed.py plays the shell's part
// (feeding a pipe, sending SIGINT, holding a pseudo-terminal).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapWriter } from '../src/capture/pcap-writer.js';
import { buildPacket } from '../src/dev/synth/index.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const FEED = join(__dirname, 'support', 'feed.py');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-input-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NODE01 = join(ROOT, 'fixtures', 'correlate-vxlan', 'node01-ens37.pcap');
const CLUSTER = join(ROOT, 'fixtures', 'correlate-vxlan', 'cluster.yaml');
const COMPRESSED = join(ROOT, 'fixtures', 'compressed');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { input?: Buffer; user?: boolean } = {}): Result {
  const argv = opts.user ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { input: opts.input, encoding: 'utf8', cwd: dir, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function feed(args: string[], env: NodeJS.ProcessEnv = {}): Result & { written: number } {
  const r = spawnSync('python3', [FEED, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, ...env }, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`feed.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function tool(cmd: string, args: string[], input: Buffer): Buffer {
  const r = spawnSync(cmd, args, { input, maxBuffer: 256 << 20 });
  if (r.error) throw r.error;
  return r.stdout;
}

/** The analysis document with the input's name taken out. */
function withoutName(json: string): unknown {
  const doc = JSON.parse(json);
  doc.capture.file = '<input>';
  return doc;
}

/** A generated capture of `count` VXLAN packets carrying `payload` bytes each. */
function generated(name: string, count: number, payload: number): string {
  const path = join(dir, name);
  const w = PcapWriter.openFile(path, { linktype: 1 });
  for (let i = 0; i < count; i++) {
    const p = buildPacket([{ eth: {} }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { udp: { sport: 40000, dport: 4789 } }, { vxlan: { vni: 4096 } }, { eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { udp: { sport: 1024 + (i % 500), dport: 8080 } }, { payload: new Uint8Array(payload).fill(i & 0xff) }]);
    w.writePacket(p, 1764064800 + Math.floor(i / 100), (i % 100) * 1000);
  }
  w.closeSync();
  return path;
}

// ------------------------------------------------------------------ zstd and xz

describe('zstd and xz captures, told by their magic number', () => {
  const plain = cli(['analyze', '-o', 'json', NODE01]);

  for (const ext of ['zst', 'xz']) {
    it(`.pcap.${ext} (committed, made by the ${ext === 'zst' ? 'zstd' : 'xz'} tool): the same analysis as the pcap`, () => {
      const file = join(COMPRESSED, `node01-ens37.pcap.${ext}`);
      const r = cli(['analyze', '-o', 'json', file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(withoutName(r.stdout)).toEqual(withoutName(plain.stdout));
      // on stdin, and under a name that says nothing
      const piped = cli(['analyze', '-o', 'json', '-'], { input: readFileSync(file) });
      expect(piped.code).toBe(0);
      expect(withoutName(piped.stdout)).toEqual(withoutName(plain.stdout));
    });
  }

  it('an xz stream whose dictionary needs 192 MiB: refused before allocating, one line, exit 2', () => {
    const file = join(COMPRESSED, 'dict-192MiB.pcap.xz');
    const r = cli(['analyze', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${file}: the xz stream needs more than 128 MiB to decompress, calico-pcap's limit; decompress it with xz -d first, before any capture data\n`);
  });

  it('a zstd frame that claims a 2 GiB window: refused, one line, exit 2', () => {
    // RFC 8878 3.1.1: magic, Frame_Header_Descriptor 0 (no content size, not single-segment),
    // Window_Descriptor exponent 21 (2^31 bytes), then one raw last block holding a pcap header.
    const header = readFileSync(NODE01).subarray(0, 24);
    const block = Buffer.alloc(3);
    block.writeUIntLE((header.length << 3) | 1, 0, 3);
    const file = join(dir, 'window-2GiB.pcap.zst');
    writeFileSync(file, Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3]), block, header]));
    const r = cli(['analyze', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^calico-pcap: ${file}: the zstd stream asks for a window over 128 MiB, calico-pcap's limit \\(.*\\); decompress it with zstd -d --memory=2048MB first, before any capture data\\n$`));
  });
});

// ------------------------------------------------------------------ compressed captures cut short

describe('a compressed capture cut in half reads like a pcap cut at the same byte: the partial report, the same warning, the same exit code', () => {
  // About 1.5 MB: many zstd blocks (128 KiB) and LZMA2 chunks, so half of it decodes to something.
  const big = generated('cut-source.pcap', 4000, 300);
  const bytes = readFileSync(big);
  const kinds: [string, Buffer, (half: Buffer) => Buffer][] = [
    ['gzip', gzipSync(bytes), (half) => gunzipSync(half, { finishFlush: zlibConstants.Z_SYNC_FLUSH })],
    ['zstd', tool('zstd', ['-q', '-c'], bytes), (half) => tool('zstd', ['-q', '-d', '-c'], half)],
    ['xz', tool('xz', ['-c'], bytes), (half) => tool('xz', ['-d', '-c'], half)],
  ];
  for (const [kind, whole, oracle] of kinds) {
    it(kind, () => {
      const half = whole.subarray(0, whole.length >> 1);
      const cut = join(dir, `cut.pcap.${kind}`);
      writeFileSync(cut, half);
      // The oracle: what the format's own tool decompresses of the half, as a plain pcap cut there.
      const prefix = oracle(half);
      expect(prefix.length).toBeGreaterThan(bytes.length / 4);
      const plainCut = join(dir, `cut-${kind}.pcap`);
      writeFileSync(plainCut, prefix);
      const plain = cli(['analyze', '-o', 'json', plainCut]);
      const r = cli(['analyze', '-o', 'json', cut]);
      expect(r.code).toBe(plain.code);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).totals).toEqual(JSON.parse(plain.stdout).totals);
      // The same line, but for its reason: the stream was cut, not the file of records.
      const plainLine = /^calico-pcap: .*?: (packet \d+ at byte [\d ]+): the file ends (\d+) byte\(s\) into a record of \d+ (\(read stopped; \d+ packets before it were analysed\))\n$/.exec(plain.stderr);
      expect(plainLine, plain.stderr).not.toBeNull();
      expect(r.stderr).toBe(`calico-pcap: ${cut}: ${plainLine![1]}: the ${kind} stream ends early (the file was cut short); it ends ${plainLine![2]} byte(s) into a record ${plainLine![3]}\n`);
      // --strict: the partial report, then exit 1, as for the pcap
      const strict = cli(['analyze', '-o', 'json', '--strict', cut]);
      expect(strict.code).toBe(cli(['analyze', '-o', 'json', '--strict', plainCut]).code);
      expect(strict.code).toBe(1);
    });
  }
});

// ------------------------------------------------------------------ Ctrl-C

describe('SIGINT while reading a pipe: the report of every packet read, one warning, exit 0', () => {
  const source = generated('sigint.pcap', 500, 100);
  for (const [how, env] of [['stdin (tcpdump -w - | calico-pcap analyze -)', {}], ['a FIFO given as the capture', { FEED_FIFO: join(dir, 'sigint.fifo') }]] as const) {
    it(how, () => {
      const fifo = (env as { FEED_FIFO?: string }).FEED_FIFO;
      if (fifo) expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const r = feed(['sigint', source, '123', process.execPath, CLI, 'analyze', '-o', 'json', fifo ?? '-'], env);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.totals.packets).toBe(123);
      expect(doc.issues.counts['pcap.truncated'] ?? 0).toBe(0);
      expect(r.stderr).toBe(`calico-pcap: ${fifo ?? '<stdin>'}: interrupted (SIGINT): read stopped; 123 packets before it were analysed\n`);
      // the same packets as the first 123 of the file, read whole
      const first = readFileSync(source);
      let off = 24;
      for (let i = 0; i < 123; i++) off += 16 + first.readUInt32LE(off + 8);
      const whole = cli(['analyze', '-o', 'json', '-'], { input: first.subarray(0, off) });
      expect(doc.totals).toEqual(JSON.parse(whole.stdout).totals);
      if (fifo) rmSync(fifo);
    });
  }
});

// ------------------------------------------------------------------ | head -1

describe('a reader that goes away (| head -1) stops the read at once, quietly', () => {
  it('analyze -o ndjson - | head -1: one line, exit 0, and most of the input never taken', () => {
    // About 45 MB: far more than the pipe (64 KiB) and the read-ahead (4 MiB) hold.
    const big = generated('epipe.pcap', 30000, 1400);
    const size = readFileSync(big).length;
    const r = feed(['epipe', big, 'bash', '-c', `${process.execPath} ${CLI} analyze -o ndjson - | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`]);
    expect(r.stderr).toBe('exit=0\n');
    expect(r.stdout.split('\n').length).toBe(2);
    expect(JSON.parse(r.stdout).packet).toBe(1);
    expect(r.written).toBeLessThan(size / 4);
  });

  it('analyze -o ndjson FILE | head -1: one line, exit 0, and the file read no further than a buffer or two (strace counts)', () => {
    const big = generated('epipe-file.pcap', 30000, 1400);
    const size = readFileSync(big).length;
    const log = join(dir, 'strace.log');
    // A regular file is read with pread64 (readSync at a position); strace sums what it returned.
    const r = spawnSync('bash', ['-c', `strace -f -e trace=pread64 -e signal=none -o ${log} ${process.execPath} ${CLI} analyze -o ndjson ${big} | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.stderr).toBe('exit=0\n');
    expect(JSON.parse(r.stdout).packet).toBe(1);
    const read = [...readFileSync(log, 'utf8').matchAll(/^\d+ +pread64\(.*= (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(size / 4);
  });
});

// ------------------------------------------------------------------ the progress line

describe('the progress line: on a terminal, for a read over a second; never on a pipe', () => {
  const source = generated('progress.pcap', 2000, 100);
  it('stderr on a pseudo-terminal: the line shows bytes, packets and the rate; the report is intact', () => {
    const r = feed(['progress', source, '2.5', '1', process.execPath, CLI, 'analyze', '-o', 'json', '-']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).totals.packets).toBe(2000);
    expect(r.stderr).toMatch(/calico-pcap: reading <stdin>: [\d.]+ (B|KiB|MiB), [\d,]+ packets, [\d.]+ (B|KiB|MiB)\/s/);
  });
  it('stderr on a pipe: nothing on stderr', () => {
    const r = feed(['progress', source, '2.5', '0', process.execPath, CLI, 'analyze', '-o', 'json', '-']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).totals.packets).toBe(2000);
    expect(r.stderr).toBe('');
  });
});

// ------------------------------------------------------------------ file-system errors

describe('every file-system error is one line and exit 2, never an internal error (3)', () => {
  const capture = NODE01;
  const locked = join(dir, 'locked');
  mkdirSync(locked, { mode: 0o700 });
  writeFileSync(join(locked, 'p.pcap'), readFileSync(NODE01));
  const aDir = join(dir, 'a-directory');
  mkdirSync(aDir);
  // [what, args, the line, run as nobody (permission cases: root may read anything)]
  const cases: [string, string[], string, boolean?][] = [
    ['analyze: a directory with no captures', ['analyze', aDir], `${aDir}: no capture files in this directory (*.pcap, *.pcapng, *.cap, optionally .gz, .zst or .xz; not recursive: use 'DIR/**/*.pcap')`],
    ['analyze: a missing directory', ['analyze', '/nonexistent/dir/x.pcap'], '/nonexistent/dir/x.pcap: no such file'],
    ['analyze: permission denied', ['analyze', join(locked, 'p.pcap')], `${join(locked, 'p.pcap')}: permission denied`, true],
    ['verify --cluster: missing', ['verify', '--cluster', '/nonexistent', capture], '/nonexistent: no such file'],
    ['verify --cluster: permission denied', ['verify', '--cluster', join(locked, 'p.pcap'), capture], `${join(locked, 'p.pcap')}: permission denied`, true],
    ['verify --expect: missing', ['verify', '--cluster', CLUSTER, '--expect', '/nonexistent/x.yaml', capture], '/nonexistent/x.yaml: no such file'],
    ['verify --expect: a directory', ['verify', '--cluster', CLUSTER, '--expect', aDir, capture], `${aDir}: a directory, not a file`],
    ['verify --write-expect: a directory', ['verify', '--cluster', CLUSTER, '--write-expect', aDir, capture], `${aDir}: cannot write: is a directory (EISDIR)`],
    ['verify --write-expect: disk full', ['verify', '--cluster', CLUSTER, '--write-expect', '/dev/full', capture], '/dev/full: cannot write: no space left on device (ENOSPC)'],
    ['verify --write-expect: permission denied', ['verify', '--cluster', CLUSTER, '--write-expect', join(locked, 'x.yaml'), capture], `${join(locked, 'x.yaml')}: cannot write: permission denied (EACCES)`, true],
    ['correlate: a directory as a capture', ['correlate', capture, aDir], `${aDir}: is a directory`],
    ['report --html: a directory', ['report', '--html', aDir, capture], `${aDir}: cannot write: is a directory (EISDIR)`],
    ['report --html: disk full', ['report', '--html', '/dev/full', capture], '/dev/full: cannot write: no space left on device (ENOSPC)'],
    ['report --html: permission denied', ['report', '--html', join(locked, 'x.html'), capture], `${join(locked, 'x.html')}: cannot write: permission denied (EACCES)`, true],
  ];
  for (const [what, args, line, asNobody] of cases) {
    it(what, () => {
      const r = cli(args, { user: asNobody });
      expect(r.stderr).toBe(`calico-pcap: ${line}\n`);
      expect(r.code).toBe(2);
    });
  }
});
