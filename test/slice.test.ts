// --since, --until and -c on capture files: the slice agrees with tshark's frame times and with
// the first N records tcpdump copies out; bad values are bad usage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTimeBound } from '../src/analysis/slice.js';
import { partMissing } from './support/absent.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const VXLAN = join(ROOT, 'fixtures/vxlan-crosssubnet/node04-ens37.pcap');
const ANY = join(ROOT, 'fixtures/any-vxlan/node04-any.pcap');
const CLUSTER = join(ROOT, 'fixtures/vxlan-crosssubnet/cluster.yaml');
const tsharkPresent = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
const tcpdumpPresent = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-slice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(args: string[]) {
  const r = cli([...args, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

function tsharkCount(file: string, expression: string): number {
  const r = spawnSync('tshark', ['-r', file, '-Y', expression, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

/** The first packet's time as tshark reads it (seconds since the epoch, with its fraction). */
function firstEpoch(file: string): string {
  const r = spawnSync('tshark', ['-r', file, '-c', '1', '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' });
  return r.stdout.trim();
}

describe('time bounds', () => {
  it('RFC 3339 instants to the nanosecond, with Z or an offset', () => {
    expect(parseTimeBound('2026-11-25T10:26:00Z')).toEqual({ kind: 'instant', sec: 1795602360, nsec: 0, text: '2026-11-25T10:26:00Z' });
    expect(parseTimeBound('2026-11-25T11:26:00.123456789+01:00')).toMatchObject({ kind: 'instant', sec: 1795602360, nsec: 123456789 });
    expect(parseTimeBound('2026-11-25 10:26:00.5z')).toMatchObject({ kind: 'instant', sec: 1795602360, nsec: 500000000 });
  });
  it('offsets from the first packet: 30s, +1.5s, 500ms, 2m, 1h', () => {
    expect(parseTimeBound('30s')).toMatchObject({ kind: 'offset', sec: 30, nsec: 0 });
    expect(parseTimeBound('+1.5s')).toMatchObject({ kind: 'offset', sec: 1, nsec: 500000000 });
    expect(parseTimeBound('500ms')).toMatchObject({ kind: 'offset', sec: 0, nsec: 500000000 });
    expect(parseTimeBound('2m')).toMatchObject({ kind: 'offset', sec: 120, nsec: 0 });
    expect(parseTimeBound('1h')).toMatchObject({ kind: 'offset', sec: 3600, nsec: 0 });
    expect(parseTimeBound('7')).toMatchObject({ kind: 'offset', sec: 7, nsec: 0 });
  });
  it('not a time: February 30, 25:00, no zone, words', () => {
    for (const bad of ['2026-02-30T10:00:00Z', '2026-11-25T25:00:00Z', '2026-11-25T10:26:00', 'yesterday', '-5s', '1.2.3s', '']) {
      expect(parseTimeBound(bad), bad).toBeNull();
    }
  });
  it('a bad --since or --until is bad usage: exit 2, one line, before anything is read', () => {
    const r = cli(['analyze', VXLAN, '--since', 'yesterday']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^calico-pcap: option '--since <time>' argument 'yesterday' is invalid\. expected an RFC 3339 time/);
    expect(cli(['analyze', VXLAN, '-c', '0']).code).toBe(2);
  });
});

describe.skipIf(!tsharkPresent)('--since and --until agree with tshark on frame times', () => {
  const cases: [string, string[], string][] = [
    [VXLAN, ['--since', '1s', '--until', '2.5s'], 'frame.time_relative >= 1 && frame.time_relative <= 2.5'],
    [VXLAN, ['--since', '+500ms'], 'frame.time_relative >= 0.5'],
    [VXLAN, ['--until', '1s'], 'frame.time_relative <= 1'],
    [ANY, ['--since', '2s', '--until', '3s'], 'frame.time_relative >= 2 && frame.time_relative <= 3'],
  ];
  for (const [file, args, tshark] of cases) {
    it(`${file.replace(ROOT + '/', '')} ${args.join(' ')} = tshark -Y '${tshark}'`, () => {
      const doc = json(['analyze', file, ...args]);
      const expected = tsharkCount(file, tshark);
      expect(expected).toBeGreaterThan(0);
      expect(doc.totals.packets).toBe(expected);
      expect(doc.slice.packetsRead - doc.slice.packetsOutside).toBe(expected);
      expect(doc.slice.stoppedByCount).toBe(false);
    });
  }

  it('RFC 3339 instants: the same packets as tshark on frame.time_epoch, and as the offsets they equal', () => {
    const first = firstEpoch(VXLAN); // e.g. 1795602358.055000000
    const [sec, frac] = first.split('.');
    const at = (offsetSec: number) => new Date((Number(sec) + offsetSec) * 1000).toISOString().replace('.000Z', `.${frac.padEnd(9, '0')}Z`);
    const since = at(1);
    const until = at(2).replace('Z', '+00:00');
    const doc = json(['analyze', VXLAN, '--since', since, '--until', until]);
    const expected = tsharkCount(VXLAN, `frame.time_epoch >= ${Number(sec) + 1}.${frac} && frame.time_epoch <= ${Number(sec) + 2}.${frac}`);
    expect(expected).toBeGreaterThan(0);
    expect(doc.totals.packets).toBe(expected);
    expect(doc.slice.since).toBe(since);
    expect(json(['analyze', VXLAN, '--since', '1s', '--until', '2s']).flows).toEqual(doc.flows);
  });

  it('with -Y the filter counts only the packets inside the slice', () => {
    const doc = json(['analyze', VXLAN, '--since', '1s', '-Y', 'proto == icmp']);
    expect(doc.totals.packets).toBe(tsharkCount(VXLAN, 'frame.time_relative >= 1 && icmp'));
    expect(doc.filter.packetsRead).toBe(doc.slice.packetsRead - doc.slice.packetsOutside);
  });
});

describe.skipIf(!tcpdumpPresent)('-c N reads the first N packets of each capture, as tcpdump -r F -c N', () => {
  it('the flows of -c 7 are the flows of the 7 packets tcpdump copies out; the read is not a fault', () => {
    const first7 = join(dir, 'first7.pcap');
    const td = spawnSync('tcpdump', ['-r', VXLAN, '-c', '7', '-w', first7], { encoding: 'utf8' });
    expect(td.status, td.stderr).toBe(0);
    const sliced = json(['analyze', VXLAN, '-c', '7']);
    const whole = json(['analyze', first7]);
    expect(sliced.totals).toEqual(whole.totals);
    expect(sliced.flows).toEqual(whole.flows);
    expect(sliced.totals.packets).toBe(7);
    expect(sliced.slice).toEqual({ since: null, until: null, count: 7, packetsRead: 7, packetsOutside: 0, stoppedByCount: true });
    expect(sliced.capture.endedEarly).toBe(false);
    const table = cli(['analyze', VXLAN, '-c', '7']);
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('');
    expect(table.stdout).toContain('\n-c 7: 7 of 7 packets read in the slice, the read stopped at the count\n');
    expect(table.stdout).not.toContain('stopped early');
  });

  it('-c larger than the capture reads it all (stoppedByCount false); verify judges the slice', () => {
    const all = json(['analyze', VXLAN, '-c', '1000']);
    expect(all.totals.packets).toBe(30);
    expect(all.slice.stoppedByCount).toBe(false);
    const v = cli(['verify', VXLAN, '--cluster', CLUSTER, '-c', '4', '-o', 'json']);
    expect(v.code, v.stderr).toBe(0);
    const doc = JSON.parse(v.stdout);
    expect(doc.totals.packets).toBe(4);
    expect(doc.verify.result).toBe('pass');
  });

  it('with several captures, -c applies to each', () => {
    const doc = json(['analyze', VXLAN, ANY, '-c', '3']);
    expect(doc.captures.map((c: { totals: { packets: number } }) => c.totals.packets)).toEqual([3, 3]);
    expect(doc.merged.totals.packets).toBe(6);
  });
});

if (!tsharkPresent) partMissing('slice.test.ts', 'tshark', 'tshark is not installed: --since/--until were not compared with tshark (CI installs it)');
if (!tcpdumpPresent) partMissing('slice.test.ts', 'tcpdump', 'tcpdump is not installed: -c was not compared with tcpdump -c (CI installs it)');
