// Serves linkd's control socket: change the model, run a scenario, read counters and the packet
// record, start and stop a capture, all without restarting the relay.
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { SocklabError } from '../../common/errors.ts';
import { LineFramer } from '../../common/line-framer.ts';
import { ImpairmentError } from '../model/impairment-error.ts';
import type { Direction, DirectionModel, LinkModel } from '../model/impairment-model.ts';
import { buildLinkModel, formatLinkModel, modelInput } from '../model/impairment-text.ts';
import { parseReplayFile } from '../model/replay-file.ts';
import { validateScenario } from '../model/scenario.ts';
import type { LinkRelay } from '../relay/link-relay.ts';
import {
  CONTROL_COMMANDS,
  type ControlReply,
  type ControlRequest,
  type RequestOf,
} from './control-protocol.ts';
import type { ScenarioBoard } from './scenario-board.ts';

export interface ControlTarget {
  relay: LinkRelay;
  engine: string;
  /** Applies a new model (the netem engine also reconfigures tc). */
  apply(model: LinkModel): Promise<void>;
  /** The model as the user sees it (with netem the relay itself runs clean). */
  model(): LinkModel;
  scenarios: ScenarioBoard;
  /** The lab's clients, in order. */
  clients: readonly string[];
}

/** A request's `client`, checked against the lab's clients. */
export function checkClient(client: string | undefined, clients: readonly string[]): void {
  if (client === undefined || clients.includes(client)) return;
  throw new SocklabError(
    'lab.no-host',
    `this lab has no client '${client}': its clients are ${clients.join(', ')}; name one of them, or start the lab with more (socklab up --clients N)`,
  );
}

/**
 * The model after a `set`: what is named is replaced, what is not named stays (validated: it came
 * over a socket). Without a client, a direction named replaces every client's own as well.
 */
export function nextModel(
  current: LinkModel,
  req: RequestOf<'set'>,
  clients: readonly string[] = ['client'],
): LinkModel {
  checkClient(req.client, clients);
  const named = (dir: Direction): DirectionModel | undefined =>
    req[dir] !== undefined || req.impair ? { ...req.impair, ...req[dir] } : undefined;
  const next = modelInput(current);
  next.seed = req.seed ?? current.seed;
  for (const dir of ['up', 'down'] as const) {
    const m = named(dir);
    if (!m) continue;
    if (req.client === undefined) {
      next[dir] = m;
      for (const own of Object.values(next.paths ?? {})) delete own[dir];
    } else {
      next.paths ??= {};
      next.paths[req.client] = { ...next.paths[req.client], [dir]: m };
    }
  }
  return buildLinkModel(next);
}

async function handle(target: ControlTarget, req: ControlRequest): Promise<ControlReply> {
  const { relay } = target;
  switch (req.cmd) {
    case 'show': {
      const model = target.model();
      return {
        ok: true,
        model,
        text: formatLinkModel(model),
        engine: target.engine,
        dataPlane: target.relay.dataPlane,
        forwarding: target.relay.forwarding,
        scenario: target.scenarios.status(),
        clients: [...target.clients],
        ...(target.scenarios.clientStatuses() ? { clientScenarios: target.scenarios.clientStatuses() } : {}),
      };
    }
    case 'set': {
      const model = nextModel(target.model(), req, target.clients);
      // A model set by hand overrides the scenario: it would otherwise be replaced at the next step.
      target.scenarios.stop(req.client);
      await target.apply(model);
      return { ok: true, model, text: formatLinkModel(model) };
    }
    case 'stats':
      return { ok: true, stats: relay.stats() };
    case 'reset':
      await relay.reset();
      return { ok: true };
    case 'record': {
      const r = relay.record(req.since ?? 0, req.limit, { head: req.head === true });
      return { ok: true, ...r };
    }
    case 'capture-start':
      if (typeof req.path !== 'string' || req.path === '')
        throw new SocklabError('usage.invalid', 'capture-start needs a path, e.g. /tmp/link.pcap');
      await relay.startCapture(req.path);
      return { ok: true };
    case 'capture-stop':
      return { ok: true, capture: await relay.stopCapture() };
    case 'scenario': {
      checkClient(req.client, target.clients);
      if (req.scenario === null) target.scenarios.stop(req.client);
      else {
        const problems = validateScenario(req.scenario);
        if (problems.length > 0)
          throw new ImpairmentError(problems.map((p) => `scenario ${req.scenario?.name}: ${p}`));
        target.scenarios.start(req.scenario, req.client);
      }
      return { ok: true, scenario: target.scenarios.statusOf(req.client), model: target.model() };
    }
    case 'replay': {
      if (req.file === undefined) return { ok: true, report: relay.replayReport() };
      if (req.file === null) {
        await relay.setReplay(null);
        return { ok: true, report: null };
      }
      // It came over a socket: checked as a file is (its version was checked where it was read).
      const { file, plan } = parseReplayFile(
        JSON.stringify(req.file),
        'in the request',
        String(req.file.version),
      );
      target.scenarios.stop();
      // netem cannot be told a frame's fate. Every frame crosses the relay on either engine, so
      // the relay gives the recorded fates there too, and netem stays clean meanwhile (traffic the
      // recording did not have then crosses unimpaired, and is reported as diverged).
      await target.apply(
        target.engine === 'relay' ? file.model : { up: {}, down: {}, seed: file.model.seed },
      );
      await relay.setReplay(plan);
      return { ok: true, report: relay.replayReport() };
    }
    default:
      throw new SocklabError(
        'usage.invalid',
        `unknown command '${(req as { cmd?: string }).cmd}': the commands are ${CONTROL_COMMANDS.join(', ')}`,
      );
  }
}

export async function serveControl(path: string, target: ControlTarget): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true });
  // A socket file left by a linkd that did not exit cleanly would make listen fail.
  rmSync(path, { force: true });
  const server = createServer((conn) => {
    const framer = new LineFramer();
    let chain = Promise.resolve();
    conn.on('data', (chunk: Buffer) => {
      for (const line of framer.push(chunk)) {
        chain = chain.then(async () => {
          let reply: ControlReply;
          try {
            reply = await handle(target, JSON.parse(line.toString('utf8')) as ControlRequest);
          } catch (err) {
            reply = {
              ok: false,
              error: err instanceof SyntaxError ? `not JSON: ${err.message}` : (err as Error).message,
              ...(err instanceof SocklabError ? { code: err.code } : {}),
            };
          }
          if (!conn.destroyed) conn.write(`${JSON.stringify(reply)}\n`);
        });
      }
    });
    conn.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return server;
}
