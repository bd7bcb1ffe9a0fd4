// The one catalogue of socklab's errors: a stable, namespaced code each, its exit code, and its
// cause. Every error socklab reports (the CLI, the library, linkd and linkctl, the programs on the
// hosts) carries one of these codes, so that callers and tests decide by code, never by English.
// Exit codes: 2 for input that breaks a rule (fix the command), 1 for a fault of the world (start
// the engine, free the port, rebuild the image).

export const ERRORS = {
  'usage.invalid': { exit: 2, cause: 'an option, argument or request field breaks its rule' },
  'file.not-found': { exit: 2, cause: 'a file or folder named on the command line does not exist' },
  'file.write': { exit: 1, cause: 'a report could not be written where asked' },
  'impairment.invalid': { exit: 2, cause: 'an impairment (netem words or a model object) breaks its rule' },
  'scenario.not-found': { exit: 2, cause: 'no scenario has that name, path or form' },
  'profile.invalid': { exit: 2, cause: 'a profile file has a bad line' },
  'profile.not-found': { exit: 2, cause: 'no profile has that name or path' },
  'assignment.invalid': { exit: 2, cause: 'an assignment file breaks the format or the verdict catalogue' },
  'assignment.not-found': { exit: 2, cause: 'no assignment has that name or path' },
  'assignment.no-role': { exit: 2, cause: 'the assignment has no server (or no client) to check' },
  'docker.no-engine': { exit: 1, cause: 'no Docker engine answers' },
  'docker.no-compose': { exit: 1, cause: 'neither Compose v2 nor v1 is installed' },
  'docker.compose-failed': { exit: 1, cause: 'a Compose command failed' },
  'docker.no-image': { exit: 1, cause: 'the lab image has not been built' },
  'docker.image-stale': { exit: 1, cause: 'the lab image was built from another version or other sources' },
  'lab.not-running': { exit: 1, cause: 'no lab of that name runs' },
  'lab.ambiguous': { exit: 2, cause: 'several labs run and none was named' },
  'lab.exists': { exit: 1, cause: 'a lab of that name exists already' },
  'lab.incomplete': { exit: 1, cause: 'a lab lacks a host or its state (a crash left it half made)' },
  'lab.host-down': { exit: 1, cause: 'a host of the lab stopped while it came up' },
  'lab.not-ready': { exit: 1, cause: 'the lab did not become ready in time' },
  'lab.no-host': { exit: 2, cause: 'the lab has no host of that name (a client it was not started with)' },
  'lab.tool-missing': { exit: 1, cause: "a tool the verdicts use (curl) is not installed on a lab's host" },
  'netns.unavailable': { exit: 1, cause: 'network namespaces cannot be used here (not root, no ip netns)' },
  'netns.command-failed': { exit: 1, cause: 'an ip or ethtool command building a namespace lab failed' },
  'host.exec-timeout': { exit: 1, cause: 'a command in a lab host did not finish in time' },
  'host.start-failed': { exit: 1, cause: 'a background program could not be started in a lab host' },
  'host.spawn-failed': { exit: 1, cause: 'a command could not be started at all' },
  'host.not-a-file': { exit: 1, cause: 'a path in a lab host is not a regular file' },
  'link.control-unreachable': { exit: 1, cause: "linkd's control socket cannot be reached" },
  'link.control-timeout': { exit: 1, cause: 'linkd did not answer its control socket in time' },
  'link.refused': { exit: 1, cause: 'linkd refused a control request' },
  'link.bad-reply': { exit: 1, cause: 'linkd answered with something that is not its protocol' },
  'link.netem-missing': { exit: 1, cause: 'the kernel has no sch_netem, which the netem engine needs' },
  'link.tc-failed': { exit: 1, cause: 'tc refused a netem command' },
  'link.no-device': { exit: 1, cause: 'no interface routes toward a peer of the link' },
  'link.reset-while-read': { exit: 1, cause: 'the link was reset while its record was read in pages' },
  'program.failed': { exit: 1, cause: "one of socklab's programs on a host failed" },
  'sandbox.unavailable': {
    exit: 1,
    cause:
      "a program's sandbox cannot be made here, or the assignment's limits cannot be applied (the instructor's or the machine's problem, never a student's)",
  },
  'socket.addr-in-use': { exit: 1, cause: 'the port is taken by another socket' },
  'socket.addr-not-available': { exit: 1, cause: 'the address is not one of this host' },
  'socket.access': { exit: 1, cause: 'the port needs privileges' },
  'socket.refused': { exit: 1, cause: 'nothing listens at the address' },
  'socket.timeout': { exit: 1, cause: 'the peer did not answer in time' },
  'socket.unreachable': { exit: 1, cause: 'no route to the peer' },
  'socket.name-not-found': { exit: 1, cause: 'a host name does not resolve' },
  'socket.lost': { exit: 1, cause: 'a connection broke before the exchange was complete' },
  'socket.error': { exit: 1, cause: 'another socket error' },
} as const satisfies Record<string, { exit: 1 | 2; cause: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && code in ERRORS;

/** An error socklab reports: one line of message (what, the rule, the fix) and a code from the catalogue. */
export class SocklabError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: 1 | 2;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'SocklabError';
    this.code = code;
    this.exitCode = ERRORS[code].exit;
  }
}
