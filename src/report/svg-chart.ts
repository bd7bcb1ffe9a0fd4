// Charts as SVG text, built by pure functions: no script, no fonts or files to fetch, so the
// report page opens anywhere, with no network.

// Okabe and Ito's colour-blind safe palette.
export const COLORS = {
  udp: '#D55E00',
  tcp: '#0072B2',
  lost: '#E69F00',
  ok: '#009E73',
  axis: '#444444',
} as const;

export type Marker = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'ring';

/** Series after the first two: their own colour, marker and dash, never one of UDP's or TCP's. */
export const SERIES_STYLES: { color: string; marker: Marker; dash: string }[] = [
  { color: COLORS.udp, marker: 'circle', dash: '' },
  { color: COLORS.tcp, marker: 'square', dash: '' },
  { color: '#CC79A7', marker: 'triangle', dash: '7 4' },
  { color: '#56B4E9', marker: 'diamond', dash: '7 4' },
  { color: '#009E73', marker: 'cross', dash: '2 3' },
  { color: '#000000', marker: 'ring', dash: '2 3' },
];

/** A marker centred on (x, y). */
function marker(m: Marker, x: number, y: number, color: string): string {
  const r = 5;
  switch (m) {
    case 'circle':
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${r}" fill="${color}"/>`;
    case 'ring':
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${r}" fill="#ffffff" stroke="${color}" stroke-width="2"/>`;
    case 'square':
      return `<rect x="${f(x - r)}" y="${f(y - r)}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`;
    case 'triangle':
      return `<polygon points="${f(x)},${f(y - r - 1)} ${f(x - r - 1)},${f(y + r)} ${f(x + r + 1)},${f(y + r)}" fill="${color}"/>`;
    case 'diamond':
      return `<polygon points="${f(x)},${f(y - r - 1)} ${f(x + r + 1)},${f(y)} ${f(x)},${f(y + r + 1)} ${f(x - r - 1)},${f(y)}" fill="${color}"/>`;
    case 'cross':
      return `<path d="M${f(x - r)},${f(y - r)}L${f(x + r)},${f(y + r)}M${f(x - r)},${f(y + r)}L${f(x + r)},${f(y - r)}" stroke="${color}" stroke-width="3"/>`;
  }
}

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

/** A round step (1, 2, 2.5 or 5 times a power of ten) near `x`. */
function niceStep(x: number): number {
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
  /** Default: the series' place in SERIES_STYLES. */
  color?: string;
  marker?: Marker;
  dash?: string;
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
    const style = SERIES_STYLES[i % SERIES_STYLES.length]!;
    const color = s.color ?? style.color;
    const m = s.marker ?? style.marker;
    const dash = s.dash ?? style.dash;
    const pts = s.points.map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ');
    inner += `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="3"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
    for (const [x, y] of s.points) inner += marker(m, px(x), py(y), color);
    const ly = M.top + 10 + i * 20;
    inner += `<line x1="${W - M.right + 6}" x2="${W - M.right + 30}" y1="${ly - 3}" y2="${ly - 3}" stroke="${color}" stroke-width="3"${dash ? ` stroke-dasharray="${dash}"` : ''}/>${marker(m, W - M.right + 18, ly - 3, color)}<text x="${W - M.right + 36}" y="${ly + 1}" font-size="12" font-family="sans-serif">${escapeXml(s.name)}</text>`;
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
  // Ticks along the values' range, at round steps, each at its place.
  const step = niceStep((hi - lo) / 5 || 1);
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) {
    const x = M.left + (pw * (t - lo)) / (width * bins);
    inner += `<line x1="${f(x)}" x2="${f(x)}" y1="${M.top + ph}" y2="${M.top + ph + 4}" stroke="${COLORS.axis}"/><text x="${f(x)}" y="${M.top + ph + 16}" text-anchor="middle" font-size="11" font-family="sans-serif">${f(t)}</text>`;
  }
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
