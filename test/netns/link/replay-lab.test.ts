// Replay on a real lab of network namespaces, through the CLI as a user does it: a run of the UDP
// echo client is recorded (`socklab record`), a second lab replays it (`socklab up --replay`), and
// the same client meets exactly the same losses, seq by seq, though that lab's own model would have
// lost nothing; a client that sends more than the recording had is told which flow diverged.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../../src/apps/udp-echo-client.ts';
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { runProgram } from '../../../src/lab/run-program.ts';
import { attachLab, removeLab, startLab } from '../../../src/lab/start-lab.ts';
import { ROOT, run } from '../../support/programs.ts';

const unavailable = await netnsUnavailable();
const SEED = 7;
const socklab = (args: string[]) => run(process.execPath, [`${ROOT}src/cli/socklab.ts`, ...args], '', 60_000);

// A reply waits 2 s: what counts as lost is what the link dropped, not a reply a busy machine held
// past a shorter timeout (CI once lost three seqs that way).
const echo = { host: 'server', count: 60, interval: 5, timeout: 2000, 'per-seq': true };

describe.skipIf(unavailable !== null)(
  `replay of a recorded run, netns backend (seed ${SEED})${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const projects = [`nt-rec-${process.pid}`, `nt-rep-${process.pid}`];
    afterAll(async () => {
      for (const p of projects) await removeLab(p, 'netns').catch(() => {});
    });

    it('socklab record, then up --replay: the same client meets the same losses seq by seq, and more traffic is reported as diverged', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'socklab-replay-')), 'run.replay');
      const recording = await startLab({
        backend: 'netns',
        project: projects[0],
        impair: 'loss 25% delay 5ms',
        seed: SEED,
      });
      expect((await socklab(['record', '--reset', '--project', projects[0]!])).code).toBe(0);
      const first = await runProgram(recording.client, UDP_ECHO_CLIENT, echo);
      const saved = await socklab(['record', '-o', file, '--project', projects[0]!]);
      expect(saved.stderr).toBe('');
      expect(saved.stdout).toMatch(/^wrote .*run\.replay: \d+ frames in \d+ flows/);
      await recording.down();
      // 120 datagrams cross at 25% each way: a request or its reply is lost for 44% of the 60
      // seqs, 26 ± 4 (99.9%: 14–38). The replay is tested on a run that lost some and kept some.
      expect(first.lostSeqs.length).toBeGreaterThanOrEqual(14);
      expect(first.lostSeqs.length).toBeLessThanOrEqual(38);

      const up = await socklab(['up', '--backend', 'netns', '--project', projects[1]!, '--replay', file]);
      expect(up.code).toBe(0);
      expect(up.stdout).toContain(`replaying ${file}`);
      const lab = await attachLab(projects[1]!, 'netns');
      expect(lab.model).toMatchObject({ seed: SEED, up: { loss: { percent: 25 } } });
      const again = await runProgram(lab.client, UDP_ECHO_CLIENT, echo);
      expect(again.lostSeqs, `replies after the timeout: ${first.late}, then ${again.late}`).toEqual(
        first.lostSeqs,
      );
      const report = (await lab.replayReport())!;
      expect(report.differed).toBe(0);
      expect(report.diverged.filter((d) => d.flow.includes('/udp/'))).toEqual([]);
      const status = await socklab(['status']);
      expect(status.stdout).toMatch(/replay: \d+ of \d+ frames met their recorded fates/);

      // Twenty more seqs than the recording had: those are the model's, and said to be.
      await lab.resetLink();
      await runProgram(lab.client, UDP_ECHO_CLIENT, { ...echo, count: 80 });
      const more = await socklab(['record', '--report', '--project', projects[1]!]);
      expect(more.stdout).toMatch(/diverged: client up\/udp\/\d+ had 20 frames beyond the recording's 60/);
      expect((await socklab(['down', '--project', projects[1]!])).code).toBe(0);
    });

    it('refuses a replay with an impairment of its own, or a file that is not there, before anything starts', async () => {
      const given = await socklab([
        'up',
        '--backend',
        'netns',
        '--replay',
        'x.replay',
        '--impair',
        'loss 5%',
      ]);
      expect(given.code).toBe(2);
      expect(given.stderr.trim().split('\n')).toHaveLength(1);
      expect(given.stderr).toContain(
        "a replay brings the recording's model, so impair cannot be given with it",
      );
      const missing = await socklab(['up', '--backend', 'netns', '--replay', '/nonexistent/x.replay']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('replay file /nonexistent/x.replay cannot be read');
    });
  },
);
