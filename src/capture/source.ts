// Byte sources for the capture readers: a file, standard input, or either one gzip-compressed.
// A source only moves bytes into a caller-owned buffer; it knows nothing of capture formats.
import { createReadStream, promises as fsp, readSync } from 'node:fs';
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';

export interface ByteSource {
  /** Total bytes when known in advance (a regular file), so small inputs get a small window. */
  readonly sizeHint?: number;
  /** Copies up to `length` bytes into `target` at `offset`; resolves 0 at end of input. */
  read(target: Uint8Array, offset: number, length: number): Promise<number>;
  /**
   * Set when the input ended on a fault rather than cleanly (a gzip stream cut short, corrupt
   * compressed data, a read error): read() then resolves 0, so what came before is still analysed.
   */
  readonly endFault?: string | null;
  close(): Promise<void>;
}

/**
 * Reads a regular file straight into the caller's buffer. Synchronous reads on purpose: from the
 * page cache a 4 MiB read is a memcpy, and a thread-pool hop per read measured slower (idle time).
 */
class FileSource implements ByteSource {
  private position = 0;
  constructor(private readonly handle: fsp.FileHandle, readonly sizeHint: number) {}
  async read(target: Uint8Array, offset: number, length: number): Promise<number> {
    const bytesRead = readSync(this.handle.fd, target, offset, length, this.position);
    this.position += bytesRead;
    return bytesRead;
  }
  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * Adapts a Node stream (stdin, a pipe, gunzip output) to pull reads. Chunks are queued from
 * 'data' events, so every byte a stream delivered before an error (zlib's "unexpected end of
 * file" on a gzip file cut short) is still read; the queue is bounded by pausing the stream.
 */
class StreamSource implements ByteSource {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private pendingOffset = 0;
  private ended = false;
  private wake: (() => void) | null = null;
  endFault: string | null = null;
  /** `upstream`: a stream feeding this one (the compressed bytes under gunzip), closed with it. */
  constructor(private readonly stream: Readable, private readonly upstream?: Readable) {
    stream.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      this.queuedBytes += chunk.length;
      if (this.queuedBytes >= MAX_QUEUED_BYTES) stream.pause();
      this.notify();
    });
    stream.on('end', () => {
      this.ended = true;
      this.notify();
    });
    stream.on('error', (err) => {
      // Lax, like a capture cut short: end here and say why; what was read is still reported.
      this.endFault ??= describeStreamFault(err);
      this.ended = true;
      this.notify();
    });
    stream.on('close', () => {
      this.ended = true;
      this.notify();
    });
  }
  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
  async read(target: Uint8Array, offset: number, length: number): Promise<number> {
    // Wait for a chunk only when nothing is queued: the reader decodes what it has meanwhile.
    while (this.queue.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    let copied = 0;
    while (copied < length && this.queue.length > 0) {
      const head = this.queue[0];
      const n = Math.min(length - copied, head.length - this.pendingOffset);
      target.set(head.subarray(this.pendingOffset, this.pendingOffset + n), offset + copied);
      copied += n;
      this.pendingOffset += n;
      if (this.pendingOffset === head.length) {
        this.queue.shift();
        this.queuedBytes -= head.length;
        this.pendingOffset = 0;
      }
    }
    if (this.queuedBytes < MAX_QUEUED_BYTES && this.stream.isPaused() && !this.ended) this.stream.resume();
    return copied;
  }
  async close(): Promise<void> {
    this.ended = true;
    this.stream.destroy();
    this.upstream?.destroy();
  }
}

/** How far a stream may run ahead of the reader before it is paused. */
const MAX_QUEUED_BYTES = 4 << 20;

/** Puts already-read bytes (the sniffed magic) back in front of another source. */
class PrefixedSource implements ByteSource {
  readonly sizeHint?: number;
  constructor(private prefix: Uint8Array, private readonly rest: ByteSource) {
    this.sizeHint = rest.sizeHint;
  }
  get endFault(): string | null {
    return this.rest.endFault ?? null;
  }
  async read(target: Uint8Array, offset: number, length: number): Promise<number> {
    if (this.prefix.length > 0) {
      const n = Math.min(length, this.prefix.length);
      target.set(this.prefix.subarray(0, n), offset);
      this.prefix = this.prefix.subarray(n);
      return n;
    }
    return this.rest.read(target, offset, length);
  }
  close(): Promise<void> {
    return this.rest.close();
  }
}

export interface OpenedSource {
  source: ByteSource;
  /** How the input was named to the user: the path, or "<stdin>". */
  displayName: string;
  gzip: boolean;
}

export class SourceOpenError extends Error {}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/**
 * Opens a path, or `-` for standard input, and transparently gunzips input that starts with the
 * gzip magic. A path that is not a regular file (a FIFO, `<(cat x)`, /dev/stdin, a device) is
 * read as a stream: it cannot be read at a position, nor reopened to read the magic again.
 */
export async function openSource(path: string): Promise<OpenedSource> {
  const displayName = inputName(path);
  let raw: ByteSource;
  // For a regular file: a fresh stream from its start, to feed zlib once the magic is seen.
  let reopen: (() => Readable) | null = null;
  if (path === '-') {
    raw = new StreamSource(process.stdin);
  } else {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(path, 'r');
      const st = await handle.stat();
      if (st.isDirectory()) throw new SourceOpenError('is a directory');
      if (st.isFile()) {
        const file = handle;
        raw = new FileSource(file, st.size);
        reopen = () => {
          void file.close();
          return createReadStream(path);
        };
      } else {
        raw = new StreamSource(handle.createReadStream({ highWaterMark: STREAM_CHUNK }));
      }
    } catch (err) {
      await handle?.close().catch(() => {});
      // /dev/stdin when standard input is a socket (as Node's own child processes get it)
      // cannot be opened again: read the descriptor this process already has.
      if (isStdinAlias(path) && (err as NodeJS.ErrnoException)?.code === 'ENXIO') raw = new StreamSource(process.stdin);
      else if (err instanceof SourceOpenError) throw err;
      else throw new SourceOpenError(describeFsError(err));
    }
  }

  const magic = new Uint8Array(2);
  let got = 0;
  while (got < 2) {
    const n = await raw.read(magic, got, 2 - got);
    if (n === 0) break;
    got += n;
  }
  if (got === 2 && magic[0] === GZIP_MAGIC_0 && magic[1] === GZIP_MAGIC_1) {
    // Re-read from the start through zlib: reopen a regular file, put the magic back otherwise.
    const compressed = reopen ? reopen() : streamFrom(new PrefixedSource(magic, raw));
    const gunzip = createGunzip();
    compressed.on('error', (e) => gunzip.destroy(e));
    // Not pipe(): at the end of the compressed bytes, a sync flush first hands over everything
    // decompressed so far, then end() checks the trailer. Ended at once, zlib drops that output
    // when the file was cut short ("unexpected end of file").
    compressed.pipe(gunzip, { end: false });
    compressed.on('end', () => gunzip.flush(zlibConstants.Z_SYNC_FLUSH, () => gunzip.end()));
    return { source: new StreamSource(gunzip, compressed), displayName, gzip: true };
  }
  return { source: new PrefixedSource(magic.subarray(0, got), raw), displayName, gzip: false };
}

/** How an input path is named to the user: `-` is "<stdin>". */
export function inputName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

/** Pipes hand over at most 64 KiB at a time; a larger chunk lets a fast pipe fill it. */
const STREAM_CHUNK = 1 << 20;

function isStdinAlias(path: string): boolean {
  return path === '/dev/stdin' || path === '/dev/fd/0' || path === '/proc/self/fd/0';
}

/** A Readable over a ByteSource, to feed zlib. */
function streamFrom(source: ByteSource): Readable {
  return new Readable({
    async read(this: Readable) {
      const chunk = Buffer.allocUnsafe(1 << 16);
      try {
        const n = await source.read(chunk, 0, chunk.length);
        this.push(n === 0 ? null : chunk.subarray(0, n));
      } catch (e) {
        this.destroy(e as Error);
      }
    },
  });
}

/** Why a stream ended early, in the words of a one-line message. */
function describeStreamFault(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  // zlib: Z_BUF_ERROR is "unexpected end of file", a gzip file cut short (an interrupted copy).
  if (e?.code === 'Z_BUF_ERROR') return 'the gzip stream ends early (the file was cut short)';
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) return `the gzip data is corrupt (${e.message})`;
  return `read error: ${e?.message ?? String(err)}`;
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return (err as Error)?.message ?? String(err);
  }
}
