// A failed exchange as a sequence diagram: client, link and server lanes, one arrow per frame of
// the link's record, labelled with what it carried (TCP flags, the payload's first bytes) and
// ending at the link when the link dropped it. Inline SVG, pure.
import { preview } from '../grading/exchange.ts';
import type { PacketRecord } from '../link/control/packet-record.ts';
import { tcpFlags } from './check-text.ts';
import { escapeXml } from './svg-chart.ts';

const LANES = { client: 70, link: 330, server: 590 };
const ROW = 26;
const FATE_COLOR = {
  forwarded: '#24292f',
  lost: '#cf222e',
  outage: '#cf222e',
  'queue-drop': '#cf222e',
  forged: '#cf222e',
  corrupted: '#bf8700',
};

export function sequenceDiagram(records: PacketRecord[], title: string, max = 40): string {
  const shown = records.slice(-max);
  const height = 60 + shown.length * ROW + 20;
  const width = 660;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>`,
  ];
  for (const [name, x] of Object.entries(LANES)) {
    parts.push(`<text x="${x}" y="18" text-anchor="middle" font-weight="bold" font-size="13">${name}</text>`);
    parts.push(
      `<line x1="${x}" y1="26" x2="${x}" y2="${height - 10}" stroke="#8c959f" stroke-dasharray="${name === 'link' ? '6 3' : '0'}"/>`,
    );
  }
  shown.forEach((r, i) => {
    const y = 48 + i * ROW;
    const up = r.dir === 'up';
    const from = up ? LANES.client : LANES.server;
    const to = up ? LANES.server : LANES.client;
    const dropped = r.fate !== 'forwarded';
    const color = dropped ? FATE_COLOR[r.fate] : r.corrupted ? FATE_COLOR.corrupted : FATE_COLOR.forwarded;
    const end = dropped ? LANES.link : to;
    const what = `${r.proto === 'tcp' ? `[${tcpFlags(r.flags)}] ` : ''}${r.plen ? preview(Buffer.from(r.head ?? '', 'base64'), 28) : ''}`;
    const fate = dropped
      ? r.fate === 'queue-drop'
        ? 'queue full'
        : r.fate === 'outage' || r.fate === 'forged'
          ? r.fate
          : 'lost'
      : [
          r.corrupted && 'corrupted',
          r.duplicated && 'duplicated',
          r.reordered && 'reordered',
          r.delayMs >= 0.05 && `+${r.delayMs.toFixed(1)} ms`,
        ]
          .filter(Boolean)
          .join(', ');
    parts.push(
      `<line x1="${from}" y1="${y}" x2="${end}" y2="${y + 8}" stroke="${color}" stroke-width="1.6" marker-end="url(#arrow)"${r.duplicated ? ' stroke-dasharray="4 2"' : ''}/>`,
    );
    parts.push(
      `<text x="${(from + (dropped ? LANES.link : to)) / 2}" y="${y - 3}" text-anchor="middle" fill="${color}" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(what)}</text>`,
    );
    if (dropped)
      parts.push(
        `<text x="${LANES.link + (up ? 8 : -8)}" y="${y + 12}" text-anchor="${up ? 'start' : 'end'}" fill="${color}" font-weight="bold">✗ ${escapeXml(fate)}</text>`,
      );
    else if (fate)
      parts.push(`<text x="${LANES.link + 6}" y="${y + 16}" fill="#57606a">${escapeXml(fate)}</text>`);
  });
  if (records.length > shown.length)
    parts.push(
      `<text x="${width / 2}" y="${height - 4}" text-anchor="middle" fill="#57606a">the last ${shown.length} of ${records.length} frames</text>`,
    );
  parts.push('</svg>');
  return parts.join('');
}
