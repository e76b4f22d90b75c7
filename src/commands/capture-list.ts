// The captures of one run of analyze or verify: files, `-` (standard input), NODE=FILE,
// directories (their capture files, by name, not recursive) and glob patterns the shell did not
// expand (quoted: 'node*.pcap.gz'), plus every -r FILE. Each file is read once.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { parseCaptureArg } from './support.js';

/** One capture to read, and the node it was taken on when NODE=FILE named it. */
export interface CaptureSpec {
  file: string;
  node?: string;
}

/** A list that cannot be made (a pattern or directory without captures, stdin twice): bad usage, exit 2. */
export class CaptureListError extends Error {}

/**
 * What a directory contributes: the formats the readers take (pcap, pcapng; .cap as tcpdump and
 * Wireshark also name them), optionally compressed as the source reads them (.gz, .zst, .xz).
 * Other files (notes, expectations, cluster models) are left alone.
 */
export const CAPTURE_FILE = /\.(pcap|pcapng|cap)(\.gz|\.zst|\.xz)?$/i;

function isDirectory(path: string): boolean | null {
  try {
    return statSync(path).isDirectory();
  } catch {
    return null; // absent (or unreachable): a pattern, or a file the reader will name as missing
  }
}

/** The capture files of a directory, sorted by name (byte order, as `LC_ALL=C ls`), not recursive. */
function directoryCaptures(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => CAPTURE_FILE.test(name) && isDirectory(join(dir, name)) === false)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => join(dir, name));
}

/** Files a pattern matches (tinyglobby: picomatch syntax, `*`, `?`, `[...]`, `{a,b}`, `**`), sorted. */
async function patternCaptures(pattern: string): Promise<string[]> {
  const absolute = pattern.startsWith('/');
  const files = await glob(pattern, { onlyFiles: true, absolute, expandDirectories: false, dot: false });
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function identity(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

export async function resolveCaptures(args: readonly string[]): Promise<CaptureSpec[]> {
  const list: CaptureSpec[] = [];
  let stdin = 0;
  for (const arg of args) {
    const { file, node } = parseCaptureArg(arg);
    if (file === '-') {
      if (++stdin > 1) throw new CaptureListError('- (standard input) can be given only once');
      list.push({ file, node });
      continue;
    }
    const dir = isDirectory(file);
    if (dir === true) {
      const files = directoryCaptures(file);
      if (files.length === 0) throw new CaptureListError(`${file}: no capture files in this directory (*.pcap, *.pcapng, *.cap, optionally .gz, .zst or .xz; not recursive: use 'DIR/**/*.pcap')`);
      list.push(...files.map((f) => ({ file: f, node })));
    } else if (dir === null && isDynamicPattern(file)) {
      const files = await patternCaptures(file);
      if (files.length === 0) throw new CaptureListError(`${file}: no file matches this pattern`);
      list.push(...files.map((f) => ({ file: f, node })));
    } else {
      list.push({ file, node }); // a file, or a missing one: the reader names it (exit 2)
    }
  }
  // The same file twice (a pattern and a directory overlapping, a symlink) is read once, first place kept.
  const seen = new Set<string>();
  return list.filter((c) => {
    const id = c.file === '-' ? '-' : identity(c.file);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
