// The files the web-server check puts in the program's directory: the textbook's HelloWorld.html
// and a binary file with every byte value (a server that reads files as text mangles it). Pure
// and fixed, so that every check serves the same bytes.
import { createHash } from 'node:crypto';

export const HELLO_HTML = Buffer.from(
  '<html>\n<head><title>Hello World</title></head>\n<body><h1>Hello World!</h1>\n<p>Served by your web server, through socklab’s impaired link.</p>\n</body>\n</html>\n',
);

/** 4096 bytes: every value 0–255, in an order of a fixed seeded shuffle, sixteen times. */
export const BINARY_FILE = (() => {
  const b = Buffer.alloc(4096);
  let x = 2463534242;
  for (let i = 0; i < b.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = (i & 255) ^ ((x >>> 0) & 255);
  }
  for (let v = 0; v < 256; v++) b[4095 - v] = v;
  return b;
})();

/** A page of about 24 KB: many segments, so that the lossy link loses some of them. */
export const LAB_HTML = Buffer.from(
  `<html>\n<head><title>socklab</title></head>\n<body>\n${Array.from(
    { length: 300 },
    (_, i) => `<p>Line ${i + 1}: UDP datagrams go missing; TCP delivers every byte, in order.</p>\n`,
  ).join('')}</body>\n</html>\n`,
);

export const WEB_FILES: Record<string, Buffer> = {
  'HelloWorld.html': HELLO_HTML,
  'lab.html': LAB_HTML,
  'socklab.bin': BINARY_FILE,
};

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
