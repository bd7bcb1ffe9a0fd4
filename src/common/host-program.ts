// What a program on the lab's hosts tells the orchestrator about itself: its name, its options
// (the same spec its own parser uses), an argv builder typed by those options, and the schema
// version of the one JSON object it prints with --json (its result type is declared beside it).
// Callers build argv with `argv()` and read results with their type, never by hand.
import type { OptionSpecs } from './app-args.ts';

/** Values for a spec's options: booleans for flags, numbers or text for the rest. */
export type OptionValues<S extends OptionSpecs> = {
  [K in keyof S]?: S[K] extends { type: 'boolean' } ? boolean : string | number;
};

export interface HostProgram<S extends OptionSpecs, R> {
  /** Its file under src/apps/, without .ts. */
  name: string;
  /** The version of its JSON result: a caller expecting another one was built for other programs. */
  schema: number;
  options: S;
  argv(values: OptionValues<S>): string[];
  /** Never set: carries the result type for runProgram(). */
  readonly result?: R;
}

export function defineProgram<S extends OptionSpecs, R>(
  name: string,
  schema: number,
  options: S,
): HostProgram<S, R> {
  return {
    name,
    schema,
    options,
    argv(values) {
      const out: string[] = [];
      // In the spec's order, so that the same values always give the same command line.
      for (const key of Object.keys(options)) {
        const v = values[key as keyof S];
        if (v === undefined || v === false) continue;
        if (v === true) out.push(`--${key}`);
        else out.push(`--${key}`, String(v));
      }
      return out;
    },
  };
}

/** Prints a program's one JSON result, stamped with its schema version. */
export function printResult<R>(program: HostProgram<OptionSpecs, R>, result: R): void {
  process.stdout.write(`${JSON.stringify({ schema: program.schema, ...result })}\n`);
}
