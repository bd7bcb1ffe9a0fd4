// tcp-stream and select-server: framing by newlines whatever the segments, and one thread for all.
import { type Case, fixture, gradingCases, textbook } from '../../helpers/grading.ts';

const cases: [string, Case][] = [
  [
    'tcp-stream: a line reader',
    { assignment: 'tcp-stream', role: 'server', file: textbook('TCPStreamServer.py'), fails: [] },
  ],
  [
    'tcp-stream: a recv() taken for a sentence',
    {
      assignment: 'tcp-stream',
      role: 'server',
      file: fixture('RecvAsSentenceServer.py'),
      fails: ['stream-split', 'stream-split-utf8'],
    },
  ],
  [
    'tcp-stream: the first line of a recv() only',
    {
      assignment: 'tcp-stream',
      role: 'server',
      file: fixture('FirstLineOnlyServer.py'),
      fails: ['stream-batch'],
    },
  ],
  [
    'select-server: select() in one thread',
    { assignment: 'select-server', role: 'server', file: textbook('SelectServer.py'), fails: [] },
  ],
  [
    'select-server: Node’s event loop (TypeScript)',
    { assignment: 'select-server', role: 'server', file: fixture('select-server.ts'), fails: [] },
  ],
  [
    'select-server: a thread per client',
    {
      assignment: 'select-server',
      role: 'server',
      file: textbook('TCPStreamServer.py'),
      fails: ['single-thread'],
    },
  ],
  [
    'select-server: a process per client',
    {
      assignment: 'select-server',
      role: 'server',
      file: fixture('ForkingServer.py'),
      fails: ['single-thread'],
    },
  ],
  [
    'select-server: one client at a time',
    {
      assignment: 'select-server',
      role: 'server',
      file: fixture('IterativeStreamServer.py'),
      fails: ['concurrent'],
    },
  ],
];

gradingCases('tcp-stream and select-server', cases);
