// Box tables drawn in one pass. cli-table3 lays out every cell through string-width and
// per-cell colour wrapping: 10 000 flow rows took 22 s there (measured, `npm run bench`), far
// too slow for the 100k-flow tables of a 1 GB capture. This draws the same look (the box
// characters, one space of padding, no rule between rows, red headings and grey borders in
// colour) by measuring each column once and padding each cell once.
export type Align = 'left' | 'right';

const ANSI = /\x1b\[[0-9;]*m/g;
const PLAIN = /^[\x20-\x7e]*$/;

/** Columns a string takes on a terminal: SGR colour codes take none, East Asian wide characters two. */
export function displayWidth(s: string): number {
  if (PLAIN.test(s)) return s.length;
  let width = 0;
  for (const ch of s.replace(ANSI, '')) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x300 && c < 0x370) || c === 0x200b || (c >= 0xfe00 && c <= 0xfe0f)) continue;
    width += isWide(c) ? 2 : 1;
  }
  return width;
}

// The wide ranges of Unicode's East Asian Width property (UAX #11), as terminals draw them.
function isWide(c: number): boolean {
  return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) || (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1faff) || (c >= 0x20000 && c <= 0x3fffd);
}

const RED = (s: string) => `\x1b[31m${s}\x1b[39m`;
const GREY = (s: string) => `\x1b[90m${s}\x1b[39m`;

/**
 * A table of `rows` under `head`; cells are strings or numbers (numbers as String() writes them).
 * Byte for byte what cli-table3 draws with `chars: { mid: '', 'left-mid': '', 'mid-mid': '',
 * 'right-mid': '' }` (test/grid.test.ts compares them), without the trailing newline.
 */
export function renderGrid(head: readonly string[], align: readonly Align[], rows: readonly (readonly (string | number)[])[], color: boolean): string {
  const n = head.length;
  const widths = head.map(displayWidth);
  // Pass 1: the text of every cell (numbers written once) and the width of each column. Widths
  // and UTF-8 lengths of single cells are kept only where a cell is not plain ASCII (rare).
  const text: string[] = new Array(rows.length * n);
  const wide = new Map<number, number>();
  let extraBytes = 0;
  for (let r = 0, i = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < n; c++, i++) {
      const v = row[c];
      const s = typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
      text[i] = s;
      let w = s.length;
      if (!PLAIN.test(s)) {
        wide.set(i, (w = displayWidth(s)));
        extraBytes += Buffer.byteLength(s) - w;
      }
      if (w > widths[c]) widths[c] = w;
    }
  }
  const border = color ? GREY : (s: string) => s;
  const bar = border('│');
  const rule = (left: string, mid: string, right: string) =>
    widths.map((w, c) => border(`${c === 0 ? left : mid}${'─'.repeat(w + 2)}${c === n - 1 ? right : ''}`)).join('');
  let top = rule('┌', '┬', '┐') + '\n';
  for (let c = 0; c < n; c++) {
    const fill = ' '.repeat(widths[c] - displayWidth(head[c]));
    const cell = ` ${align[c] === 'right' ? fill + head[c] : head[c] + fill} `;
    top += bar + (color ? RED(cell) : cell);
  }
  top += bar + '\n';
  // Pass 2: the rows written as bytes into one buffer sized in advance: no string per cell or
  // line for the collector (100k rows stay well under a second; strings were 3-5 times slower).
  const open = Buffer.from(bar + ' ');
  const sep = Buffer.from(' ' + bar + ' ');
  const close = Buffer.from(' ' + bar + '\n');
  const rowBytes = widths.reduce((a, w) => a + w, 0) + open.length + sep.length * (n - 1) + close.length;
  const buf = Buffer.allocUnsafe(rowBytes * rows.length + extraBytes);
  const right = align.map((a) => a === 'right');
  // Bytes stored one by one: for cells of a few dozen ASCII characters this is several times
  // faster than Buffer's write, fill and copy, which each cross into C++.
  let off = 0;
  const bytes = (b: Buffer) => {
    for (let k = 0; k < b.length; k++) buf[off++] = b[k];
  };
  const blanks = (count: number) => {
    for (let k = 0; k < count; k++) buf[off++] = 0x20;
  };
  for (let r = 0, i = 0; r < rows.length; r++) {
    for (let c = 0; c < n; c++, i++) {
      const s = text[i];
      bytes(c === 0 ? open : sep);
      const w = wide.size > 0 ? wide.get(i) : undefined;
      const fill = widths[c] - (w ?? s.length);
      if (right[c]) blanks(fill);
      if (w === undefined) for (let k = 0; k < s.length; k++) buf[off++] = s.charCodeAt(k);
      else off += buf.write(s, off, 'utf8');
      if (!right[c]) blanks(fill);
    }
    bytes(close);
  }
  return top + buf.toString('utf8', 0, off) + rule('└', '┴', '┘');
}
