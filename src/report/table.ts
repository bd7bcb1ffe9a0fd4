// Plain terminal tables: columns padded to their widest cell, numbers right-aligned.

export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const numeric = header.map(
    (_, c) => rows.length > 0 && rows.every((r) => /^[-\d.,%/ ]+(ms|s)?$/.test(r[c] ?? '')),
  );
  const line = (r: string[]): string =>
    r
      .map((cell, c) => (numeric[c] && c > 0 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
