// linkctl: drives a running linkd from inside the link host (or wherever its control socket is).
//   linkctl show | set [--impair SPEC] [--up SPEC] [--down SPEC] [--seed N] | stats | reset
//   linkctl record [--since N] [--limit N] | capture start FILE | capture stop

import { parseArgs } from 'node:util';
import { intOption, stringOption } from '../apps/app-args.ts';
import { AppError, runMain } from '../apps/app-error.ts';
import { controlRequest } from './control-client.ts';
import { type ControlRequest, DEFAULT_CONTROL_PATH } from './control-protocol.ts';

const PROG = 'linkctl';
const USAGE = `usage: node linkctl.ts [--control PATH] COMMAND
commands:
  show                                   the model in force
  set [--impair SPEC] [--up SPEC] [--down SPEC] [--seed N]
                                         change it now ('none' clears a direction)
  stats                                  counters per direction and protocol (JSON)
  reset                                  zero the counters and the record
  record [--since N] [--limit N]         packet fates, one JSON object a line
  capture start FILE | capture stop      pcapng of the inner frames, drops marked
`;

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
        since: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new AppError('EUSAGE', `${(err as Error).message.split('\n')[0]}; see --help`);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const [cmd, arg1, arg2] = positionals;
  let req: ControlRequest;
  const v = values as Record<string, string | boolean | undefined>;
  switch (cmd) {
    case 'show':
    case 'stats':
    case 'reset':
      req = { cmd };
      break;
    case 'set': {
      const seed = intOption(v, 'seed', 0, 0xffffffff, 42);
      req = {
        cmd: 'set',
        impair: stringOption(v, 'impair'),
        up: v.up as string | undefined,
        down: v.down as string | undefined,
        ...(seed === undefined ? {} : { seed }),
      };
      break;
    }
    case 'record':
      req = {
        cmd: 'record',
        since: intOption(v, 'since', 0, Number.MAX_SAFE_INTEGER, 0) ?? 0,
        ...(v.limit ? { limit: intOption(v, 'limit', 1, 1e9, 1000)! } : {}),
      };
      break;
    case 'capture':
      if (arg1 === 'start' && arg2) req = { cmd: 'capture-start', path: arg2 };
      else if (arg1 === 'stop') req = { cmd: 'capture-stop' };
      else
        throw new AppError(
          'EUSAGE',
          'capture takes start FILE or stop; e.g. linkctl capture start /tmp/link.pcap',
        );
      break;
    default:
      throw new AppError(
        'EUSAGE',
        `unknown command '${cmd}': the commands are show, set, stats, reset, record, capture; see --help`,
      );
  }
  const reply = await controlRequest(String(values.control), req);
  if (!reply.ok) throw new AppError('ELINKD', reply.error, 1);
  if (req.cmd === 'record') {
    for (const r of reply.records ?? []) process.stdout.write(`${JSON.stringify(r)}\n`);
  } else if ((req.cmd === 'show' || req.cmd === 'set') && !values.json) {
    process.stdout.write(`${reply.text}${reply.engine ? ` (engine ${reply.engine})` : ''}\n`);
  } else {
    const { ok: _ok, ...rest } = reply;
    process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
  }
  return 0;
}

await runMain(PROG, () => main(process.argv.slice(2)));
