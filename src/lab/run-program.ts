// Runs one of socklab's programs on a lab host with typed options and reads its typed result:
// the argv comes from the program's own builder, the result must carry the schema version this
// socklab was built for (an image of other programs says so, with the fix).
import type { OptionSpecs } from '../common/app-args.ts';
import { SocklabError } from '../common/errors.ts';
import type { HostProgram, OptionValues } from '../common/host-program.ts';
import { appOn, type HostAccess } from './lab-host.ts';

export async function runProgram<S extends OptionSpecs, R>(
  host: HostAccess,
  program: HostProgram<S, R>,
  values: OptionValues<S>,
  opts: { stdin?: string; timeoutMs?: number } = {},
): Promise<R> {
  const args = program.argv({
    ...values,
    ...('json' in program.options ? { json: true } : {}),
  } as OptionValues<S>);
  const r = await host.exec(['node', appOn(host, program.name), ...args], {
    stdin: opts.stdin,
    timeoutMs: opts.timeoutMs ?? 600_000,
  });
  let parsed: { schema?: number } & R;
  try {
    parsed = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
  } catch {
    const why = r.stderr.trim().split('\n').at(-1) || `exit code ${r.exitCode}`;
    throw new SocklabError('program.failed', `${program.name} on the ${host.name} host failed: ${why}`);
  }
  if (parsed.schema !== program.schema)
    throw new SocklabError(
      'docker.image-stale',
      `${program.name} on the ${host.name} host answered in schema ${parsed.schema ?? 'none'}, this socklab reads schema ${program.schema}; rebuild the lab image: socklab images`,
    );
  const { schema: _schema, ...result } = parsed;
  return result as R;
}
