// One self-contained HTML page: styles inline, charts as inline SVG, no script and nothing to
// fetch, so it opens from a file with no network. Built by a pure function from typed results.
import type { CompareResult } from '../experiments/compare.ts';
import type { SweepResult } from '../experiments/sweep.ts';
import type { Verdict } from '../experiments/verdict.ts';
import { type CheckResult, describeKind } from '../grading/check-result.ts';
import { formatLinkModel } from '../link/model/impairment-text.ts';
import { formatCheck, formatEvidence, formatMeasured } from './check-text.ts';
import type { ExperimentResult } from './experiment-result.ts';
import { sequenceDiagram } from './sequence-diagram.ts';
import { type Cell, COLORS, escapeXml, histogram, lineChart, lossStrip, SERIES_STYLES } from './svg-chart.ts';
import { formatText } from './text-report.ts';

export const STYLE = `body{font-family:sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}
.charts{display:flex;flex-wrap:wrap;gap:16px}.charts svg{border:1px solid #eee}
table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
.pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.skip{color:#777}
pre{background:#f6f8fa;padding:12px;overflow:auto;font-size:12px}`;

function verdictTable(verdicts: Verdict[]): string {
  const rows = verdicts
    .map(
      (v) =>
        `<tr><td class="${v.status}">${v.status === 'skip' ? 'n/a' : v.status.toUpperCase()}</td><td>${escapeXml(v.name)}</td><td>${escapeXml(v.reason)}</td></tr>`,
    )
    .join('');
  return `<table><tr><th></th><th>verdict</th><th>reason</th></tr>${rows}</table>`;
}

function compareCharts(r: CompareResult): string[] {
  // What the link lost or corrupted (the receiver's checksum then drops it) in each direction.
  const upDropped = new Set([...r.evidence.link.up.dropped, ...r.evidence.link.up.corrupted]);
  const downDropped = new Set([...r.evidence.link.down.dropped, ...r.evidence.link.down.corrupted]);
  const seqs = (r.udp.rtts ?? []).map((_, s) => s);
  const cells = (lost: (s: number) => boolean): Cell[] => seqs.map((s) => (lost(s) ? 'lost' : 'ok'));
  const rtts = (r.udp.rtts ?? []).filter((x): x is number => x !== null);
  return [
    lossStrip({
      title: 'UDP, per sequence number (orange: lost)',
      rows: [
        { label: 'client: no reply', cells: cells((s) => (r.udp.rtts ?? [])[s] === null) },
        { label: 'link lost/corrupted →', cells: cells((s) => upDropped.has(s)) },
        { label: 'link lost/corrupted ←', cells: cells((s) => downDropped.has(s)) },
      ],
    }),
    histogram({ title: 'UDP round-trip times', xLabel: 'RTT (ms)', values: rtts, color: COLORS.udp }),
    lineChart({
      title: 'Delivered vs loss',
      xLabel: 'loss each way (%)',
      yLabel: 'delivered (%)',
      yMax: 100,
      series: [
        { name: 'UDP', color: COLORS.udp, points: [[lossOf(r), (100 * r.udp.received) / r.udp.sent]] },
        {
          name: 'TCP',
          color: COLORS.tcp,
          points: [[lossOf(r), (100 * r.tcp.received) / Math.max(1, r.tcp.sent)]],
        },
      ],
    }),
  ];
}

const lossOf = (r: CompareResult): number =>
  r.model.up.loss?.model === 'random' ? r.model.up.loss.percent : 0;

function sweepCharts(r: SweepResult): string[] {
  const delays = [...new Set(r.points.map((p) => p.delayMs))];
  const label = (proto: string, d: number): string => (delays.length > 1 ? `${proto}, ${d} ms` : proto);
  const at = (d: number) => r.points.filter((p) => p.delayMs === d);
  // Each delay a pair of styles, UDP and TCP, the same in every chart of the page.
  const style = (proto: 'UDP' | 'TCP', k: number) =>
    SERIES_STYLES[(2 * k + (proto === 'TCP' ? 1 : 0)) % SERIES_STYLES.length]!;
  const charts = [
    lineChart({
      title: 'Delivered vs loss',
      xLabel: 'loss each way (%)',
      yLabel: 'delivered (%)',
      yMax: 100,
      series: delays.flatMap((d, k) => [
        {
          name: label('UDP', d),
          ...style('UDP', k),
          points: at(d).map((p): [number, number] => [p.lossPercent, 100 * p.udp.deliveryRatio]),
        },
        {
          name: label('TCP', d),
          ...style('TCP', k),
          points: at(d).map((p): [number, number] => [p.lossPercent, 100 * p.tcp.deliveryRatio]),
        },
      ]),
    }),
    lineChart({
      title: 'TCP completion time vs loss',
      xLabel: 'loss each way (%)',
      yLabel: 'time for all messages (ms)',
      series: delays.map((d, k) => ({
        name: label('TCP', d),
        ...style('TCP', k),
        points: at(d).map((p): [number, number] => [p.lossPercent, p.tcp.completionMs]),
      })),
    }),
  ];
  const worst = r.points.at(-1);
  return worst ? [...charts, ...compareCharts(worst.run).slice(0, 2)] : charts;
}

export function checkSection(r: CheckResult): string {
  const rows = r.verdicts
    .map(
      (v) =>
        `<tr><td class="${v.status}">${v.status === 'pass' ? 'PASS' : v.status === 'fail' ? 'FAIL' : 'n/a'}</td><td>${v.points}/${v.maxPoints}</td><td>${escapeXml(v.name)}${v.required ? '' : ' <i>(advisory)</i>'}</td><td>${escapeXml(v.reason + formatMeasured(v.measured))}</td></tr>`,
    )
    .join('');
  const failed = r.verdicts
    .filter((v) => v.status === 'fail' && v.evidence)
    .map(
      (v) => `<h3>${escapeXml(v.name)}</h3><p class="fail">${escapeXml(v.reason)}</p>
<div class="charts">${v.evidence!.link.length ? sequenceDiagram(v.evidence!.link, v.name) : '<p>(the link carried nothing of it)</p>'}</div>
<pre>${escapeXml(formatEvidence(v.evidence!, ''))}</pre>`,
    )
    .join('\n');
  return `<h2>check of ${escapeXml(r.program)}: ${escapeXml(r.assignment)} (${escapeXml(r.title)}), ${r.role}</h2>
<p class="${r.passed ? 'pass' : 'fail'}">score ${r.score} of ${r.maxScore}: ${r.passed ? 'passed' : 'failed'}${r.kind ? `; server kind: ${escapeXml(describeKind(r.kind))}` : ''}; seed ${r.seed}, profile ${escapeXml(r.profile)}</p>
<table><tr><th></th><th>points</th><th>verdict</th><th>reason</th></tr>${rows}</table>
${failed ? `<h2>evidence of the failed verdicts</h2>${failed}` : ''}
<h3>details</h3><pre>${escapeXml(formatCheck(r))}</pre>`;
}

function section(r: ExperimentResult): string {
  if (r.experiment === 'check') return checkSection(r);
  const charts =
    r.experiment === 'compare'
      ? compareCharts(r)
      : r.experiment === 'sweep'
        ? sweepCharts(r)
        : r.experiment === 'demux'
          ? [
              lossStrip({
                title: 'Each client’s datagrams (orange: no reply)',
                rows: r.clients.map((c) => ({
                  label: c.host,
                  cells: (c.udp.rtts ?? []).map((x) => (x === null ? 'lost' : 'ok')),
                })),
              }),
            ]
          : r.experiment === 'pinger'
            ? [
                lossStrip({
                  title: 'Pings (orange: Request timed out)',
                  rows: [{ label: 'reply', cells: r.pinger.rtts.map((x) => (x === null ? 'lost' : 'ok')) }],
                }),
                histogram({
                  title: 'Ping round-trip times',
                  xLabel: 'RTT (ms)',
                  values: r.pinger.rtts.filter((x): x is number => x !== null),
                  color: COLORS.udp,
                }),
              ]
            : [];
  const model = 'model' in r ? `<p>link: ${escapeXml(formatLinkModel(r.model))}</p>` : '';
  const verdicts = r.experiment === 'sweep' ? sweepVerdicts(r) : verdictTable(r.verdicts);
  return `<h2>${escapeXml(r.experiment)}</h2>${summaryLine(r.verdicts)}${model}<div class="charts">${charts.join('')}</div>
<h3>verdicts</h3>${verdicts}
<h3>details</h3><pre>${escapeXml(formatText(r))}</pre>`;
}

/** `12 verdicts: 11 pass, 1 fail, 0 n/a`, at the top of each section. */
function summaryLine(verdicts: { status: string }[]): string {
  const n = (s: string): number => verdicts.filter((v) => v.status === s).length;
  const fail = n('fail');
  return `<p class="summary ${fail ? 'fail' : 'pass'}">${verdicts.length} verdicts: ${n('pass')} pass, ${fail} fail, ${n('skip')} n/a</p>`;
}

/** A sweep's verdicts by point, each point folded away when all of its verdicts pass. */
function sweepVerdicts(r: SweepResult): string {
  return r.points
    .map((p) => {
      const failed = p.verdicts.filter((v) => v.status === 'fail').length;
      return `<details${failed ? ' open' : ''}><summary>loss ${p.lossPercent}%, delay ${p.delayMs} ms: ${failed ? `<span class="fail">${failed} FAIL</span>` : '<span class="pass">all pass</span>'}</summary>${verdictTable(p.verdicts)}</details>`;
    })
    .join('');
}

export function renderHtml(results: ExperimentResult[], title = 'socklab report'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeXml(title)}</h1>${results.map(section).join('\n')}</body></html>
`;
}
