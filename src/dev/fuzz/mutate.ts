// Mutations for the fuzzer: the kinds of damage captures meet (cut short, bit rot, length
// fields that lie) plus random splices, all driven by a seeded PRNG so a failure replays.

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING_32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 12, 16, 20, 24, 28, 32];
const INTERESTING_16 = [0, 1, 4, 5, 8, 14, 20, 40, 0x7fff, 0x8000, 0xffff, 4789, 8472, 6081, 0x0800, 0x86dd, 0x8100, 0x6558];

export type Mutation = 'flip' | 'byte' | 'word16' | 'word32' | 'truncate' | 'duplicate' | 'delete' | 'splice' | 'zero';
const MUTATIONS: Mutation[] = ['flip', 'byte', 'word16', 'word32', 'truncate', 'duplicate', 'delete', 'splice', 'zero'];

/** Returns a mutated copy of `input` (1 to 4 stacked mutations) and what was done. */
export function mutate(input: Uint8Array, donor: Uint8Array, random: () => number): { bytes: Uint8Array; applied: Mutation[] } {
  let bytes = Uint8Array.from(input);
  const applied: Mutation[] = [];
  const rounds = 1 + Math.floor(random() * 4);
  const int = (n: number) => Math.floor(random() * Math.max(1, n));
  for (let r = 0; r < rounds && bytes.length > 0; r++) {
    const m = MUTATIONS[int(MUTATIONS.length)];
    applied.push(m);
    const at = int(bytes.length);
    const le = random() < 0.5;
    switch (m) {
      case 'flip':
        bytes[at] ^= 1 << int(8);
        break;
      case 'byte':
        bytes[at] = int(256);
        break;
      case 'word16':
        if (at + 2 <= bytes.length) new DataView(bytes.buffer).setUint16(at, INTERESTING_16[int(INTERESTING_16.length)], le);
        break;
      case 'word32':
        if (at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, INTERESTING_32[int(INTERESTING_32.length)] >>> 0, le);
        break;
      case 'truncate':
        bytes = bytes.slice(0, at);
        break;
      case 'duplicate': {
        const len = int(Math.min(256, bytes.length - at));
        const out = new Uint8Array(bytes.length + len);
        out.set(bytes.subarray(0, at + len));
        out.set(bytes.subarray(at), at + len);
        bytes = out;
        break;
      }
      case 'delete': {
        const len = int(Math.min(64, bytes.length - at));
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + len)]);
        break;
      }
      case 'splice': {
        if (donor.length === 0) break;
        const from = int(donor.length);
        const len = int(Math.min(512, donor.length - from));
        const out = new Uint8Array(at + len);
        out.set(bytes.subarray(0, at));
        out.set(donor.subarray(from, from + len), at);
        bytes = out;
        break;
      }
      case 'zero':
        bytes.fill(0, at, Math.min(bytes.length, at + 1 + int(32)));
        break;
    }
  }
  return { bytes, applied };
}
