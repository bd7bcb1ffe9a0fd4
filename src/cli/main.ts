// socklab's CLI: brings labs up and down, changes the link at run time, runs the experiments,
// checks and grades programs. Validation happens before anything starts; errors are one line
// with the fix, never a trace. No side effects at import: tests call main() in-process.
import { Command, CommanderError } from 'commander';
import { SocklabError } from '../common/errors.ts';
import { IMPAIRMENTS } from '../link/model/impairments/registry.ts';
import { registerCheck } from './commands/check.ts';
import { registerClassroom } from './commands/classroom.ts';
import { registerDown } from './commands/down.ts';
import { registerExpose } from './commands/expose.ts';
import { registerGrade } from './commands/grade.ts';
import { registerGradescope } from './commands/gradescope.ts';
import { registerHostCommands } from './commands/hosts.ts';
import { registerImages } from './commands/images.ts';
import { registerImpair } from './commands/impair.ts';
import { registerLive } from './commands/live.ts';
import { registerRecord } from './commands/record.ts';
import { registerRun } from './commands/run.ts';
import { registerStatus } from './commands/status.ts';
import { registerSweep } from './commands/sweep.ts';
import { registerUp } from './commands/up.ts';

export function buildProgram(): Command {
  const program = new Command('socklab')
    .description('A multi-host lab for socket programming: client, impaired link, server.')
    .showHelpAfterError(false)
    .exitOverride();
  const impairHelp = `impairment in netem's words, e.g. 'delay 40ms loss 10%' (${IMPAIRMENTS.map((i) => i.keyword).join(', ')})`;
  registerUp(program, impairHelp);
  registerDown(program);
  registerStatus(program);
  registerExpose(program);
  registerImpair(program, impairHelp);
  registerRun(program);
  registerSweep(program);
  registerCheck(program);
  registerGrade(program);
  registerClassroom(program);
  registerGradescope(program);
  registerHostCommands(program);
  registerLive(program);
  registerRecord(program);
  registerImages(program);
  return program;
}

/** Runs the CLI on `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; commander has already printed its one line otherwise.
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.help' ||
        err.code === 'commander.version'
        ? 0
        : 2;
    }
    if (err instanceof SocklabError) {
      process.stderr.write(`socklab: ${err.message.split('\n').join('\nsocklab: ')}\n`);
      return err.exitCode;
    }
    process.stderr.write(`socklab: unexpected error: ${(err as Error).message}\n`);
    return 70;
  }
}
