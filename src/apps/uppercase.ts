// Uppercasing with the semantics of the textbook's Python servers: `message.decode().upper()`,
// except that bytes which are not valid UTF-8 come back unchanged (Python's `surrogateescape`).
// Python and JavaScript both apply Unicode's full case mapping, so `straße` becomes `STRASSE`.

/**
 * Length of the UTF-8 sequence starting at `i`: n > 0 when valid, 0 when the byte at `i` cannot
 * start a valid sequence, -1 when it is a valid prefix cut off by `end` (more bytes may complete it).
 */
export function utf8SequenceLength(buf: Uint8Array, i: number, end: number): number {
  const b0 = buf[i]!;
  if (b0 < 0x80) return 1;
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    if (b0 === 0xe0) lo = 0xa0; // overlong
    if (b0 === 0xed) hi = 0x9f; // surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    if (b0 === 0xf0) lo = 0x90; // overlong
    if (b0 === 0xf4) hi = 0x8f; // beyond U+10FFFF
  } else return 0;
  for (let k = 1; k <= need; k++) {
    if (i + k >= end) return -1;
    const b = buf[i + k]!;
    const min = k === 1 ? lo : 0x80;
    const max = k === 1 ? hi : 0xbf;
    if (b < min || b > max) return 0;
  }
  return need + 1;
}

function upperValidRun(buf: Uint8Array, start: number, end: number, ascii: boolean, out: Buffer[]): void {
  if (start === end) return;
  if (ascii) {
    const run = Buffer.allocUnsafe(end - start);
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      run[i - start] = b >= 0x61 && b <= 0x7a ? b - 0x20 : b;
    }
    out.push(run);
    return;
  }
  out.push(
    Buffer.from(
      Buffer.from(buf.buffer, buf.byteOffset + start, end - start)
        .toString('utf8')
        .toUpperCase(),
    ),
  );
}

/**
 * Uppercases `buf[0, end)`. Returns the output and how many bytes at the end were left unconsumed
 * because they are the start of a sequence that the next chunk may complete.
 */
function upperChunk(buf: Uint8Array, final: boolean): { out: Buffer; rest: number } {
  const out: Buffer[] = [];
  const end = buf.length;
  let runStart = 0;
  let ascii = true;
  let i = 0;
  while (i < end) {
    const n = utf8SequenceLength(buf, i, end);
    if (n > 0) {
      if (n > 1) ascii = false;
      i += n;
      continue;
    }
    upperValidRun(buf, runStart, i, ascii, out);
    if (n === -1 && !final) {
      return { out: Buffer.concat(out), rest: end - i };
    }
    // An invalid byte, or a truncated sequence at the very end: passed through as it is.
    out.push(Buffer.from([buf[i]!]));
    i += 1;
    runStart = i;
    ascii = true;
  }
  upperValidRun(buf, runStart, end, ascii, out);
  return { out: out.length === 1 ? out[0]! : Buffer.concat(out), rest: 0 };
}

/**
 * ASCII letters uppercased, every other byte as it came: what C's toupper() in the "C" locale,
 * Python's bytes.upper() and most languages' byte-wise functions give (`straße` → `STRAßE`).
 */
export function asciiUppercaseBytes(buf: Uint8Array): Buffer {
  const out = Buffer.from(buf);
  for (let i = 0; i < out.length; i++) if (out[i]! >= 0x61 && out[i]! <= 0x7a) out[i] = out[i]! - 0x20;
  return out;
}

/** Uppercases one whole message (a UDP datagram). */
export function uppercaseBytes(buf: Uint8Array): Buffer {
  return upperChunk(buf, true).out;
}

/** Uppercases a byte stream chunk by chunk; characters split across chunks are handled. */
export class StreamUppercaser {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Buffer {
    const data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    const { out, rest } = upperChunk(data, false);
    this.#pending = rest > 0 ? Buffer.from(data.subarray(data.length - rest)) : Buffer.alloc(0);
    return out;
  }

  /** At end of stream, a sequence that never completed is returned unchanged. */
  end(): Buffer {
    const rest = this.#pending;
    this.#pending = Buffer.alloc(0);
    return rest;
  }
}
