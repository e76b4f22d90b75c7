// Reading and writing where the path or the descriptor is odd (issue 14, part two): captures
// given as pipes, FIFOs, /dev/stdin or process substitution; output that cannot be written (a
// full disk, /dev/full, a read-only descriptor); capture files that fill the disk; files that
// cannot be opened. Every case runs the built CLI (`node dist/cli.js`) as a user would, and
// checks the one-line error, the exit code and what was kept.
//
// The tmpfs cases mount a small tmpfs (root only): without root they are skipped with a visible
// message, except under CI=true, where a skip would hide a regression and they fail instead.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { withTmpfs } from './support/tmpfs.js';
import { CaptureWriteError, PcapWriter } from '../src/capture/pcap-writer.js';
import { PcapngWriter } from '../src/capture/pcapng-writer.js';
import { buildPacket } from '../src/dev/synth/index.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CORRELATE = join(ROOT, 'fixtures', 'correlate-vxlan');
const NODE01 = join(CORRELATE, 'node01-ens37.pcap');
const NODE04 = join(CORRELATE, 'node04-ens37.pcap');
const CLUSTER = join(CORRELATE, 'cluster.yaml');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { input?: Buffer; stdout?: number } = {}): Result {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: opts.input,
    encoding: 'utf8',
    cwd: dir,
    stdio: [opts.input ? 'pipe' : 'ignore', opts.stdout ?? 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A bash command line (pipes, process substitution); $CLI is the built CLI. */
function bash(script: string): Result {
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: dir, env: { ...process.env, CLI: `${process.execPath} ${CLI}` }, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The analysis document with the input's name taken out: the one thing a pipe changes. */
function withoutName(json: string): unknown {
  const doc = JSON.parse(json);
  if (doc.capture) doc.capture.file = '<input>';
  if (Array.isArray(doc.captures)) for (const c of doc.captures) c.file = '<input>';
  return doc;
}

let fifoCount = 0;
/**
 * Runs the CLI with a FIFO in place of each of `files`: a writer process (cat) feeds each FIFO
 * while the CLI reads it. `args` holds '{0}', '{1}', ... where the FIFOs go.
 */
async function withFifos(files: string[], args: string[]): Promise<Result> {
  const fifos = files.map(() => join(dir, `fifo-${++fifoCount}`));
  for (const f of fifos) expect(spawnSync('mkfifo', [f]).status).toBe(0);
  const writers = files.map((file, i) => {
    const w = spawn('sh', ['-c', `cat ${q(file)} > ${q(fifos[i])}`], { stdio: 'ignore' });
    return new Promise<number | null>((resolve) => w.on('close', resolve));
  });
  const child = spawn(process.execPath, [CLI, ...args.map((a) => a.replace(/\{(\d+)\}/g, (_, i) => fifos[Number(i)]))], { cwd: dir });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(await Promise.all(writers)).toEqual(files.map(() => 0));
  for (const f of fifos) rmSync(f);
  return { code, stdout, stderr };
}

// A capture big enough that its ndjson output (about 3 MB) cannot fit a 1 MiB tmpfs.
const BIG = join(dir, 'big.pcap');
{
  const w = PcapWriter.openFile(BIG, { linktype: 1 });
  for (let i = 0; i < 8000; i++) {
    const p = buildPacket([{ eth: {} }, { ipv4: { src: '10.0.1.204', dst: '10.0.2.201' } }, { udp: { sport: 40000, dport: 4789 } }, { vxlan: { vni: 4096 } }, { eth: {} }, { ipv4: { src: '10.200.255.10', dst: '10.200.2.10' } }, { tcp: { sport: 1024 + (i % 500), dport: 8080 } }]);
    w.writePacket(p, 1764064800 + Math.floor(i / 100), (i % 100) * 1000);
  }
  w.closeSync();
}
const NODE01_GZ = join(dir, 'node01-ens37.pcap.gz');
writeFileSync(NODE01_GZ, gzipSync(readFileSync(NODE01)));

// ------------------------------------------------------------------ 1. pipes, FIFOs, /dev/stdin

describe('a capture given as a pipe, a FIFO or /dev/stdin reads like the file', () => {
  const plain = cli(['analyze', '-o', 'json', NODE01]);
  const plainGz = cli(['analyze', '-o', 'json', NODE01_GZ]);

  it('the plain-file runs it is compared with succeed', () => {
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout).totals.packets).toBeGreaterThan(0);
    expect(JSON.parse(plainGz.stdout).capture.gzip).toBe(true);
  });

  it('analyze FIFO (mkfifo, a writer process feeding it), plain and gzip', async () => {
    const r = await withFifos([NODE01], ['analyze', '-o', 'json', '{0}']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(withoutName(r.stdout)).toEqual(withoutName(plain.stdout));
    const gz = await withFifos([NODE01_GZ], ['analyze', '-o', 'json', '{0}']);
    expect(gz.stderr).toBe('');
    expect(gz.code).toBe(0);
    expect(withoutName(gz.stdout)).toEqual(withoutName(plainGz.stdout));
  });

  it('analyze /dev/stdin with piped input (a pipe, and a socket as Node gives its children)', () => {
    const piped = bash(`cat ${q(NODE01)} | $CLI analyze -o json /dev/stdin`);
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(withoutName(piped.stdout)).toEqual(withoutName(plain.stdout));
    const gz = bash(`cat ${q(NODE01_GZ)} | $CLI analyze -o json /dev/stdin`);
    expect(gz.code).toBe(0);
    expect(withoutName(gz.stdout)).toEqual(withoutName(plainGz.stdout));
    const socket = cli(['analyze', '-o', 'json', '/dev/stdin'], { input: readFileSync(NODE01) });
    expect(socket.stderr).toBe('');
    expect(socket.code).toBe(0);
    expect(withoutName(socket.stdout)).toEqual(withoutName(plain.stdout));
  });

  it("analyze <(cat f) and <(gzip -c f): bash process substitution", () => {
    const r = bash(`$CLI analyze -o json <(cat ${q(NODE01)})`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).capture.file).toMatch(/^\/dev\/fd\/\d+$/);
    expect(withoutName(r.stdout)).toEqual(withoutName(plain.stdout));
    const gz = bash(`$CLI analyze -o json <(gzip -c ${q(NODE01)})`);
    expect(gz.code).toBe(0);
    expect(withoutName(gz.stdout)).toEqual(withoutName(plainGz.stdout));
  });

  it('verify through a FIFO and through <(...): the same verdicts as the file', async () => {
    const file = cli(['verify', '--cluster', CLUSTER, '-o', 'json', NODE01]);
    expect(file.code).toBe(0);
    const fifo = await withFifos([NODE01], ['verify', '--cluster', CLUSTER, '-o', 'json', '{0}']);
    expect(fifo.stderr).toBe('');
    expect(fifo.code).toBe(0);
    // the device and the capturing node may be inferred from the file name: a FIFO has none, the rest must agree
    const strip = (s: string) => {
      const d = withoutName(s) as any;
      delete d.verify.device;
      delete d.verify.points;
      delete d.verify.captureNode;
      return d;
    };
    expect(strip(fifo.stdout)).toEqual(strip(file.stdout));
    const sub = bash(`$CLI verify --cluster ${q(CLUSTER)} -o json <(cat ${q(NODE01)})`);
    expect(sub.code).toBe(0);
    expect(strip(sub.stdout)).toEqual(strip(file.stdout));
  });

  it('correlate two FIFOs and two process substitutions: the same correlation as the files', async () => {
    const file = cli(['correlate', '-o', 'json', `kube-node01=${NODE01}`, `kube-node04=${NODE04}`]);
    expect(file.code).toBe(0);
    expect(JSON.parse(file.stdout).matched).toBeGreaterThan(0);
    const fifo = await withFifos([NODE01, NODE04], ['correlate', '-o', 'json', 'kube-node01={0}', 'kube-node04={1}']);
    expect(fifo.stderr).toBe('');
    expect(fifo.code).toBe(0);
    const strip = (s: string) => {
      const d = withoutName(s) as any;
      for (const c of d.captures) c.device = null; // inferred from the file name
      d.pairs = d.pairs.map((p: any) => ({ ...p, looks: null }));
      return d;
    };
    expect(strip(fifo.stdout)).toEqual(strip(file.stdout));
    const sub = bash(`$CLI correlate -o json kube-node01=<(cat ${q(NODE01)}) kube-node04=<(gzip -c ${q(NODE04)})`);
    expect(sub.stderr).toBe('');
    expect(sub.code).toBe(0);
    expect(strip(sub.stdout)).toEqual(strip(file.stdout));
  });

  it('report of two captures through <(...) and FIFOs (each is read twice: analysis, then correlation)', async () => {
    const file = cli(['report', '--html', join(dir, 'file.html'), NODE01, NODE04]);
    expect(file.code).toBe(0);
    expect(file.stdout).toMatch(/^wrote .*file\.html: 2 capture\(s\), \d+ flows, [1-9]\d* packets matched and 0 lost across captures\n$/);
    const sub = bash(`$CLI report --html ${q(join(dir, 'sub.html'))} <(cat ${q(NODE01)}) <(gzip -c ${q(NODE04)})`);
    expect(sub.stderr).toBe('');
    expect(sub.code).toBe(0);
    expect(sub.stdout).toBe(file.stdout.replace('file.html', 'sub.html'));
    const html = readFileSync(join(dir, 'sub.html'), 'utf8');
    expect(html).toMatch(/\/dev\/fd\/\d+/); // the names given, not a temporary copy
    expect(html).not.toContain(tmpdir() + '/calico-pcap-');
    const fifo = await withFifos([NODE01, NODE04], ['report', '--html', join(dir, 'fifo.html'), '{0}', '{1}']);
    expect(fifo.stderr).toBe('');
    expect(fifo.code).toBe(0);
    expect(fifo.stdout).toBe(file.stdout.replace('file.html', 'fifo.html'));
  });
});

// ------------------------------------------------------------------ 2. output that cannot be written

const SKIP_ROOT = (() => {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  return uid === 0 ? null : `not running as root (uid ${uid}): cannot mount a small tmpfs`;
})();
if (SKIP_ROOT) {
  if (process.env.CI === 'true') {
    it('tmpfs tests need root under CI', () => {
      throw new Error(`CI=true but ${SKIP_ROOT}: the full-disk tests would be skipped`);
    });
  } else {
    console.warn(`\n*** test/io-robustness.test.ts: full-disk (tmpfs) tests SKIPPED: ${SKIP_ROOT} ***\n`);
  }
}


describe('output that cannot be written: one line, exit 2, nothing claimed that was not written', () => {
  const full = cli(['analyze', '-o', 'ndjson', BIG]);

  it('the full ndjson output is bigger than the 1 MiB tmpfs', () => {
    expect(full.code).toBe(0);
    expect(full.stdout.length).toBeGreaterThan(2 * 1024 * 1024);
  });

  it('analyze -o ndjson > /dev/full', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = cli(['analyze', '-o', 'ndjson', BIG], { stdout: fd });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('calico-pcap: standard output (/dev/full): cannot write: no space left on device (ENOSPC)\n');
      for (const format of ['table', 'json', 'csv']) {
        const t = cli(['analyze', '-o', format, NODE01], { stdout: fd });
        expect(t.code, format).toBe(2);
        expect(t.stderr, format).toBe('calico-pcap: standard output (/dev/full): cannot write: no space left on device (ENOSPC)\n');
      }
    } finally {
      closeSync(fd);
    }
  });

  it('stdout open read-only (EBADF)', () => {
    const path = join(dir, 'read-only.txt');
    writeFileSync(path, 'unchanged\n');
    const fd = openSync(path, 'r');
    try {
      const r = cli(['analyze', NODE01], { stdout: fd });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`calico-pcap: standard output (${path}): cannot write: the descriptor is closed or not open for writing (EBADF)\n`);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, 'utf8')).toBe('unchanged\n');
  });

  it.skipIf(SKIP_ROOT)(`analyze -o ndjson > a file on a full 1 MiB tmpfs: exit 2, the file holds a prefix of the output${SKIP_ROOT ? ` (SKIPPED: ${SKIP_ROOT})` : ''}`, async () => {
    await withTmpfs(dir, '1m', (mount) => {
      const path = join(mount, 'out.ndjson');
      const fd = openSync(path, 'w');
      let r: Result;
      try {
        r = cli(['analyze', '-o', 'ndjson', BIG], { stdout: fd });
      } finally {
        closeSync(fd);
      }
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`calico-pcap: standard output (${path}): cannot write: no space left on device (ENOSPC)\n`);
      const kept = readFileSync(path, 'utf8');
      expect(kept.length).toBeGreaterThan(512 * 1024);
      expect(kept.length).toBeLessThan(full.stdout.length);
      expect(full.stdout.startsWith(kept)).toBe(true);
    });
  });

  it('a reader that goes away (| head -c 100) stays quiet: exit 0, nothing on stderr', () => {
    const r = bash(`$CLI analyze -o ndjson ${q(BIG)} | head -c 100 > /dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`);
    expect(r.stderr).toBe('exit=0\n');
  });

  it('verify --write-expect /nonexistent/x.yaml: the verdicts printed, one line naming the file, exit 2', () => {
    const r = cli(['verify', '--cluster', CLUSTER, '--write-expect', '/nonexistent/x.yaml', NODE01]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('calico-pcap: /nonexistent/x.yaml: cannot write: no such directory (ENOENT)\n');
    expect(r.stdout).toMatch(/result: PASS\n$/);
  });

  it('report --html /nonexistent/dir/x.html: one line naming the file, exit 2, no "wrote" claim', () => {
    const r = cli(['report', '--html', '/nonexistent/dir/x.html', NODE01]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('calico-pcap: /nonexistent/dir/x.html: cannot write: no such directory (ENOENT)\n');
    expect(r.stdout).toBe('');
  });
});

// ------------------------------------------------------------------ 6. open errors name the capture

describe('a capture that cannot be opened or read is named, by every command', () => {
  const text = join(dir, 'text.pcap');
  writeFileSync(text, 'hello world, not a capture\n');
  const missing = '/nonexistent.pcap';
  const cases: [string, string[], string][] = [
    ['analyze', ['analyze', missing], `calico-pcap: ${missing}: no such file\n`],
    ['verify', ['verify', '--cluster', CLUSTER, missing], `calico-pcap: ${missing}: no such file\n`],
    ['correlate', ['correlate', NODE01, missing], `calico-pcap: ${missing}: no such file\n`],
    ['report', ['report', '--html', join(dir, 'x.html'), missing], `calico-pcap: ${missing}: no such file\n`],
    ['report (second of two)', ['report', '--html', join(dir, 'x.html'), NODE01, missing], `calico-pcap: ${missing}: no such file\n`],
    ['report (not a capture)', ['report', '--html', join(dir, 'x.html'), text], `calico-pcap: ${text}: not a pcap or pcapng capture (starts with 0x68656c6c)\n`],
    ['report (a directory)', ['report', '--html', join(dir, 'x.html'), dir], `calico-pcap: ${dir}: is a directory\n`],
  ];
  for (const [name, args, line] of cases) {
    it(`${name}: exit 2, one line naming the capture`, () => {
      const r = cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(line);
      expect(existsSync(join(dir, 'x.html'))).toBe(false);
    });
  }
});

// ------------------------------------------------------------------ 3. capture writers on a full disk

/** Packets of distinct sizes and contents, so a record cut or shifted shows. */
function packetN(i: number): Uint8Array {
  const p = new Uint8Array(200 + (i % 7) * 37);
  for (let j = 0; j < p.length; j++) p[j] = (i * 31 + j) & 0xff;
  return p;
}

/** Packet payloads of a pcap or pcapng file, read independently of the writers; throws on a torn record. */
function recordsOf(file: string): Uint8Array[] {
  const d = readFileSync(file);
  const out: Uint8Array[] = [];
  if (d.length === 0) return out;
  if (d.readUInt32LE(0) === 0x0a0d0d0a) {
    let off = 0;
    while (off < d.length) {
      if (off + 12 > d.length) throw new Error(`${file}: torn block header at ${off}`);
      const type = d.readUInt32LE(off);
      const len = d.readUInt32LE(off + 4);
      if (off + len > d.length) throw new Error(`${file}: torn block at ${off} (${len} bytes, ${d.length - off} present)`);
      expect(d.readUInt32LE(off + len - 4)).toBe(len);
      if (type === 6) out.push(d.subarray(off + 28, off + 28 + d.readUInt32LE(off + 20)));
      off += len;
    }
    return out;
  }
  expect(d.readUInt32LE(0)).toBe(0xa1b2c3d4);
  let off = 24;
  while (off < d.length) {
    if (off + 16 > d.length) throw new Error(`${file}: torn record header at ${off}`);
    const caplen = d.readUInt32LE(off + 8);
    if (off + 16 + caplen > d.length) throw new Error(`${file}: torn record at ${off}`);
    out.push(d.subarray(off + 16, off + 16 + caplen));
    off += 16 + caplen;
  }
  return out;
}

type AnyWriter = PcapWriter | PcapngWriter;
const writers: [string, (path: string) => AnyWriter, (w: AnyWriter, i: number) => void][] = [
  ['pcap', (path) => PcapWriter.openFile(path, { linktype: 1, bufferSize: 16 * 1024 }), (w, i) => (w as PcapWriter).writePacket(packetN(i), 1764064800 + i, 0)],
  ['pcapng', (path) => PcapngWriter.openFile(path, { bufferSize: 16 * 1024, interfaces: [{ linktype: 1, name: 'ens37' }] }), (w, i) => (w as PcapngWriter).writePacket(0, packetN(i), 1764064800 + i, 0)],
];

describe('capture writers on a full disk keep every whole record that fitted', () => {
  for (const [format, open, write] of writers) {
    it.skipIf(SKIP_ROOT)(`${format} on a 64 KiB tmpfs: ENOSPC, the file ends on a record boundary, the packets in order${SKIP_ROOT ? ` (SKIPPED: ${SKIP_ROOT})` : ''}`, async () => {
      await withTmpfs(dir, '64k', async (mount) => {
        const path = join(mount, `full.${format}`);
        const w = open(path);
        let attempted = 0;
        let failure: unknown = null;
        try {
          for (; attempted < 2000; attempted++) write(w, attempted);
        } catch (err) {
          failure = err;
        }
        expect(failure).toBeInstanceOf(CaptureWriteError);
        const f = failure as CaptureWriteError;
        expect(f.error.code).toBe('ENOSPC');
        expect(w.failure).toBe(f);
        // every later packet is refused with the same error, nothing silently dropped
        expect(() => write(w, attempted + 1)).toThrow(f);
        await w.close();
        expect(statSync(path).size).toBe(f.keptBytes);
        const records = recordsOf(path);
        expect(records.length).toBe(f.keptPackets);
        expect(f.keptPackets).toBeGreaterThan(100);
        expect(f.keptPackets).toBeLessThan(attempted);
        // the disk was really full: less than one more record's worth was left unused
        expect(f.keptBytes).toBeGreaterThan(64 * 1024 - 16 * 1024 - 500);
        records.forEach((r, i) => expect(Buffer.from(r).equals(Buffer.from(packetN(i))), `packet ${i + 1}`).toBe(true));
        // and calico-pcap reads it with no fault
        const a = cli(['analyze', '-o', 'json', path]);
        expect(a.code).toBe(0);
        expect(a.stderr).toBe('');
        expect(JSON.parse(a.stdout).totals.packets).toBe(f.keptPackets);
      });
    });

    it(`${format} on /dev/full: the first flush throws ENOSPC, nothing kept`, async () => {
      const w = open('/dev/full');
      for (let i = 0; i < 3; i++) write(w, i);
      let failure: unknown = null;
      try {
        w.flush();
      } catch (err) {
        failure = err;
      }
      expect(failure).toBeInstanceOf(CaptureWriteError);
      expect((failure as CaptureWriteError).error.code).toBe('ENOSPC');
      expect((failure as CaptureWriteError).keptPackets).toBe(0);
      expect((failure as CaptureWriteError).keptBytes).toBe(0);
      await w.close(); // closes the descriptor, does not throw again
    });
  }
});

// ------------------------------------------------------------------ a gzip capture cut short

describe('a .pcap.gz cut short (an interrupted kubectl cp) reads like a .pcap cut short', () => {
  // The largest kernel capture, gzipped and cut in half.
  const pcap = join(ROOT, 'fixtures', 'vxlan-mtu-fragmentation', 'node04-ens37.pcap');
  const whole = gzipSync(readFileSync(pcap));
  const half = whole.subarray(0, whole.length >> 1);
  const cut = join(dir, 'cut.pcap.gz');
  writeFileSync(cut, half);
  // The oracle: what zlib can decompress of the half, walked record by record (as tshark does).
  const prefix = gunzipSync(half, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  let records = 0;
  let offset = 24;
  while (offset + 16 <= prefix.length && offset + 16 + prefix.readUInt32LE(offset + 8) <= prefix.length) {
    offset += 16 + prefix.readUInt32LE(offset + 8);
    records++;
  }
  const into = prefix.length - offset;
  const line = (name: string) =>
    `calico-pcap: ${name}: packet ${records + 1} at byte ${String(offset).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')}: the gzip stream ends early (the file was cut short)` +
    `${into > 0 ? `; it ends ${into} byte(s) into a record` : ''} (read stopped; ${records} packets before it were analysed)\n`;

  it('the oracle sees a capture cut inside its packets', () => {
    expect(records).toBeGreaterThan(2);
    expect(records).toBeLessThan(readFileSync(pcap).length / 100);
  });

  it('a file: the partial report, one warning line naming where it stopped, exit 0 (lax)', () => {
    const r = cli(['analyze', cut, '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.totals.packets).toBe(records);
    expect(doc.issues.counts['input.ended_on_fault']).toBe(1);
    expect(r.stderr).toBe(line(cut));
  });

  it('--strict: the partial report, then exit 1, as for a pcap cut short', () => {
    const r = cli(['analyze', cut, '--strict', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).totals.packets).toBe(records);
  });

  it('on stdin and through /dev/stdin: the same packets and the same line', () => {
    for (const [path, name] of [['-', '<stdin>'], ['/dev/stdin', '/dev/stdin']]) {
      const r = bash(`cat ${q(cut)} | $CLI analyze ${path} --format json`);
      expect(r.code, path).toBe(0);
      expect(JSON.parse(r.stdout).totals.packets, path).toBe(records);
      expect(r.stderr, path).toBe(line(name));
    }
  });

  it('cut inside the gzip header: exit 2, one line naming the file', () => {
    const tiny = join(dir, 'tiny.pcap.gz');
    writeFileSync(tiny, whole.subarray(0, 2));
    const r = cli(['analyze', tiny]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${tiny}: the gzip stream ends early (the file was cut short), before any capture data\n`);
  });

  it('corrupt compressed data: one line naming the file and zlib\'s reason, never an internal error', () => {
    // zlib hands over nothing of the chunk in which it meets corrupt data; this capture is one chunk.
    const bad = Buffer.from(whole);
    bad.fill(0xff, bad.length >> 1, (bad.length >> 1) + 64);
    const file = join(dir, 'corrupt.pcap.gz');
    writeFileSync(file, bad);
    const r = cli(['analyze', file, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${file}: the gzip data is corrupt (invalid distance too far back), before any capture data\n`);
  });
});

// ------------------------------------------------------------------ hostile capture names

describe('a capture file name with control and bidi characters is never obeyed by the terminal', () => {
  const hostile = join(dir, 'evil\x1b[31m\u202e\x9b.pcap');
  writeFileSync(hostile, 'hello, not a capture');
  const good = join(dir, 'good\x1b]0;title\x07\u202e.pcap');
  writeFileSync(good, readFileSync(NODE01));
  const RAW = /[\x1b\x07\x9b\u202e]/;

  for (const args of [['analyze', hostile], ['verify', '--cluster', CLUSTER, hostile], ['correlate', NODE01, hostile], ['report', '--html', join(dir, 'h.html'), hostile]]) {
    it(`${args[0]}: the open error shows them escaped`, () => {
      const r = cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(RAW);
      expect(r.stderr).toContain('evil\\x1b[31m\\u202e\\x9b.pcap: not a pcap or pcapng capture');
    });
  }

  it('analyze --format json and the table: escaped, and the JSON still reads back as the real name', () => {
    const json = cli(['analyze', good, '--format', 'json']);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toMatch(RAW);
    expect(JSON.parse(json.stdout).capture.file).toBe(good);
    const table = cli(['analyze', good, '--strict', '--no-color']);
    expect(table.stdout + table.stderr).not.toMatch(RAW);
  });
});
