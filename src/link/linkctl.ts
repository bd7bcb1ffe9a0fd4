// linkctl: drives a running linkd from inside the link host (or wherever its control socket is).
//   linkctl show | set [--client NAME] [--impair SPEC] [--up SPEC] [--down SPEC] [--seed N] | stats | reset
//   linkctl record [--since N] [--limit N] [--head] | capture start FILE | capture stop
//   linkctl scenario [--client NAME] NAME|FILE|STEPS | scenario clear
//   linkctl raw      one JSON request per line on stdin, one JSON reply per line on stdout (what
//                    the orchestrator uses from outside the host: typed both ends, no text to parse)

import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { intOption, stringOption } from '../common/app-args.ts';
import { SocklabError } from '../common/errors.ts';
import { runMain } from '../common/program-errors.ts';
import { LinkControl, unixTransport } from './control/control-client.ts';
import { DEFAULT_CONTROL_PATH } from './control/control-protocol.ts';
import { formatScenarioStatus } from './control/scenario-runner.ts';
import { formatShow } from './control/show-text.ts';
import { buildLinkModel, parseLinkInput } from './model/impairment-text.ts';
import { loadScenario } from './model/scenario-file.ts';

const PROG = 'linkctl';
const USAGE = `usage: node linkctl.ts [--control PATH] COMMAND
commands:
  show                                   the model in force (and the scenario's step), every client's path
  set [--client NAME] [--impair SPEC] [--up SPEC] [--down SPEC] [--seed N]
                                         change it now ('none' clears a direction; stops a scenario);
                                         --client: that client's path only (client2, ...)
  stats                                  counters per direction and protocol (JSON)
  reset                                  zero the counters and the record
  record [--since N] [--limit N] [--head]
                                         packet fates, one JSON object a line (--head: payload bytes)
  capture start FILE | capture stop      pcapng of the inner frames, drops marked
  scenario [--client NAME] NAME|FILE|STEPS | scenario clear
                                         run a timed scenario from now, e.g. flap or '0s none; 2s outage; 4s repeat'
                                         (--client: on that client's path only)
  raw                                    JSON requests on stdin, replies on stdout, a line each
`;

async function raw(path: string): Promise<number> {
  const send = unixTransport(path);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    process.stdout.write(`${await send(line)}\n`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        control: { type: 'string', default: process.env.LINKD_CONTROL ?? DEFAULT_CONTROL_PATH },
        impair: { type: 'string' },
        up: { type: 'string' },
        down: { type: 'string' },
        seed: { type: 'string' },
        client: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        head: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new SocklabError('usage.invalid', `${(err as Error).message.split('\n')[0]}; see --help`);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const [cmd, arg1, arg2] = positionals;
  const v = values as Record<string, string | boolean | undefined>;
  const path = String(values.control);
  const link = new LinkControl(unixTransport(path));
  const json = (x: unknown): void => void process.stdout.write(`${JSON.stringify(x, null, 2)}\n`);
  switch (cmd) {
    case 'raw':
      return raw(path);
    case 'show': {
      const r = await link.call({ cmd: 'show' });
      if (values.json) json(r);
      else process.stdout.write(`${formatShow(r)}\n`);
      return 0;
    }
    case 'set': {
      const seed = intOption(v, 'seed', 0, 0xffffffff, 42);
      // The words typed here are parsed here: linkd is sent models.
      const parsed = parseLinkInput({
        impair: stringOption(v, 'impair'),
        up: v.up as string | undefined,
        down: v.down as string | undefined,
        seed,
      });
      buildLinkModel(parsed);
      const client = stringOption(v, 'client');
      const r = await link.call({ cmd: 'set', ...parsed, ...(client ? { client } : {}) });
      if (values.json) json(r);
      else process.stdout.write(`${r.text}\n`);
      return 0;
    }
    case 'stats':
      json(await link.call({ cmd: 'stats' }));
      return 0;
    case 'reset':
      json(await link.call({ cmd: 'reset' }));
      return 0;
    case 'record': {
      const r = await link.call({
        cmd: 'record',
        since: intOption(v, 'since', 0, Number.MAX_SAFE_INTEGER, 0) ?? 0,
        ...(v.limit ? { limit: intOption(v, 'limit', 1, 1e9, 1000)! } : {}),
        ...(v.head ? { head: true } : {}),
      });
      for (const rec of r.records) process.stdout.write(`${JSON.stringify(rec)}\n`);
      return 0;
    }
    case 'capture':
      if (arg1 === 'start' && arg2) json(await link.call({ cmd: 'capture-start', path: arg2 }));
      else if (arg1 === 'stop') json(await link.call({ cmd: 'capture-stop' }));
      else
        throw new SocklabError(
          'usage.invalid',
          'capture takes start FILE or stop; e.g. linkctl capture start /tmp/link.pcap',
        );
      return 0;
    case 'scenario': {
      if (!arg1)
        throw new SocklabError(
          'usage.invalid',
          "scenario takes a name, a file, steps or clear; e.g. linkctl scenario flap, or linkctl scenario '0s none; 2s outage; 4s repeat'",
        );
      const client = stringOption(v, 'client');
      const r = await link.call({
        cmd: 'scenario',
        scenario: arg1 === 'clear' ? null : loadScenario(arg1),
        ...(client ? { client } : {}),
      });
      if (values.json) json(r);
      else process.stdout.write(r.scenario ? `${formatScenarioStatus(r.scenario)}\n` : 'no scenario runs\n');
      return 0;
    }
    default:
      throw new SocklabError(
        'usage.invalid',
        `unknown command '${cmd}': the commands are show, set, stats, reset, record, capture, scenario, raw; see --help`,
      );
  }
}

await runMain(PROG, () => main(process.argv.slice(2)));
