// Charts as SVG text, built by pure functions: no script, no fonts or files to fetch, so the
// report page opens anywhere, with no network.

export const COLORS = {
  udp: '#d62728',
  tcp: '#1f77b4',
  lost: '#ff7f0e',
  ok: '#2ca02c',
  axis: '#444444',
} as const;

export const escapeXml = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const W = 560;
const H = 300;
const M = { left: 60, right: 130, top: 30, bottom: 45 };
const f = (x: number): string => (Math.round(x * 10) / 10).toString();

function niceMax(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= x) ?? 10) * p;
}

function frame(title: string, xLabel: string, yLabel: string, inner: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(title)}">` +
    `<rect width="${W}" height="${H}" fill="#ffffff"/>` +
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-family="sans-serif">${escapeXml(title)}</text>` +
    `<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 8}" text-anchor="middle" font-size="12" font-family="sans-serif">${escapeXml(xLabel)}</text>` +
    `<text transform="translate(14 ${M.top + (H - M.top - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12" font-family="sans-serif">${escapeXml(yLabel)}</text>` +
    inner +
    '</svg>'
  );
}

function axes(xMax: number, yMax: number, xTicks: number[], yFmt: (y: number) => string): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  let s = `<g stroke="${COLORS.axis}" stroke-width="1"><line x1="${M.left}" y1="${M.top + ph}" x2="${M.left + pw}" y2="${M.top + ph}"/><line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}"/></g>`;
  for (let i = 0; i <= 4; i++) {
    const y = M.top + ph - (ph * i) / 4;
    s += `<line x1="${M.left}" x2="${M.left + pw}" y1="${f(y)}" y2="${f(y)}" stroke="#dddddd"/><text x="${M.left - 6}" y="${f(y + 4)}" text-anchor="end" font-size="11" font-family="sans-serif">${escapeXml(yFmt((yMax * i) / 4))}</text>`;
  }
  for (const t of xTicks) {
    const x = M.left + (pw * t) / xMax;
    s += `<text x="${f(x)}" y="${M.top + ph + 16}" text-anchor="middle" font-size="11" font-family="sans-serif">${escapeXml(String(t))}</text>`;
  }
  return s;
}

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

export function lineChart(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  yMax?: number;
  yFormat?: (y: number) => string;
}): string {
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const xMax = niceMax(Math.max(1, ...xs));
  const yMax = o.yMax ?? niceMax(Math.max(0, ...o.series.flatMap((s) => s.points.map((p) => p[1]))));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number): number => M.left + (pw * x) / xMax;
  const py = (y: number): number => M.top + ph - (ph * Math.min(y, yMax)) / yMax;
  let inner = axes(
    xMax,
    yMax,
    [...new Set(xs)].sort((a, b) => a - b),
    o.yFormat ?? ((y) => f(y)),
  );
  o.series.forEach((s, i) => {
    const pts = s.points.map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ');
    inner += `<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="3"/>`;
    for (const [x, y] of s.points)
      inner += `<circle cx="${f(px(x))}" cy="${f(py(y))}" r="5" fill="${s.color}"/>`;
    const ly = M.top + 10 + i * 20;
    inner += `<rect x="${W - M.right + 12}" y="${ly - 8}" width="14" height="10" fill="${s.color}"/><text x="${W - M.right + 32}" y="${ly + 1}" font-size="12" font-family="sans-serif">${escapeXml(s.name)}</text>`;
  });
  return frame(o.title, o.xLabel, o.yLabel, inner);
}

export function histogram(o: {
  title: string;
  xLabel: string;
  values: number[];
  color: string;
  bins?: number;
}): string {
  const bins = o.bins ?? 20;
  if (o.values.length === 0)
    return frame(
      o.title,
      o.xLabel,
      'count',
      `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-family="sans-serif">no samples</text>`,
    );
  const lo = Math.min(...o.values);
  const hi = Math.max(...o.values);
  const width = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of o.values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  const yMax = niceMax(Math.max(...counts));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  let inner = axes(bins, yMax, [], (y) => String(Math.round(y)));
  counts.forEach((c, i) => {
    const h = (ph * c) / yMax;
    inner += `<rect x="${f(M.left + (pw * i) / bins + 1)}" y="${f(M.top + ph - h)}" width="${f(pw / bins - 2)}" height="${f(h)}" fill="${o.color}"/>`;
  });
  inner += `<text x="${M.left}" y="${M.top + ph + 16}" font-size="11" font-family="sans-serif">${f(lo)}</text><text x="${M.left + pw}" y="${M.top + ph + 16}" text-anchor="end" font-size="11" font-family="sans-serif">${f(hi)}</text>`;
  return frame(o.title, o.xLabel, 'count', inner);
}

export type Cell = 'ok' | 'lost';

/** One row of cells per sequence number, e.g. what the client saw and what the link dropped. */
export function lossStrip(o: { title: string; rows: { label: string; cells: Cell[] }[] }): string {
  const n = Math.max(1, ...o.rows.map((r) => r.cells.length));
  const left = 150;
  const pw = W - left - 20;
  const cw = pw / n;
  let inner = '';
  o.rows.forEach((r, i) => {
    const y = 40 + i * 40;
    inner += `<text x="${left - 8}" y="${y + 18}" text-anchor="end" font-size="12" font-family="sans-serif">${escapeXml(r.label)}</text>`;
    r.cells.forEach((c, s) => {
      inner += `<rect x="${f(left + s * cw)}" y="${y}" width="${f(Math.max(1, cw))}" height="28" fill="${c === 'lost' ? COLORS.lost : COLORS.ok}"/>`;
    });
  });
  const h = 60 + o.rows.length * 40;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" aria-label="${escapeXml(o.title)}">` +
    `<rect width="${W}" height="${h}" fill="#ffffff"/><text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-family="sans-serif">${escapeXml(o.title)}</text>${inner}` +
    `<text x="${left}" y="${h - 8}" font-size="11" font-family="sans-serif">seq 0</text><text x="${W - 20}" y="${h - 8}" text-anchor="end" font-size="11" font-family="sans-serif">seq ${n - 1}</text></svg>`
  );
}
