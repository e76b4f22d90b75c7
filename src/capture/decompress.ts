// Compressed captures: gzip, zstd and xz, told apart by their magic numbers (never by the file
// name: `<(zstd -c x)` and stdin have none). Each decompressor is a Node Transform stream whose
// memory is bounded whatever a header claims:
// - gzip: Node's zlib (a 32 KiB window by the format, RFC 1952).
// - zstd: zstd-napi (bindings to the reference libzstd); windowLogMax caps the window a frame
//   may ask for (RFC 8878 section 3.1.1.1.2: up to 3.75 TiB could be claimed). zstd is pulled,
//   not streamed: ZstdPull decodes straight into the reader's buffer, because the library's
//   Transform decodes a whole input chunk into fresh 128 KiB buffers at once (RLE blocks: 32 KB
//   of file became 1 GB of output and a 490 MB peak before the garbage was collected).
// - xz: lzma-native (bindings to liblzma from XZ Utils); memlimit caps the dictionary and every
//   other allocation of the decoder (xz -9 needs 65 MiB).
// zstd-napi and lzma-native are optional dependencies, loaded only when such a file is read: a
// machine where they did not install still reads plain and gzip captures.
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';

export type Compression = 'gzip' | 'zstd' | 'xz';

/** Bytes of the longest magic number (xz). */
export const MAGIC_LENGTH = 6;

/** The most memory a zstd window or an xz decoder may take: 128 MiB (zstd windowLog 27, libzstd's own default limit). */
export const DECOMPRESS_MEMORY_LIMIT = 128 << 20;
const ZSTD_WINDOW_LOG_MAX = 27;

const MAGICS: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b]], // RFC 1952 section 2.3.1
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]], // RFC 8878 section 3.1.1 (0xFD2FB528 little-endian)
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]], // The .xz File Format 1.2.0, section 2.1.1.1
];

/** The compression whose magic `head` (the first `length` bytes of the input) starts with. */
export function detectCompression(head: Uint8Array, length: number): Compression | null {
  for (const [kind, magic] of MAGICS) {
    if (length >= magic.length && magic.every((b, i) => head[i] === b)) return kind;
  }
  return null;
}

/** Thrown when the library a compression needs is not installed: the input cannot be read. */
export class DecompressorMissingError extends Error {}

const require = createRequire(import.meta.url);

/** A decompressing stream for gzip or xz (zstd: ZstdPull). gzip needs the caller's flush at the end (see source.ts). */
export function createDecompressor(kind: Compression): Transform {
  switch (kind) {
    case 'gzip':
      return createGunzip();
    case 'zstd':
      throw new Error('zstd is read through ZstdPull, not a stream');
    case 'xz': {
      const lzma = loadOptional<LzmaNative>('lzma-native', kind);
      return lzma.createDecompressor({ memlimit: DECOMPRESS_MEMORY_LIMIT });
    }
  }
}

/** The parts of zstd-napi's binding used here (optional: no compile-time dependency). */
interface ZstdBinding {
  DCtx: new () => {
    setParameter(param: number, value: number): void;
    decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number];
  };
  DParameter: { windowLogMax: number };
}

/** What ZstdPull reads the compressed bytes from (a ByteSource of source.ts). */
export interface CompressedInput {
  read(target: Uint8Array, offset: number, length: number): Promise<number>;
  readonly endFault?: string | null;
}

/**
 * zstd decoded on demand into the buffer the capture reader hands over: whatever the frames
 * claim or repeat (RLE blocks), memory is the window (capped) plus one input buffer.
 */
export class ZstdPull {
  /** Compressed bytes taken from the input (for the progress line). */
  consumed = 0;
  endFault: string | null = null;
  private readonly dctx: InstanceType<ZstdBinding['DCtx']>;
  private readonly inBuf = new Uint8Array(64 << 10);
  private input: Uint8Array = new Uint8Array(0);
  private inputEnded = false;
  private inFrame = false;

  constructor(private readonly compressed: CompressedInput) {
    const binding = loadOptional<ZstdBinding>('zstd-napi/binding', 'zstd');
    this.dctx = new binding.DCtx();
    this.dctx.setParameter(binding.DParameter.windowLogMax, ZSTD_WINDOW_LOG_MAX);
  }

  /** Up to `length` decompressed bytes into target at offset; 0 at the end (endFault says if it was a fault). */
  async read(target: Uint8Array, offset: number, length: number): Promise<number> {
    const out = target.subarray(offset, offset + length);
    while (this.endFault === null) {
      if (this.input.length === 0 && !this.inputEnded) {
        const n = await this.compressed.read(this.inBuf, 0, this.inBuf.length);
        if (n === 0) {
          this.inputEnded = true;
          if (this.compressed.endFault) this.endFault = this.compressed.endFault;
        } else {
          this.input = this.inBuf.subarray(0, n);
          this.consumed += n;
        }
        continue;
      }
      if (this.input.length === 0) {
        // RFC 8878: a frame ends with its last block; input that stops inside one was cut short.
        if (this.inFrame) this.endFault = describeDecompressFault('zstd', new Error('Stream ended in middle of compressed data frame'));
        return 0;
      }
      let result: [number, number, number];
      try {
        result = this.dctx.decompressStream(out, this.input);
      } catch (err) {
        this.endFault = describeDecompressFault('zstd', err);
        return 0;
      }
      const [remaining, produced, consumed] = result;
      this.input = this.input.subarray(consumed);
      this.inFrame = remaining !== 0;
      if (produced > 0) return produced;
    }
    return 0;
  }
}

interface LzmaNative {
  createDecompressor(options: { memlimit: number }): Transform;
}

function loadOptional<T>(name: string, kind: Compression): T {
  try {
    return require(name) as T;
  } catch {
    throw new DecompressorMissingError(`${kind}-compressed, but ${kind} support is not installed (the optional dependency ${name.split('/')[0]} did not install): decompress it first (${kind === 'zstd' ? 'zstd -d' : 'xz -d'})`);
  }
}

/** Why a decompressing stream ended early, in the words of a one-line message. */
export function describeDecompressFault(kind: Compression, err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  const message = String((err as Error)?.message ?? err);
  const cut = `the ${kind} stream ends early (the file was cut short)`;
  switch (kind) {
    case 'gzip':
      // zlib: Z_BUF_ERROR is "unexpected end of file", a gzip file cut short (an interrupted copy).
      if (code === 'Z_BUF_ERROR') return cut;
      return `the gzip data is corrupt (${message})`;
    case 'zstd':
      // libzstd (via zstd-napi): the input ended inside a frame.
      if (/ended in middle of compressed data frame/i.test(message)) return cut;
      if (/too much memory|window.*too large|frame parameter unsupported/i.test(message)) return `the zstd stream asks for a window over ${DECOMPRESS_MEMORY_LIMIT >> 20} MiB, calico-pcap's limit (${message}); decompress it with zstd -d --memory=2048MB first`;
      return `the zstd data is corrupt (${message})`;
    case 'xz':
      // liblzma (via lzma-native): LZMA_BUF_ERROR (10) "No progress is possible" at the end of input is
      // a stream cut short; LZMA_MEMLIMIT_ERROR (6) a dictionary over the limit.
      if (code === 10) return cut;
      if (code === 6) return `the xz stream needs more than ${DECOMPRESS_MEMORY_LIMIT >> 20} MiB to decompress, calico-pcap's limit; decompress it with xz -d first`;
      return `the xz data is corrupt (${message})`;
  }
}
