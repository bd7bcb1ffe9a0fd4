// pinger: the textbook's UDP pinger lab run from the client: one ping at a time, a timeout
// for each, "Request timed out" for the lost ones, min/avg/max RTT and the loss rate.
import { type PingerResult, PROGRAM as UDP_PINGER } from '../apps/udp-pinger.ts';
import { runProgram } from '../lab/run-program.ts';
import type { StartedLab } from '../lab/start-lab.ts';
import type { LinkModel } from '../link/model/impairment-model.ts';
import { type Fidelity, pathFidelity } from './fidelity.ts';
import { rttVerdict, udpDeliveryVerdict } from './link-verdicts.ts';
import type { Verdict } from './verdict.ts';

export interface PingerOptions {
  count?: number;
  intervalMs?: number;
  timeoutMs?: number;
}

export interface PingerExperiment {
  experiment: 'pinger';
  model: LinkModel;
  pinger: PingerResult;
  fidelity: Fidelity;
  verdicts: Verdict[];
}

export async function pinger(lab: StartedLab, opts: PingerOptions = {}): Promise<PingerExperiment> {
  const count = opts.count ?? 20;
  const timeoutMs = opts.timeoutMs ?? 1000;
  await lab.resetLink();
  const r = await runProgram(lab.client, UDP_PINGER, {
    host: 'server',
    count,
    interval: opts.intervalMs ?? 200,
    timeout: timeoutMs,
  });
  const rtt = r.minMs === null || r.avgMs === null ? null : { min: r.minMs, avg: r.avgMs };
  return {
    experiment: 'pinger',
    model: lab.model,
    pinger: r,
    fidelity: pathFidelity(lab.model, lab.client.name, await lab.linkRecord()),
    verdicts: [udpDeliveryVerdict(lab.model, r), rttVerdict(lab.model, rtt, r.received)],
  };
}
