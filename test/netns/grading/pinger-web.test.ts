// udp-pinger (judged line by line against the link's record) and the web server project.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { type Case, fixture, gradingCases, textbook } from '../../helpers/grading.ts';
import { ROOT, run } from '../../support/programs.ts';

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

/** A PATH with every command this machine has but curl (each one a link to the real file). */
function pathWithoutCurl(): string {
  // Not under /tmp or /var/tmp: a program's jail mounts its own over them.
  const dir = mkdtempSync('/run/socklab-no-curl-');
  for (const d of (process.env.PATH ?? '').split(':'))
    for (const name of existsSync(d) ? readdirSync(d) : [])
      if (name !== 'curl' && !existsSync(join(dir, name))) symlinkSync(join(d, name), join(dir, name));
  return dir;
}

it('a machine without curl stops a web-server check, or a grade, in one line that says what to install, failing no verdict of the program', async () => {
  const path = pathWithoutCurl();
  const socklab = (args: string[]) =>
    run(process.execPath, [`${ROOT}src/cli/socklab.ts`, ...args], '', 120_000, {
      ...process.env,
      PATH: path,
    });
  const klass = mkdtempSync(join(tmpdir(), 'socklab-web-class-'));
  for (const student of ['alice', 'bob']) {
    mkdirSync(join(klass, student));
    copyFileSync(textbook('WebServer.py'), join(klass, student, 'WebServer.py'));
  }
  try {
    const check = await socklab([
      'check',
      '--assignment',
      'web-server',
      '--server',
      textbook('WebServer.py'),
      '--backend',
      'netns',
    ]);
    // The batch stops at its first submission instead of scoring the class without curl.
    const grade = await socklab([
      'grade',
      klass,
      '--assignment',
      'web-server',
      '--backend',
      'netns',
      '--jobs',
      '1',
    ]);
    for (const r of [check, grade]) {
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(
        /curl is not installed on the lab's client host.*install curl there \(apt-get install curl/,
      );
      expect(r.stdout).not.toMatch(/FAIL|\/100/);
    }
    expect(check.stderr.trim().split('\n')).toHaveLength(1);
  } finally {
    rmSync(path, { recursive: true, force: true });
    rmSync(klass, { recursive: true, force: true });
  }
}, 240_000);
