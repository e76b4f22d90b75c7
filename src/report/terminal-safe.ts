// Strings from the inputs (capture file and interface names, node and pool names from cluster
// files, pairs from --expect files) printed on a terminal: an ESC, CSI or BEL in a node name
// would be obeyed by the terminal (colours, cursor moves, a changed window title), and a bidi
// override (U+202E) would show the text reversed. They are made visible instead, as \x1b or
// \u202e, at the edge: in the renderers, on each string that came from an input.

/** The bidi marks, embeddings, overrides and isolates (a character class body, for RegExp). */
export const BIDI_CONTROLS = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
/** C0 and C1 controls, DEL, and the bidi controls. */
const UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${BIDI_CONTROLS}]`, 'g');
/** The same without C0: JSON.stringify escapes those in strings, and its newlines are layout. */
const UNSAFE_IN_JSON = new RegExp(`[\\u007f-\\u009f${BIDI_CONTROLS}]`, 'g');

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}

/**
 * Longest text shown in one piece on a terminal. A node name of 70,000 characters from a hostile
 * cluster file is no use there, and the table library measures a cell's width again for every
 * column it fits: such a cell took minutes. JSON output keeps the whole text.
 */
export const MAX_TERMINAL_TEXT = 400;

/**
 * The text with every control and bidi character shown as an escape (\x1b, \u202e), and
 * shortened, with the count of what was left out, when it is longer than MAX_TERMINAL_TEXT.
 */
export function terminalSafe(text: unknown): string {
  let t = String(text ?? '');
  if (t.length > MAX_TERMINAL_TEXT) {
    const head = MAX_TERMINAL_TEXT - 80;
    const tail = 40;
    t = `${t.slice(0, head)}...[${t.length - head - tail} characters left out]...${t.slice(-tail)}`;
  }
  return t.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
  });
}

/**
 * JSON text for a terminal: JSON.stringify already escapes C0 controls, not DEL, the C1 controls
 * (U+009B is a CSI to some terminals) or the bidi characters; they are only ever inside strings,
 * where \u escapes mean the same characters, so the document is unchanged for a JSON reader.
 */
export function jsonTerminalSafe(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}
