// The socklab CLI's edge: bad input is refused before anything starts, in one line with the fix.
import { describe, expect, it } from 'vitest';
import { isOneLineError, ROOT, run } from '../../support/programs.ts';

const socklab = (args: string[]) => run(process.execPath, [`${ROOT}src/cli/socklab.ts`, ...args]);

describe('socklab: bad input', () => {
  it.each([
    [['up', '--impair', 'loss 140%'], /^socklab: loss must be 0–100%, got 140%; e.g. loss 10%$/m],
    [['up', '--up', 'delay 40'], /^socklab: up: delay needs a time, '40' needs a unit/],
    [['impair', 'lose 5%'], /^socklab: unknown impairment 'lose': the impairments are/],
    [['up', '--engine', 'tc'], /argument 'tc' is invalid. Allowed choices are relay, netem/],
    [['up', '--project', 'Bad Name'], /--project must be lowercase letters, digits, - or _/],
    [
      ['run', 'ping'],
      /experiment must be one of udp, tcp, compare, pinger, concurrency, framing, demux, got 'ping'/,
    ],
    [
      ['sweep', '--loss', '0,150'],
      /--loss takes numbers 0–100 separated by commas, got '0,150'; e\.g\. --loss 0,5,10,20/,
    ],
    [['check'], /check needs exactly one of --server FILE or --client FILE/],
    [
      ['check', '--server', 'a.py', '--client', 'b.py'],
      /check needs exactly one of --server FILE or --client FILE/,
    ],
    [
      ['check', '--server', '/nonexistent/UDPServer.py'],
      /no file \/nonexistent\/UDPServer\.py: give the path of the program to check/,
    ],
    [
      ['check', '--server', 'lab/textbook/UDPServer.py', '--proto', 'sctp'],
      /argument 'sctp' is invalid\. Allowed choices are udp, tcp/,
    ],
    [
      ['check', '--server', 'lab/textbook/UDPServer.py', '--profile', 'moon'],
      /no profile 'moon': the profiles are bursty, clean, congested, lossy-wifi, pinger-lab, satellite/,
    ],
    [
      ['check', '--server', 'lab/textbook/UDPServer.py', '--port', '70000'],
      /--port must be 1–65535, got '70000'/,
    ],
    [['up', '--profile', 'satellite', '--impair', 'loss 5%'], /give either --profile or an impairment/],
    [['impair', '--profile', 'moon'], /no profile 'moon'/],
    [['run', 'udp', '--count', '0'], /--count must be a whole number ≥ 1, got '0'/],
    [['up', '--up', 'trace nosuch'], /trace 'nosuch' cannot be read \(ENOENT\): name one of lab\/traces/],
    [
      ['up', '--up', 'trace lab/traces/steady-12mbit.trace'],
      /a Docker lab's link host reads its start-up traces from lab\/traces .* socklab impair --up 'trace lab\/traces\/steady-12mbit\.trace'/,
    ],
    [['up', '--down', 'drop tcp synack'], /a TCP event is one of syn, syn-ack, fin, rst, data/],
    [['shell', 'router'], /host must be client, link or server \(or client2, .*\), got 'router'/],
    [
      ['exec', 'client1', '--', 'true'],
      /host must be client, link or server \(or client2, .*\), got 'client1'/,
    ],
    [['up', '--clients', '0'], /--clients must be a whole number from 1 to 8, got '0'; e\.g\. --clients 3/],
    [['up', '--clients', '300'], /--clients must be a whole number from 1 to 8, got '300'/],
    [['up', '--paths', 'client2 loss 30%'], /'client2 loss 30%' is not a client's path: write NAME: SPEC/],
    [['up', '--paths', 'server: loss 30%'], /'server' is not a client's name/],
    [
      ['up', '--clients', '2', '--paths', 'client3: loss 30%', '--backend', 'netns'],
      /the link names client3, but the lab has 2 clients; start it with --clients 3, or drop those lines/,
    ],
    [['impair', '--client', 'server', 'loss 5%'], /--client: 'server' is not a client's name/],
    [
      ['run', 'udp', '--client', 'server'],
      /--client must name a client host \(client, client2, \.\.\.\), got 'server'/,
    ],
    [['run', 'demux', '--hosts', '0'], /--hosts must be a whole number/],
    [
      ['impair', '--client', 'client2', '--paths', 'client3: loss 1%'],
      /give either --client with an impairment or --paths, not both/,
    ],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j', async (args, message) => {
    const r = await socklab(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(
      isOneLineError(
        r.stderr
          .split('\n')
          .filter((l) => !l.startsWith('(Did you mean'))
          .join('\n'),
      ),
    ).toBe(true);
  });

  it('without a Docker engine, says how to start one (exit 1, one line)', async () => {
    // A socket that does not exist: nothing is sent anywhere. `up` (not `status`, which also lists
    // the netns labs other tests may be running) is a command that needs Docker and nothing else.
    const args = [`${ROOT}src/cli/socklab.ts`, 'up', '--project', 'socklab-no-engine'];
    const r = await run(process.execPath, args, '', 30_000, {
      ...process.env,
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^socklab: no Docker engine answers \(ENOENT\); start one: .*dockerd/);
    expect(isOneLineError(r.stderr)).toBe(true);
  });

  it('lists its commands', async () => {
    const r = await socklab(['--help']);
    expect(r.code).toBe(0);
    for (const c of [
      'up',
      'down',
      'status',
      'impair',
      'run',
      'sweep',
      'check',
      'shell',
      'logs',
      'capture',
      'images',
    ])
      expect(r.stdout).toContain(`  ${c}`);
  });
});
