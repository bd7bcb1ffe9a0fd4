// Every verdict an assignment can name: its id, what it checks, and where it applies (role,
// protocol, framing). Pure data: assignments are validated against it, `socklab check --help`
// lists it, and the runners (verdict-runners.ts) are registered under the same ids.

export type Role = 'server' | 'client';
export type Proto = 'udp' | 'tcp';
/**
 * How messages are delimited: a datagram each (UDP echo), one sentence per TCP connection
 * (the textbook's TCPServer), newline-framed sentences over one connection, HTTP requests (the
 * web server project), or the UDP pinger's numbered pings.
 */
export type Framing = 'datagram' | 'oneshot' | 'stream' | 'http' | 'pinger';

export interface VerdictMeta {
  id: string;
  title: string;
  /** What it sends and what it requires, for the assignment's reader. */
  checks: string;
  roles: Role[];
  framings: Framing[];
}

const SERVER_ECHO: Framing[] = ['datagram', 'oneshot', 'stream'];
const TCP_ECHO: Framing[] = ['oneshot', 'stream'];

export const VERDICTS: readonly VerdictMeta[] = [
  {
    id: 'compiles',
    title: 'compiles',
    checks:
      'a C program is compiled with cc in its host; compiler errors are the reason (added for .c files)',
    roles: ['server', 'client'],
    framings: ['datagram', 'oneshot', 'stream', 'http', 'pinger'],
  },
  {
    id: 'starts',
    title: 'starts and listens',
    checks:
      'the program listens on the assignment’s protocol and port within 10 s (always first; nothing else runs without it)',
    roles: ['server'],
    framings: ['datagram', 'oneshot', 'stream', 'http'],
  },
  {
    id: 'echoes',
    title: 'echoes correctly',
    checks:
      'five sentences (spaces, punctuation, UTF-8, 200 bytes) each come back as their uppercase, on a clean link',
    roles: ['server'],
    framings: SERVER_ECHO,
  },
  {
    id: 'serves-clients',
    title: 'serves several clients at once',
    checks:
      'five UDP clients, each with its own socket, send at once: each gets its own replies (demultiplexing by address)',
    roles: ['server'],
    framings: ['datagram'],
  },
  {
    id: 'concurrent',
    title: 'serves a client while another holds its connection',
    checks:
      'a first client connects and sends nothing (as a user still typing); a second client must get its reply meanwhile',
    roles: ['server'],
    framings: TCP_ECHO,
  },
  {
    id: 'no-waiting',
    title: 'clients do not wait in turn',
    checks: 'four clients send at once; a server slow per client must not answer them one after another',
    roles: ['server'],
    framings: TCP_ECHO,
  },
  {
    id: 'single-thread',
    title: 'one thread for all clients',
    checks:
      'threads and processes with no client and with five clients connected at once: they must not grow per client (select/poll/epoll)',
    roles: ['server'],
    framings: TCP_ECHO,
  },
  {
    id: 'stream-split',
    title: 'frames a sentence split over several segments',
    checks:
      'one sentence in three segments with pauses: no reply before its newline, then exactly its uppercase line',
    roles: ['server'],
    framings: ['stream'],
  },
  {
    id: 'stream-batch',
    title: 'frames several sentences in one segment',
    checks:
      'three sentences in one segment: three reply lines, each the uppercase of its sentence, in order, nothing more',
    roles: ['server'],
    framings: ['stream'],
  },
  {
    id: 'stream-split-utf8',
    title: 'frames a sentence split inside a character',
    checks:
      'a sentence split between the two bytes of ß: one reply line, STRASSE as Python’s str.upper() gives',
    roles: ['server'],
    framings: ['stream'],
  },
  {
    id: 'survives-link',
    title: 'works through the lossy link',
    checks:
      'through the assignment’s profile: UDP replies inside the binomial interval and all correct; TCP every sentence back intact',
    roles: ['server'],
    framings: SERVER_ECHO,
  },
  {
    id: 'non-utf8',
    title: 'survives bytes that are not UTF-8',
    checks: 'a message of bytes that are not UTF-8, then a normal sentence: it must still be answered',
    roles: ['server'],
    framings: SERVER_ECHO,
  },
  {
    id: 'empty-datagram',
    title: 'survives an empty datagram',
    checks: 'a datagram of no bytes, then a normal sentence: it must still be answered',
    roles: ['server'],
    framings: ['datagram'],
  },
  {
    id: 'burst',
    title: 'survives a burst of 1000 datagrams',
    checks: '1000 datagrams as fast as they go, then a normal sentence: it must still be answered',
    roles: ['server'],
    framings: ['datagram'],
  },
  {
    id: 'empty-connection',
    title: 'survives a connection that sends nothing',
    checks: 'a client connects and closes without a byte, then a normal client: it must still be answered',
    roles: ['server'],
    framings: TCP_ECHO,
  },
  {
    id: 'client-reset',
    title: 'survives a client that resets mid-sentence',
    checks:
      'a client sends half a sentence and resets the connection (RST), then a normal client: it must still be answered',
    roles: ['server'],
    framings: [...TCP_ECHO, 'http'],
  },
  {
    id: 'http-file',
    title: 'serves a file',
    checks: 'curl GET /HelloWorld.html: status 200 and the file’s exact bytes',
    roles: ['server'],
    framings: ['http'],
  },
  {
    id: 'http-binary',
    title: 'serves a binary file exactly',
    checks: 'fetch() GET /socklab.bin (every byte value): status 200 and the exact bytes',
    roles: ['server'],
    framings: ['http'],
  },
  {
    id: 'http-404',
    title: 'answers 404 for a missing file',
    checks: 'curl GET /missing.html: status 404, and the server goes on serving',
    roles: ['server'],
    framings: ['http'],
  },
  {
    id: 'http-parallel',
    title: 'serves several requests at once',
    checks:
      'five fetch() requests at once for text files: every one 200 with the exact bytes (one after another is fine)',
    roles: ['server'],
    framings: ['http'],
  },
  {
    id: 'http-lossy',
    title: 'serves through the lossy link',
    checks: 'through the assignment’s profile, a 24 KB page by curl and by fetch(): 200 and the exact bytes',
    roles: ['server'],
    framings: ['http'],
  },
  {
    id: 'prints-reply',
    title: 'prints the uppercase reply',
    checks:
      'run as PROGRAM server PORT with a sentence on stdin: it prints the server’s uppercase reply and ends',
    roles: ['client'],
    framings: ['datagram', 'oneshot', 'stream'],
  },
  {
    id: 'gives-up',
    title: 'gives up when its datagram is lost',
    checks: 'every datagram lost: it must end by itself (a timeout) instead of waiting forever',
    roles: ['client'],
    framings: ['datagram'],
  },
  {
    id: 'works-over-link',
    title: 'works through the lossy link',
    checks: 'five runs through the assignment’s profile each print the uppercase reply (TCP retransmits)',
    roles: ['client'],
    framings: TCP_ECHO,
  },
  {
    id: 'pings',
    title: 'sends ten pings, one at a time',
    checks: 'the link sees ten ping datagrams, each sent after the previous reply or its timeout',
    roles: ['client'],
    framings: ['pinger'],
  },
  {
    id: 'reports-each',
    title: 'reports each ping as the link treated it',
    checks:
      'line by line against the link’s record: an RTT for each ping that came back, "Request timed out" for each lost one',
    roles: ['client'],
    framings: ['pinger'],
  },
  {
    id: 'ends',
    title: 'ends by itself',
    checks: 'the pinger ends on its own within ten timeouts and a margin',
    roles: ['client'],
    framings: ['pinger'],
  },
];

export const verdictMeta = (id: string): VerdictMeta | undefined => VERDICTS.find((v) => v.id === id);

/** The verdicts that apply to a role and framing, in catalogue order. */
export function applicableVerdicts(role: Role, framing: Framing): VerdictMeta[] {
  return VERDICTS.filter(
    (v) => v.roles.includes(role) && v.framings.includes(framing) && v.id !== 'compiles',
  );
}
