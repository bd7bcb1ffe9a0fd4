// The pure parts of users' own software at the ends: what an endpoint may say on each backend,
// the CLI's PORT/PROTO, and the expose tunnel's frames.
import { describe, expect, it } from 'vitest';
import { encodeFrame, FRAME, FrameReader } from '../../../src/common/tunnel-frames.ts';
import { parsePortSpec, validateEndpoint } from '../../../src/lab/endpoint.ts';

describe('an endpoint', () => {
  it('is an image on Docker and a command on netns, each refused on the other with the fix', () => {
    expect(validateEndpoint('server', { image: 'nginx:1.25' }, 'docker')).toEqual({ image: 'nginx:1.25' });
    expect(() => validateEndpoint('server', { image: 'nginx' }, 'netns')).toThrow(
      /^server: the netns backend runs no images: give command/,
    );
    expect(() => validateEndpoint('client', { command: 'dig' }, 'docker')).toThrow(
      /^client: give the image to run/,
    );
    expect(() => validateEndpoint('server', { command: 'x', ready: {} }, 'netns')).toThrow(
      /ready needs a port or a log line/,
    );
    expect(() => validateEndpoint('server', { command: 'x', ready: { port: 70000 } }, 'netns')).toThrow(
      /ready.port must be 1–65535/,
    );
    expect(() => validateEndpoint('server', { image: 'a', env: { 'BAD-NAME': '1' } }, 'docker')).toThrow(
      /env names/,
    );
  });

  it('PORT/PROTO: tcp when left out; anything else refused with the form', () => {
    expect(parsePortSpec('53/udp')).toEqual({ port: 53, proto: 'udp' });
    expect(parsePortSpec('6789')).toEqual({ port: 6789, proto: 'tcp' });
    expect(() => parsePortSpec('80/sctp')).toThrow(
      /--expose must be PORT\/PROTO such as 6789\/tcp or 53\/udp, got '80\/sctp'/,
    );
  });
});

describe('the tunnel’s frames', () => {
  it('come out whole however the stream cuts them', () => {
    const bytes = Buffer.concat([
      encodeFrame(FRAME.open, 1),
      encodeFrame(FRAME.data, 1, Buffer.from('hello')),
      encodeFrame(FRAME.error, 7, Buffer.from('ECONNREFUSED')),
    ]);
    const r = new FrameReader();
    const got = [];
    for (let i = 0; i < bytes.length; i += 3) got.push(...r.push(bytes.subarray(i, i + 3)));
    expect(got.map((f) => [f.type, f.chan, f.payload.toString()])).toEqual([
      [FRAME.open, 1, ''],
      [FRAME.data, 1, 'hello'],
      [FRAME.error, 7, 'ECONNREFUSED'],
    ]);
  });
});
