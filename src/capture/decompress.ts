// Compressed captures: gzip, zstd and xz, told apart by their magic numbers (never by the file
// name: `<(zstd -c x)` and stdin have none). Each decompressor is a Node Transform stream whose
// memory is bounded whatever a header claims:
// - gzip: Node's zlib (a 32 KiB window by the format, RFC 1952).
// - zstd: zstd-napi (bindings to the reference libzstd); windowLogMax caps the window a frame
//   may ask for (RFC 8878 section 3.1.1.1.2: up to 3.75 TiB could be claimed).
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

/** A decompressing stream for `kind`. gzip needs the caller's flush at the end (see source.ts). */
export function createDecompressor(kind: Compression): Transform {
  switch (kind) {
    case 'gzip':
      return createGunzip();
    case 'zstd': {
      const zstd = loadOptional<ZstdNapi>('zstd-napi', kind);
      return new zstd.DecompressStream({ windowLogMax: ZSTD_WINDOW_LOG_MAX });
    }
    case 'xz': {
      const lzma = loadOptional<LzmaNative>('lzma-native', kind);
      return lzma.createDecompressor({ memlimit: DECOMPRESS_MEMORY_LIMIT });
    }
  }
}

// The parts of the two libraries used here (they stay optional: no compile-time dependency).
interface ZstdNapi {
  DecompressStream: new (parameters: { windowLogMax: number }) => Transform;
}

interface LzmaNative {
  createDecompressor(options: { memlimit: number }): Transform;
}

function loadOptional<T>(name: string, kind: Compression): T {
  try {
    return require(name) as T;
  } catch {
    throw new DecompressorMissingError(`${kind}-compressed, but ${kind} support is not installed (the optional dependency ${name} did not install): decompress it first (${kind === 'zstd' ? 'zstd -d' : 'xz -d'})`);
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
