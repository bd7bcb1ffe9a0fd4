// udp-echo: the textbook's programs pass, each buggy program fails exactly the verdict its bug is
// about, whatever language it is written in.
import { type Case, courseAssignment, fixture, gradingCases, textbook } from '../../helpers/grading.ts';

const NON_UTF8_ROBUSTNESS: string[] = [];

const cases: [string, Case][] = [
  [
    'the textbook server (it dies on bytes that are not UTF-8: advisory)',
    { assignment: 'udp-echo', role: 'server', file: textbook('UDPServer.py'), fails: ['non-utf8'] },
  ],
  [
    'bytes.upper(): ASCII letters only, right under the default rule',
    {
      assignment: 'udp-echo',
      role: 'server',
      file: fixture('AsciiUpperUDPServer.py'),
      fails: [...NON_UTF8_ROBUSTNESS],
      reasons: { echoes: /either rule: ASCII letters .*toupper\(\).* or every letter .*str\.upper\(\)/ },
    },
  ],
  [
    'bytes.upper() where the course asks for str.upper()',
    {
      assignment: courseAssignment('udp-echo-unicode'),
      role: 'server',
      file: fixture('AsciiUpperUDPServer.py'),
      fails: ['echoes'],
      reasons: {
        echoes:
          /'grüße aus der straße' came back as 'GRüßE AUS DER STRAßE' .*uppercase as Python’s str\.upper\(\)/,
      },
    },
  ],
  [
    'str.upper() where the course asks for toupper()',
    {
      assignment: courseAssignment('udp-echo-ascii'),
      role: 'server',
      file: textbook('UDPServer.py'),
      fails: ['echoes', 'non-utf8'],
      reasons: { echoes: /expected 'GRüßE AUS DER STRAßE'.*as C’s toupper\(\) gives/ },
    },
  ],
  [
    'non-ASCII letters replaced by ?',
    {
      assignment: 'udp-echo',
      role: 'server',
      file: fixture('AsciiOnlyUDPServer.py'),
      fails: ['echoes'],
      reasons: {
        echoes:
          /came back as 'GR\?SSE AUS DER STRASSE' \(expected 'GRÜSSE AUS DER STRASSE' or 'GRüßE AUS DER STRAßE'\)/,
      },
    },
  ],
  [
    'non-ASCII letters replaced by ?, where that sentence is advisory',
    {
      assignment: courseAssignment('udp-echo-advisory'),
      role: 'server',
      file: fixture('AsciiOnlyUDPServer.py'),
      fails: [],
      reasons: {
        echoes: /; advisory, not counted: 'grüße aus der straße' came back as 'GR\?SSE AUS DER STRASSE'/,
      },
    },
  ],
  [
    'non-ASCII letters replaced by ?, where no such sentence is sent',
    {
      assignment: courseAssignment('udp-echo-absent'),
      role: 'server',
      file: fixture('AsciiOnlyUDPServer.py'),
      fails: [],
      reasons: { echoes: /^all 4 sentences came back .*no sentence that is not ASCII/ },
    },
  ],
  [
    'C with toupper(), as the textbook’s server',
    { assignment: 'udp-echo', role: 'server', file: fixture('c/udp_echo_server.c'), fails: [] },
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
    'the textbook client in C, with a one-second timeout',
    { assignment: 'udp-echo', role: 'client', file: fixture('c/udp_echo_client.c'), fails: [] },
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
  [
    'a client that prints every datagram until a second of silence',
    {
      assignment: 'udp-echo',
      role: 'client',
      file: fixture('EveryReplyUDPClient.py'),
      fails: ['ignores-duplicate'],
      reasons: {
        'ignores-duplicate': /delivered the server's reply twice .* printed 'HELLO SOCKLAB' 2 times/,
      },
    },
  ],
];

gradingCases('udp-echo', cases);
