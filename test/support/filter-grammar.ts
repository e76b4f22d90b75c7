// Generates the -Y parser (src/filter/grammar.generated.js, not committed) before the tests when
// it is missing or older than its grammar, so that `npx vitest run` works on a fresh clone too.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(__dirname, '..', '..');
  const grammar = join(root, 'src', 'filter', 'filter.peggy');
  const parser = join(root, 'src', 'filter', 'grammar.generated.js');
  if (existsSync(parser) && statSync(parser).mtimeMs >= statSync(grammar).mtimeMs) return;
  const r = spawnSync('npm', ['run', '--silent', 'grammar'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run grammar failed: ${r.stderr}`);
}
