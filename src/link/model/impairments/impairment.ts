// What every impairment provides, so that the parser, the validator, the text form, the netem
// engine and the CLI are all driven by the registry (registry.ts) instead of knowing each one.
import type { DirectionModel } from '../impairment-model.ts';

export class Words {
  readonly #words: string[];
  #i = 0;

  constructor(words: string[]) {
    this.#words = words;
  }
  peek(): string | undefined {
    return this.#words[this.#i];
  }
  next(): string | undefined {
    return this.#words[this.#i++];
  }
}

export type ImpairmentKey = keyof DirectionModel;

export interface Impairment<K extends ImpairmentKey = ImpairmentKey> {
  key: K;
  /** The netem keyword that starts it. */
  keyword: string;
  syntax: string;
  example: string;
  summary: string;
  /** Reads the words after the keyword; pushes a problem and returns undefined on bad input. */
  parse(words: Words, problems: string[]): DirectionModel[K] | undefined;
  /** Problems with a value (from text or from code), each one line: value, rule, example. */
  validate(value: NonNullable<DirectionModel[K]>): string[];
  format(value: NonNullable<DirectionModel[K]>): string;
  /** netem's arguments for it. */
  netem(value: NonNullable<DirectionModel[K]>): string[];
}

/** A percentage problem in the house style: `loss must be 0–100%, got 140%`. */
export function checkPercent(what: string, value: number, example: string): string[] {
  return Number.isFinite(value) && value >= 0 && value <= 100
    ? []
    : [`${what} must be 0–100%, got ${value}%; e.g. ${example}`];
}
