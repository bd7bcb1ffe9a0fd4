// The tar reader used for files copied out of containers: it reads what the writer writes, and
// skips the PAX headers and directories that Docker's archives carry.
import { describe, expect, it } from 'vitest';
import { filesOfTar, tarOf } from '../../../src/lab/docker/tar.ts';

/** One header block of `type` with `size` bytes of content after it. */
function entry(name: string, type: string, content: Buffer): Buffer {
  const one = tarOf({ [name]: content });
  one.write(type, 156);
  // The checksum is not read; only the type and the size move the reader.
  return one.subarray(0, 512 + Math.ceil(content.length / 512) * 512);
}

describe('filesOfTar', () => {
  it('reads back what tarOf wrote, sizes across block boundaries included', () => {
    const files = { a: Buffer.alloc(0), b: Buffer.from('x'.repeat(512)), c: Buffer.from('y'.repeat(1000)) };
    const back = filesOfTar(tarOf(files));
    expect([...back.keys()]).toEqual(['a', 'b', 'c']);
    expect(back.get('c')!.equals(files.c)).toBe(true);
    expect(back.get('b')!.length).toBe(512);
  });

  it('skips PAX headers and directories and stops at the end blocks', () => {
    const pax = entry('PaxHeaders/x', 'x', Buffer.from('30 mtime=1795276767.218705317\n'));
    const dir = entry('tmp/', '5', Buffer.alloc(0));
    const file = entry('socklab-capture.pcap', '0', Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]));
    const tar = Buffer.concat([pax, dir, file, Buffer.alloc(1024), Buffer.from('trailing')]);
    const files = filesOfTar(tar);
    expect([...files.keys()]).toEqual(['socklab-capture.pcap']);
    expect([...files.get('socklab-capture.pcap')!]).toEqual([0x0a, 0x0d, 0x0d, 0x0a]);
  });
});
