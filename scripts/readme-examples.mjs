// Keeps the README's examples real: every fenced block whose first line is
// `$ calico-pcap <args>` (optionally `| head -N`, `| tail -N` or `| sed -n '1p;$p'`) must hold exactly what
// that command prints on the committed fixtures. `node scripts/readme-examples.mjs --write`
// regenerates them after `npm run build`; test/readme.test.ts fails when one is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(ROOT, 'README.md');
const BLOCK = /^```\n\$ calico-pcap (.+)\n([\s\S]*?)^```$/gm;

function run(commandLine) {
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
    else throw new Error(`README example filter not understood: ${filter}`);
  }
  return lines.join('\n') + '\n';
}

/** Returns [{command, documented, actual}] for every example block. */
export function readmeExamples(text = readFileSync(README, 'utf8')) {
  return [...text.matchAll(BLOCK)].map((m) => ({ command: m[1], documented: m[2], actual: run(m[1]) }));
}

if (process.argv[2] === '--write') {
  const text = readFileSync(README, 'utf8').replace(BLOCK, (_, command) => `\`\`\`\n$ calico-pcap ${command}\n${run(command)}\`\`\``);
  writeFileSync(README, text);
  console.log(`rewrote ${readmeExamples(text).length} README examples`);
}
