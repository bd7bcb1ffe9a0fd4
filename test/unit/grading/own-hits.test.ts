// Which of a SYN-ACK rule's hits were on a handshake the program began: the grader once passed a
// client that gives connect() half a second because the rule had dropped a SYN-ACK the server
// resent for a connection an earlier run left half-open, and the program's own went through.
import { describe, expect, it } from 'vitest';
import { ownHits } from '../../../src/grading/verdicts/event-verdicts.ts';
import { packetRecord } from '../../support/packet-records.ts';

const RULE = 'drop tcp syn-ack #1';
const syn = (n: number, sport: number) =>
  packetRecord({ n, proto: 'tcp', flags: 2, plen: 0, sport, dport: 12000 });
const synAck = (n: number, dport: number, rule?: string) =>
  packetRecord({
    n,
    dir: 'down',
    proto: 'tcp',
    flags: 18,
    plen: 0,
    src: '198.19.0.2',
    dst: '198.19.0.1',
    sport: 12000,
    dport,
    fate: rule ? 'lost' : 'forwarded',
    ...(rule ? { rule } : {}),
  });

describe('ownHits: the lost SYN-ACK was the program’s own', () => {
  it('counts a hit whose SYN the link saw first, from the same port', () => {
    expect(ownHits([syn(1, 40001), synAck(2, 40001, RULE), synAck(3, 40001)]).map((r) => r.n)).toEqual([2]);
  });

  it('does not count a resent SYN-ACK of a connection begun before the record', () => {
    // The stale one is hit (#1 for the port); the program's SYN-ACK, #2, went through.
    const record = [synAck(1, 39999, RULE), syn(2, 40001), synAck(3, 40001)];
    expect(ownHits(record)).toEqual([]);
  });

  it('does not take a SYN to another port, or one after the hit, for the hit’s own', () => {
    expect(ownHits([syn(1, 40002), synAck(2, 40001, RULE)])).toEqual([]);
    expect(ownHits([synAck(1, 40001, RULE), syn(2, 40001)])).toEqual([]);
  });

  it('does not count a SYN-ACK the link passed, nor an ACK for a SYN', () => {
    const ack = packetRecord({ n: 1, proto: 'tcp', flags: 16, plen: 0, sport: 40001 });
    expect(ownHits([syn(1, 40001), synAck(2, 40001)])).toEqual([]);
    expect(ownHits([ack, synAck(2, 40001, RULE)])).toEqual([]);
  });
});
