// Parsing a -Y/--where expression into a small tree. The grammar is filter.peggy, turned into a
// standalone parser by peggy at build time (grammar.generated.js, no runtime dependency): it
// loads in well under a millisecond, and it runs once per command, never per packet.
import { parse as parseGrammar, SyntaxError as GrammarSyntaxError, type Expectation } from './grammar.generated.js';

/** A field name or a value, with the offset (0-based) where it starts in the expression. */
export interface Located {
  offset: number;
}
export interface FieldRef extends Located {
  name: string;
}
export interface ValueRef extends Located {
  text: string;
  /** Written in double quotes. */
  quoted: boolean;
}

export type FilterNode =
  | { kind: 'or' | 'and'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  /** `field == v`, `field != v`, `field in CIDR`, `field in {v1 v2}` (values has one entry except for a set). */
  | { kind: 'compare'; op: '==' | '!=' | 'in'; field: FieldRef; values: ValueRef[] }
  /** A bare field: true when the packet has it. */
  | { kind: 'present'; field: FieldRef };

/** A bad expression: the message, and the column (1-based) the caret goes under. */
export class FilterError extends Error {
  /** `detail` follows the column: a list of what would have been right. */
  constructor(message: string, readonly expression: string, readonly column: number, readonly detail?: string) {
    super(message);
  }

  /** The message line, the expression and a caret under the column (for --where on stderr). */
  format(option = '--where'): string {
    const detail = this.detail ? ` (${this.detail})` : '';
    return `calico-pcap: ${option}: ${this.message} at column ${this.column}${detail}\n  ${this.expression}\n  ${' '.repeat(Math.max(0, this.column - 1))}^\n`;
  }
}

export function parseFilter(expression: string): FilterNode {
  if (expression.includes('\n') || expression.includes('\r')) {
    throw new FilterError('an expression is one line', expression.replace(/[\r\n]/g, ' '), expression.search(/[\r\n]/) + 1);
  }
  try {
    return parseGrammar(expression) as FilterNode;
  } catch (err) {
    if (err instanceof GrammarSyntaxError) {
      const found = err.found === null || err.found === undefined ? 'the end' : `"${err.found}"`;
      throw new FilterError(`expected ${describeExpected(err.expected)}, found ${found}`, expression, err.location.start.column);
    }
    throw err;
  }
}

/** "a field or \"(\"": the named rules and literals the parser could have taken there. */
function describeExpected(expected: Expectation[]): string {
  const names: string[] = [];
  for (const e of expected) {
    const text = e.type === 'other' ? e.description : e.type === 'literal' ? `"${e.text}"` : e.type === 'end' ? 'the end' : null;
    if (text !== null && text !== 'whitespace' && !names.includes(text)) names.push(text);
  }
  if (names.length === 0) return 'something else';
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
