// tcp-stream and select-server: framing by newlines whatever the segments, and one thread for all.
import { type Case, courseAssignment, fixture, gradingCases, textbook } from '../../helpers/grading.ts';

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
    'select-server: a process per connection, each answering one sentence and exiting',
    {
      assignment: 'select-server',
      role: 'server',
      file: fixture('c/fork_once_server.c'),
      fails: ['echoes', 'single-thread', 'survives-link'],
      reasons: { 'single-thread': /^a process per client, not one thread for all: 5 processes each held/ },
    },
  ],
  [
    'one sentence per connection: a process per connection that exits after its reply fails only single-thread',
    {
      assignment: courseAssignment('select-oneshot'),
      role: 'server',
      file: fixture('c/fork_once_server.c'),
      fails: ['single-thread'],
      reasons: { 'single-thread': /counted from the kernel’s view of each thread/ },
    },
  ],
  [
    'one sentence per connection: a thread per connection (pthread) fails single-thread',
    {
      assignment: courseAssignment('select-oneshot'),
      role: 'server',
      file: fixture('c/tcp_threaded_server.c'),
      fails: ['single-thread'],
      reasons: {
        'single-thread': /^a thread per client.*5 threads were each blocked reading its own client \(recv/,
      },
    },
  ],
  [
    'one sentence per connection: Node’s event loop passes',
    {
      assignment: courseAssignment('select-oneshot'),
      role: 'server',
      file: fixture('js/tcp-echo-server.js'),
      fails: [],
      reasons: { 'single-thread': /^one thread served 5 clients at once/ },
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
