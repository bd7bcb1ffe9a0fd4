// Writes the inner Ethernet frames the relay sees as pcapng, which Wireshark and tcpdump open.
// pcapng rather than pcap because each packet can carry a comment: that is how dropped,
// duplicated and corrupted frames are marked (Wireshark shows it as pkt_comment).
import { createWriteStream, type WriteStream } from 'node:fs';

const pad4 = (n: number): number => (n + 3) & ~3;

function option(code: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + pad4(value.length));
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  value.copy(b, 4);
  return b;
}

function block(type: number, body: Buffer): Buffer {
  const len = 12 + body.length;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}

const END_OF_OPTIONS = Buffer.alloc(4);

export class PcapngWriter {
  readonly path: string;
  readonly #out: WriteStream;
  frames = 0;

  constructor(path: string) {
    this.path = path;
    this.#out = createWriteStream(path);
    // Section header: byte-order magic, version 1.0, section length unknown.
    const shb = Buffer.alloc(16);
    shb.writeUInt32LE(0x1a2b3c4d, 0);
    shb.writeUInt16LE(1, 4);
    shb.writeUInt16LE(0, 6);
    shb.writeBigInt64LE(-1n, 8);
    this.#out.write(
      block(0x0a0d0d0a, Buffer.concat([shb, option(4, Buffer.from('socklab linkd')), END_OF_OPTIONS])),
    );
    // One interface: Ethernet (link type 1), microsecond timestamps (the default).
    const idb = Buffer.alloc(8);
    idb.writeUInt16LE(1, 0);
    idb.writeUInt32LE(262144, 4);
    this.#out.write(
      block(0x00000001, Buffer.concat([idb, option(2, Buffer.from('socklab-link')), END_OF_OPTIONS])),
    );
  }

  /** One frame, with a comment such as `up dropped (loss)`; `inbound` sets the direction flag. */
  write(frame: Buffer, timeMicros: bigint, comment: string, inbound: boolean): void {
    const head = Buffer.alloc(20);
    head.writeUInt32LE(0, 0);
    head.writeUInt32LE(Number(timeMicros >> 32n), 4);
    head.writeUInt32LE(Number(timeMicros & 0xffffffffn), 8);
    head.writeUInt32LE(frame.length, 12);
    head.writeUInt32LE(frame.length, 16);
    const data = Buffer.alloc(pad4(frame.length));
    frame.copy(data);
    const flags = Buffer.alloc(4);
    flags.writeUInt32LE(inbound ? 1 : 2, 0);
    const opts = Buffer.concat([option(1, Buffer.from(comment)), option(2, flags), END_OF_OPTIONS]);
    this.#out.write(block(0x00000006, Buffer.concat([head, data, opts])));
    this.frames++;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#out.end(() => resolve()));
  }
}
