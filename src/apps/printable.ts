/** A message as a log line shows it: text with control bytes escaped, long ones shortened. */
export function printable(buf: Uint8Array, max = 120): string {
  const text = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.length, max * 4))
    .toString('utf8')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control bytes is the point
    .replace(/[\u0000-\u001f\u007f\ufffd]/g, (c) =>
      c === '\ufffd' ? '\\x?' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
  const chars = [...text];
  return chars.length > max || buf.length > max * 4
    ? `${chars.slice(0, max).join('')}… (${buf.length} bytes)`
    : text;
}
