// TCP is a byte stream with no message boundaries: a reader finds the messages itself. This one
// splits at newlines and keeps the partial line between reads without copying on every chunk.

export class LineFramer {
  #parts: Buffer[] = [];
  #length = 0;

  /** Feeds a chunk; returns the complete lines it finished, each with its newline. */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    let nl = chunk.indexOf(0x0a);
    while (nl !== -1) {
      const piece = chunk.subarray(start, nl + 1);
      if (this.#parts.length > 0) {
        this.#parts.push(piece);
        lines.push(Buffer.concat(this.#parts, this.#length + piece.length));
        this.#parts = [];
        this.#length = 0;
      } else {
        lines.push(piece);
      }
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      this.#parts.push(chunk.subarray(start));
      this.#length += chunk.length - start;
    }
    return lines;
  }

  /** Bytes received after the last newline. */
  rest(): Buffer {
    return Buffer.concat(this.#parts, this.#length);
  }

  get pendingBytes(): number {
    return this.#length;
  }
}
