// One student cannot touch another: a class of udp-echo servers graded three labs at once, where
// each attack comes before correct submissions that may share its lab. The attacks, written as an
// attacker would (test/fixtures/hostile/): forged VXLAN frames (an ARP reply that would poison the
// client, a spoofed datagram, a reset), a process that outlives its program and keeps the port, a
// thread that reads other submissions' files, a hog of memory, /dev/shm and disk, a program that
// tries to reach the machine. Every correct submission keeps its full score, every attack is
// contained and said in its report, the machine's memory and disk come back, and nothing is left.
// Links, hidden entries and stray files in the class folder are listed, skipped, with why.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GradeResult, runGrade, type SubmissionResult } from '../../src/grading/grade.ts';
import { runningLabs } from '../../src/lab/start-lab.ts';
import type { Backend } from '../../src/lab/started-lab.ts';
import { ROOT } from '../support/programs.ts';
import { fixture, textbook } from './grading.ts';

const hostile = (name: string): string => `${ROOT}test/fixtures/hostile/${name}`;
const CORRECT = ['x-alice', 'y-bob', 'z-carol'];

function makeClass(): string {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-hostile-'));
  const put = (student: string, from: string, as = 'UDPServer.py'): void => {
    mkdirSync(join(dir, student), { recursive: true });
    copyFileSync(from, join(dir, student, as));
  };
  put('a-forger', hostile('ForgingUDPServer.py'));
  put('b-survivor', hostile('SurvivorUDPServer.py'));
  put('c-hog', hostile('HogUDPServer.py'));
  put('d-snooper', hostile('SnoopingUDPServer.py'));
  put('e-reach', hostile('HostReachUDPServer.py'));
  put('x-alice', textbook('UDPServer.py'));
  put('y-bob', fixture('udp-echo-server.js'), 'server.js');
  put('z-carol', fixture('c/udp_echo_server.c'), 'udp_echo_server.c');
  // Not submissions, or not to be followed: each listed and skipped, with why.
  put('.hidden', textbook('UDPServer.py'));
  symlinkSync(join(dir, 'x-alice'), join(dir, 'link-to-alice'));
  symlinkSync('/etc/shadow', join(dir, 'shadow.py'));
  writeFileSync(join(dir, 'notes.txt'), 'grading notes\n');
  mkdirSync(join(dir, 'w-linked'));
  symlinkSync('/etc/shadow', join(dir, 'w-linked', 'UDPServer.py'));
  return dir;
}

/** Free memory (bytes) and free space where labs and checks write (KiB), now. */
function measure(): { memory: number; disk: number } {
  const df = execFileSync('df', ['-k', '--output=avail', tmpdir(), '/run']).toString().trim().split('\n');
  return { memory: freemem(), disk: df.slice(1).reduce((s, l) => s + Number(l), 0) };
}

export function hostileSuite(backend: Backend, unavailable: string | null): void {
  describe.skipIf(unavailable !== null)(
    `one student cannot touch another, ${backend} backend${unavailable ? ` (skipped: ${unavailable})` : ''}`,
    () => {
      let grade: GradeResult;
      let by: Record<string, SubmissionResult>;
      let before: ReturnType<typeof measure>;
      let after: ReturnType<typeof measure>;
      let listener: Server;
      let reached = 0;
      /** The labs this class was graded in (other suites may grade beside it). */
      const labs: string[] = [];
      beforeAll(async () => {
        // Where the machine listens on every address: no program may reach it.
        listener = createServer((c) => {
          reached++;
          c.destroy();
        });
        await new Promise<void>((r) => listener.listen(47001, '0.0.0.0', r));
        before = measure();
        grade = await runGrade({
          dir: makeClass(),
          assignment: 'udp-echo',
          backend,
          jobs: 3,
          onLab: (project) => labs.push(project),
        });
        after = measure();
        by = Object.fromEntries(grade.submissions.map((s) => [s.name, s]));
      }, 900_000);
      afterAll(async () => {
        await new Promise((r) => listener?.close(r));
      });

      const explain = (s: SubmissionResult | undefined): string =>
        JSON.stringify(
          {
            problem: s?.problem,
            verdicts: s?.check?.verdicts.map((v) => `${v.status} ${v.id}: ${v.reason}`),
            sandbox: s?.check?.sandbox,
            output: s?.check?.output,
          },
          null,
          2,
        );

      it('every correct submission keeps its full score, also after an attack on its lab', () => {
        for (const name of CORRECT) expect(by[name]?.score, explain(by[name])).toBe(by[name]?.maxScore);
        expect(grade.jobs).toBe(3);
      });

      it('forged frames: the link drops them, the report says so, and they poison nothing', () => {
        const s = by['a-forger']!;
        expect(s.check?.output, explain(s)).toMatch(/sent to the link .* arp reply/);
        expect(s.check?.sandbox?.contained.join('\n'), explain(s)).toMatch(
          /the link dropped 9 frames sent from a lab host with another host's inner source \(forged VXLAN\)/,
        );
      });

      it('a process that outlives its program ends with its sandbox; the report says so; the port is free for the next', () => {
        const s = by['b-survivor']!;
        expect(s.check?.output, explain(s)).toMatch(/a survivor is running/);
        expect(s.check?.sandbox?.contained.join('\n'), explain(s)).toMatch(
          /processes it started still ran after it was stopped .*; they ended with its sandbox/,
        );
        expect(s.check?.sandbox?.contained.join('\n')).not.toMatch(/port 12000 was still taken/);
      });

      it('no submission reads another’s program or output while they run side by side', () => {
        const s = by['d-snooper']!;
        expect(s.check?.output, explain(s)).toMatch(/snooped: 0 files of others so far/);
        expect(s.check?.output).not.toMatch(/read another submission's file/);
      });

      it('a hog meets its budget, or the report says which limits this machine could not apply; memory and disk come back', () => {
        const s = by['c-hog']!;
        const sandbox = s.check?.sandbox;
        expect(sandbox, explain(s)).toBeTruthy();
        // Each part of the budget is applied or said not to be, with why.
        for (const part of ['memory', 'processes', 'CPU', 'for its files', '/dev/shm'])
          expect([...sandbox!.applied, ...sandbox!.notApplied].join('\n'), explain(s)).toContain(part);
        // Its tmpfs stopped it writing: it said so.
        expect(s.check?.output, explain(s)).toMatch(/stopped writing to \/dev\/shm after \d+ MB/);
        // The machine's memory and disk, as before the class: it tried to keep 2.4 GB of memory and
        // 4 GB of files; what is allowed beside is the machine's own churn over a few minutes (the
        // engine's layers and logs share the disk: 330 MB seen).
        expect(after.memory, `free memory before ${before.memory}, after ${after.memory}`).toBeGreaterThan(
          before.memory - 600 * 1024 ** 2,
        );
        expect(after.disk, `free KiB before ${before.disk}, after ${after.disk}`).toBeGreaterThan(
          before.disk - 1024 * 1024,
        );
      });

      it('no program reaches the machine', () => {
        const s = by['e-reach']!;
        expect(s.check?.output, explain(s)).toMatch(/could not reach/);
        expect(s.check?.output).not.toMatch(/reached the machine/);
        expect(reached).toBe(0);
      });

      it('links, hidden entries and stray files are listed with why, never followed nor graded', () => {
        expect(by['.hidden']).toMatchObject({
          skipped: true,
          problem: expect.stringMatching(/^skipped: its name starts with a dot/),
        });
        expect(by['link-to-alice']).toMatchObject({
          skipped: true,
          problem: expect.stringMatching(/^skipped: a symbolic link/),
        });
        expect(by['shadow.py']).toMatchObject({
          skipped: true,
          problem: expect.stringMatching(/^skipped: a symbolic link/),
        });
        expect(by['notes.txt']).toMatchObject({
          skipped: true,
          problem: expect.stringMatching(/^skipped: not a program/),
        });
        expect(by['w-linked']?.problem).toMatch(
          /UDPServer\.py is a symbolic link, which socklab does not follow/,
        );
        expect(JSON.stringify(grade)).not.toMatch(/root:/);
      });

      it('leaves nothing behind: no lab, no jail', async () => {
        expect(labs.length).toBeGreaterThanOrEqual(3);
        expect((await runningLabs()).filter((l) => labs.includes(l.project))).toEqual([]);
        if (backend === 'netns') {
          const ns = execFileSync('ip', ['netns', 'list']).toString();
          expect(labs.filter((l) => ns.includes(l))).toEqual([]);
        } else {
          for (const lab of labs) {
            const jails = execFileSync('docker', [
              'ps',
              '-aq',
              '--filter',
              `label=dev.socklab.attached-to=${lab}`,
            ]);
            expect(jails.toString().trim(), lab).toBe('');
          }
        }
      });
    },
  );
}
