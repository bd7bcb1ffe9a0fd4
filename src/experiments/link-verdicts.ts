// Verdicts about what the link did to the echo traffic, from the model in force and the evidence
// of the three hosts. Pure: results in, verdicts out.

import type { RttSummary } from '../apps/rtt-stats.ts';
import type { TcpResult } from '../apps/tcp-measure.ts';
import type { UdpResult } from '../apps/udp-measure.ts';
import type { RelayStats } from '../link/control/relay-stats.ts';
import { type DirectionModel, expectedLoss, type LinkModel } from '../link/model/impairment-model.ts';
import { correlatedInterval } from './binomial.ts';
import { type CounterDelta, caughtCorrupt } from './kernel-evidence.ts';
import type { CrossCheck } from './link-evidence.ts';
import { check, skip, type Verdict } from './verdict.ts';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** Chance that a frame in this direction arrives whole (neither lost nor corrupted). */
export function wholeChance(d: DirectionModel): number {
  return (1 - expectedLoss(d)) * (1 - (d.corrupt?.percent ?? 0) / 100);
}

/** How strongly one frame's loss predicts the next's: Gilbert–Elliott's state memory, or netem's correlation. */
function lossCorrelation(d: DirectionModel): number {
  const loss = d.loss;
  if (!loss) return 0;
  if (loss.model === 'gemodel') return Math.max(0, 1 - loss.p / 100 - loss.r / 100);
  return loss.correlation / 100;
}

export function udpDeliveryVerdict(model: LinkModel, udp: Pick<UdpResult, 'sent' | 'received'>): Verdict {
  const name = 'UDP delivery inside the binomial interval';
  if (model.up.rate || model.down.rate)
    return skip(name, 'a rate limit drops by queue length, which the binomial model does not cover');
  const p = wholeChance(model.up) * wholeChance(model.down);
  const rho = Math.max(lossCorrelation(model.up), lossCorrelation(model.down));
  const [lo, hi] = correlatedInterval(udp.sent, p, rho, 0.999);
  const ok = udp.received >= lo && udp.received <= hi;
  const burst = rho > 0 ? `, widened for bursty loss (correlation ${rho.toFixed(2)})` : '';
  return check(
    name,
    ok,
    `${udp.received} of ${udp.sent} came back (${pct(udp.received / udp.sent)}); with the link's loss and corruption compounded over both directions ${pct(p)} are expected: 99.9% interval ${lo}–${hi}${burst}`,
  );
}

export function tcpIntactVerdict(tcp: TcpResult): Verdict {
  return check(
    'TCP intact and in order',
    tcp.intact,
    tcp.intact
      ? `all ${tcp.received} messages came back, uppercased byte for byte, in the order sent (${tcp.bytes} bytes)`
      : `${tcp.received} of ${tcp.sent} messages came back intact${tcp.error ? `: ${tcp.error}` : ''}`,
  );
}

export function rttVerdict(
  model: LinkModel,
  rtt: Pick<RttSummary, 'min' | 'avg'> | null,
  samples: number,
): Verdict {
  const name = 'RTT at least the two one-way delays';
  const d = (m: DirectionModel): number => m.delay?.ms ?? 0;
  const j = (m: DirectionModel): number => m.delay?.jitterMs ?? 0;
  const floor = d(model.up) + d(model.down);
  if (floor === 0) return skip(name, 'no delay is set');
  if (model.up.reorder || model.down.reorder)
    return skip(name, 'reordered packets skip the delay (netem’s rule), so RTTs below it are expected');
  if (!rtt) return check(name, false, 'no reply came back to measure');
  const jitter = Math.hypot(j(model.up), j(model.down));
  if (jitter === 0) {
    return check(
      name,
      rtt.min >= floor,
      `minimum RTT ${rtt.min.toFixed(1)} ms against ${d(model.up)} + ${d(model.down)} ms of delay`,
    );
  }
  // With jitter single samples may fall below the mean delay; their mean may not, beyond chance.
  const allowance = (3 * jitter) / Math.sqrt(samples);
  return check(
    name,
    rtt.avg >= floor - allowance,
    `mean RTT ${rtt.avg.toFixed(1)} ms against ${floor} ms of mean delay (less ${allowance.toFixed(1)} ms for jitter over ${samples} samples)`,
  );
}

export function retransmitVerdict(
  model: LinkModel,
  messages: number,
  client: CounterDelta,
  server: CounterDelta,
): Verdict {
  const name = 'TCP retransmitted what the link lost';
  const lUp = expectedLoss(model.up);
  const lDown = expectedLoss(model.down);
  if (lUp === 0 && lDown === 0) return skip(name, 'no loss is set');
  // Each message crosses once each way in a data segment; losing one of those forces a retransmission.
  const none = (1 - lUp) ** messages * (1 - lDown) ** messages;
  const retrans = client['Tcp.RetransSegs'] + server['Tcp.RetransSegs'];
  const counts = `client kernel retransmitted ${client['Tcp.RetransSegs']} segments (${client['TcpExt.TCPTimeouts']} timeouts), server ${server['Tcp.RetransSegs']}`;
  if (none > 0.001 && retrans === 0)
    return skip(
      name,
      `${messages} messages are too few to expect a loss (P(no loss) = ${none.toFixed(3)}); ${counts}`,
    );
  return check(name, retrans > 0, counts);
}

export function corruptionVerdict(
  model: LinkModel,
  stats: RelayStats,
  client: CounterDelta,
  server: CounterDelta,
  udp: Pick<UdpResult, 'corrupted'>,
): Verdict {
  const name = "corrupted packets caught by the receiver's checksum";
  if (!model.up.corrupt && !model.down.corrupt) return skip(name, 'no corruption is set');
  const toServer = stats.up.total.corrupted;
  const toClient = stats.down.total.corrupted;
  if (toServer + toClient === 0) return skip(name, 'the link corrupted no packet in this run');
  const atServer = caughtCorrupt(server);
  const atClient = caughtCorrupt(client);
  return check(
    name,
    atServer === toServer && atClient === toClient && udp.corrupted === 0,
    `link corrupted ${toServer} toward the server, whose stack dropped ${atServer} for bad checksums or headers; ${toClient} toward the client, which dropped ${atClient}; the client accepted ${udp.corrupted} corrupted replies`,
  );
}

export function crossCheckVerdict(cc: CrossCheck): Verdict {
  const first = cc.disagreements
    .slice(0, 5)
    .map((d) => `seq ${d.seq}: client ${d.client}, link ${d.link}`)
    .join('; ');
  return check(
    "the link's record agrees with the client",
    cc.disagreements.length === 0,
    cc.disagreements.length === 0
      ? `all ${cc.checked} sequence numbers: the client got a reply exactly when the link carried both ways`
      : `${cc.disagreements.length} of ${cc.checked} disagree: ${first}`,
  );
}
