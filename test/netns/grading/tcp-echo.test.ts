// tcp-echo and tcp-concurrent: one sentence per connection; iterative and concurrent servers told
// apart by what they do when clients overlap.
import { describe, expect, it } from 'vitest';
import { describeKind } from '../../../src/grading/check-result.ts';
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { type Case, expectVerdicts, fixture, textbook } from '../../helpers/grading.ts';

const unavailable = await netnsUnavailable();

const cases: [string, Case, string | null][] = [
  [
    'the textbook server',
    { assignment: 'tcp-echo', role: 'server', file: textbook('TCPServer.py'), fails: ['non-utf8'] },
    'iterative',
  ],
  [
    'bytes.upper(): ASCII letters only, right under the default rule',
    { assignment: 'tcp-echo', role: 'server', file: fixture('ByteUpperTCPServer.py'), fails: [] },
    'iterative',
  ],
  [
    'C with toupper(), iterative as the textbook’s',
    { assignment: 'tcp-echo', role: 'server', file: fixture('c/tcp_echo_server.c'), fails: [] },
    'iterative',
  ],
  [
    'JavaScript (Node’s net)',
    { assignment: 'tcp-echo', role: 'server', file: fixture('js/tcp-echo-server.js'), fails: [] },
    'concurrent',
  ],
  [
    'the textbook client in JavaScript',
    { assignment: 'tcp-echo', role: 'client', file: fixture('js/tcp-echo-client.js'), fails: [] },
    null,
  ],
  [
    'the textbook client',
    { assignment: 'tcp-echo', role: 'client', file: textbook('TCPClient.py'), fails: [] },
    null,
  ],
  [
    'a client that gives connect() half a second',
    {
      assignment: 'tcp-echo',
      role: 'client',
      file: fixture('ImpatientTCPClient.py'),
      fails: ['survives-lost-syn-ack'],
      // Through lossy-wifi (5% each way) a run loses its SYN or SYN-ACK by chance about one time
      // in ten: the same impatience then fails works-over-link as well.
      mayFail: ['works-over-link'],
      reasons: { 'survives-lost-syn-ack': /first SYN-ACK was lost.*did not print 'HELLO SOCKLAB'/ },
    },
    null,
  ],
  [
    'tcp-concurrent: the textbook’s iterative server',
    {
      assignment: 'tcp-concurrent',
      role: 'server',
      file: textbook('TCPServer.py'),
      fails: ['concurrent', 'non-utf8'],
    },
    'iterative',
  ],
  [
    'tcp-concurrent: a thread per client',
    { assignment: 'tcp-concurrent', role: 'server', file: textbook('TCPServerThreaded.py'), fails: [] },
    'concurrent',
  ],
  [
    'tcp-concurrent: C, a thread per client (pthread) with toupper()',
    {
      assignment: 'tcp-concurrent',
      role: 'server',
      file: fixture('c/tcp_threaded_server.c'),
      fails: [],
    },
    'concurrent',
  ],
  [
    'tcp-concurrent: JavaScript, the event loop',
    { assignment: 'tcp-concurrent', role: 'server', file: fixture('js/tcp-echo-server.js'), fails: [] },
    'concurrent',
  ],
  [
    'tcp-concurrent: threads, but one lock around slow work',
    {
      assignment: 'tcp-concurrent',
      role: 'server',
      file: fixture('LockedThreadedServer.py'),
      fails: ['no-waiting'],
    },
    'concurrent',
  ],
  [
    'tcp-concurrent: iterative and 1.5 s per client',
    {
      assignment: 'tcp-concurrent',
      role: 'server',
      file: fixture('SlowIterativeServer.py'),
      fails: ['concurrent', 'no-waiting'],
    },
    'iterative',
  ],
];

describe.skipIf(unavailable !== null)(
  `tcp-echo and tcp-concurrent${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it.each(cases)(
      '%s',
      async (_name, c, kind) => {
        const r = await expectVerdicts(c);
        // Every TCP server check says which kind the server is, with the waiting time as evidence.
        if (kind) expect(r.kind?.name).toBe(kind);
        if (kind === 'iterative')
          expect(describeKind(r.kind!)).toMatch(/^iterative: the 2nd client waited \d+\.\d s for the 1st$/);
      },
      120_000,
    );
  },
);
