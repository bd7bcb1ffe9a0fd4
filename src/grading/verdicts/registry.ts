// Every verdict an assignment can name, one line each, in the order reports list them. A new
// verdict is its entry in a family file plus one line here; VerdictId follows, so a misspelt id
// in code fails to compile and one in an assignment file is refused with the list.
import type { Framing, ProgramRole } from '../framing.ts';
import { givesUp, printsReply, worksOverLink } from './client-verdicts.ts';
import { concurrent, noWaiting, singleThread } from './concurrency-verdicts.ts';
import { echoes, servesClients, survivesLink } from './echo-verdicts.ts';
import { ignoresDuplicate, survivesLostSynAck } from './event-verdicts.ts';
import { http404, httpBinary, httpFile, httpLossy, httpParallel } from './http-verdicts.ts';
import { compiles, starts } from './lifecycle-verdicts.ts';
import { ends, pings, reportsEach } from './pinger-verdicts.ts';
import { burst, clientReset, emptyConnection, emptyDatagram, nonUtf8 } from './robustness-verdicts.ts';
import { streamBatch, streamSplit, streamSplitUtf8 } from './stream-verdicts.ts';
import type { VerdictEntry } from './verdict.ts';

export const VERDICTS = [
  compiles,
  starts,
  echoes,
  servesClients,
  concurrent,
  noWaiting,
  singleThread,
  streamSplit,
  streamBatch,
  streamSplitUtf8,
  survivesLink,
  survivesLostSynAck,
  nonUtf8,
  emptyDatagram,
  burst,
  emptyConnection,
  clientReset,
  httpFile,
  httpBinary,
  http404,
  httpParallel,
  httpLossy,
  printsReply,
  givesUp,
  ignoresDuplicate,
  worksOverLink,
  pings,
  reportsEach,
  ends,
] as const;

export type VerdictId = (typeof VERDICTS)[number]['id'];
export type Verdict = VerdictEntry<VerdictId>;

const BY_ID: ReadonlyMap<string, Verdict> = new Map(VERDICTS.map((v) => [v.id, v]));

export const isVerdictId = (id: string): id is VerdictId => BY_ID.has(id);

export function verdictEntry(id: VerdictId): Verdict {
  return BY_ID.get(id)!;
}

/** The verdicts an assignment may name for a role and framing, in catalogue order. */
export function applicableVerdicts(role: ProgramRole, framing: Framing): Verdict[] {
  return VERDICTS.filter(
    (v) => v.automatic !== true && v.roles.includes(role) && v.framings.includes(framing),
  );
}
