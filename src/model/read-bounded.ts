// Reading the model's input files (cluster files, exported kubectl/calicoctl objects, --expect)
// within bounds, whatever the path is: a regular file, /dev/zero, a FIFO. Two bounds, because
// the cost of parsing is in the number of nodes, not in the bytes:
//
// - bytes: read in chunks, at most bound + 1 bytes, never the whole file at once;
// - structure: a cheap count of the characters that can start a YAML/JSON node (",", ":", "[",
//   "{", "?", "- ", newlines) is an upper bound on the nodes the parser would build; past the
//   bound the text is refused before parsing. Measured with yaml 2.9 on Node 20: ~0.55 KB of heap
//   per mark for a `kubectl get nodes -o yaml` export, ~0.95 KB for the worst shape (a flow list
//   of one-digit numbers); JSON.parse costs 35-50 bytes per mark.
//
// JSON (text starting with { or [ that JSON.parse accepts) is read by JSON.parse: 20 times
// cheaper than the YAML library, so `-o json` is the way to read the exports of very big
// clusters. Every error of either parser is a ModelError naming the file (exit 2).
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ModelError } from './model-error.js';

/**
 * Cluster files and exported objects: `kubectl get nodes -o yaml` of 5,000 nodes (with their
 * image lists) is ~33 MB, `-o json` ~46 MB; twice that is not a cluster export.
 */
export const MAX_MODEL_FILE_BYTES = 64 << 20;
/** --expect files: a result, a few findings, one line per node pair. */
export const MAX_EXPECT_FILE_BYTES = 1 << 20;
/**
 * Node marks (see above) the YAML library may get: ~1 GB of heap at worst, 0.55 GB for a real
 * export (~2,500 nodes with image lists, 10,000+ from `calicoctl get nodes`).
 */
export const MAX_YAML_MARKS = 1_000_000;
/** Node marks JSON.parse may get: ~0.4 GB of heap at worst; 5,000 exported nodes are ~1.9 M. */
export const MAX_JSON_MARKS = 8_000_000;

const CHUNK = 1 << 16;

/** The file's text (UTF-8, a byte order mark dropped), or a ModelError past `maxBytes`. */
export function readBounded(path: string, maxBytes: number, what: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new ModelError(`${path}: ${fsReason(err)}`);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        // A non-blocking pipe (e.g. /dev/stdin) with nothing yet: wait for the writer.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        throw new ModelError(`${path}: ${fsReason(err)}`);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new ModelError(`${path}: more than ${maxBytes >> 20} MiB, too big for ${what}`);
    }
    return new TextDecoder('utf-8').decode(Buffer.concat(chunks, total));
  } finally {
    closeSync(fd);
  }
}

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a parent is not a directory';
  return (err as Error).message;
}

/** Counts the characters that can start a node; `json` counts only JSON's. */
function nodeMarks(text: string, json: boolean): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2c || c === 0x3a || c === 0x5b || c === 0x7b) n++; // , : [ {
    else if (json) continue;
    else if (c === 0x0a || c === 0x3f) n++; // newline, ?
    else if (c === 0x2d) {
      // "- " starts a block sequence entry; a dash inside a word does not.
      const d = text.charCodeAt(i + 1);
      if (d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09 || Number.isNaN(d)) n++;
    }
  }
  return n;
}

/** Options that keep the YAML library to plain data: no custom tags, no merge keys, few aliases. */
const YAML_OPTIONS = { schema: 'core', merge: false, uniqueKeys: true, strict: true } as const;
const MAX_ALIASES = 100;

/** Every document of the text (YAML, several documents, or JSON) as plain values. */
export function parseBounded(text: string, path: string): unknown[] {
  const start = /^\s*([[{])/.exec(text);
  if (start) {
    const marks = nodeMarks(text, true);
    if (marks > MAX_JSON_MARKS) throw new ModelError(`${path}: more than ${MAX_JSON_MARKS.toLocaleString('en')} values, too many to read`);
    try {
      return [JSON.parse(text)];
    } catch {
      // Not JSON: YAML in flow style ({pools: [...]}), read below.
    }
  }
  const marks = nodeMarks(text, false);
  if (marks > MAX_YAML_MARKS) {
    throw new ModelError(`${path}: more than ${MAX_YAML_MARKS.toLocaleString('en')} YAML nodes, too many to read (export as JSON, e.g. kubectl get nodes -o json, which costs far less)`);
  }
  try {
    const values: unknown[] = [];
    for (const doc of parseAllDocuments(text, YAML_OPTIONS)) {
      if (doc.errors.length > 0) throw doc.errors[0];
      values.push(doc.toJS({ maxAliasCount: MAX_ALIASES }));
    }
    return values;
  } catch (err) {
    // The library's own limits (aliases, duplicate keys, syntax) and a stack overflow on deep nesting.
    const message = err instanceof Error ? err.message : String(err);
    // The first line holds the reason and where ("Map keys must be unique at line 4, column 5:").
    const reason = /maximum call stack/i.test(message) ? 'nested too deeply' : message.split('\n')[0].replace(/:$/, '');
    throw new ModelError(`${path}: not YAML or JSON: ${reason}`);
  }
}

/**
 * The model files of a directory (every .yaml, .yml and .json in it, sorted), or null when the
 * path is not a directory (a missing file is then reported by readBounded).
 */
export function modelFilesIn(path: string): string[] | null {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    return null;
  }
  if (!isDirectory) return null;
  const files = readdirSync(path).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  if (files.length === 0) throw new ModelError(`${path}: a directory with no .yaml, .yml or .json file`);
  return files.map((f) => join(path, f));
}
