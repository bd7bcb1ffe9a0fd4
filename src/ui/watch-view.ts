// `socklab watch`: the live view on a terminal. On a terminal the same block is redrawn in place
// (the model, counters per protocol, a strip of the newest frames as letters coloured by fate);
// elsewhere (a pipe, a log) one plain line per snapshot with what changed. Pure renderers.
import type { Counter, RelayStats } from '../link/control/relay-stats.ts';
import type { ScenarioStatus } from '../link/control/scenario-runner.ts';
import { formatTable } from '../report/table.ts';
import type { FrameView, LiveSnapshot } from './live-feed.ts';
import { COUNTER_LABELS, FATE_STYLE } from './ui-page.ts';

const ANSI: Record<string, string> = {
  lost: '\x1b[31m',
  duplicated: '\x1b[33m',
  reordered: '\x1b[36m',
  corrupted: '\x1b[35m',
  'queue-drop': '\x1b[1;30m',
  outage: '\x1b[34m',
  forged: '\x1b[32m',
};

/** The newest frames of one protocol and direction as letters: . forwarded, x lost, d, r, c, q, o. */
export function fateStrip(frames: FrameView[], color: boolean): string {
  return frames
    .map((f) => {
      const letter = FATE_STYLE[f.fate]!.letter;
      return color && ANSI[f.fate] ? `${ANSI[f.fate]}${letter}\x1b[0m` : letter;
    })
    .join('');
}

const COUNTERS = Object.keys(COUNTER_LABELS) as Counter[];

/** Rows per direction and protocol; with several clients, per client too (a client column first). */
function counterRows(stats: RelayStats): string[][] {
  const paths = stats.clients ? Object.entries(stats.clients) : [['', stats] as const];
  const rows: string[][] = [];
  for (const [client, path] of paths)
    for (const dir of ['up', 'down'] as const)
      for (const [proto, c] of Object.entries(path[dir].byProtocol)) {
        if (!c.received) continue;
        rows.push([...(client ? [client] : []), dir, proto, ...COUNTERS.map((k) => String(c[k]))]);
      }
  return rows;
}

const scenarioText = (s: ScenarioStatus): string =>
  `scenario ${s.name}: step ${s.step}/${s.steps} (${s.text})${s.next ? `, next in ${(s.next.inMs / 1000).toFixed(1)} s` : ''}`;

/** Each client's path, a line each (a lab of several clients). */
function pathLines(s: LiveSnapshot): string[] {
  return (s.paths ?? []).map(
    (p) =>
      `${p.client.padEnd(8)} up: ${p.up}; down: ${p.down}${p.scenario ? `; ${scenarioText(p.scenario)}` : ''}`,
  );
}

/** The block a terminal shows, redrawn at each snapshot. */
export function watchBlock(s: LiveSnapshot, strips: Record<string, FrameView[]>, color: boolean): string {
  const head = `socklab watch: ${s.project} (${s.backend}, engine ${s.engine}, seed ${s.model.seed})   Ctrl-C to stop`;
  const model = [
    `up   (client → server): ${s.model.up}`,
    `down (server → client): ${s.model.down}`,
    ...(s.scenario ? [scenarioText(s.scenario)] : []),
    ...pathLines(s),
  ].join('\n');
  const rows = counterRows(s.stats);
  const table = rows.length
    ? formatTable(
        [...(s.stats.clients ? ['client'] : []), 'dir', 'proto', ...COUNTERS.map((k) => COUNTER_LABELS[k])],
        rows,
      )
    : '(no frames yet)';
  const legend = Object.values(FATE_STYLE)
    .map((f) => `${f.letter} ${f.label}`)
    .join('   ');
  const stripLines = Object.entries(strips).map(([k, v]) => `${k.padEnd(9)} ${fateStrip(v, color)}`);
  return [head, '', model, '', table, '', `newest frames (${legend}):`, ...stripLines].join('\n');
}

/** One line per snapshot where there is no terminal: the counts of what happened since the last. */
export function watchLine(s: LiveSnapshot): string {
  const count = (fate: string): number => s.frames.filter((f) => f.fate === fate).length;
  const parts = Object.keys(FATE_STYLE)
    .map((fate) => [fate, count(fate)] as const)
    .filter(([, n]) => n > 0)
    .map(([fate, n]) => `${n} ${FATE_STYLE[fate]!.label}`);
  return `${new Date().toISOString().slice(11, 23)} ${s.frames.length} frames${parts.length ? `: ${parts.join(', ')}` : ''}; up: ${s.model.up}; down: ${s.model.down}${s.scenario ? `; step ${s.scenario.step}/${s.scenario.steps}` : ''}${(s.paths ?? []).map((p) => `; ${p.client} up: ${p.up}, down: ${p.down}`).join('')}`;
}
