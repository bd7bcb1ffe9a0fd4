// The CheckContext of one check: how its verdicts reach the program and the lab. The checker's
// clients run as socket scripts in the client host (one worker process for the check's scripts),
// socklab's own programs with typed options, the link is set clean or to the assignment's profile
// (each restarting its streams from the seed).
import { type Actor, SCRIPT_SCHEMA, type ScriptRequest } from '../apps/socket-script.ts';
import { runProgram } from '../lab/run-program.ts';
import type { StartedLab } from '../lab/started-lab.ts';
import type { RelayStats } from '../link/control/relay-stats.ts';
import type { CheckPlan } from './check.ts';
import type { CheckContext } from './context.ts';
import { exchangeOf } from './exchange.ts';
import type { ProgramUnderTest } from './program.ts';
import type { ScriptWorker } from './script-worker.ts';

/** Frames the link dropped as forged since its counters last started. */
export const forged = (s: RelayStats): number => s.up.total.droppedForged + s.down.total.droppedForged;

/** How many lines of a client's run are kept as the check's output. */
const OUTPUT_LINES = 20;

export function makeContext(
  lab: StartedLab,
  plan: CheckPlan,
  program: ProgramUnderTest,
  scripts: ScriptWorker,
): CheckContext {
  const { assignment, role, port, profile, seed } = plan;
  const client = lab.client;
  const ctx: CheckContext = {
    lab,
    assignment,
    role,
    port,
    profile,
    seed,
    program,
    memo: new Map(),
    lastOutput: '',
    forgedFrames: 0,
    async script(actors: Actor[], timeoutMs = 120_000) {
      const request: ScriptRequest = { schema: SCRIPT_SCHEMA, actors };
      const result = await scripts.run(request, timeoutMs);
      return { result, exchange: exchangeOf(actors, result) };
    },
    run(program, values, stdin) {
      return runProgram(client, program, values, { stdin, timeoutMs: 300_000 });
    },
    async linkRecord(opts) {
      return (await lab.linkRecord(0, opts)).filter((r) => r.fate !== 'forged');
    },
    async resetLink() {
      // The link's counters start again: what it dropped as forged so far is kept first.
      ctx.forgedFrames += forged(await lab.linkStats());
      await lab.resetLink();
    },
    async clean() {
      await lab.impair({ impair: 'none', seed });
      await ctx.resetLink();
    },
    async lossy() {
      await lab.impair({ up: profile.model.up, down: profile.model.down, seed });
      await ctx.resetLink();
    },
    async runClient(stdin: string, timeoutMs: number) {
      const r = await program.run(['server', String(port)], stdin, timeoutMs);
      ctx.lastOutput = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-OUTPUT_LINES).join('\n');
      return r;
    },
  };
  return ctx;
}
