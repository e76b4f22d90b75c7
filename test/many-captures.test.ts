// Many captures in one run (analyze and verify of files, directories, quoted patterns, -r), and
// big outputs that stay readable (--sort, --top, the terminal's top 50, ndjson --per flow, tables
// of 100k flows) on the bundled kernel captures and on captures the project's writer makes.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { renderGrid, displayWidth } from '../src/report/grid.js';
import { overallResult } from '../src/commands/verify.js';
import { manyFlowDocument, renderWithCliTable3, syntheticFlow, writeManyFlowCapture } from '../src/dev/bench/table-render.js';

const ROOT = join(__dirname, '..');
const F = (p: string) => join(ROOT, 'fixtures', p);
const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-many-'));

const ENS37 = F('vxlan-crosssubnet/node04-ens37.pcap');
const VXLAN_DEV = F('vxlan-crosssubnet/node04-vxlan.calico.pcap');
const NODE02 = F('vxlan-crosssubnet/node02-ens37.pcap');
const IPIP04 = F('ipip-crosssubnet/node04-ens37.pcap');
const CLUSTER = F('vxlan-crosssubnet/cluster.yaml');
const REF = F('cluster/reference-cluster.yaml');

async function cli(argv: string[], isTTY = false) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY });
  return { code, stdout, stderr };
}

async function json(argv: string[]) {
  const r = await cli([...argv, '-o', 'json']);
  return { ...r, doc: JSON.parse(r.stdout) };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('analyze of several captures', () => {
  it('two files: each capture as its single run reports it, merged totals the sums', async () => {
    const one = (await json(['analyze', ENS37])).doc;
    const two = (await json(['analyze', VXLAN_DEV])).doc;
    const { code, stderr, doc } = await json(['analyze', ENS37, VXLAN_DEV]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(doc.schema).toBe(1);
    expect(doc.captures.map((c: { capture: { file: string } }) => c.capture.file)).toEqual([ENS37, VXLAN_DEV]);
    for (const [i, single] of [one, two].entries()) {
      const { schema: _s, tool: _t, ...rest } = single;
      expect(doc.captures[i]).toEqual(rest);
    }
    // The numbers of the two kernel captures, and their sums.
    expect([one.totals.packets, one.totals.bytes, one.totals.flows]).toEqual([30, 6457, 12]);
    expect([two.totals.packets, two.totals.bytes, two.totals.flows]).toEqual([28, 4861, 10]);
    expect(doc.merged.captures).toBe(2);
    expect(doc.merged.totals).toMatchObject({ packets: 58, bytes: 11318, flows: 22, capturedBytes: one.totals.capturedBytes + two.totals.capturedBytes });
    expect(doc.merged.totals.firstTime).toBe([one.totals.firstTime, two.totals.firstTime].sort()[0]);
    expect(doc.merged.totals.lastTime).toBe([one.totals.lastTime, two.totals.lastTime].sort()[1]);
    expect(doc.merged.encapsulations).toEqual({ vxlan: { packets: 28, bytes: one.encapsulations.vxlan.bytes, flows: 10 }, plain: { packets: 30, bytes: one.encapsulations.plain.bytes + two.encapsulations.plain.bytes, flows: 12 } });
    expect(doc.unreadable).toEqual([]);
  });

  it('a directory: its capture files by name (not its YAML), the same as naming them', async () => {
    const { code, doc } = await json(['analyze', F('vxlan-crosssubnet')]);
    expect(code).toBe(0);
    expect(doc.captures.map((c: { capture: { file: string } }) => c.capture.file)).toEqual([NODE02, ENS37, VXLAN_DEV]);
    expect(doc.merged.totals.packets).toBe(14 + 30 + 28);
    const named = (await json(['analyze', NODE02, ENS37, VXLAN_DEV])).doc;
    expect(doc.merged).toEqual(named.merged);
    // Empty of captures: one line, exit 2.
    const empty = await cli(['analyze', F('cluster')]);
    expect(empty.code).toBe(2);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe(`calico-pcap: ${F('cluster')}: no capture files in this directory (*.pcap, *.pcapng, *.cap, optionally .gz, .zst or .xz; not recursive: use 'DIR/**/*.pcap')\n`);
  });

  it('a directory of compressed captures: .xz and .zst read, one refused (a 192 MiB xz dictionary) named as unreadable, exit 2, the others reported', async () => {
    const { code, doc } = await json(['analyze', F('compressed')]);
    expect(code).toBe(2);
    expect(doc.captures.map((c: { capture: { file: string }; totals: { packets: number } }) => [c.capture.file, c.totals.packets]))
      .toEqual([[F('compressed/node01-ens37.pcap.xz'), 24], [F('compressed/node01-ens37.pcap.zst'), 24]]);
    expect(doc.unreadable).toHaveLength(1);
    expect(doc.unreadable[0].file).toBe(F('compressed/dict-192MiB.pcap.xz'));
    expect(doc.unreadable[0].message).toMatch(/needs more than 128 MiB to decompress/);
    expect(doc.merged.totals.packets).toBe(48);
  });

  it('a quoted pattern is expanded (sorted); one that matches nothing is exit 2; each file is read once', async () => {
    const { code, doc } = await json(['analyze', F('*-crosssubnet/node04-ens37.pcap')]);
    expect(code).toBe(0);
    expect(doc.captures.map((c: { capture: { file: string } }) => c.capture.file)).toEqual([IPIP04, ENS37]);
    expect(doc.merged.totals.packets).toBe(30 + 30);
    const none = await cli(['analyze', ENS37, F('nothing-*.pcap')]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(`calico-pcap: ${F('nothing-*.pcap')}: no file matches this pattern\n`);
    // The pattern, the directory, the file again, a symlink to it: three files, each once.
    const link = join(dir, 'link.pcap');
    symlinkSync(ENS37, link);
    const dup = (await json(['analyze', F('vxlan-crosssubnet/node04*.pcap'), F('vxlan-crosssubnet'), ENS37, link])).doc;
    expect(dup.captures.map((c: { capture: { file: string } }) => c.capture.file)).toEqual([ENS37, VXLAN_DEV, NODE02]);
    expect(dup.merged.totals.packets).toBe(72);
  });

  it('-r is repeatable and adds to the arguments; - at most once', async () => {
    const r = await cli(['analyze', '-o', 'csv', ENS37, '-r', VXLAN_DEV, '-r', NODE02]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await cli(['analyze', '-o', 'csv', ENS37, VXLAN_DEV, NODE02])).stdout);
    const twice = await cli(['analyze', '-', '-r', '-']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe('calico-pcap: - (standard input) can be given only once\n');
  });

  it('table: a capture column, a line per capture and the merged line', async () => {
    const r = await cli(['analyze', '--no-color', ENS37, VXLAN_DEV]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('│ /'));
    expect(rows).toHaveLength(22);
    expect(rows.filter((l) => l.startsWith(`│ ${ENS37} `))).toHaveLength(12);
    expect(rows.filter((l) => l.startsWith(`│ ${VXLAN_DEV} `))).toHaveLength(10);
    expect(rows[0]).toMatch(/^│ \S+node04-ens37\.pcap +│ vxlan │ 10\.0\.2\.201 -> 10\.0\.1\.204 │ 4096 │ 10\.200\.2\.10 -> 10\.200\.255\.10 +│ icmp +│ +4 │ +1736 │$/);
    expect(r.stdout).toContain(`\n${ENS37}: pcap, ETHERNET: 30 packets, 6457 bytes, 12 flows (vxlan 28, plain 2)\n`);
    expect(r.stdout).toContain(`\n${VXLAN_DEV}: pcap, ETHERNET: 28 packets, 4861 bytes, 10 flows (plain 28)\n`);
    expect(r.stdout.endsWith('\nall 2 captures: 58 packets, 11318 bytes, 22 flows (vxlan 28, plain 30)\n')).toBe(true);
  });

  it('csv and ndjson: every record names its capture', async () => {
    const csv = (await cli(['analyze', '-o', 'csv', ENS37, VXLAN_DEV])).stdout.trim().split('\n');
    expect(csv[0]).toMatch(/^capture,encapsulation,outer_src,/);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual([...Array(12).fill(ENS37), ...Array(10).fill(VXLAN_DEV)]);
    expect(sum(csv.slice(1).map((l) => Number(l.split(',')[10])))).toBe(58);
    const lines = (await cli(['analyze', '-o', 'ndjson', ENS37, VXLAN_DEV])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const packets = lines.filter((l) => 'packet' in l);
    expect(packets.filter((p) => p.capture === ENS37)).toHaveLength(30);
    expect(packets.filter((p) => p.capture === VXLAN_DEV)).toHaveLength(28);
    expect(lines[30]).toMatchObject({ summary: { capture: ENS37, totals: { packets: 30 } } });
    expect(lines.at(-1)).toMatchObject({ merged: { captures: 2, totals: { packets: 58, bytes: 11318, flows: 22 } } });
    // One capture: the per-packet records stay as they were, without the field.
    const single = (await cli(['analyze', '-o', 'ndjson', ENS37])).stdout.split('\n')[0];
    expect(JSON.parse(single).capture).toBeUndefined();
  });

  it('a capture that cannot be read: the others are reported, the line names it, exit 2', async () => {
    const text = join(dir, 'text.pcap');
    writeFileSync(text, 'not a capture at all\n');
    const r = await json(['analyze', ENS37, text, join(dir, 'missing.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`calico-pcap: ${text}: not a pcap or pcapng capture (starts with 0x6e6f7420)\ncalico-pcap: ${join(dir, 'missing.pcap')}: no such file\n`);
    expect(r.doc.captures).toHaveLength(1);
    expect(r.doc.merged.totals.packets).toBe(30);
    expect(r.doc.unreadable).toEqual([
      { file: text, message: `${text}: not a pcap or pcapng capture (starts with 0x6e6f7420)` },
      { file: join(dir, 'missing.pcap'), message: `${join(dir, 'missing.pcap')}: no such file` },
    ]);
  });
});

describe('--sort, --top, --per', () => {
  it('--sort packets / bytes / time / encap with --top: ordered as asked, the totals still all flows', async () => {
    const all = (await json(['analyze', ENS37, VXLAN_DEV])).doc;
    const flows = all.captures.flatMap((c: { flows: object[] }, i: number) => c.flows.map((f) => ({ ...f, c: i })));
    for (const [key, get, desc] of [['packets', (f: { packets: number }) => f.packets, true], ['bytes', (f: { bytes: number }) => f.bytes, true], ['time', (f: { firstTime: string }) => f.firstTime, false]] as const) {
      const csv = (await cli(['analyze', '-o', 'csv', '--sort', key, '--top', '5', ENS37, VXLAN_DEV])).stdout.trim().split('\n').slice(1);
      expect(csv, key).toHaveLength(5);
      const sorted = [...flows].sort((a, b) => {
        const x = get(a as never) as number | string;
        const y = get(b as never) as number | string;
        return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
      });
      const col = key === 'time' ? 16 : key === 'packets' ? 10 : 11; // after the capture column
      expect(csv.map((l) => l.split(',')[col]), key).toEqual(sorted.slice(0, 5).map((f) => String(get(f as never))));
    }
    const top = (await json(['analyze', '--sort', 'packets', '--top', '3', ENS37])).doc;
    expect(top.flows.map((f: { packets: number }) => f.packets)).toEqual([5, 5, 4]);
    expect(top.flowsOmitted).toBe(9);
    expect(top.totals.flows).toBe(12);
    const many = (await json(['analyze', '--sort', 'bytes', '--top', '4', ENS37, VXLAN_DEV])).doc;
    // The top 4 of both captures together, each capture holding its own of them.
    const top4 = flows.map((f: { bytes: number }) => f.bytes).sort((a: number, b: number) => b - a).slice(0, 4);
    const listed = many.captures.map((c: { flows: { bytes: number }[] }) => c.flows.map((f) => f.bytes));
    expect([...listed[0], ...listed[1]].sort((a, b) => b - a)).toEqual(top4);
    expect(listed[0]).toEqual([1736, 1736]);
    expect(many.captures[0].flowsOmitted + many.captures[1].flowsOmitted).toBe(22 - 4);
    expect(many.merged.totals.flows).toBe(22);
    const encap = (await cli(['analyze', '-o', 'csv', '--sort', 'encap', ENS37])).stdout.trim().split('\n').slice(1).map((l) => l.split(','));
    expect(encap.map((c) => c[0])).toEqual([...Array(2).fill('plain'), ...Array(10).fill('vxlan')]);
    // --top 0: every flow, in table order.
    expect((await json(['analyze', '--top', '0', ENS37])).doc.flows).toEqual((await json(['analyze', ENS37])).doc.flows);
  });

  it('usage that means nothing is exit 2 with one line', async () => {
    const perJson = await cli(['analyze', '-o', 'json', '--per', 'flow', ENS37]);
    expect(perJson.code).toBe(2);
    expect(perJson.stderr).toBe('calico-pcap: --per chooses the records of -o ndjson (packet or flow); it does not apply to -o json\n');
    const sortPackets = await cli(['analyze', '-o', 'ndjson', '--sort', 'bytes', ENS37]);
    expect(sortPackets.code).toBe(2);
    expect(sortPackets.stderr).toMatch(/^calico-pcap: --sort and --top order flows: with -o ndjson they need --per flow/);
    expect((await cli(['analyze', '--sort', 'size', ENS37])).code).toBe(2);
    expect((await cli(['analyze', '--top', '-1', ENS37])).code).toBe(2);
  });

  it('-o ndjson --per flow: one record per flow with its capture, then the summaries', async () => {
    const doc = (await json(['analyze', ENS37, VXLAN_DEV])).doc;
    const lines = (await cli(['analyze', '-o', 'ndjson', '--per', 'flow', ENS37, VXLAN_DEV])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const records = lines.filter((l) => !('summary' in l) && !('merged' in l));
    expect(records).toEqual([...doc.captures[0].flows.map((f: object) => ({ capture: ENS37, ...f })), ...doc.captures[1].flows.map((f: object) => ({ capture: VXLAN_DEV, ...f }))]);
    expect(records[0]).toMatchObject({ capture: ENS37, encapsulation: 'vxlan', outer: { src: '10.0.2.201', dst: '10.0.1.204' }, vni: 4096, inner: { src: '10.200.2.10', dst: '10.200.255.10' }, protocol: 'icmp', packets: 4, bytes: 1736 });
    expect(lines.slice(records.length).map((l) => l.summary?.capture ?? 'merged')).toEqual([ENS37, VXLAN_DEV, 'merged']);
    const single = (await cli(['analyze', '-o', 'ndjson', '--per', 'flow', '--sort', 'bytes', '--top', '2', ENS37])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(single.map((l) => l.bytes ?? 'summary')).toEqual([1736, 1736, 'summary']);
    expect(single[2].summary.totals.flows).toBe(12);
  });

  describe('a capture of 120 flows', () => {
    const path = join(dir, 'flows-120.pcap');
    beforeAll(async () => {
      await writeManyFlowCapture(path, 120);
    });
    const rowsOf = (out: string) => out.split('\n').filter((l) => /^│ (vxlan|ipip|plain) /.test(l));

    it('on a terminal the table shows the top 50 by packets and says how many more', async () => {
      const r = await cli(['analyze', '--no-color', path], true);
      expect(r.code).toBe(0);
      const rows = rowsOf(r.stdout);
      expect(rows).toHaveLength(50);
      // Flows i % 3 == 2 have 3 packets, == 1 two, == 0 one: the 40 of three first, then two.
      const packets = rows.map((l) => Number(l.split('│')[6].trim()));
      expect(packets).toEqual([...Array(40).fill(3), ...Array(10).fill(2)]);
      expect(rows[0]).toContain(`${syntheticFlow(2).src} -> 10.200.255.10`);
      expect(r.stdout).toContain('\n70 more flows (use --top 0; shown: top 50 by packets)\n240 packets,');
    });

    it('in a pipe, or with --top 0, all of them in table order; --top and --sort are obeyed on a terminal', async () => {
      const pipe = rowsOf((await cli(['analyze', '--no-color', path])).stdout);
      expect(pipe).toHaveLength(120);
      expect(pipe.map((l) => l.split('│')[4].trim().split(' ')[0])).toEqual(Array.from({ length: 120 }, (_, i) => syntheticFlow(i).src));
      expect(rowsOf((await cli(['analyze', '--no-color', '--top', '0', path], true)).stdout)).toEqual(pipe);
      const top = await cli(['analyze', '--no-color', '--top', '7', '--sort', 'flow', path], true);
      const cells = (rows: string[]) => rows.map((l) => l.split('│').map((c) => c.trim()));
      expect(cells(rowsOf(top.stdout))).toEqual(cells(pipe.slice(0, 7)));
      expect(top.stdout).toContain('\n113 more flows (use --top 0; shown: the first 7 in table order)\n');
    });
  });
});

describe('tables of many flows', () => {
  it('100 000 flows: every row drawn, aligned, with its own values', async () => {
    const path = join(dir, 'flows-100k.pcap');
    const n = 100_000;
    const packets = await writeManyFlowCapture(path, n);
    const r = await cli(['analyze', '--no-color', path]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(1 + 1 + 1 + n + 1 + 1 + 1); // capture, rule, head, rows, rule, totals, ''
    expect(lines.at(-2)).toBe(`${packets} packets, ${lines.at(-2)!.split(' ')[2]} bytes, ${n} flows (vxlan ${sum(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? syntheticFlow(i).packets : 0)))}, ipip ${sum(Array.from({ length: n }, (_, i) => (i % 3 === 1 ? syntheticFlow(i).packets : 0)))}, plain ${sum(Array.from({ length: n }, (_, i) => (i % 3 === 2 ? syntheticFlow(i).packets : 0)))})`);
    const rows = lines.slice(3, 3 + n);
    const width = displayWidth(lines[1]);
    for (let i = 0; i < n; i += 997) {
      const f = syntheticFlow(i);
      const cells = rows[i].split('│').map((c) => c.trim());
      expect(cells.slice(1, 8)).toEqual([
        i % 3 === 0 ? 'vxlan' : i % 3 === 1 ? 'ipip' : 'plain',
        i % 3 === 0 ? '10.0.2.201 -> 10.0.1.204' : i % 3 === 1 ? '10.0.2.202 -> 10.0.1.204' : '-',
        i % 3 === 0 ? '4096' : '-',
        `${f.src} -> ${f.dst}`,
        `tcp ${f.sport} -> ${f.dport}`,
        String(f.packets),
        cells[7],
      ]);
    }
    expect(rows.every((l) => l.length === width)).toBe(true);
    // The same characters as cli-table3 drew them, on the first 300 flows.
    const doc = await manyFlowDocument(path);
    const head = (await cli(['analyze', '--no-color', '--top', '300', path])).stdout.split('\n').slice(1, 304).join('\n');
    expect(head).toBe(renderWithCliTable3(doc.flows.slice(0, 300)));
  }, 120_000);

  it('renderGrid draws what cli-table3 draws: colours, right alignment, wide characters, colour codes in cells', () => {
    const head = ['name', 'n', 'verdict'];
    const rows: (string | number)[][] = [['ascii', 1, 'ok'], ['ノード04', 12345, '\x1b[31mMISMATCH\x1b[39m'], ['é', 0, '']];
    for (const color of [false, true]) {
      const t = new Table({ head, colAligns: ['left', 'right', 'left'], style: color ? {} : { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
      rows.forEach((r) => t.push(r));
      // cli-table3 colours only where its colour library finds colour support.
      const expected = t.toString();
      if (color && !expected.includes('\x1b[90m')) continue;
      expect(renderGrid(head, ['left', 'right', 'left'], rows, color)).toBe(expected);
    }
    const lines = renderGrid(head, ['left', 'right', 'left'], rows, false).split('\n');
    expect(lines[3]).toBe('│ ノード04 │ 12345 │ \x1b[31mMISMATCH\x1b[39m │');
    expect(lines.map(displayWidth)).toEqual(Array(6).fill(31));
  });
});

describe('verify of several captures', () => {
  it('each judged at its own capture point: the uplink and the vxlan.calico device of node04 both pass', async () => {
    const { code, doc, stderr } = await json(['verify', '--cluster', CLUSTER, ENS37, VXLAN_DEV]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(doc.result).toBe('pass');
    expect(doc.captures.map((c: { capture: { file: string }; verify: { result: string } }) => [c.capture.file, c.verify.result])).toEqual([[ENS37, 'pass'], [VXLAN_DEV, 'pass']]);
    expect(doc.captures[0].verify.points.map((p: { kind: string }) => p.kind)).toEqual(['uplink']);
    expect(doc.captures[1].verify.points[0]).toMatchObject({ name: 'vxlan.calico', kind: 'tunnel', tunnel: 'vxlan', how: 'the file name' });
    expect(doc.merged.totals).toMatchObject({ packets: 58, flows: 22 });
    // Each the same as verify of it alone.
    const alone = (await json(['verify', '--cluster', CLUSTER, VXLAN_DEV])).doc;
    expect(doc.captures[1].verify.pairs).toEqual(alone.verify.pairs);
    expect(doc.captures[1].verify.flows).toEqual(alone.verify.flows);
  });

  it('NODE=FILE names the node of each capture', async () => {
    const { doc } = await json(['verify', '--cluster', CLUSTER, `kube-node04=${ENS37}`, NODE02]);
    expect(doc.captures[0].verify.captureNode).toEqual({ name: 'kube-node04', how: 'NODE=FILE' });
    expect(doc.captures[1].verify.captureNode.name).toBe('kube-node02');
    expect(doc.captures[1].verify.captureNode.how).toMatch(/^inferred/);
  });

  it('a failing capture beside a passing one: FAIL, exit 1; table, junit with a suite each', async () => {
    const args = ['verify', '--cluster', REF, ENS37, IPIP04];
    const { code, doc } = await json(args);
    expect(code).toBe(1);
    expect(doc.result).toBe('fail');
    expect(doc.captures.map((c: { verify: { result: string } }) => c.verify.result)).toEqual(['pass', 'fail']);
    const table = await cli([...args, '--no-color']);
    expect(table.code).toBe(1);
    expect(table.stdout.endsWith(`\noverall (2 captures): FAIL\n  ${ENS37} PASS\n  ${IPIP04} FAIL\n`)).toBe(true);
    expect(table.stdout.match(/\nresult: (PASS|FAIL)\n/g)).toEqual(['\nresult: PASS\n', '\nresult: FAIL\n']);
    const junit = await cli([...args, '-o', 'junit']);
    expect(junit.code).toBe(1);
    const x = new XMLParser({ ignoreAttributes: false }).parse(junit.stdout);
    const suites = x.testsuites.testsuite;
    expect(suites.map((s: Record<string, string>) => [s['@_name'], s['@_failures']])).toEqual([[`calico-pcap verify ${ENS37}`, '0'], [`calico-pcap verify ${IPIP04}`, '6']]);
    expect(x.testsuites['@_failures']).toBe('6');
    expect(Number(x.testsuites['@_tests'])).toBe(sum(suites.map((s: Record<string, string>) => Number(s['@_tests']))));
  });

  it('inconclusive beside a pass is INCONCLUSIVE (exit 4), beside a fail FAIL; an unreadable capture is exit 2, never a PASS', async () => {
    const NODES_ONLY = ['--pool', '10.200.0.0/16', '--block-size', '24', '--vxlan', 'CrossSubnet', '--node', 'kube-master01=10.0.2.200/24', '--node', 'kube-node01=10.0.2.201/24', '--node', 'kube-node02=10.0.2.202/24', '--node', 'kube-node04=10.0.1.204/24'];
    const plain = F('plain-cross-subnet/node04-ens37.pcap');
    const inc = await json(['verify', ...NODES_ONLY, ENS37, plain]);
    expect(inc.doc.captures.map((c: { verify: { result: string } }) => c.verify.result)).toEqual(['pass', 'inconclusive']);
    expect(inc.doc.result).toBe('inconclusive');
    expect(inc.code).toBe(4);
    expect(inc.stderr).toMatch(new RegExp(`^calico-pcap: ${plain}: inconclusive: `));
    const fail = await json(['verify', ...NODES_ONLY, '--ipip', 'CrossSubnet', '--vxlan', 'Never', ENS37, plain]);
    expect(fail.doc.result).toBe('fail');
    expect(fail.code).toBe(1);
    const missing = join(dir, 'gone.pcap');
    const unread = await json(['verify', '--cluster', CLUSTER, ENS37, missing]);
    expect(unread.code).toBe(2);
    expect(unread.stderr).toBe(`calico-pcap: ${missing}: no such file\n`);
    expect(unread.doc.result).toBe('inconclusive');
    expect(unread.doc.unreadable).toEqual([{ file: missing, message: `${missing}: no such file` }]);
    const junit = new XMLParser({ ignoreAttributes: false }).parse((await cli(['verify', '--cluster', CLUSTER, ENS37, missing, '-o', 'junit'])).stdout);
    expect(junit.testsuites.testsuite[1]).toMatchObject({ '@_name': `calico-pcap verify ${missing}`, '@_errors': '1' });
    expect(overallResult(['pass', 'pass'], 0)).toBe('pass');
    expect(overallResult(['pass', 'pass'], 1)).toBe('inconclusive');
    expect(overallResult(['inconclusive', 'fail'], 1)).toBe('fail');
  });

  it('--expect, --write-expect and --capture-node describe one capture: bad usage with several', async () => {
    for (const [flag, value, how] of [['--expect', F('vxlan-crosssubnet/node04-ens37.expect.yaml'), 'pin each capture in its own run of verify'], ['--write-expect', '-', 'pin each capture in its own run of verify'], ['--capture-node', 'kube-node04', 'name the node of each as NODE=FILE']]) {
      const r = await cli(['verify', '--cluster', CLUSTER, flag, value, ENS37, VXLAN_DEV]);
      expect(r.code, flag).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`calico-pcap: ${flag} applies to one capture and 2 were given: ${how}\n`);
    }
  });
});
