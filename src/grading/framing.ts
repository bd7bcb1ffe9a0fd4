// What an assignment is about, in the words the verdicts and the assignment files share: which end
// the program under test plays, and how its messages are delimited.

/** The end of the exchange the program under test plays (not a host: a client may run on any client host). */
export type ProgramRole = 'server' | 'client';
export const PROGRAM_ROLES: readonly ProgramRole[] = ['server', 'client'];

/**
 * How messages are delimited: a datagram each (UDP echo), one sentence per TCP connection
 * (the textbook's TCPServer), newline-framed sentences over one connection, HTTP requests (the
 * web server project), or the UDP pinger's numbered pings.
 */
export type Framing = 'datagram' | 'oneshot' | 'stream' | 'http' | 'pinger';
export const FRAMINGS: readonly Framing[] = ['datagram', 'oneshot', 'stream', 'http', 'pinger'];

/** Echo servers, whatever the transport; TCP echo servers. */
export const ECHO_FRAMINGS: readonly Framing[] = ['datagram', 'oneshot', 'stream'];
export const TCP_ECHO_FRAMINGS: readonly Framing[] = ['oneshot', 'stream'];

/**
 * What "uppercase" means when replies are judged: ASCII letters uppercased and every other byte
 * unchanged (what C's toupper() gives), every letter as Python's str.upper() does (ß → SS), or
 * either of the two (the default: each language a course uses can meet it with its standard
 * library).
 */
export type UppercaseRule = 'either' | 'unicode' | 'ascii';
export const UPPERCASE_RULES: readonly UppercaseRule[] = ['either', 'unicode', 'ascii'];

/** Whether the checker's sentences include one that is not ASCII, and whether it counts. */
export type NonAscii = 'required' | 'advisory' | 'absent';
export const NON_ASCII: readonly NonAscii[] = ['required', 'advisory', 'absent'];

/** The framings that go with each protocol. */
export const FRAMINGS_OF = {
  udp: ['datagram', 'pinger'],
  tcp: ['oneshot', 'stream', 'http'],
} as const satisfies Record<string, readonly Framing[]>;
