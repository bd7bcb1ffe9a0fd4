// linkd: the impaired link. Forwards VXLAN between the client host and the server host and
// impairs each direction, in userspace (relay engine) or with the kernel's netem (netem engine).
import module from 'node:module';
import { intOption, parseOptions, stringOption } from '../common/app-args.ts';
import { SocklabError } from '../common/errors.ts';
import { describeSocketError, runMain } from '../common/program-errors.ts';
import { stopOnSignal } from '../common/stop-on-signal.ts';
import { DEFAULT_CONTROL_PATH } from './control/control-protocol.ts';
import { checkClient, serveControl } from './control/control-server.ts';
import { applyNetem, deviceToward, probeNetem } from './control/netem-engine.ts';
import { ScenarioBoard } from './control/scenario-board.ts';
import { parseClientPaths } from './model/client-paths.ts';
import { clientNames, type LinkModel, MAX_CLIENTS, relayOnly } from './model/impairment-model.ts';
import { buildLinkModel, formatLinkModel } from './model/impairment-text.ts';
import { formatStep, type Scenario } from './model/scenario.ts';
import { loadScenario } from './model/scenario-file.ts';
import { LinkRelay, type PeerSpec, VXLAN_PORT } from './relay/link-relay.ts';
import { DATA_PLANE_CHOICES, type DataPlaneChoice } from './relay/native-data-plane.ts';
import { describePeers, expandPeers } from './relay/peer-list.ts';

const PROG = 'linkd';
const ENGINES = ['relay', 'netem'];

function parsePeer(text: string): PeerSpec {
  const m = /^([^:\s]+)(?::(\d+))?$/.exec(text);
  const port = m?.[2] === undefined ? VXLAN_PORT : Number(m[2]);
  if (!m || port < 1 || port > 65535) {
    throw new SocklabError(
      'usage.invalid',
      `--peer must be HOST or HOST:PORT, got '${text}'; e.g. --peer client --peer server`,
    );
  }
  return { host: m[1]!, port };
}

function parseListen(text: string): { address: string; port: number } {
  const m = /^([^:\s]*):(\d+)$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw new SocklabError(
      'usage.invalid',
      `--listen must be ADDR:PORT, got '${text}'; e.g. --listen 0.0.0.0:4789`,
    );
  return { address: m[1] || '0.0.0.0', port };
}

async function main(argv: string[]): Promise<number | undefined> {
  const opts = parseOptions(
    PROG,
    'Relays VXLAN between two peers (the client host first, then the server host) and impairs the link.',
    {
      peer: {
        type: 'string',
        value: 'HOST[:PORT]',
        help: 'a peer: each client, then the server, last',
        multiple: true,
      },
      clients: {
        type: 'string',
        value: 'N',
        help: `how many clients (1-${MAX_CLIENTS}); with one client --peer, that name is a scaled service and its replicas are the clients`,
      },
      'lab-address': {
        type: 'string',
        value: 'IP',
        help: "each peer's lab0 address, in the --peer order (clients, then the server): frames from a peer with another inner source (or MAC) are dropped as forged",
        multiple: true,
      },
      listen: {
        type: 'string',
        value: 'ADDR:PORT',
        help: 'where to receive VXLAN',
        default: `0.0.0.0:${VXLAN_PORT}`,
      },
      impair: {
        type: 'string',
        value: 'SPEC',
        help: "both directions, in netem's words: 'delay 40ms loss 10%'",
      },
      up: { type: 'string', value: 'SPEC', help: 'client to server (replaces what --impair says)' },
      down: { type: 'string', value: 'SPEC', help: 'server to client (replaces what --impair says)' },
      paths: {
        type: 'string',
        value: 'PATHS',
        help: "clients' own paths, ';'-separated: 'client2: loss 30%; client3 down: delay 250ms'",
      },
      seed: { type: 'string', value: 'N', help: 'seed of the random decisions', default: '1' },
      engine: {
        type: 'string',
        value: 'relay|netem',
        help: 'who impairs: linkd itself, or the kernel',
        default: 'relay',
      },
      'data-plane': {
        type: 'string',
        value: 'auto|native|node',
        help: 'how frames cross linkd: native batches (recvmmsg/sendmmsg), Node dgram, or native where it was built',
        default: process.env.SOCKLAB_DATA_PLANE ?? 'auto',
      },
      control: { type: 'string', value: 'PATH', help: 'control socket', default: DEFAULT_CONTROL_PATH },
      record: {
        type: 'string',
        value: 'N',
        help: 'packet fates to keep for reading back',
        default: '200000',
      },
      scenario: {
        type: 'string',
        value: 'NAME|FILE|STEPS',
        help: "a timed scenario, run from the start: lab/scenarios/NAME, a file, or '0s none; 2s outage; 4s repeat'",
      },
    },
    argv,
  );
  if (!opts) return 0;
  const peers = expandPeers(
    ((opts.peer as string[] | undefined) ?? []).map(parsePeer),
    intOption(opts, 'clients', 1, MAX_CLIENTS, 3),
  );
  const labAddresses = (opts['lab-address'] as string[] | undefined) ?? [];
  if (labAddresses.length !== 0 && labAddresses.length !== peers.length)
    throw new SocklabError(
      'usage.invalid',
      `give --lab-address for every peer (each client, then the server) or none: ${peers.length} peers, ${labAddresses.length} addresses; e.g. --lab-address 198.19.0.1 --lab-address 198.19.0.2`,
    );
  for (const a of labAddresses)
    if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(a) || a.split('.').some((x) => Number(x) > 255))
      throw new SocklabError(
        'usage.invalid',
        `--lab-address must be an IPv4 address, got '${a}'; e.g. 198.19.0.1`,
      );
  const engine = String(opts.engine);
  if (!ENGINES.includes(engine))
    throw new SocklabError(
      'usage.invalid',
      `--engine must be relay or netem, got '${engine}'; e.g. --engine relay`,
    );
  const dataPlane = String(opts['data-plane']) as DataPlaneChoice;
  if (!DATA_PLANE_CHOICES.includes(dataPlane))
    throw new SocklabError(
      'usage.invalid',
      `--data-plane must be ${DATA_PLANE_CHOICES.join(', ')}, got '${dataPlane}'; e.g. --data-plane auto`,
    );
  const listen = parseListen(String(opts.listen));
  const seed = intOption(opts, 'seed', 0, 0xffffffff, 42)!;
  const recordCapacity = intOption(opts, 'record', 0, 100_000_000, 200000)!;
  // Everything is validated before anything starts.
  let model: LinkModel = buildLinkModel({
    impair: stringOption(opts, 'impair'),
    up: stringOption(opts, 'up'),
    down: stringOption(opts, 'down'),
    seed,
    paths: parseClientPaths(stringOption(opts, 'paths') ?? ''),
  });
  for (const name of Object.keys(model.paths ?? {})) checkClient(name, clientNames(peers.length - 1));
  const scenarioSpec = stringOption(opts, 'scenario');
  const scenario: Scenario | null = scenarioSpec ? loadScenario(scenarioSpec) : null;
  const clean: LinkModel = { up: {}, down: {}, seed };
  if (engine === 'netem') await probeNetem();

  let relay: LinkRelay;
  try {
    relay = await LinkRelay.start({
      peers: peers.map((p, i) => ({ ...p, labAddress: labAddresses[i] })),
      listenAddress: listen.address,
      listenPort: listen.port,
      model: engine === 'relay' ? model : clean,
      recordCapacity,
      dataPlane,
      // netem's qdisc after linkd counts and times packets: a run sent as one would be one to it.
      udpOffload: engine === 'relay',
    });
  } catch (err) {
    if (!(err as NodeJS.ErrnoException).code) throw new SocklabError('usage.invalid', (err as Error).message);
    throw describeSocketError(err as NodeJS.ErrnoException, `UDP port ${listen.port} on ${listen.address}`);
  }
  // Changes are applied one at a time, in order: a scenario's step and a `set` never interleave.
  let applying = Promise.resolve();
  const apply = (next: LinkModel, quiet = false, step?: string): Promise<void> => {
    const done = applying.then(async () => {
      if (engine === 'netem') {
        const why = relayOnly(next);
        if (why) throw new SocklabError('usage.invalid', `${why}; start the lab with --engine relay`);
        const [towardClient, towardServer] = await Promise.all(
          [peers[0]!, peers.at(-1)!].map((p) => deviceToward(p.host)),
        );
        await applyNetem(next, { towardClient: towardClient!, towardServer: towardServer! }, model);
      } else await relay.setModel(next, step);
      model = next;
      if (!quiet) process.stdout.write(`linkd: model now ${formatLinkModel(next)}\n`);
    });
    applying = done.catch(() => {});
    return done;
  };
  const scenarios = new ScenarioBoard((step, index, s, client) => {
    const on = client === undefined ? '' : ` on ${client}'s path`;
    process.stdout.write(
      `linkd: scenario ${s?.name ?? ''}${on} step ${index + 1}/${s?.steps ?? '?'}: ${formatStep(step)}\n`,
    );
    // A step on every path sets the lab's own; clients with paths of their own keep them.
    const next: LinkModel =
      client === undefined
        ? { ...model, up: step.up, down: step.down }
        : { ...model, paths: { ...model.paths, [client]: { up: step.up, down: step.down } } };
    apply(next, true, `scenario ${s?.name ?? ''}${on} step ${index + 1}/${s?.steps ?? '?'}`).catch(
      (err: Error) =>
        process.stderr.write(`linkd: scenario step ${index + 1} could not be applied: ${err.message}\n`),
    );
  });
  if (engine === 'netem') await apply(model);
  if (scenario) scenarios.start(scenario);
  const control = await serveControl(String(opts.control), {
    relay,
    engine,
    apply,
    model: () => model,
    scenarios,
    clients: relay.clients,
  });
  const { address, port } = relay.address;
  // Everything linkd runs is compiled now: written to Node's compile cache (where NODE_COMPILE_CACHE
  // says) at once, not only at a clean exit, which a killed lab never has; the next start skips it.
  module.flushCompileCache?.();
  process.stdout.write(
    `linkd: relaying VXLAN on ${address}:${port} between ${describePeers(peers)} (up) and ${peers.at(-1)!.host} (down); engine ${engine}; data plane ${relay.dataPlane.name}; ${formatLinkModel(model)}; control ${opts.control}\n`,
  );
  await stopOnSignal(() => control.close());
  scenarios.stop();
  await relay.close();
  return 0;
}

await runMain(PROG, () => main(process.argv.slice(2)));
