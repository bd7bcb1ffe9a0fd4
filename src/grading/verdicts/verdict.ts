// A verdict is one self-describing entry: its id, its title, what it measures, where it applies
// (the program's role and the assignment's framing), its default points and how it is judged.
// Each family file exports its entries and registry.ts lists them, so a verdict that an
// assignment names always has its way of being judged (the compiler checks the ids).

import type { CheckContext, Outcome } from '../context.ts';
import type { Framing, ProgramRole } from '../framing.ts';

export interface VerdictEntry<I extends string = string> {
  id: I;
  /** As tables show it: `echoes correctly`. */
  title: string;
  /** What it sends and what it requires, for the assignment's reader (README, check --help). */
  measures: string;
  roles: readonly ProgramRole[];
  framings: readonly Framing[];
  /** The points an assignment gives it when it names the verdict without a number. */
  points: number;
  /**
   * Nothing else can be judged when this one fails (the program did not compile, or does not
   * listen): the rest are reported as not run, with this reason.
   */
  gate?: string;
  /** Added by the check itself where it applies (compiling a C program); assignments do not name it. */
  automatic?: true;
  run(ctx: CheckContext): Promise<Outcome>;
}

/** Keeps the id's literal type, so that the registry's ids form a union. */
export const defineVerdict = <const I extends string>(entry: VerdictEntry<I>): VerdictEntry<I> => entry;
