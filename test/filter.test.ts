// The -Y/--where language: the parse tree (precedence, parentheses, every operator), every field
// on real kernel captures (counts checked against the packets listed in each comment, and
// against tshark in filter-tshark.test.ts), errors with the caret at the right column, and the
// option in every command that reads packets.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFilter, FilterError, type FilterNode } from '../src/filter/parse.js';
import { PacketFilter } from '../src/filter/compile.js';
import { analyzeCapture } from '../src/analysis/pipeline.js';
import { buildModel } from '../src/model/sources.js';
import type { ClusterModel } from '../src/model/cluster.js';
import { readPods } from '../src/model/pods.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const fixture = (p: string) => join(ROOT, 'fixtures', p);
const NO_FLAGS = { pool: [], node: [], block: [], tunnelAddr: [] };

/** The tree as a short string: (a or (b and (not c))). */
function show(n: FilterNode): string {
  switch (n.kind) {
    case 'or':
    case 'and':
      return `(${show(n.left)} ${n.kind} ${show(n.right)})`;
    case 'not':
      return `(not ${show(n.operand)})`;
    case 'present':
      return n.field.name;
    case 'compare':
      return `${n.field.name}${n.op}${n.values.map((v) => v.text).join('|')}`;
  }
}

describe('parse: precedence not > and > or, parentheses, operators', () => {
  const cases: [string, string][] = [
    ['vni or sport and not dport', '(vni or (sport and (not dport)))'],
    ['not vni and sport', '((not vni) and sport)'],
    ['not vni or sport', '((not vni) or sport)'],
    ['vni and sport or dport and port', '((vni and sport) or (dport and port))'],
    ['(vni or sport) and dport', '((vni or sport) and dport)'],
    ['not (vni or sport)', '(not (vni or sport))'],
    ['vni or sport or dport', '((vni or sport) or dport)'],
    ['vni || sport && ! dport', '(vni or (sport and (not dport)))'],
    ['!vni && !(sport || dport)', '((not vni) and (not (sport or dport)))'],
    ['not not issue', '(not (not issue))'],
    ['vni == 4096', 'vni==4096'],
    ['vni eq 4096 AND sport ne 53', '(vni==4096 and sport!=53)'],
    ['vni!=4096', 'vni!=4096'],
    ['inner.src in 10.200.0.0/16', 'inner.src in10.200.0.0/16'.replace(' in', 'in')],
    ['port in {80 443}', 'portin80|443'],
    ['port in {80, 443 ,8080}', 'portin80|443|8080'],
    ['iface == "vxlan.calico"', 'iface==vxlan.calico'],
    ['dir == in or dir == out', '(dir==in or dir==out)'],
    ['  ( ( vni ) )  ', 'vni'],
  ];
  for (const [text, tree] of cases) it(text, () => expect(show(parseFilter(text))).toBe(tree));

  it('keeps the column of every field and value', () => {
    const n = parseFilter('vni == 1 and inner.src in 10.0.0.0/8') as Extract<FilterNode, { kind: 'and' }>;
    const right = n.right as Extract<FilterNode, { kind: 'compare' }>;
    expect(right.field.offset).toBe(13);
    expect(right.values[0].offset).toBe(26);
  });
});

/** The message line, the expression line and the caret line of a bad expression. */
function errorOf(expression: string, model: ClusterModel | null = null): { message: string; caretColumn: number; lines: string[] } {
  try {
    PacketFilter.compile(expression, { model });
  } catch (err) {
    expect(err).toBeInstanceOf(FilterError);
    const lines = (err as FilterError).format().split('\n');
    expect(lines.length).toBe(4); // three lines and the final newline
    expect(lines[3]).toBe('');
    expect(lines[1]).toBe(`  ${expression}`);
    const caretColumn = lines[2].indexOf('^') - 1;
    expect(lines[2].trim()).toBe('^');
    expect(lines[0]).toContain(`at column ${caretColumn}`);
    return { message: lines[0], caretColumn, lines };
  }
  throw new Error(`"${expression}" compiled`);
}

describe('errors: one message, the expression, a caret under the column', () => {
  it('a value missing before ")"', () => {
    const e = errorOf('inner.src in )');
    expect(e.message).toBe('calico-pcap: --where: expected a set {...} or a value, found ")" at column 14');
    expect(e.lines[2]).toBe('               ^');
  });
  it('an operator with nothing after it points past the end', () => {
    expect(errorOf('encap == vxlan and').caretColumn).toBe(19);
    expect(errorOf('encap == vxlan and').message).toContain('found the end');
    expect(errorOf('encap ==').caretColumn).toBe(9);
  });
  it('an unclosed parenthesis', () => {
    const e = errorOf('(vni == 1 or sport == 2');
    expect(e.caretColumn).toBe(24);
    expect(e.message).toContain('")"');
  });
  it('a stray closing parenthesis', () => expect(errorOf('vni == 1)').caretColumn).toBe(9));
  it('an empty expression', () => expect(errorOf('').caretColumn).toBe(1));
  it('an unknown field, with the tshark name pointed to ours', () => {
    const e = errorOf('vni == 1 and ip.src == 10.0.0.1');
    expect(e.caretColumn).toBe(14);
    expect(e.message).toContain('unknown field "ip.src" at column 14 (did you mean inner.src or outer.src?');
  });
  it('a bad CIDR', () => {
    const e = errorOf('inner.addr in 10.200.0.0/33');
    expect(e.caretColumn).toBe(15);
    expect(e.message).toContain('"10.200.0.0/33" is not an IP address or CIDR');
    expect(errorOf('outer.src == 10.0.0.256').caretColumn).toBe(14);
    expect(errorOf('inner.dst in {10.0.0.0/8 fd00::/129}').caretColumn).toBe(26);
  });
  it('a value the field does not take', () => {
    expect(errorOf('proto == foo').message).toContain('"foo" is not a value of proto at column 10 (proto takes a protocol name');
    expect(errorOf('encap == vxlan2').caretColumn).toBe(10);
    expect(errorOf('dir == sideways').caretColumn).toBe(8);
    expect(errorOf('dir == unknown').message).toContain('dir takes in or out');
    expect(errorOf('sport == 65536').caretColumn).toBe(10);
    expect(errorOf('vni == 4294967296').caretColumn).toBe(8);
    expect(errorOf('proto == 256').caretColumn).toBe(10);
    expect(errorOf('issue == ipv4.nonsense').message).toContain('"ipv4.nonsense" is not an issue code');
  });
  it('a node field without a model, and an unknown node with one', async () => {
    const e = errorOf('vni == 4096 and src.node == kube-node01');
    expect(e.caretColumn).toBe(17);
    expect(e.message).toContain('src.node needs a cluster model');
    const model = buildModel([fixture('vxlan-crosssubnet/cluster.yaml')], NO_FLAGS);
    const u = errorOf('dst.node == kube-node99', model);
    expect(u.caretColumn).toBe(13);
    expect(u.message).toContain('no node "kube-node99" in the cluster model at column 13 (nodes: kube-master01, kube-node01, kube-node02, kube-node04)');
  });
  it('a newline is not part of an expression', () => expect(() => parseFilter('vni\n== 1')).toThrow(FilterError));
});

/** Packets of a capture the filter selects, through the real pipeline. */
async function count(file: string, expression: string, model: ClusterModel | null = null): Promise<number> {
  const where = PacketFilter.compile(expression, { model });
  const run = await analyzeCapture(fixture(file), { where });
  expect(run.analyzer.packets + run.analyzer.filteredOut).toBe((await analyzeCapture(fixture(file))).analyzer.packets);
  return run.analyzer.packets;
}

// fixtures/vxlan-crosssubnet/node04-ens37.pcap, as tshark lists it: VXLAN VNI 4096 between the
// nodes 10.0.2.20x and 10.0.1.204 carrying pod traffic to 10.200.255.10: ping from 10.200.2.10
// (6 + 2 packets), 10.200.175.10 (6) and 10.200.235.10 (2); TCP 10.200.2.10:40080 -> :8080
// (10 packets); UDP 10.200.175.10:40053 -> :5353 (2); and one plain ping 10.0.2.201 <-> 10.0.1.204 (2).
const VX = 'vxlan-crosssubnet/node04-ens37.pcap';

describe('every field on a real capture', () => {
  const cases: [string, string, number][] = [
    [VX, 'encap == vxlan', 28],
    [VX, 'encap == plain', 2],
    [VX, 'encap == ipip', 0],
    ['ipip-always/node04-ens37.pcap', 'encap == ipip', 28],
    [VX, 'vni == 4096', 28],
    [VX, 'vni', 28],
    [VX, 'vni == 0x1000', 28],
    [VX, 'vni == 4097', 0],
    [VX, 'outer.src == 10.0.2.201', 10],
    [VX, 'outer.dst == 10.0.1.204', 15],
    [VX, 'outer.addr == 10.0.2.201', 20],
    [VX, 'outer.addr in 10.0.2.0/24', 30],
    [VX, 'inner.src == 10.200.2.10', 9],
    [VX, 'inner.dst == 10.200.255.10', 14],
    [VX, 'inner.addr in 10.200.2.0/24', 18],
    [VX, 'inner.addr in {10.200.2.0/24 10.200.235.10}', 20],
    [VX, 'inner.src == 10.0.2.201', 1], // the plain packet: its one header is inner and outer
    [VX, 'proto == icmp', 18],
    [VX, 'proto == 1', 18],
    [VX, 'proto == udp', 2],
    [VX, 'proto == tcp', 10],
    [VX, 'sport == 40080', 5],
    [VX, 'dport == 8080', 5],
    [VX, 'port == 8080', 10],
    [VX, 'port in {5353 8080}', 12],
    [VX, 'sport', 12],
    [VX, 'port != 8080', 2], // only packets with ports: the UDP pair
    [VX, 'not port == 8080', 20],
    [VX, 'dir', 0], // a pcap file records no direction
    [VX, 'not dir', 30],
    [VX, 'iface', 0], // nor interface names
    ['any-vxlan/node04-any.pcap', 'dir == out', 44],
    ['any-vxlan/node04-any.pcap', 'ifindex == 3', 28], // 14 received, 14 sent
    ['any-vxlan/node04-any.pcap', 'dir == in and ifindex == 3', 14],
    ['pcapng-uplink-vxlan/node04-live.pcapng', 'iface == ens37', 30],
    ['pcapng-uplink-vxlan/node04-live.pcapng', 'iface in {ens37 vxlan.calico}', 58],
    ['pcapng-uplink-vxlan/node04-live.pcapng', 'iface != ens37', 28],
    ['vxlan-bad-udp-checksum/node04-ens37.pcap', 'issue == udp.bad_checksum', 6],
    ['vxlan-bad-udp-checksum/node04-ens37.pcap', 'issue', 6],
    ['vxlan-bad-udp-checksum/node04-ens37.pcap', 'not issue', 4],
    ['dual-stack-vxlan/node04-ens37.pcap', 'inner.src in fd00:10:200::/48 and proto == icmpv6', 10],
    ['dual-stack-vxlan/node04-ens37.pcap', 'outer.addr == fd00:0:1::204', 22],
  ];
  for (const [file, expression, n] of cases) it(`${file}: ${expression} -> ${n}`, async () => expect(await count(file, expression)).toBe(n));

  describe('nodes of the cluster model', () => {
    const model = () => buildModel([fixture('vxlan-crosssubnet/cluster.yaml')], NO_FLAGS);
    it('a tunnelled packet by its outer address; a plain one by its block or node address', async () => {
      expect(await count(VX, 'src.node == kube-node01', model())).toBe(10); // 8 + 1 VXLAN requests + the plain ping
      expect(await count(VX, 'dst.node == kube-node04', model())).toBe(15);
      expect(await count(VX, 'src.node in {kube-node02 kube-master01}', model())).toBe(5);
      expect(await count(VX, 'src.node', model())).toBe(30);
      // On the tunnel device the packets are plain: the pod block names the node.
      expect(await count('vxlan-crosssubnet/node04-vxlan.calico.pcap', 'src.node == kube-node04', model())).toBe(await count('vxlan-crosssubnet/node04-vxlan.calico.pcap', 'inner.src in 10.200.255.0/24'));
      expect(await count('vxlan-crosssubnet/node04-vxlan.calico.pcap', 'src.node == kube-node04', model())).toBeGreaterThan(0);
    });
  });
});

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
}

describe('pods (--pods)', () => {
  const pods = () => readPods([fixture('pods/lab-pods.yaml')]);
  it('src.pod and dst.pod are the inner addresses of the named pods', async () => {
    const where = (e: string) => PacketFilter.compile(e, { model: null, pods: pods() });
    const n = async (e: string) => (await analyzeCapture(fixture(VX), { where: where(e) })).analyzer.packets;
    expect(await n('src.pod == default/pod-node01')).toBe(9);
    expect(await n('src.pod == pod-node01')).toBe(9);
    expect(await n('dst.pod == pod-node04')).toBe(14);
    expect(await n('src.pod in {pod-node02 pod-master01}')).toBe(5);
    expect(await n('src.pod')).toBe(28); // all but the node-to-node ping
    expect(await n('not src.pod')).toBe(2);
  });
  it('errors: no --pods, an unknown pod', () => {
    expect(errorOf('src.pod == pod-node01').message).toContain('src.pod needs pod names at column 1 (give --pods FILE');
    try {
      PacketFilter.compile('dst.pod == nope', { model: null, pods: pods() });
      throw new Error('compiled');
    } catch (err) {
      expect((err as FilterError).message).toBe('no pod "nope" in the --pods files');
      expect((err as FilterError).column).toBe(12);
    }
  });
});

describe('-Y in every command that reads packets', () => {
  const cluster = fixture('vxlan-crosssubnet/cluster.yaml');
  const bad = 'inner.src in )';
  for (const [name, args] of [
    ['analyze', ['analyze', fixture(VX)]],
    ['verify', ['verify', fixture(VX), '--cluster', cluster]],
    ['correlate', ['correlate', fixture('correlate-vxlan/node01-ens37.pcap'), fixture('correlate-vxlan/node04-ens37.pcap')]],
    ['report', ['report', '--html', '-', fixture(VX)]],
    ['live', ['live', '-i', 'lo']],
  ] as const) {
    it(`${name}: a bad expression is bad usage, exit 2, three lines before anything is read`, () => {
      const r = cli([...args, '-Y', bad]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`calico-pcap: --where: expected a set {...} or a value, found ")" at column 14\n  ${bad}\n               ^\n`);
    });
  }

  it('analyze: only selected packets count, in totals, flows and encapsulations; the filter section says how many were read', () => {
    const r = cli(['analyze', '-o', 'json', '--where', 'encap == vxlan and inner.addr in 10.200.2.0/24', fixture(VX)]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.totals.packets).toBe(18);
    expect(doc.filter).toEqual({ expression: 'encap == vxlan and inner.addr in 10.200.2.0/24', packetsRead: 30, packetsPassed: 18, packetsFilteredOut: 12 });
    expect(Object.keys(doc.encapsulations)).toEqual(['vxlan']);
    expect(doc.flows.reduce((n: number, f: { packets: number }) => n + f.packets, 0)).toBe(18);
    for (const f of doc.flows) expect([f.inner.src, f.inner.dst].some((a: string) => a.startsWith('10.200.2.'))).toBe(true);
    // Without -Y the document has no filter section.
    expect(JSON.parse(cli(['analyze', '-o', 'json', fixture(VX)]).stdout).filter).toBeUndefined();
  });

  it('analyze -o ndjson: packet lines only for selected packets', () => {
    const r = cli(['analyze', '-o', 'ndjson', '-Y', 'proto == udp', fixture(VX)]);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const packets = lines.filter((l) => !('summary' in l));
    expect(packets.length).toBe(2);
    expect(lines[lines.length - 1].summary.totals.packets).toBe(2);
  });

  it('analyze: a node field is bad usage without a model', () => {
    const r = cli(['analyze', '-Y', 'src.node == kube-node01', fixture(VX)]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('calico-pcap: --where: src.node needs a cluster model at column 1 (analyze reads no cluster model: use verify, correlate, report or live with --cluster)');
  });

  it('verify: judges only the selected flows', () => {
    const r = cli(['verify', '-o', 'json', '-Y', 'inner.src == 10.200.2.10', fixture(VX), '--cluster', cluster]);
    const doc = JSON.parse(r.stdout);
    expect(doc.totals.packets).toBe(9);
    expect(doc.filter.packetsRead).toBe(30);
    for (const f of doc.flows) expect(f.inner.src).toBe('10.200.2.10');
  });

  it('correlate: a sighting the filter rejects is ignored', () => {
    const c = (f: string) => fixture(`correlate-vxlan/${f}`);
    const files = [c('node01-ens37.pcap'), c('node04-ens37.pcap'), c('node04-vxlan.calico.pcap'), '--cluster', c('cluster.yaml')];
    const all = JSON.parse(cli(['correlate', '-o', 'json', ...files]).stdout);
    const tcp = JSON.parse(cli(['correlate', '-o', 'json', '-Y', 'proto == tcp', ...files]).stdout);
    expect(all.filter).toBeUndefined();
    expect(tcp.filter).toEqual({ expression: 'proto == tcp', packetsRead: 76, packetsPassed: 30, packetsFilteredOut: 46 });
    expect(tcp.captures.map((x: { packets: number }) => x.packets)).toEqual([10, 10, 10]);
    expect(tcp.matched).toBe(10);
    expect(all.matched).toBeGreaterThan(tcp.matched);
  });

  it('report: the HTML shows only the selected packets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'calico-pcap-where-'));
    try {
      const out = join(dir, 'r.html');
      const r = cli(['report', '--html', out, '-Y', 'proto == tcp', fixture(VX), '--cluster', cluster]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('1 capture(s), 2 flows');
      expect(readFileSync(out, 'utf8')).toContain('10.200.2.10');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docs/filter.md shows real output', () => {
  // Every `$ calico-pcap ...` in its code blocks whose output is shown whole (no line of "...") is run here.
  const doc = readFileSync(join(ROOT, 'docs', 'filter.md'), 'utf8');
  const examples: { command: string; output: string }[] = [];
  for (const block of doc.split('```').filter((_, i) => i % 2 === 1)) {
    const parts = block.replace(/^\n/, '').split(/^\$ /m).slice(1);
    for (const part of parts) {
      const [command, ...out] = part.split('\n');
      const output = out.join('\n');
      if (!/^\s*\.\.\.\s*$/m.test(output)) examples.push({ command, output }); // a line of "..." marks an abridged output
    }
  }
  it('has examples', () => expect(examples.length).toBeGreaterThanOrEqual(4));
  for (const { command, output } of examples) {
    it(command, () => {
      const r = spawnSync('bash', ['-c', command.replace(/^calico-pcap /, `node ${CLI} `)], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(r.stdout + r.stderr).toBe(output);
    });
  }
});
