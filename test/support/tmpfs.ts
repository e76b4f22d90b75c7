// A small tmpfs for "disk full" tests (root only): mounted in a fresh directory under `parent`
// for the body, always unmounted after, even when the body fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';

export async function withTmpfs<T>(parent: string, size: string, body: (mount: string) => Promise<T> | T): Promise<T> {
  const mount = mkdtempSync(join(parent, 'tmpfs-'));
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount], { encoding: 'utf8' });
  expect(m.status, `mount -t tmpfs: ${m.stderr}`).toBe(0);
  try {
    return await body(mount);
  } finally {
    // a file a failed test left open keeps the mount busy: detach it lazily then
    if (spawnSync('umount', [mount]).status !== 0) spawnSync('umount', ['-l', mount]);
    rmSync(mount, { recursive: true, force: true });
  }
}
