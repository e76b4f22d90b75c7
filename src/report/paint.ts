// Verdict words in colour on a terminal (ANSI SGR): red for what failed, green for what passed,
// yellow for what could not be judged. Only ever applied when the caller decided colour is wanted.
const SGR = { red: 31, green: 32, yellow: 33 } as const;

export function paint(colour: keyof typeof SGR, text: string, on: boolean): string {
  return on ? `\x1b[${SGR[colour]}m${text}\x1b[39m` : text;
}

/** PASS green, FAIL red, INCONCLUSIVE yellow. */
export function paintResult(result: 'pass' | 'fail' | 'inconclusive', on: boolean): string {
  return paint(result === 'pass' ? 'green' : result === 'fail' ? 'red' : 'yellow', result.toUpperCase(), on);
}
