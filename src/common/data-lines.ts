// What the project's line-based data files share (profiles, scenarios, and the assignments' YAML):
// the meaningful lines with their numbers, and problems collected one per line, each saying where
// it is, so that a file with three mistakes is answered with all three at once.

export interface DataLine {
  /** From 1, as an editor shows it. */
  n: number;
  text: string;
}

/**
 * A comment: `#` to the end of the line, at its start or after a space, unless a digit follows
 * (`#4` is an event rule's ordinal: `drop tcp data #4`).
 */
export const stripComment = (line: string): string => line.replace(/(^|\s)#(?!\d).*/, '$1');

/** The lines of `text` that say something: comments and blank lines dropped. */
export function dataLines(text: string, separator: RegExp = /\r?\n/): DataLine[] {
  return text
    .split(separator)
    .map((raw, i) => ({ n: i + 1, text: stripComment(raw).trim() }))
    .filter((l) => l.text !== '');
}

/** Problems found in one file: `WHERE, line N: what, the rule, the fix`. */
export class Problems {
  readonly where: string;
  readonly list: string[] = [];

  constructor(where: string) {
    this.where = where;
  }

  /** A problem at a line (from 1), or of the whole file. */
  add(message: string, line?: number): void {
    this.list.push(
      line === undefined ? `${this.where}: ${message}` : `${this.where}, line ${line}: ${message}`,
    );
  }

  get count(): number {
    return this.list.length;
  }
}
