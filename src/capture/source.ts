// Byte sources for the capture readers: a file, standard input, or either one compressed (gzip,
// zstd, xz: see decompress.ts). A source only moves bytes into a caller-owned buffer; it knows
// nothing of capture formats.
import { closeSync, constants as fsConstants, createReadStream, openSync, promises as fsp, read as fsRead, readSync } from 'node:fs';
import { constants as zlibConstants, type Gunzip } from 'node:zlib';
import { Readable, type Transform } from 'node:stream';
import { createDecompressor, describeDecompressFault, detectCompression, DecompressorMissingError, MAGIC_LENGTH, ZstdPull, type Compression } from './decompress.js';

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
  /**
   * Set once interrupt() was called: the input ended because the user stopped the read (Ctrl-C),
   * so bytes left of a record are not a fault.
   */
  readonly interrupted?: boolean;
  /** Stops the read: bytes already received are still handed over, then read() resolves 0. */
  interrupt?(): void;
  close(): Promise<void>;
}

/**
 * Reads a regular file straight into the caller's buffer. Synchronous reads on purpose: from the
 * page cache a 4 MiB read is a memcpy, and a thread-pool hop per read measured slower (idle time).
 */
class FileSource implements ByteSource {
  position = 0;
  interrupted = false;
  constructor(private readonly handle: fsp.FileHandle, readonly sizeHint: number) {}
  interrupt(): void {
    this.interrupted = true;
  }
  async read(target: Uint8Array, offset: number, length: number): Promise<number> {
    if (this.interrupted) return 0;
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
  interrupted = false;
  /**
   * `upstream`: a stream feeding this one (the compressed bytes under a decompressor), closed
   * with it; `describeFault` words an error of the stream.
   */
  constructor(private readonly stream: Readable, private readonly upstream?: Readable, private readonly describeFault: (err: unknown) => string = describeReadError) {
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
      if (!this.interrupted) this.endFault ??= this.describeFault(err);
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
  interrupt(): void {
    // What was already received is still read; nothing more is taken from the stream.
    this.interrupted = true;
    this.ended = true;
    this.stream.pause();
    this.upstream?.pause();
    this.notify();
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

/** A decompressor that is pulled (zstd): reads go straight through it, nothing is queued. */
class PulledSource implements ByteSource {
  interrupted = false;
  constructor(private readonly pull: ZstdPull, private readonly input: ByteSource) {}
  get endFault(): string | null {
    return this.interrupted ? null : this.pull.endFault;
  }
  read(target: Uint8Array, offset: number, length: number): Promise<number> {
    return this.interrupted ? Promise.resolve(0) : this.pull.read(target, offset, length);
  }
  interrupt(): void {
    this.interrupted = true;
    this.input.interrupt?.();
  }
  close(): Promise<void> {
    return this.input.close();
  }
}

/** Puts already-read bytes (the sniffed magic) back in front of another source. */
class PrefixedSource implements ByteSource {
  readonly sizeHint?: number;
  constructor(private prefix: Uint8Array, private readonly rest: ByteSource) {
    this.sizeHint = rest.sizeHint;
  }
  get endFault(): string | null {
    return this.rest.endFault ?? null;
  }
  get interrupted(): boolean {
    return this.rest.interrupted ?? false;
  }
  interrupt(): void {
    this.rest.interrupt?.();
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
  /** The input is gzip-compressed (kept for the document's capture.gzip). */
  gzip: boolean;
  compression: Compression | null;
  /** Bytes of the input file when it is a regular file (compressed bytes when compressed), else null. */
  fileSize: number | null;
  /** Bytes taken from the input so far: compressed bytes for compressed input (for progress). */
  inputBytesRead(): number;
}

export class SourceOpenError extends Error {}

/**
 * Opens a path, or `-` for standard input, and transparently decompresses input that starts with
 * the gzip, zstd or xz magic. A path that is not a regular file (a FIFO, `<(cat x)`, /dev/stdin,
 * a device) is read as a stream: it cannot be read at a position, nor reopened to read the magic
 * again.
 */
export async function openSource(path: string): Promise<OpenedSource> {
  const displayName = inputName(path);
  let raw: ByteSource;
  let fileSize: number | null = null;
  let file: FileSource | null = null;
  // Counts bytes of a stream input as they arrive (the file position for a regular file).
  let streamed = 0;
  const counted = (stream: Readable): Readable => stream.on('data', (chunk: Buffer) => void (streamed += chunk.length));
  // For a regular file: a fresh stream from its start, to feed the decompressor once the magic is seen.
  let reopen: (() => Readable) | null = null;
  if (path === '-') {
    raw = new StreamSource(counted(process.stdin));
  } else {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(path, 'r');
      const st = await handle.stat();
      if (st.isDirectory()) throw new SourceOpenError('is a directory');
      if (st.isFile()) {
        const opened = handle;
        raw = file = new FileSource(opened, st.size);
        fileSize = st.size;
        reopen = () => {
          void opened.close();
          return counted(createReadStream(path, { highWaterMark: COMPRESSED_CHUNK }));
        };
      } else if (st.isFIFO()) {
        // A FIFO or a pipe (`<(cmd)`): never a thread-pool read that blocks until the writer sends
        // more; Ctrl-C could not end such a read (nor the process, which waits for the thread).
        // The blocking open above waited for the writer; the second, non-blocking open joins it.
        const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
        await handle.close();
        handle = undefined;
        raw = new StreamSource(counted(pipeReader(fd)));
      } else {
        raw = new StreamSource(counted(handle.createReadStream({ highWaterMark: STREAM_CHUNK })));
      }
    } catch (err) {
      await handle?.close().catch(() => {});
      // /dev/stdin when standard input is a socket (as Node's own child processes get it)
      // cannot be opened again: read the descriptor this process already has.
      if (isStdinAlias(path) && (err as NodeJS.ErrnoException)?.code === 'ENXIO') raw = new StreamSource(counted(process.stdin));
      else if (err instanceof SourceOpenError) throw err;
      else throw new SourceOpenError(describeFsError(err));
    }
  }

  const magic = new Uint8Array(MAGIC_LENGTH);
  let got = 0;
  while (got < MAGIC_LENGTH) {
    const n = await raw.read(magic, got, MAGIC_LENGTH - got);
    if (n === 0) break;
    got += n;
  }
  const compression = detectCompression(magic, got);
  if (compression === null) {
    const plainFile = file;
    return {
      source: new PrefixedSource(magic.subarray(0, got), raw), displayName, gzip: false, compression, fileSize,
      inputBytesRead: () => (plainFile ? plainFile.position : streamed),
    };
  }
  if (compression === 'zstd') {
    let pull: ZstdPull;
    const input = new PrefixedSource(magic.subarray(0, got), raw);
    try {
      pull = new ZstdPull(input);
    } catch (err) {
      await raw.close().catch(() => {});
      if (err instanceof DecompressorMissingError) throw new SourceOpenError(err.message);
      throw err;
    }
    return { source: new PulledSource(pull, input), displayName, gzip: false, compression, fileSize, inputBytesRead: () => pull.consumed };
  }
  let decompressor: Transform;
  try {
    decompressor = createDecompressor(compression);
  } catch (err) {
    await raw.close().catch(() => {});
    if (err instanceof DecompressorMissingError) throw new SourceOpenError(err.message);
    throw err;
  }
  // Re-read from the start through the decompressor: reopen a regular file, put the magic back otherwise.
  if (reopen) streamed = 0;
  const compressed = reopen ? reopen() : streamFrom(new PrefixedSource(magic.subarray(0, got), raw));
  compressed.on('error', (e) => decompressor.destroy(e));
  if (compression === 'gzip') {
    // Not pipe(): at the end of the compressed bytes, a sync flush first hands over everything
    // decompressed so far, then end() checks the trailer. Ended at once, zlib drops that output
    // when the file was cut short ("unexpected end of file").
    const gunzip = decompressor as Gunzip;
    compressed.pipe(gunzip, { end: false });
    compressed.on('end', () => gunzip.flush(zlibConstants.Z_SYNC_FLUSH, () => gunzip.end()));
  } else {
    // libzstd and liblzma hand over each block as it is decoded: what preceded a cut is kept.
    compressed.pipe(decompressor);
  }
  return {
    source: new StreamSource(decompressor, compressed, (err) => describeDecompressFault(compression, err)),
    displayName, gzip: compression === 'gzip', compression, fileSize,
    inputBytesRead: () => streamed,
  };
}

/** How an input path is named to the user: `-` is "<stdin>". */
export function inputName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

/**
 * Compressed bytes are fed to the decompressor this much at a time: libzstd and liblzma decode a
 * whole chunk before the stream can pause, so a small chunk keeps what one chunk expands to
 * (a highly compressible capture: a thousandfold) small.
 */
const COMPRESSED_CHUNK = 16 << 10;

/** Pipes hand over at most 64 KiB at a time; a larger chunk lets a fast pipe fill it. */
const STREAM_CHUNK = 1 << 20;

function isStdinAlias(path: string): boolean {
  return path === '/dev/stdin' || path === '/dev/fd/0' || path === '/proc/self/fd/0';
}

/**
 * A FIFO opened non-blocking, as a stream: each read returns at once (EAGAIN when the writer has
 * sent nothing yet, then retried a few milliseconds later), so no thread-pool read is ever left
 * blocked on it, and Ctrl-C, or the end of the command, can end the process.
 */
function pipeReader(fd: number): Readable {
  let retryDelay = 1;
  return new Readable({
    highWaterMark: STREAM_CHUNK,
    read(this: Readable, size: number) {
      const chunk = Buffer.allocUnsafe(Math.max(size, 1 << 16));
      fsRead(fd, chunk, 0, chunk.length, null, (err, n) => {
        if (err && (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK')) {
          retryDelay = Math.min(retryDelay * 2, 50);
          setTimeout(() => this._read(size), retryDelay);
          return;
        }
        if (err) return this.destroy(err);
        retryDelay = 1;
        this.push(n === 0 ? null : chunk.subarray(0, n));
      });
    },
    destroy(err, callback) {
      closeSync(fd);
      callback(err);
    },
  });
}

/** A Readable over a ByteSource, to feed zlib. */
function streamFrom(source: ByteSource): Readable {
  return new Readable({
    async read(this: Readable) {
      const chunk = Buffer.allocUnsafe(COMPRESSED_CHUNK);
      try {
        const n = await source.read(chunk, 0, chunk.length);
        this.push(n === 0 ? null : chunk.subarray(0, n));
      } catch (e) {
        this.destroy(e as Error);
      }
    },
  });
}

/** Why an uncompressed stream ended early, in the words of a one-line message. */
function describeReadError(err: unknown): string {
  return `read error: ${(err as Error)?.message ?? String(err)}`;
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
