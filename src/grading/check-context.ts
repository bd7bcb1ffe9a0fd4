// The CheckContext of one check: how its verdicts reach the program and the lab. The checker's
// clients run as one socket script in the client host, socklab's own programs with typed options,
// the link is set clean or to the assignment's profile (each restarting its streams from the seed).
import {
  type Actor,
  SCRIPT_SCHEMA,
  type ScriptRequest,
  PROGRAM as SOCKET_SCRIPT,
} from '../apps/socket-script.ts';
import { runProgram } from '../lab/run-program.ts';
import type { StartedLab } from '../lab/started-lab.ts';
import type { CheckPlan } from './check.ts';
import type { CheckContext } from './context.ts';
import { exchangeOf } from './exchange.ts';
import type { ProgramUnderTest } from './program.ts';

/** How many lines of a client's run are kept as the check's output. */
const OUTPUT_LINES = 20;

export function makeContext(lab: StartedLab, plan: CheckPlan, program: ProgramUnderTest): CheckContext {
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
    async script(actors: Actor[], timeoutMs = 120_000) {
      const request: ScriptRequest = { schema: SCRIPT_SCHEMA, actors };
      const result = await runProgram(
        client,
        SOCKET_SCRIPT,
        {},
        { stdin: JSON.stringify(request), timeoutMs },
      );
      return { result, exchange: exchangeOf(actors, result) };
    },
    run(program, values, stdin) {
      return runProgram(client, program, values, { stdin, timeoutMs: 300_000 });
    },
    runServerProgram(program, values) {
      return runProgram(lab.server, program, values, { timeoutMs: 300_000 });
    },
    async clean() {
      await lab.impair({ impair: 'none', seed });
      await lab.resetLink();
    },
    async lossy() {
      await lab.impair({ up: profile.model.up, down: profile.model.down, seed });
      await lab.resetLink();
    },
    async runClient(stdin: string, timeoutMs: number) {
      const r = await program.run(['server', String(port)], stdin, timeoutMs);
      ctx.lastOutput = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-OUTPUT_LINES).join('\n');
      return r;
    },
  };
  return ctx;
}
