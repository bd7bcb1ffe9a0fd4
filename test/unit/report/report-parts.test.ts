// The report's pure parts: tables, SVG charts, the progress bar.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from '../../../src/report/progress-bar.ts';
import { COLORS, histogram, lineChart, lossStrip } from '../../../src/report/svg-chart.ts';
import { formatTable } from '../../../src/report/table.ts';

describe('formatTable', () => {
  it('pads columns to the widest cell and right-aligns numbers', () => {
    expect(
      formatTable(
        ['loss', 'delivered'],
        [
          ['0%', '100.0%'],
          ['20%', '64.5%'],
        ],
      ),
    ).toBe(['loss  delivered', '----  ---------', '0%       100.0%', '20%       64.5%'].join('\n'));
  });
});

describe('SVG charts', () => {
  it('line chart: one polyline and one marker per point per series, each series its own marker, a legend, escaped text', () => {
    const svg = lineChart({
      title: 'Delivered <vs> loss',
      xLabel: 'loss',
      yLabel: '%',
      yMax: 100,
      series: [
        {
          name: 'UDP',
          color: COLORS.udp,
          points: [
            [0, 100],
            [10, 81],
            [20, 64],
          ],
        },
        {
          name: 'TCP',
          color: COLORS.tcp,
          points: [
            [0, 100],
            [10, 100],
            [20, 100],
          ],
        },
      ],
    });
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    // Three points and the legend's sample: circles for the first series, squares for the second.
    expect(svg.match(new RegExp(`<circle [^>]*fill="${COLORS.udp}"`, 'g'))).toHaveLength(4);
    expect(svg.match(new RegExp(`<rect [^>]*fill="${COLORS.tcp}"`, 'g'))).toHaveLength(4);
    expect(svg).toContain('Delivered &lt;vs&gt; loss');
    expect(svg).toContain('>UDP</text>');
    // TCP at 100% sits on the top gridline, UDP at 64% lower down.
    const udpY = [...svg.matchAll(new RegExp(`cy="([\\d.]+)" r="5" fill="${COLORS.udp}"`, 'g'))].map((m) =>
      Number(m[1]),
    );
    const tcpY = [
      ...svg.matchAll(new RegExp(`y="([\\d.]+)" width="10" height="10" fill="${COLORS.tcp}"`, 'g')),
    ].map((m) => Number(m[1]) + 5);
    expect(new Set(tcpY.slice(0, 3)).size).toBe(1);
    expect(udpY[2]).toBeGreaterThan(tcpY[2]!);
  });

  it('histogram: one bar per bin, heights following the counts', () => {
    const svg = histogram({
      title: 'RTT',
      xLabel: 'ms',
      values: [1, 1, 1, 2, 3],
      color: COLORS.udp,
      bins: 2,
    });
    const heights = [...svg.matchAll(new RegExp(`height="([\\d.]+)" fill="${COLORS.udp}"`, 'g'))].map((m) =>
      Number(m[1]),
    );
    expect(heights).toHaveLength(2);
    expect(heights[0]! / heights[1]!).toBeCloseTo(3 / 2, 1);
    expect(histogram({ title: 'RTT', xLabel: 'ms', values: [], color: COLORS.udp })).toContain('no samples');
  });

  it('loss strip: one cell per sequence number, lost ones in the loss color', () => {
    const svg = lossStrip({
      title: 's',
      rows: [{ label: 'client', cells: ['ok', 'lost', 'ok', 'lost', 'lost'] }],
    });
    expect(svg.match(new RegExp(`fill="${COLORS.lost}"`, 'g'))).toHaveLength(3);
    expect(svg.match(new RegExp(`fill="${COLORS.ok}"`, 'g'))).toHaveLength(2);
  });
});

describe('progressBar', () => {
  const sink = (tty: boolean) => {
    const chunks: string[] = [];
    const s = new Writable({
      write(c, _e, cb) {
        chunks.push(String(c));
        cb();
      },
    }) as unknown as NodeJS.WriteStream;
    (s as { isTTY?: boolean }).isTTY = tty;
    return { s, chunks };
  };
  it('draws on a terminal and stays silent in a pipe', () => {
    const t = sink(true);
    const bar = progressBar(t.s);
    bar.update(1, 4, 'loss 5%');
    bar.end();
    expect(t.chunks[0]).toMatch(/^\r\[#{8}\.{22}\] 1\/4 loss 5%/);
    const p = sink(false);
    progressBar(p.s).update(1, 4, 'x');
    expect(p.chunks).toEqual([]);
  });
});
