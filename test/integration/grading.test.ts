// The autograder on the Docker backend: the sandbox holds against a program that attacks the lab
// and against a fork bomb; C is compiled in the image; `socklab check` is one command that starts
// a lab of its own and removes it (also on Ctrl-C); a CLI killed mid-`up` leaves what `down --all`
// removes. The same verdicts on the netns backend are in test/unit/grading/.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../src/apps/udp-echo-client.ts';
import { runCheck } from '../../src/grading/check.ts';
import { engine, labProjects } from '../../src/lab/docker/docker-engine.ts';
import { runProgram } from '../../src/lab/run-program.ts';
import { type StartedLab, startLab } from '../../src/lab/start-lab.ts';
import { type Case, courseAssignment, expectVerdicts, fixture } from '../helpers/grading.ts';
import { ROOT, run, spawnCollecting } from '../support/programs.ts';

/** The lab works as before: lab0 and its address, the lab's echo servers, linkd, an echo across. */
async function labIntact(lab: StartedLab): Promise<void> {
  expect((await lab.server.exec(['ip', '-br', 'addr', 'show', 'lab0'])).stdout).toContain('198.19.0.2/24');
  expect((await lab.client.exec(['ip', '-br', 'addr', 'show', 'lab0'])).stdout).toContain('198.19.0.1/24');
  const servers = await lab.server.exec(['sh', '-c', 'ps -eo args | grep -c "[e]cho-server.ts"']);
  expect(servers.stdout.trim()).toBe('2');
  expect((await lab.show()).engine).toBe('relay');
  const echo = await runProgram(lab.client, UDP_ECHO_CLIENT, { host: 'server', count: 10 });
  expect(echo.received).toBe(10);
  // Nothing runs but root's: everything of the programs under test is gone.
  const users = await lab.server.exec(['sh', '-c', 'ps -eo uid= | sort -u']);
  expect(users.stdout.trim()).toBe('0');
}

describe('the sandbox, in containers', () => {
  let lab: StartedLab;
  beforeAll(async () => {
    lab = await startLab({ impair: 'none' });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('a program that sets lab0 down, flushes it, adds firewall rules and kills what it can, then serves, passes udp-echo; the lab is unharmed', async () => {
    const r = await runCheck({
      assignment: 'udp-echo',
      role: 'server',
      file: fixture('HostileUDPServer.py'),
      lab,
    });
    expect(r.verdicts.filter((v) => v.status !== 'pass').map((v) => v.id)).toEqual([]);
    expect(r.output).toMatch(/ip link set lab0 down -> 2 RTNETLINK answers: Operation not permitted/);
    expect(r.output).toMatch(
      /tc qdisc add dev lab0 root netem loss 100% -> 2 RTNETLINK answers: Operation not permitted/,
    );
    expect(r.output).toMatch(/killed 0 processes/);
    await labIntact(lab);
  });

  it('a fork bomb fails udp-echo and harms nothing', async () => {
    const r = await runCheck({ assignment: 'udp-echo', role: 'server', file: fixture('ForkBomb.py'), lab });
    expect(r.passed).toBe(false);
    expect(r.verdicts[0]).toMatchObject({ id: 'starts', status: 'fail' });
    await labIntact(lab);
  });

  it('C is compiled in the server host and judged like any program', async () => {
    const r = await runCheck({ assignment: 'udp-echo', role: 'server', file: fixture('udp_echo.c'), lab });
    expect(r.verdicts.map((v) => `${v.id} ${v.status}`)).toEqual([
      'compiles pass',
      'starts pass',
      'echoes pass',
      'serves-clients pass',
      'survives-link pass',
      'non-utf8 pass',
      'empty-datagram pass',
      'burst pass',
    ]);
  });
});

describe('fair verdicts for C and JavaScript, in containers', () => {
  let lab: StartedLab;
  beforeAll(async () => {
    lab = await startLab({ impair: 'none' });
  });
  afterAll(async () => {
    await lab?.down();
  });
  // The same programs as on the netns backend (test/netns/grading/), judged the same way.
  const cases: [string, Case][] = [
    [
      'udp-echo: C with toupper()',
      { assignment: 'udp-echo', role: 'server', file: fixture('c/udp_echo_server.c'), fails: [] },
    ],
    [
      'udp-echo: a C client',
      { assignment: 'udp-echo', role: 'client', file: fixture('c/udp_echo_client.c'), fails: [] },
    ],
    [
      'tcp-echo: C with toupper()',
      { assignment: 'tcp-echo', role: 'server', file: fixture('c/tcp_echo_server.c'), fails: [] },
    ],
    [
      'tcp-echo: JavaScript',
      { assignment: 'tcp-echo', role: 'server', file: fixture('js/tcp-echo-server.js'), fails: [] },
    ],
    [
      'tcp-echo: a JavaScript client',
      { assignment: 'tcp-echo', role: 'client', file: fixture('js/tcp-echo-client.js'), fails: [] },
    ],
    [
      'tcp-concurrent: C, a thread per client',
      { assignment: 'tcp-concurrent', role: 'server', file: fixture('c/tcp_threaded_server.c'), fails: [] },
    ],
    [
      'tcp-concurrent: JavaScript',
      { assignment: 'tcp-concurrent', role: 'server', file: fixture('js/tcp-echo-server.js'), fails: [] },
    ],
    [
      'one thread for all: a process per connection that exits after its reply fails it',
      {
        assignment: courseAssignment('select-oneshot'),
        role: 'server',
        file: fixture('c/fork_once_server.c'),
        fails: ['single-thread'],
        reasons: { 'single-thread': /^a process per client.*counted from the kernel’s view of each thread/ },
      },
    ],
    [
      'one thread for all: Node’s event loop passes it',
      {
        assignment: courseAssignment('select-oneshot'),
        role: 'server',
        file: fixture('js/tcp-echo-server.js'),
        fails: [],
        reasons: { 'single-thread': /counted from the kernel’s view of each thread/ },
      },
    ],
  ];
  it.each(cases)('%s', async (_name, c) => {
    await expectVerdicts(c, 'docker', lab);
  });
});

describe('socklab check, one command', () => {
  const scope = `grading-${process.pid}`;
  const env = { ...process.env, SOCKLAB_SCOPE: scope };
  const socklab = (args: string[]) =>
    run(process.execPath, [`${ROOT}src/cli/socklab.ts`, ...args], '', 300_000, env);
  const labsOfScope = async (): Promise<string[]> => {
    const before = process.env.SOCKLAB_SCOPE;
    process.env.SOCKLAB_SCOPE = scope;
    try {
      return await labProjects();
    } finally {
      if (before === undefined) delete process.env.SOCKLAB_SCOPE;
      else process.env.SOCKLAB_SCOPE = before;
    }
  };

  it('with nothing running, starts a lab of its own, judges, writes Gradescope’s results.json, and leaves nothing', async () => {
    const gs = join(tmpdir(), `socklab-gradescope-${process.pid}.json`);
    const html = join(tmpdir(), `socklab-check-${process.pid}.html`);
    const r = await socklab([
      'check',
      '--assignment',
      'tcp-concurrent',
      '--server',
      `${ROOT}lab/textbook/TCPServer.py`,
      '--json',
      '--gradescope',
      gs,
      '--html',
      html,
    ]);
    expect(r.code, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.verdicts.find((v: { id: string }) => v.id === 'concurrent').status).toBe('fail');
    expect(result.kind).toMatchObject({
      name: 'iterative',
      text: 'iterative: the 2nd client waited for the 1st',
    });
    const g = JSON.parse(readFileSync(gs, 'utf8'));
    expect(g.score).toBe(result.score);
    expect(g.tests).toHaveLength(result.verdicts.length);
    for (const t of g.tests) {
      expect(Object.keys(t).sort()).toEqual(['max_score', 'name', 'output', 'score', 'status', 'visibility']);
      expect(['passed', 'failed']).toContain(t.status);
    }
    expect(
      g.tests.find((t: { name: string }) => t.name === 'serves a client while another holds its connection'),
    ).toMatchObject({
      score: 0,
      max_score: 30,
      status: 'failed',
    });
    // The failed exchange as a sequence diagram, in a page that fetches nothing.
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/<svg [^>]*><title>serves a client while another holds its connection<\/title>/);
    expect(page).not.toMatch(/<script|src=|url\((?!#)/);
    rmSync(gs);
    rmSync(html);
    expect(await labsOfScope()).toEqual([]);
  });

  it('Ctrl-C during a check stops it and removes its lab (exit 130)', async () => {
    const { child, stderr, exited } = spawnCollecting(
      process.execPath,
      [
        `${ROOT}src/cli/socklab.ts`,
        'check',
        '--assignment',
        'tcp-concurrent',
        '--server',
        `${ROOT}lab/textbook/TCPServer.py`,
      ],
      { env },
    );
    // Interrupt once the lab exists and the check is under way.
    await vi.waitUntil(async () => (await labsOfScope()).length > 0, { timeout: 60_000, interval: 100 });
    await sleep(3000);
    child.kill('SIGINT');
    const r = await exited;
    expect(r.code, stderr()).toBe(130);
    expect(r.stderr).toMatch(/socklab: interrupted; stopping the check and removing socklab-check-/);
    expect(await labsOfScope()).toEqual([]);
  });

  it('a CLI killed with SIGKILL in the middle of up leaves what `down --all` removes entirely', async () => {
    const project = `socklab-kill-${process.pid}`;
    const { child, exited } = spawnCollecting(
      process.execPath,
      [`${ROOT}src/cli/socklab.ts`, 'up', '--project', project],
      { env },
    );
    await vi.waitUntil(async () => (await labsOfScope()).includes(project), {
      timeout: 60_000,
      interval: 50,
    });
    child.kill('SIGKILL');
    await exited;
    // Compose, a child of the killed CLI, finishes what it was creating: wait for it to end.
    await vi.waitUntil(async () => !(await run('ps', ['-eo', 'args'])).stdout.includes(`-p ${project}`), {
      timeout: 120_000,
      interval: 200,
    });
    const down = await socklab(['down', '--all']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain(project);
    const label = [`com.docker.compose.project=${project}`];
    expect(await engine().listContainers({ all: true, filters: { label } })).toEqual([]);
    expect(await engine().listNetworks({ filters: { label } })).toEqual([]);
  });
});
