// udp-echo: the textbook's programs pass, each buggy program fails exactly the verdict its bug is
// about, whatever language it is written in.
import { type Case, fixture, gradingCases, textbook } from '../../helpers/grading.ts';

const NON_UTF8_ROBUSTNESS: string[] = [];

const cases: [string, Case][] = [
  [
    'the textbook server (it dies on bytes that are not UTF-8: advisory)',
    { assignment: 'udp-echo', role: 'server', file: textbook('UDPServer.py'), fails: ['non-utf8'] },
  ],
  [
    'bytes.upper() instead of str.upper()',
    {
      assignment: 'udp-echo',
      role: 'server',
      file: fixture('AsciiUpperUDPServer.py'),
      fails: ['echoes', ...NON_UTF8_ROBUSTNESS],
    },
  ],
  [
    'replies at the previous sender’s address',
    {
      assignment: 'udp-echo',
      role: 'server',
      file: fixture('PreviousClientUDPServer.py'),
      fails: ['serves-clients', 'survives-link'],
    },
  ],
  [
    'dies on an empty datagram',
    {
      assignment: 'udp-echo',
      role: 'server',
      file: fixture('CrashOnEmptyUDPServer.py'),
      fails: ['empty-datagram'],
    },
  ],
  [
    'listens on the wrong port',
    {
      assignment: 'udp-echo',
      role: 'server',
      file: fixture('WrongPortUDPServer.py'),
      fails: ['starts', 'echoes', 'serves-clients', 'survives-link', 'non-utf8', 'empty-datagram', 'burst'],
    },
  ],
  [
    'listens on localhost only',
    {
      assignment: 'udp-echo',
      role: 'server',
      file: fixture('LocalhostUDPServer.py'),
      fails: ['starts', 'echoes', 'serves-clients', 'survives-link', 'non-utf8', 'empty-datagram', 'burst'],
    },
  ],
  [
    'JavaScript, sturdy',
    { assignment: 'udp-echo', role: 'server', file: fixture('udp-echo-server.js'), fails: [] },
  ],
  [
    'C, compiled in the host',
    { assignment: 'udp-echo', role: 'server', file: fixture('udp_echo.c'), fails: [] },
  ],
  [
    'C that does not compile',
    {
      assignment: 'udp-echo',
      role: 'server',
      file: fixture('broken.c'),
      fails: [
        'compiles',
        'starts',
        'echoes',
        'serves-clients',
        'survives-link',
        'non-utf8',
        'empty-datagram',
        'burst',
      ],
    },
  ],
  [
    'an executable with a #! line',
    { assignment: 'udp-echo', role: 'server', file: fixture('echo-server-shebang'), fails: [] },
  ],
  [
    'the textbook client',
    { assignment: 'udp-echo', role: 'client', file: textbook('UDPClient.py'), fails: [] },
  ],
  [
    'a client without a timeout',
    {
      assignment: 'udp-echo',
      role: 'client',
      file: `${fixture('..')}/NoTimeoutUDPClient.py`,
      fails: ['gives-up'],
    },
  ],
  [
    'a client that prints the reply in lowercase',
    {
      assignment: 'udp-echo',
      role: 'client',
      file: fixture('LowercasePrintUDPClient.py'),
      fails: ['prints-reply'],
    },
  ],
];

gradingCases('udp-echo', cases);
