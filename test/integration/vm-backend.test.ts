// The vm backend: socklab's QEMU guest (Debian's kernel under TCG where KVM cannot be had, no
// network, no privilege) grades a class the way the netns backend does on this machine, verdict by
// verdict; and a machine whose guest is not prepared is told the one command that prepares it.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignmentNames } from '../../src/grading/assignment.ts';
import { fixture, textbook } from '../helpers/grading.ts';
import { ROOT, run } from '../support/programs.ts';

interface Row {
  name: string;
  score: number;
  problem: string | null;
  verdicts: { id: string; status: string; points: number }[];
}

const socklab = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  run(process.execPath, [`${ROOT}src/cli/socklab.ts`, ...args], '', 1_800_000, env);

/** A class as a teacher would make it: the textbook's server, one that breaks one verdict, none. */
function makeClass(): string {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-vm-class-'));
  const put = (student: string, from: string): void => {
    mkdirSync(join(dir, student));
    copyFileSync(from, join(dir, student, 'UDPServer.py'));
  };
  put('alice', textbook('UDPServer.py'));
  put('bob', fixture('AsciiOnlyUDPServer.py'));
  mkdirSync(join(dir, 'erin'));
  return dir;
}

const rows = (stdout: string): Row[] =>
  (JSON.parse(stdout) as { submissions: Row[] }).submissions.map((s) => ({
    name: s.name,
    score: s.score,
    problem: s.problem,
    verdicts: s.verdicts.map((v) => ({ id: v.id, status: v.status, points: v.points })),
  }));

describe('the vm backend', () => {
  it('grades a class as the netns backend does, submission by submission and verdict by verdict', async () => {
    const dir = makeClass();
    const grade = (backend: string) =>
      socklab(['grade', dir, '--assignment', 'udp-echo', '--backend', backend, '--jobs', '1', '--json']);
    const native = await grade('netns');
    expect(native.code, native.stderr).toBe(0);
    const t0 = performance.now();
    const vm = await grade('vm');
    const vmSeconds = (performance.now() - t0) / 1000;
    expect(vm.code, vm.stderr).toBe(0);
    expect(vm.stderr).toContain('grading in one guest of the vm backend');
    process.stdout.write(`vm backend: 3 submissions (2 checked) in ${vmSeconds.toFixed(0)} s, one boot\n`);
    const inVm = rows(vm.stdout);
    expect(inVm).toEqual(rows(native.stdout));
    // The class is worth comparing: full marks, a failed required verdict, no program.
    const by = Object.fromEntries(inVm.map((r) => [r.name, r]));
    expect(by.alice!.verdicts.filter((v) => v.status === 'fail').map((v) => v.id)).toEqual(['non-utf8']);
    expect(by.bob!.verdicts.filter((v) => v.status === 'fail').map((v) => v.id)).toEqual(['echoes']);
    expect(by.erin!.problem).toMatch(/^no program found/);
    expect(JSON.parse(vm.stdout).backend).toBe('vm');
  }, 1_800_000);

  it('checks programs of every assignment in a warm guest, verdict by verdict as the netns backend', async () => {
    // Every assignment's textbook program, and a held-out-style one beside it (a teacher's fixture
    // that breaks one thing, or C compiled in the guest): what a vm check lacks that the machine
    // has (a tool in the guest's root, say), or a verdict its coarser clock judges otherwise, shows
    // here as a verdict that differs.
    const programs: [assignment: string, role: 'server' | 'client', file: string][] = [
      ['udp-echo', 'server', textbook('UDPServer.py')],
      ['tcp-echo', 'server', textbook('TCPServer.py')],
      ['tcp-echo', 'server', fixture('c/tcp_echo_server.c')],
      ['tcp-concurrent', 'server', textbook('TCPServerThreaded.py')],
      ['tcp-concurrent', 'server', fixture('SlowIterativeServer.py')],
      ['tcp-stream', 'server', textbook('TCPStreamServer.py')],
      ['tcp-stream', 'server', fixture('RecvAsSentenceServer.py')],
      ['select-server', 'server', textbook('SelectServer.py')],
      ['select-server', 'server', fixture('IterativeStreamServer.py')],
      ['udp-pinger', 'client', textbook('UDPPingerClient.py')],
      ['udp-pinger', 'client', fixture('AlwaysReplyPinger.py')],
      ['web-server', 'server', textbook('WebServer.py')],
      ['web-server', 'server', fixture('No404WebServer.py')],
    ];
    expect([...new Set(programs.map((p) => p[0]))].sort()).toEqual(assignmentNames().sort());
    const verdicts = (stdout: string) =>
      (JSON.parse(stdout) as Row).verdicts.map((v) => ({ id: v.id, status: v.status, points: v.points }));
    const failing: Record<string, string[]> = {};
    for (const [assignment, role, file] of programs) {
      const name = `${assignment}: ${basename(file)}`;
      const check = (backend: string) =>
        socklab(['check', '--assignment', assignment, `--${role}`, file, '--backend', backend, '--json']);
      const native = await check('netns');
      const t0 = performance.now();
      const vm = await check('vm');
      const vmSeconds = (performance.now() - t0) / 1000;
      // The same exit: 0 where every required verdict passed, 1 where one failed.
      expect(vm.code, `${name}: ${vm.stderr}`).toBe(native.code);
      expect(verdicts(vm.stdout), name).toEqual(verdicts(native.stdout));
      const result = JSON.parse(vm.stdout) as { backend: string; clock: string; timings: { labMs: number } };
      // test.sh saved the warm guest for this checkout: a check restores it and borrows its lab.
      expect(result.clock, name).toContain('a warm guest restored');
      expect(result.timings.labMs).toBe(0);
      failing[name] = verdicts(vm.stdout)
        .filter((v) => v.status === 'fail')
        .map((v) => v.id);
      process.stdout.write(`vm backend: a check of ${name} in ${vmSeconds.toFixed(0)} s, warm guest\n`);
    }
    // The comparison is worth making: each textbook program passes what it must, each fixture
    // fails the one thing it breaks (as the netns suites have it).
    expect(failing).toEqual({
      'udp-echo: UDPServer.py': ['non-utf8'],
      'tcp-echo: TCPServer.py': ['non-utf8'],
      'tcp-echo: tcp_echo_server.c': [],
      'tcp-concurrent: TCPServerThreaded.py': [],
      'tcp-concurrent: SlowIterativeServer.py': ['concurrent', 'no-waiting'],
      'tcp-stream: TCPStreamServer.py': [],
      'tcp-stream: RecvAsSentenceServer.py': ['stream-split', 'stream-split-utf8'],
      'select-server: SelectServer.py': [],
      'select-server: IterativeStreamServer.py': ['concurrent'],
      'udp-pinger: UDPPingerClient.py': [],
      'udp-pinger: AlwaysReplyPinger.py': ['reports-each'],
      'web-server: WebServer.py': [],
      'web-server: No404WebServer.py': ['http-404'],
    });
  }, 1_800_000);

  it('boots cold, and says so once, where the warm guest was saved from other files than these', async () => {
    // A cache that shares the prepared kernel and the warm guest's files, with another digest.
    const real = ['/var/cache/socklab-vm', join(process.env.HOME ?? '/tmp', '.cache/socklab-vm')].find((d) =>
      existsSync(join(d, 'warm', 'state')),
    );
    expect(real, 'no warm guest saved (scripts/test.sh saves one)').toBeDefined();
    const cache = mkdtempSync(join(tmpdir(), 'socklab-vm-cache-'));
    for (const e of readdirSync(real!))
      if (e.startsWith('linux-image-')) symlinkSync(join(real!, e), join(cache, e));
    mkdirSync(join(cache, 'warm'));
    for (const f of ['root.img', 'state', 'roots'])
      symlinkSync(join(real!, 'warm', f), join(cache, 'warm', f));
    writeFileSync(join(cache, 'warm', 'key'), 'made-elsewhere\n');
    const r = await run(
      'bash',
      [`${ROOT}scripts/vm.sh`, 'sh', '-c', 'echo "started $SOCKLAB_VM_START"'],
      '',
      600_000,
      {
        ...process.env,
        SOCKLAB_VM_CACHE: cache,
        SOCKLAB_VM_WARM: '1',
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('started cold');
    expect(r.stderr.match(/the warm guest is stale/g)).toHaveLength(1);
    expect(r.stderr).toContain('socklab images --vm');
  }, 600_000);

  it('where the guest is not prepared, says so in one line with the command that prepares it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'socklab-vm-cache-'));
    const r = await socklab(
      ['check', '--assignment', 'udp-echo', '--server', textbook('UDPServer.py'), '--backend', 'vm'],
      { ...process.env, SOCKLAB_VM_CACHE: empty },
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('the vm backend cannot start: the guest is not prepared');
    expect(r.stderr).toContain('socklab images --vm');
  });
});
