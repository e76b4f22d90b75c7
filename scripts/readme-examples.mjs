// Keeps the documentation's examples real: in README.md and every Markdown file under docs/, every
// fenced block whose first line is `$ calico-pcap <args>` (bash syntax: quotes, pipes, `2>&1`) must
// hold exactly what that command prints on standard output, run from the repository root on the
// committed fixtures; an output with a line of "..." is an excerpt and is left alone. `node scripts/readme-examples.mjs --write` regenerates them all after
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

/**
 * What `$ calico-pcap ...` prints on standard output, run by bash from the root (so quoting,
 * pipes into head/tail/sed/jq and an explicit `2>&1` work as a user would type them), colours off.
 */
function run(commandLine) {
  const cli = join(ROOT, 'dist', 'cli.js');
  const script = `calico-pcap() { node ${JSON.stringify(cli)} "$@"; }\ncalico-pcap ${commandLine}`;
  const r = spawnSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' } });
  return r.stdout.replace(/\n$/, '') + '\n';
}

/** An output shown in part (a line of "..."): not compared, and never rewritten. */
const abridged = (output) => /^\s*\.\.\.\s*$/m.test(output);

/** Returns [{file, command, documented, actual}] for every example block of one file (path relative to the root). */
export function fileExamples(file, text = readFileSync(file, 'utf8')) {
  return [...text.matchAll(BLOCK)].filter((m) => !abridged(m[2])).map((m) => ({ file: relative(ROOT, file), command: m[1], documented: m[2], actual: run(m[1]) }));
}

/** Every example block of the README and of docs/. */
export function readmeExamples() {
  return documentationFiles().flatMap((f) => fileExamples(f));
}

if (process.argv[2] === '--write') {
  let total = 0;
  for (const file of documentationFiles()) {
    const before = readFileSync(file, 'utf8');
    const text = before.replace(BLOCK, (whole, command, output) => (abridged(output) ? whole : `\`\`\`\n$ calico-pcap ${command}\n${run(command)}\`\`\``));
    if (text !== before) writeFileSync(file, text);
    const n = [...text.matchAll(BLOCK)].length;
    if (n > 0) console.log(`${relative(ROOT, file)}: ${n} example(s)`);
    total += n;
  }
  console.log(`rewrote ${total} examples`);
}
