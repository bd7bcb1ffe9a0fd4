// socklab check: a user's own echo server or client, copied into its host, run against the
// lab's programs on a clean link and under a profile, and judged: echoes correctly, survives
// bad input and loss, serves concurrent clients (server); prints the reply and does not hang
// when it is lost (client). Every verdict must pass for exit code 0: usable as an autograder.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { CrowdResult } from '../apps/echo-crowd.ts';
import type { TcpResult } from '../apps/tcp-measure.ts';
import type { UdpResult } from '../apps/udp-measure.ts';
import { shellQuote, startBackground, stopBackground, waitListening } from '../lab/host-processes.ts';
import type { LabHost } from '../lab/lab-host.ts';
import type { Profile } from '../lab/profiles.ts';
import type { StartedLab } from '../lab/start-lab.ts';
import { runJson } from './host-program.ts';

const APPS = '/opt/socklab/src/apps';

import { udpDeliveryVerdict } from './link-verdicts.ts';
import { check, fail, type Verdict } from './verdict.ts';

export type Proto = 'udp' | 'tcp';

export interface CheckOptions {
  role: 'server' | 'client';
  /** The program on this machine. */
  file: string;
  proto: Proto;
  port: number;
  profile: Profile;
}

export interface CheckResult {
  experiment: 'check';
  role: 'server' | 'client';
  program: string;
  proto: Proto;
  port: number;
  profile: string;
  verdicts: Verdict[];
  /** The last lines the program printed. */
  output: string;
}

const STUDENT_DIR = '/opt/student';
const LOG = '/tmp/socklab-student.log';
const SAMPLE = 'hello socklab';

/** How to run a program by its name: Python with python3, JavaScript/TypeScript with node, else as it is. */
export function runnerFor(name: string): string[] {
  const ext = extname(name);
  if (ext === '.py') return ['python3', '-u', name];
  if (['.js', '.mjs', '.cjs', '.ts', '.mts'].includes(ext)) return ['node', name];
  return [`./${name}`];
}

async function tail(host: LabHost): Promise<string> {
  return (await host.exec(['tail', '-n', '20', LOG])).stdout;
}

const lastLine = async (host: LabHost): Promise<string> => (await tail(host)).trim().split('\n').at(-1) ?? '';

async function alive(host: LabHost, pid: number): Promise<boolean> {
  return (await host.exec(['kill', '-0', String(pid)])).exitCode === 0;
}

/** One sentence through the lab's interactive client: what came back. */
async function sampleExchange(lab: StartedLab, proto: Proto, port: number): Promise<string> {
  const r = await lab.client.exec(
    [
      'node',
      `${APPS}/${proto}-echo-client.ts`,
      '--host',
      'server',
      '--port',
      String(port),
      '--timeout',
      '3000',
      ...(proto === 'tcp' ? ['--oneshot'] : []),
    ],
    { stdin: `${SAMPLE}\n` },
  );
  return r.stdout.replace(/^From Server: /, '').trim() || '(no reply)';
}

async function echoMeasure(lab: StartedLab, proto: Proto, port: number, count: number) {
  const common = ['--host', 'server', '--port', String(port), '--count', String(count)];
  if (proto === 'udp') {
    const r = await runJson<UdpResult>(lab.client, 'udp-echo-client', [
      ...common,
      '--interval',
      '10',
      '--timeout',
      '3000',
    ]);
    return { sent: r.sent, received: r.received, wrong: r.corrupted, udp: r };
  }
  // One connection per sentence: what textbook servers speak, and what any echo server serves.
  const r = await runJson<TcpResult>(lab.client, 'tcp-echo-client', [
    ...common,
    '--oneshot',
    '--timeout',
    '60000',
  ]);
  return { sent: count, received: r.received, wrong: r.corrupted, tcp: r };
}

async function checkServer(lab: StartedLab, o: CheckOptions, name: string): Promise<Verdict[]> {
  const host = lab.server;
  const ours = `${APPS}/${o.proto}-echo-server.ts`;
  const shared = o.port === 12000;
  // The lab's own server gives up the port for the duration of the check.
  if (shared) await host.exec(['pkill', '-f', ours]);
  const pid = await startBackground(
    host,
    ['sh', '-c', `cd ${STUDENT_DIR} && exec ${runnerFor(name).map(shellQuote).join(' ')}`],
    LOG,
  );
  const verdicts: Verdict[] = [];
  try {
    const state = await waitListening(host, o.proto, o.port, pid, 10_000);
    const listening = `starts and listens on ${o.proto.toUpperCase()} port ${o.port}`;
    if (state !== 'listening') {
      const why = state === 'exited' ? `it exited: ${await lastLine(host)}` : 'nothing listened within 10 s';
      return [
        fail(
          listening,
          `${why}; is the port ${o.port} (--port) and the protocol ${o.proto} (--proto) right?`,
        ),
      ];
    }
    verdicts.push(check(listening, true, `pid ${pid} on the server host`));

    await lab.impair({ up: {}, down: {} });
    const sample = await sampleExchange(lab, o.proto, o.port);
    const echo = await echoMeasure(lab, o.proto, o.port, 20);
    verdicts.push(
      check(
        'echoes correctly',
        echo.received === echo.sent,
        `${echo.received} of ${echo.sent} replies were the uppercase of what was sent${echo.wrong ? `, ${echo.wrong} were not` : ''}; '${SAMPLE}' came back as '${sample}'${sample === SAMPLE.toUpperCase() ? '' : ` (expected '${SAMPLE.toUpperCase()}')`}`,
      ),
    );

    const crowd = await runJson<CrowdResult>(lab.client, 'echo-crowd', [
      '--proto',
      o.proto,
      '--host',
      'server',
      '--port',
      String(o.port),
      '--clients',
      '5',
      // Textbook TCP servers answer one sentence per connection.
      '--messages',
      o.proto === 'tcp' ? '1' : '2',
      '--hold',
      '0',
      '--timeout',
      '15000',
    ]);
    const firstError = crowd.clients.find((c) => !c.ok)?.error;
    verdicts.push(
      check(
        'serves concurrent clients',
        crowd.served === 5,
        `${crowd.served} of 5 clients started at once, each with its own socket, got their own replies${firstError ? `; ${firstError}` : ''}`,
      ),
    );

    const bad = await runJson<{ sent: string[] }>(lab.client, 'bad-input', [
      '--proto',
      o.proto,
      '--host',
      'server',
      '--port',
      String(o.port),
    ]);
    const afterBad = (await alive(host, pid)) ? await echoMeasure(lab, o.proto, o.port, 5) : null;
    verdicts.push(
      check(
        'survives bad input',
        afterBad !== null && afterBad.received === 5,
        `after ${bad.sent.join(', ')}: ${afterBad === null ? `the program exited: ${await lastLine(host)}` : `${afterBad.received} of 5 sentences echoed`}`,
      ),
    );

    await lab.impair({ up: o.profile.model.up, down: o.profile.model.down, seed: o.profile.model.seed });
    await lab.resetLink();
    const lossy = await echoMeasure(lab, o.proto, o.port, o.proto === 'udp' ? 100 : 20);
    const stillUp = await alive(host, pid);
    if (lossy.udp) {
      const delivery = udpDeliveryVerdict(o.profile.model, lossy.udp);
      verdicts.push(
        check(
          `survives the ${o.profile.name} link`,
          stillUp && delivery.status !== 'fail' && lossy.wrong === 0,
          `${stillUp ? 'still running' : 'exited'}; ${delivery.reason}`,
        ),
      );
    } else {
      verdicts.push(
        check(
          `survives the ${o.profile.name} link`,
          stillUp && lossy.received === lossy.sent,
          `${stillUp ? 'still running' : 'exited'}; ${lossy.received} of ${lossy.sent} sentences came back intact${lossy.tcp?.error ? ` (${lossy.tcp.error})` : ''}`,
        ),
      );
    }
    return verdicts;
  } finally {
    await stopBackground(host, pid);
    if (shared)
      await startBackground(
        host,
        ['node', ours, '--port', '12000', '--quiet'],
        `/tmp/socklab-${o.proto}-echo.log`,
      );
  }
}

async function runClient(lab: StartedLab, name: string, port: number, limitS: number) {
  const cmd = `cd ${STUDENT_DIR} && printf '%s\\n' ${shellQuote(SAMPLE)} | timeout ${limitS} ${runnerFor(name).map(shellQuote).join(' ')} server ${port}`;
  const r = await lab.client.exec(['sh', '-c', cmd]);
  return { ...r, timedOut: r.exitCode === 124, echoed: r.stdout.includes(SAMPLE.toUpperCase()) };
}

async function checkClient(
  lab: StartedLab,
  o: CheckOptions,
  name: string,
): Promise<{ verdicts: Verdict[]; output: string }> {
  // The lab's servers listen on 12000; for another port, one of ours listens there for the check.
  const extra =
    o.port === 12000
      ? null
      : await startBackground(
          lab.server,
          ['node', `${APPS}/${o.proto}-echo-server.ts`, '--port', String(o.port), '--quiet'],
          '/tmp/socklab-check-server.log',
        );
  try {
    if (extra !== null) await waitListening(lab.server, o.proto, o.port, extra, 10_000);
    await lab.impair({ up: {}, down: {} });
    const clean = await runClient(lab, name, o.port, 15);
    const verdicts = [
      check(
        'prints the uppercase reply',
        clean.echoed,
        clean.echoed
          ? `sent '${SAMPLE}' (stdin), printed '${SAMPLE.toUpperCase()}'`
          : `${clean.timedOut ? 'still running after 15 s' : `exit code ${clean.exitCode}`}; printed '${clean.stdout.trim().slice(-200)}'${clean.stderr ? `, stderr '${clean.stderr.trim().split('\n').at(-1)}'` : ''} (it is run as: PROGRAM server ${o.port}, the sentence on stdin)`,
      ),
    ];
    let output = clean.stdout + clean.stderr;
    if (o.proto === 'udp') {
      // Every datagram lost: a UDP client learns of it only by its own timeout.
      await lab.impair({ up: 'loss 100%', down: {} });
      const lost = await runClient(lab, name, o.port, 20);
      verdicts.push(
        check(
          'gives up when its datagram is lost',
          !lost.timedOut,
          lost.timedOut
            ? 'it waited for a reply that never came until it was stopped after 20 s; UDP does not retransmit: set a timeout (clientSocket.settimeout(1)) and report the loss'
            : `with every datagram lost it ended by itself (exit code ${lost.exitCode}): '${(lost.stdout + lost.stderr).trim().split('\n').at(-1)}'`,
        ),
      );
      output += lost.stdout + lost.stderr;
    } else {
      await lab.impair({ up: o.profile.model.up, down: o.profile.model.down, seed: o.profile.model.seed });
      let ok = 0;
      for (let i = 0; i < 5; i++) if ((await runClient(lab, name, o.port, 60)).echoed) ok++;
      verdicts.push(
        check(
          `works over the ${o.profile.name} link`,
          ok === 5,
          `${ok} of 5 runs printed the uppercase reply; TCP retransmits what the link loses`,
        ),
      );
    }
    return { verdicts, output };
  } finally {
    if (extra !== null) await stopBackground(lab.server, extra);
  }
}

export async function checkProgram(lab: StartedLab, o: CheckOptions): Promise<CheckResult> {
  const name = basename(o.file);
  const role = o.role === 'server' ? lab.server : lab.client;
  await role.exec(['mkdir', '-p', STUDENT_DIR]);
  await role.copyIn(STUDENT_DIR, { [name]: readFileSync(o.file) });
  await role.exec(['chmod', '+x', `${STUDENT_DIR}/${name}`]);
  const before = lab.model;
  try {
    const r =
      o.role === 'server'
        ? { verdicts: await checkServer(lab, o, name), output: await tail(lab.server) }
        : await checkClient(lab, o, name);
    return {
      experiment: 'check',
      role: o.role,
      program: name,
      proto: o.proto,
      port: o.port,
      profile: o.profile.name,
      verdicts: r.verdicts,
      output: r.output.split('\n').slice(-20).join('\n'),
    };
  } finally {
    await lab.impair({ up: before.up, down: before.down, seed: before.seed });
  }
}
