// Keeps the documentation's examples real: in README.md and every Markdown file under docs/, every
// fenced block whose first line is `$ calico-pcap <args>` (optionally `| head -N`, `| tail -N` or
// `| sed -n '1p;$p'`) must hold exactly what that command prints, run from the repository root on
// the committed fixtures. `node scripts/readme-examples.mjs --write` regenerates them all after
// `npm run build`; test/readme.test.ts fails when one is stale.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BLOCK = /^```\n\$ calico-pcap (.+)\n([\s\S]*?)^```$/gm;

/** README.md, then every .md under docs/ (sorted), as absolute paths. */
export function documentationFiles() {
  const docs = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(ROOT, 'docs', f));
  return [join(ROOT, 'README.md'), ...docs];
}

function run(commandLine, file) {
  const [command, filter] = commandLine.split(' | ');
  const args = command.split(/\s+/);
  const r = spawnSync('node', [join(ROOT, 'dist', 'cli.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
  let lines = r.stdout.replace(/\n$/, '').split('\n');
  if (filter) {
    const head = /^head -(\d+)$/.exec(filter);
    const tail = /^tail -(\d+)$/.exec(filter);
    if (head) lines = lines.slice(0, Number(head[1]));
    else if (tail) lines = lines.slice(-Number(tail[1]));
    else if (filter === "sed -n '1p;$p'") lines = [lines[0], lines[lines.length - 1]];
    else throw new Error(`${relative(ROOT, file)}: example filter not understood: ${filter}`);
  }
  return lines.join('\n') + '\n';
}

/** Returns [{file, command, documented, actual}] for every example block of one file (path relative to the root). */
export function fileExamples(file, text = readFileSync(file, 'utf8')) {
  return [...text.matchAll(BLOCK)].map((m) => ({ file: relative(ROOT, file), command: m[1], documented: m[2], actual: run(m[1], file) }));
}

/** Every example block of the README and of docs/. */
export function readmeExamples() {
  return documentationFiles().flatMap((f) => fileExamples(f));
}

if (process.argv[2] === '--write') {
  let total = 0;
  for (const file of documentationFiles()) {
    const before = readFileSync(file, 'utf8');
    const text = before.replace(BLOCK, (_, command) => `\`\`\`\n$ calico-pcap ${command}\n${run(command, file)}\`\`\``);
    if (text !== before) writeFileSync(file, text);
    const n = [...text.matchAll(BLOCK)].length;
    if (n > 0) console.log(`${relative(ROOT, file)}: ${n} example(s)`);
    total += n;
  }
  console.log(`rewrote ${total} examples`);
}
