// The class report (`socklab grade --html`): one self-contained page with the score distribution,
// how many submissions failed each verdict, a row per submission, and a section per submission
// with its evidence (the sequence diagram of each failed exchange). No script, nothing fetched.
import type { GradeResult } from '../grading/grade.ts';
import { gradeSummary } from './grade-formats.ts';
import { checkSection, STYLE } from './html-report.ts';
import { COLORS, escapeXml, histogram } from './svg-chart.ts';

/** Horizontal bars, one per label, with its count written at the end. */
function bars(title: string, items: [string, number][], total: number): string {
  const row = 24;
  const width = 640;
  const left = 230;
  const height = 40 + items.length * row;
  const scale = (n: number): number => (total ? ((width - left - 60) * n) / total : 0);
  const parts = items.map(([label, n], i) => {
    const y = 30 + i * row;
    return `<text x="${left - 8}" y="${y + 14}" text-anchor="end">${escapeXml(label)}</text><rect x="${left}" y="${y}" width="${scale(n).toFixed(1)}" height="${row - 8}" fill="${COLORS.lost}"/><text x="${left + scale(n) + 6}" y="${y + 14}">${n} of ${total}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}"><title>${escapeXml(title)}</title><text x="${width / 2}" y="16" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>${parts.join('')}</svg>`;
}

export function renderClassReport(g: GradeResult): string {
  const s = gradeSummary(g);
  const failed = Object.entries(s.failedBy).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const rows = g.submissions
    .map((x) => {
      const f = x.check
        ? x.check.verdicts
            .filter((v) => v.status !== 'pass')
            .map((v) => v.id)
            .join(', ')
        : x.problem;
      return `<tr><td><a href="#${encodeURIComponent(x.name)}">${escapeXml(x.name)}</a></td><td class="${x.passed ? 'pass' : 'fail'}">${x.score}/${x.maxScore}</td><td>${escapeXml(f || '-')}</td><td>${x.seed}</td></tr>`;
    })
    .join('');
  const sections = g.submissions
    .map(
      (x) =>
        `<section id="${escapeXml(encodeURIComponent(x.name))}"><h2>${escapeXml(x.name)}: ${x.score}/${x.maxScore}</h2>${
          x.check ? checkSection(x.check) : `<p class="fail">not checked: ${escapeXml(x.problem ?? '')}</p>`
        }</section>`,
    )
    .join('\n');
  const charts = [
    histogram({
      title: 'Score distribution',
      xLabel: 'score',
      values: g.submissions.map((x) => x.score),
      color: COLORS.tcp,
    }),
    failed.length ? bars('Submissions that failed each verdict', failed, s.submissions) : '',
  ].join('');
  const title = `socklab grade: ${g.assignment} (${g.title}), the ${g.role}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeXml(title)}</h1>
<p>${s.submissions} submissions, ${s.passed} passed every required verdict, mean score ${s.meanScore}${s.notChecked ? `, ${s.notChecked} could not be checked` : ''}. ${escapeXml(g.seedRule)}.</p>
<div class="charts">${charts}</div>
<table><tr><th>submission</th><th>score</th><th>failed verdicts</th><th>seed</th></tr>${rows}</table>
${sections}
</body></html>
`;
}
