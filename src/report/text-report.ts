// The terminal form of every experiment: a table of what was measured, the evidence, and the
// verdicts with their reasons.
import type { CompareResult } from '../experiments/compare.ts';
import type { DemuxResult } from '../experiments/demux.ts';
import { formatFidelity } from '../experiments/fidelity.ts';
import type { SweepResult } from '../experiments/sweep.ts';
import type { Verdict } from '../experiments/verdict.ts';
import { formatLinkModel } from '../link/model/impairment-text.ts';
import { formatCheck } from './check-text.ts';
import type { ExperimentResult } from './experiment-result.ts';
import { formatTable } from './table.ts';

const ms = (x: number | null | undefined): string =>
  x === null || x === undefined ? '-' : `${x.toFixed(1)} ms`;
const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
const seqList = (xs: number[]): string =>
  xs.length === 0 ? 'none' : `${xs.slice(0, 20).join(' ')}${xs.length > 20 ? ` … (${xs.length})` : ''}`;

export function formatVerdicts(verdicts: Verdict[]): string {
  const mark = { pass: 'PASS', fail: 'FAIL', skip: 'n/a ' } as const;
  return verdicts.map((v) => `${mark[v.status]}  ${v.name}: ${v.reason}`).join('\n');
}

function compareText(r: CompareResult): string {
  const { udp, tcp, evidence: e } = r;
  const table = formatTable(
    ['', 'UDP', 'TCP'],
    [
      ['messages sent', String(udp.sent), String(tcp.sent)],
      [
        'came back',
        `${udp.received} (${pct(udp.received, udp.sent)})`,
        `${tcp.received} (${pct(tcp.received, tcp.sent)})`,
      ],
      ['lost', String(udp.lost), String(tcp.lost)],
      ['duplicated / reordered', `${udp.duplicated} / ${udp.reordered}`, '0 / 0 (TCP hides them)'],
      [
        'RTT p50 / p99',
        `${ms(udp.rttMs?.p50)} / ${ms(udp.rttMs?.p99)}`,
        `${ms(tcp.rttMs?.p50)} / ${ms(tcp.rttMs?.p99)}`,
      ],
      ['time for all', ms(udp.totalMs), ms(tcp.totalMs)],
      [
        'retransmissions (client / server kernel)',
        '- (UDP has none)',
        `${e.kernel.tcp.client['Tcp.RetransSegs']} / ${e.kernel.tcp.server['Tcp.RetransSegs']}`,
      ],
    ],
  );
  const link = [
    `link, client→server: dropped seqs ${seqList(e.link.up.dropped)}; duplicated ${seqList(e.link.up.duplicated)}; corrupted ${seqList(e.link.up.corrupted)}; mean delay ${ms(e.link.up.delayMs?.mean)}`,
    `link, server→client: dropped seqs ${seqList(e.link.down.dropped)}; duplicated ${seqList(e.link.down.duplicated)}; corrupted ${seqList(e.link.down.corrupted)}; mean delay ${ms(e.link.down.delayMs?.mean)}`,
    `client saw lost: ${seqList(udp.lostSeqs)}`,
    `cross-check: ${e.crossCheck.agreed} of ${e.crossCheck.checked} sequence numbers agree`,
    `kernel, UDP phase: client Udp.InErrors ${e.kernel.udp.client['Udp.InErrors']} (checksum ${e.kernel.udp.client['Udp.InCsumErrors']}, buffer ${e.kernel.udp.client['Udp.RcvbufErrors']}), server Udp.InErrors ${e.kernel.udp.server['Udp.InErrors']} (checksum ${e.kernel.udp.server['Udp.InCsumErrors']}, buffer ${e.kernel.udp.server['Udp.RcvbufErrors']})`,
    `kernel, TCP phase: client RetransSegs ${e.kernel.tcp.client['Tcp.RetransSegs']}, timeouts ${e.kernel.tcp.client['TcpExt.TCPTimeouts']}; server RetransSegs ${e.kernel.tcp.server['Tcp.RetransSegs']}, timeouts ${e.kernel.tcp.server['TcpExt.TCPTimeouts']}`,
  ];
  return `UDP vs TCP echo; link ${formatLinkModel(r.model)}\n\n${table}\n\n${link.join('\n')}`;
}

function demuxText(r: DemuxResult): string {
  const table = formatTable(
    ['client', 'host', 'source at the server', 'bytes', 'sent', 'came back', 'not its own', 'path'],
    r.clients.map((c) => [
      String(c.client),
      c.host,
      c.source ?? '-',
      String(c.size),
      String(c.udp.sent),
      `${c.udp.received} (${pct(c.udp.received, c.udp.sent)})`,
      String(c.udp.corrupted),
      formatLinkModel(c.model),
    ]),
  );
  return `${r.clients.length} UDP clients on ${r.hosts} host(s), one server socket

${table}

sources the server's socket saw: ${r.sources.join(', ') || 'none'}
sending together for ${r.overlapMs.toFixed(0)} ms`;
}

function sweepText(r: SweepResult): string {
  return `sweep; base link ${formatLinkModel(r.base)}\n\n${formatTable(
    [
      'loss each way',
      'delay each way',
      'UDP delivered',
      'UDP RTT p50',
      'TCP delivered',
      'TCP time',
      'TCP retransmits',
    ],
    r.points.map((p) => [
      `${p.lossPercent}%`,
      `${p.delayMs} ms`,
      pct(p.udp.received, p.udp.sent),
      ms(p.udp.rttP50Ms),
      `${pct(p.tcp.received, p.tcp.sent)}${p.tcp.intact ? '' : ' NOT intact'}`,
      ms(p.tcp.completionMs),
      String(p.tcp.retransmits),
    ]),
  )}`;
}

function body(r: ExperimentResult): string {
  switch (r.experiment) {
    case 'compare':
      return compareText(r);
    case 'sweep':
      return sweepText(r);
    case 'demux':
      return demuxText(r);
    case 'pinger': {
      const p = r.pinger;
      const lines = p.rtts.map(
        (x, i) => `Ping ${i + 1}: ${x === null ? 'Request timed out' : `RTT = ${x.toFixed(3)} ms`}`,
      );
      return `UDP pinger; link ${formatLinkModel(r.model)}\n\n${lines.join('\n')}\n\n${p.sent} pings, ${p.received} replies, ${p.lossPercent}% loss; RTT min/avg/max = ${ms(p.minMs)} / ${ms(p.avgMs)} / ${ms(p.maxMs)}`;
    }
    case 'concurrency':
      return `${r.clients} TCP clients at once${r.hosts.length > 1 ? ` from ${r.hosts.join(', ')}` : ''}, each holding its connection ${(r.messages - 1) * r.holdMs} ms\n\n${formatTable(
        ['client', 'iterative: waited', 'concurrent: waited'],
        r.iterative.clients.map((c, i) => [String(i), ms(c.waitMs), ms(r.concurrent.clients[i]?.waitMs)]),
      )}`;
    case 'framing': {
      const f = r.framing;
      return `${f.messages} messages written back to back over TCP\n\nrecv() sizes: ${f.recvSizes.join(', ')} bytes (${f.recvSizes.length} calls)\nfirst recv(): ${f.firstRecv.wholeMessages} whole message(s) and ${f.firstRecv.partialBytes} bytes of another\nframed reader: ${f.framed.messages} messages, ${f.framed.intact ? 'intact' : 'NOT intact'}`;
    }
    case 'check':
      return formatCheck(r);
  }
}

/** Every experiment's fidelity (a sweep's per point). */
function fidelityText(r: ExperimentResult): string {
  if (r.experiment === 'sweep')
    return r.points
      .map((p) => `loss ${p.lossPercent}%, delay ${p.delayMs} ms: ${formatFidelity(p.run.fidelity)}`)
      .join('\n');
  return 'fidelity' in r && r.fidelity ? formatFidelity(r.fidelity) : '';
}

export function formatText(r: ExperimentResult): string {
  if (r.experiment === 'check') return formatCheck(r);
  const f = fidelityText(r);
  return `${body(r)}\n\n${f ? `${f}\n\n` : ''}${formatVerdicts(r.verdicts)}\n`;
}
