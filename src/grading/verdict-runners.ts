// The runner of each verdict in the catalogue, by id (starts and compiles are the check's own:
// they start and build the program that every other verdict talks to).
import type { VerdictRunner } from './context.ts';
import { givesUp, printsReply, worksOverLink } from './verdicts/client-verdicts.ts';
import { concurrent, noWaiting, singleThread } from './verdicts/concurrency-verdicts.ts';
import { echoes, servesClients, survivesLink } from './verdicts/echo-verdicts.ts';
import { http404, httpBinary, httpFile, httpLossy, httpParallel } from './verdicts/http-verdicts.ts';
import { ends, pings, reportsEach } from './verdicts/pinger-verdicts.ts';
import {
  burst,
  clientReset,
  emptyConnection,
  emptyDatagram,
  nonUtf8,
} from './verdicts/robustness-verdicts.ts';
import { streamBatch, streamSplit, streamSplitUtf8 } from './verdicts/stream-verdicts.ts';

export const RUNNERS: Record<string, VerdictRunner> = {
  echoes,
  'serves-clients': servesClients,
  'survives-link': survivesLink,
  concurrent,
  'no-waiting': noWaiting,
  'single-thread': singleThread,
  'stream-split': streamSplit,
  'stream-batch': streamBatch,
  'stream-split-utf8': streamSplitUtf8,
  'non-utf8': nonUtf8,
  'empty-datagram': emptyDatagram,
  burst,
  'empty-connection': emptyConnection,
  'client-reset': clientReset,
  'http-file': httpFile,
  'http-binary': httpBinary,
  'http-404': http404,
  'http-parallel': httpParallel,
  'http-lossy': httpLossy,
  'prints-reply': printsReply,
  'gives-up': givesUp,
  'works-over-link': worksOverLink,
  pings,
  'reports-each': reportsEach,
  ends,
};
