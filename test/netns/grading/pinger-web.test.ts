// udp-pinger (judged line by line against the link's record) and the web server project.
import { type Case, fixture, gradingCases, textbook } from '../../helpers/grading.ts';

const cases: [string, Case][] = [
  [
    'udp-pinger: the textbook pinger',
    { assignment: 'udp-pinger', role: 'client', file: textbook('UDPPingerClient.py'), fails: [] },
  ],
  [
    'udp-pinger: no timeout',
    {
      assignment: 'udp-pinger',
      role: 'client',
      file: fixture('NoTimeoutPinger.py'),
      fails: ['pings', 'reports-each', 'ends'],
    },
  ],
  [
    'udp-pinger: a timeout reported as an RTT',
    {
      assignment: 'udp-pinger',
      role: 'client',
      file: fixture('AlwaysReplyPinger.py'),
      fails: ['reports-each'],
    },
  ],
  [
    'udp-pinger: all ten pings at once',
    {
      assignment: 'udp-pinger',
      role: 'client',
      file: fixture('AllAtOncePinger.py'),
      fails: ['pings', 'reports-each'],
    },
  ],
  [
    'web-server: the textbook project',
    { assignment: 'web-server', role: 'server', file: textbook('WebServer.py'), fails: [] },
  ],
  [
    'web-server: files read as text',
    {
      assignment: 'web-server',
      role: 'server',
      file: fixture('TextModeWebServer.py'),
      fails: ['http-binary'],
    },
  ],
  [
    'web-server: 200 for a missing file',
    { assignment: 'web-server', role: 'server', file: fixture('No404WebServer.py'), fails: ['http-404'] },
  ],
];

gradingCases('udp-pinger and web-server', cases);
