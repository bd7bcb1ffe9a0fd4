// Serves linkd's control socket: change the model, run a scenario, read counters and the packet
// record, start and stop a capture, all without restarting the relay.
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { SocklabError } from '../../common/errors.ts';
import { LineFramer } from '../../common/line-framer.ts';
import { ImpairmentError } from '../model/impairment-error.ts';
import type { LinkModel } from '../model/impairment-model.ts';
import { buildLinkModel, formatLinkModel } from '../model/impairment-text.ts';
import { validateScenario } from '../model/scenario.ts';
import type { LinkRelay } from '../relay/link-relay.ts';
import type { ControlReply, ControlRequest, RequestOf } from './control-protocol.ts';
import type { ScenarioRunner } from './scenario-runner.ts';

export interface ControlTarget {
  relay: LinkRelay;
  engine: string;
  /** Applies a new model (the netem engine also reconfigures tc). */
  apply(model: LinkModel): Promise<void>;
  /** The model as the user sees it (with netem the relay itself runs clean). */
  model(): LinkModel;
  scenarios: ScenarioRunner;
}

/** The model after a `set`: what is named is replaced, what is not named stays (validated: it came over a socket). */
export function nextModel(current: LinkModel, req: RequestOf<'set'>): LinkModel {
  const base = req.impair;
  const up = req.up !== undefined || base ? { ...base, ...req.up } : current.up;
  const down = req.down !== undefined || base ? { ...base, ...req.down } : current.down;
  return buildLinkModel({ up, down, seed: req.seed ?? current.seed });
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
        scenario: target.scenarios.status(),
      };
    }
    case 'set': {
      const model = nextModel(target.model(), req);
      // A model set by hand overrides the scenario: it would otherwise be replaced at the next step.
      target.scenarios.stop();
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
      return { ok: true, records: r.records, last: r.last, overwritten: r.overwritten };
    }
    case 'capture-start':
      if (typeof req.path !== 'string' || req.path === '')
        throw new SocklabError('usage.invalid', 'capture-start needs a path, e.g. /tmp/link.pcap');
      await relay.startCapture(req.path);
      return { ok: true };
    case 'capture-stop':
      return { ok: true, capture: await relay.stopCapture() };
    case 'scenario': {
      if (req.scenario === null) target.scenarios.stop();
      else {
        const problems = validateScenario(req.scenario);
        if (problems.length > 0)
          throw new ImpairmentError(problems.map((p) => `scenario ${req.scenario?.name}: ${p}`));
        target.scenarios.start(req.scenario);
      }
      return { ok: true, scenario: target.scenarios.status(), model: target.model() };
    }
    default:
      throw new SocklabError(
        'usage.invalid',
        `unknown command '${(req as { cmd?: string }).cmd}': the commands are show, set, stats, reset, record, capture-start, capture-stop, scenario`,
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
