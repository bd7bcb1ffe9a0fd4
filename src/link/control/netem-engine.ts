// The netem engine's adapter: runs tc for the commands netem-args.ts builds, and probes whether
// this kernel has sch_netem at all (many do not: Docker Desktop's, and some distributions').
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SocklabError } from '../../common/errors.ts';
import type { LinkModel } from '../model/impairment-model.ts';
import { type LinkDevices, netemCommands } from '../model/netem-args.ts';

const run = promisify(execFile);

export class NetemUnavailableError extends SocklabError {
  constructor(detail: string) {
    super(
      'link.netem-missing',
      `the netem engine needs the kernel's sch_netem qdisc, which is not available here (${detail}); use the relay engine (--engine relay), which works on every kernel`,
    );
  }
}

async function tc(args: string[]): Promise<void> {
  await run('tc', args, { timeout: 10_000 });
}

const stderrOf = (err: unknown): string =>
  ((err as { stderr?: string }).stderr ?? (err as Error).message ?? String(err)).trim().split('\n')[0]!;

/** Resolves when netem can be used in this network namespace; rejects with NetemUnavailableError. */
export async function probeNetem(): Promise<void> {
  const dev = `snprobe${process.pid % 100000}`;
  try {
    // A veth pair rather than a dummy: veth exists wherever containers run.
    await run('ip', ['link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}p`], { timeout: 10_000 });
  } catch (err) {
    throw new NetemUnavailableError(`cannot create a probe interface: ${stderrOf(err)}`);
  }
  try {
    await tc(['qdisc', 'add', 'dev', dev, 'root', 'netem', 'delay', '1ms']);
  } catch (err) {
    throw new NetemUnavailableError(`tc: ${stderrOf(err)}`);
  } finally {
    await run('ip', ['link', 'del', dev]).catch(() => {});
  }
}

/** The interface through which this host reaches `address`. */
export async function deviceToward(address: string): Promise<string> {
  const { stdout } = await run('ip', ['-j', 'route', 'get', address], { timeout: 10_000 });
  const dev = (JSON.parse(stdout) as { dev?: string }[])[0]?.dev;
  if (!dev) throw new SocklabError('link.no-device', `no interface routes to ${address}`);
  return dev;
}

/** Puts `model` in force; `before` is the one in force until now, if any. */
export async function applyNetem(model: LinkModel, devs: LinkDevices, before?: LinkModel): Promise<void> {
  for (const args of netemCommands(model, devs, before)) {
    try {
      await tc(args);
    } catch (err) {
      // Deleting a qdisc that is not there is fine: the direction is clean either way.
      if (args[1] === 'del') continue;
      throw new SocklabError('link.tc-failed', `tc ${args.join(' ')} failed: ${stderrOf(err)}`);
    }
  }
}
