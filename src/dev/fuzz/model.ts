// Hostile cluster files for verify/correlate/report --cluster: the reference cluster with
// escape sequences and bidi controls in its names, values out of range, YAML tricks (aliases
// that expand exponentially, deep nesting, tags, several documents), and one huge file.
// What the CLI prints from such a file must carry no raw ESC (colour is off in every run).
import { HOSTILE_STRINGS } from './structure.js';

const NAMES = [...HOSTILE_STRINGS, 'kube-node01', ''];

/** A damaged variant of the reference cluster file's text, and what was done. */
export function mutateCluster(reference: string, random: () => number): { text: string; applied: string[] } {
  const int = (n: number) => Math.floor(random() * Math.max(1, n));
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  const kind = pick(['hostile-name', 'hostile-name', 'bad-value', 'aliases', 'deep-nesting', 'tags', 'documents', 'kubectl-list']);
  const y = (s: string) => JSON.stringify(s); // a YAML double-quoted scalar carrying any character
  switch (kind) {
    case 'hostile-name': {
      const field = pick(['name: kube-node02', 'name: default-ipv4-ippool', 'address: 10.0.2.202/24', 'cidr: 10.200.0.0/16', 'tunnelAddress: 10.200.175.0', 'vxlanMode: CrossSubnet']);
      const [key] = field.split(':');
      return { text: reference.replace(field, `${key}: ${y(pick(NAMES))}`), applied: [kind, key!] };
    }
    case 'bad-value': {
      const edits: [string, string[]][] = [
        ['blockSize: 24', ['blockSize: 0', 'blockSize: 33', 'blockSize: -1', 'blockSize: 1e309', 'blockSize: .nan', 'blockSize: "24"']],
        ['vni: 4096', ['vni: 4294967296', 'vni: -1', 'vni: 0x1000000', 'vni: [1]', 'vni: {a: 1}']],
        ['cidr: 10.200.0.0/16', ['cidr: 10.200.0.0/99', 'cidr: 999.0.0.0/8', 'cidr: fd00::/8', 'cidr: 10.200.0.0/0', 'cidr: ~']],
        ['address: 10.0.2.202/24', ['address: 10.0.2.202', 'address: 10.0.2.202/33', 'address: []']],
        ['blocks: [10.200.175.0/24]', ['blocks: [10.200.175.0/8]', 'blocks: 5', 'blocks: [null]', 'blocks: [0.0.0.0/0]']],
        ['vxlanPort: 4789', ['vxlanPort: 0', 'vxlanPort: 70000', 'vxlanPort: "x"']],
      ];
      const [from, tos] = pick(edits);
      const to = pick(tos);
      return { text: reference.replace(from, to), applied: [kind, to] };
    }
    case 'aliases': {
      // "Billion laughs": nine levels of ten aliases each.
      const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${new Array(10).fill(`*a${i - 1}`).join(',')}]`);
      const where = pick(['nodes', 'pools', 'extra']);
      return { text: `${lines.join('\n')}\n${reference.replace(/^nodes:/m, where === 'nodes' ? 'nodes: *a8\nunused:' : 'nodes:')}${where === 'extra' ? '\nextra: *a8\n' : ''}`, applied: [kind, where] };
    }
    case 'deep-nesting': {
      const depth = pick([1000, 10_000, 100_000]);
      const flow = random() < 0.5;
      const text = flow ? `nodes: ${'['.repeat(depth)}${']'.repeat(depth)}\n` : `nodes:\n${Array.from({ length: Math.min(depth, 2000) }, (_, i) => `${' '.repeat(i)}- `).join('\n')}x\n`;
      return { text, applied: [kind, `${flow ? 'flow' : 'block'}-${depth}`] };
    }
    case 'tags':
      return { text: reference.replace('vni: 4096', pick(['vni: !!binary aGVsbG8=', 'vni: !!js/function "x"', 'vni: !!timestamp 2001-12-14', 'vni: !<tag:x> 1', 'vni: !!set {a, b}'])), applied: [kind] };
    case 'documents':
      return { text: `${reference}\n---\n${reference}\n---\n${pick(['- 1', 'x', '!!null', '[', '\x1b[31m'])}\n`, applied: [kind] };
    default: {
      // kubectl-style list whose item names are hostile.
      const name = pick(NAMES);
      const text = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: projectcalico.org/v3\n  kind: IPPool\n  metadata:\n    name: ${y(name)}\n  spec:\n    cidr: ${y(pick(['10.200.0.0/16', name]))}\n    blockSize: 24\n    vxlanMode: ${y(pick(['CrossSubnet', name]))}\n- apiVersion: projectcalico.org/v3\n  kind: Node\n  metadata:\n    name: ${y(name)}\n  spec:\n    bgp:\n      ipv4Address: 10.0.2.202/24\n`;
      return { text, applied: [kind] };
    }
  }
}

/**
 * A cluster file far larger than any real one (a valid file plus `megabytes` of comment and
 * node entries): reading it must stay bounded, or be refused by size.
 */
export function hugeCluster(reference: string, megabytes: number): string {
  const node = (i: number) => `  - name: n${i}\n    address: 10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}/24\n`;
  const parts = [reference, '\n'];
  let size = reference.length;
  for (let i = 0; size < megabytes * 1024 * 1024; i++) {
    const line = i % 2 === 0 ? `# ${'x'.repeat(4000)}\n` : node(i);
    parts.push(line);
    size += line.length;
  }
  return parts.join('');
}
