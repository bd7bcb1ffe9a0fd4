// The terminal form of a check: each verdict with its points and reason, the score, and for each
// failed verdict its evidence (the exchange, what the link did, the program's last output).
import {
  type CheckResult,
  describeKind,
  type SandboxReport,
  type VerdictEvidence,
  type VerdictResult,
} from '../grading/check-result.ts';
import { preview } from '../grading/exchange.ts';
import type { PacketRecord } from '../link/control/packet-record.ts';

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Measured times, for people: `(secondClientWaited 3.7 s)`. */
export function formatMeasured(m: Record<string, number> | undefined): string {
  if (!m) return '';
  const parts = Object.entries(m).map(([k, v]) =>
    k.endsWith('Ms')
      ? `${k
          .slice(0, -2)
          .replace(/([A-Z])/g, ' $1')
          .toLowerCase()} ${secs(v)}`
      : `${k.replace(/([A-Z])/g, ' $1').toLowerCase()} ${v}`,
  );
  return parts.length ? ` (${parts.join(', ')})` : '';
}

const FLAGS: [number, string][] = [
  [2, 'SYN'],
  [1, 'FIN'],
  [4, 'RST'],
  [8, 'PSH'],
  [16, 'ACK'],
];
export const tcpFlags = (f: number): string =>
  FLAGS.filter(([b]) => f & b)
    .map(([, n]) => n)
    .join(',');

/** One frame of the link's record in a line: direction, ports, what it carried, its fate. */
export function formatFrame(r: PacketRecord): string {
  const arrow = r.dir === 'up' ? 'client → server' : 'server → client';
  const what =
    r.proto === 'tcp'
      ? `[${tcpFlags(r.flags)}]${r.plen ? ` ${preview(Buffer.from(r.head ?? '', 'base64'), 30)}` : ''}`
      : preview(Buffer.from(r.head ?? '', 'base64'), 30);
  const fate =
    r.fate === 'forwarded'
      ? `${r.corrupted ? 'CORRUPTED' : 'forwarded'}${r.duplicated ? ', duplicated' : ''}${r.reordered ? ', reordered' : ''}${r.delayMs ? `, delayed ${r.delayMs.toFixed(1)} ms` : ''}`
      : r.fate === 'lost'
        ? 'LOST'
        : r.fate === 'outage'
          ? 'LOST (outage)'
          : 'DROPPED (queue full)';
  return `${arrow} ${r.sport}→${r.dport} ${what}: ${fate}${r.rule ? ` (rule ${r.rule})` : ''}`;
}

export function formatEvidence(e: VerdictEvidence, indent = '    '): string {
  const lines: string[] = [];
  for (const l of e.exchange)
    lines.push(
      `${indent}${l.actor.padEnd(14)} ${`+${l.at.toFixed(0)} ms`.padStart(9)}  ${l.what === 'event' ? '' : `${l.what} `}${l.text}`,
    );
  if (e.link.length) {
    const shown = e.link.slice(-12);
    lines.push(
      `${indent}the link, ${e.link.length} frame${e.link.length === 1 ? '' : 's'}${e.link.length > shown.length ? ` (the last ${shown.length})` : ''}:`,
    );
    for (const r of shown) lines.push(`${indent}  ${formatFrame(r)}`);
  }
  if (e.output.trim())
    lines.push(
      `${indent}its last output:`,
      ...e.output
        .trim()
        .split('\n')
        .slice(-8)
        .map((l) => `${indent}  | ${l}`),
    );
  return lines.join('\n');
}

/** What the sandbox could not apply here, and what it contained: said in every report. */
export function formatSandbox(s: SandboxReport | null): string {
  if (!s) return '';
  const lines = [
    ...s.notApplied.map((x) => `not applied on this machine: ${x}`),
    ...s.contained.map((x) => `contained: ${x}`),
  ];
  return lines.length ? `\nsandbox:\n${lines.map((l) => `  ${l}`).join('\n')}\n` : '';
}

const mark = (v: VerdictResult): string =>
  v.status === 'pass' ? 'PASS' : v.status === 'fail' ? 'FAIL' : 'n/a ';

export function formatCheck(r: CheckResult): string {
  const head = `check of ${r.program} as the ${r.role} of ${r.assignment} (${r.title}): ${r.protocol.toUpperCase()} port ${r.port}, link profile ${r.profile}, seed ${r.seed}, ${r.backend} lab`;
  const kind = r.kind ? `server kind: ${describeKind(r.kind)}` : '';
  const rows = r.verdicts.map(
    (v) =>
      `${mark(v)}  ${`${v.points}/${v.maxPoints}`.padStart(7)}  ${v.name}${v.required ? '' : ' (advisory)'}: ${v.reason}${formatMeasured(v.measured)}`,
  );
  const failed = r.verdicts.filter((v) => v.status === 'fail' && v.evidence);
  const evidence = failed.length
    ? `\nevidence of the failed verdicts:\n${failed.map((v) => `  ${v.name}:\n${formatEvidence(v.evidence!)}`).join('\n')}\n`
    : '';
  const t = r.timings;
  const times = `time${r.clock ? ` (${r.clock})` : ''}: lab ${secs(t.labMs)}, program ${secs(t.deployMs)}, ${Object.entries(
    t.verdictMs,
  )
    .map(([k, ms]) => `${k} ${secs(ms)}`)
    .join(', ')}; total ${secs(t.totalMs)}`;
  const verdictLine = `score ${r.score} of ${r.maxScore}: ${r.passed ? 'PASSED (every required verdict passed)' : 'FAILED (a required verdict failed)'}`;
  const output =
    r.output.trim() && !failed.length
      ? `\nits last output:\n${r.output
          .trim()
          .split('\n')
          .slice(-10)
          .map((l) => `  | ${l}`)
          .join('\n')}\n`
      : '';
  return `${head}${kind ? `\n${kind}` : ''}\n\n${rows.join('\n')}\n\n${verdictLine}\n${evidence}${output}${formatSandbox(r.sandbox)}${times}\nreplay: socklab check --assignment ${r.assignment} --${r.role} ${r.program} --seed ${r.seed}\n`;
}
