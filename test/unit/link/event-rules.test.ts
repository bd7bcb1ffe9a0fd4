// Faults aimed at protocol events, on a relay between two sockets of this process: each rule hits
// exactly the frame it names (per flow), no other; the record and the capture say which rule
// decided. Real datagrams on loopback; TCP segments built by hand with the flags a kernel sets.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { relayOnly } from '../../../src/link/model/impairment-model.ts';
import { buildLinkModel, formatDirection, parseDirection } from '../../../src/link/model/impairment-text.ts';
import { parseScenario } from '../../../src/link/model/scenario.ts';
import { vxlanTcpFrame } from '../../../src/link/relay/frame-builder.ts';
import { parseVxlan } from '../../../src/link/relay/vxlan-frame.ts';
import { startHarness } from '../../helpers/relay-harness.ts';

const SYN = 2;
const ACK = 16;
const FIN = 1;
const PSH = 8;

describe('event rules, as text', () => {
  it('sit among netem’s words and print back as they were meant', () => {
    const m = parseDirection('delay 10ms drop tcp syn-ack #1 duplicate udp reply #3 delay tcp fin 2s');
    expect(m.delay?.ms).toBe(10);
    expect(m.events).toEqual([
      { action: 'drop', proto: 'tcp', event: 'syn-ack', n: 1 },
      { action: 'duplicate', proto: 'udp', event: 'datagram', n: 3 },
      { action: 'delay', proto: 'tcp', event: 'fin', n: 1, delayMs: 2000 },
    ]);
    const text = formatDirection(m);
    expect(text).toBe('delay 10ms drop tcp syn-ack #1 duplicate udp datagram #3 delay tcp fin #1 2s');
    expect(parseDirection(text)).toEqual(m);
    expect(parseDirection('drop udp seq 5').events).toEqual([
      { action: 'drop', proto: 'udp', event: 'seq', n: 5 },
    ]);
  });

  it('bad rules are refused, one line each with the rule and an example', () => {
    const cases: [string, RegExp][] = [
      [
        'drop tcp synack',
        /drop tcp synack: a TCP event is one of syn, syn-ack, fin, rst, data, got 'synack'; e\.g\. drop tcp syn-ack #1/,
      ],
      ['drop icmp echo', /drop needs a protocol and an event: .*; e\.g\. drop tcp syn-ack #1/],
      ['drop udp seq five', /drop udp seq: seq takes a probe's sequence number, got 'five'/],
      [
        'delay tcp fin',
        /delay tcp fin: delay needs how long after the event, got ''; e\.g\. delay tcp fin 2s/,
      ],
      ['drop tcp data #0', /drop tcp data: which one must be #N from #1, got '#0'/],
      ['drop udp ack', /a UDP event is one of datagram, request, reply, seq, got 'ack'/],
    ];
    for (const [text, rule] of cases) expect(() => parseDirection(text), text).toThrow(rule);
    expect(() =>
      buildLinkModel({ up: { events: [{ action: 'drop', proto: 'tcp', event: 'ack' as never, n: 1 }] } }),
    ).toThrow(/no such tcp event/);
  });

  it('work in scenario steps and profiles as anywhere else', () => {
    const s = parseScenario('aimed', '0s up: drop tcp data #4\n2s none');
    expect(s.steps[0]!.up.events).toEqual([{ action: 'drop', proto: 'tcp', event: 'data', n: 4 }]);
    expect(s.steps[0]!.down.events).toBeUndefined();
    expect(() => parseScenario('bad', '0s drop tcp synack')).toThrow(/line 1.*a TCP event is one of/);
  });

  it('need the relay engine: netem cannot tell a SYN-ACK from data', () => {
    expect(relayOnly(buildLinkModel({ down: 'drop tcp syn-ack #1' }))).toMatch(/need the relay engine/);
    expect(relayOnly(buildLinkModel({ impair: 'loss 10%' }))).toBeNull();
  });
});

describe('event rules on a relay', () => {
  it('drop udp seq 5 and duplicate udp datagram #3: exactly those, marked in the record and the capture', async () => {
    await using h = await startHarness({ up: 'drop udp seq 5 duplicate udp datagram #3', seed: 1 });
    const path = join(tmpdir(), `socklab-events-${process.pid}.pcap`);
    await h.relay.startCapture(path);
    await h.sendUp(20, { perTick: 20 });
    await h.settle();
    await h.relay.stopCapture();
    const seqs = h.atServer.map((a) => a.seq).sort((a, b) => a - b);
    expect(seqs).toEqual([0, 1, 2, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const records = h.relay.record().records;
    const ruled = records.filter((r) => r.rule !== undefined).map((r) => `${r.seq} ${r.fate} ${r.rule}`);
    expect(ruled).toEqual(['2 forwarded duplicate udp datagram #3', '5 lost drop udp seq 5']);
    expect(records.find((r) => r.seq === 2)?.duplicated).toBe(true);
    expect(h.relay.stats().up.total.droppedLoss).toBe(1);
    const text = readFileSync(path, 'latin1');
    // Which frame of which flow: seq 5 is the flow's 6th frame.
    expect(text.split('up DROPPED (rule drop udp seq 5) flow up/udp/12000 #6').length - 1).toBe(1);
    expect(text.split('(rule duplicate udp datagram #3)').length - 1).toBe(2);
  });

  it('TCP rules count per flow: the first SYN of each server port, the second data segment', async () => {
    await using h = await startHarness({ up: 'drop tcp syn #1 drop tcp data #2', seed: 1 });
    const segments: [number, number, string][] = [
      [12000, SYN, ''],
      [12000, SYN, ''], // the client's retransmitted SYN: the second, so it passes
      [12000, ACK, ''],
      [12000, PSH | ACK, 'one'],
      [12000, PSH | ACK, 'two'],
      [12000, PSH | ACK, 'two'], // the retransmission of the lost one: the third data segment
      [12000, FIN | ACK, ''],
      [13000, SYN, ''], // another server port: another flow, whose first SYN is dropped too
    ];
    for (const [dport, flags, text] of segments)
      h.client.send(vxlanTcpFrame({ dport, flags, payload: Buffer.from(text) }), ...h.toRelay('client'));
    await h.settle();
    const fates = h.relay
      .record()
      .records.map((r) => `${r.dport} ${r.flags} ${r.plen} ${r.fate}${r.rule ? ` (${r.rule})` : ''}`);
    expect(fates).toEqual([
      '12000 2 0 lost (drop tcp syn #1)',
      '12000 2 0 forwarded',
      '12000 16 0 forwarded',
      '12000 24 3 forwarded',
      '12000 24 3 lost (drop tcp data #2)',
      '12000 24 3 forwarded',
      '12000 17 0 forwarded',
      '13000 2 0 lost (drop tcp syn #1)',
    ]);
    // After a reset the counts start again: the next SYN is the first.
    // (The reset clears the counters settle() goes by: wait for the record instead.)
    await h.relay.reset();
    h.client.send(vxlanTcpFrame({ flags: SYN }), ...h.toRelay('client'));
    await vi.waitUntil(() => h.relay.record().records.length === 1, { timeout: 10_000 });
    expect(h.relay.record().records.map((r) => r.fate)).toEqual(['lost']);
  });

  it('delay tcp fin 300ms holds the FIN, and only it, at least that long', async () => {
    await using h = await startHarness({ up: 'delay tcp fin 300ms', seed: 1 });
    const sent = performance.now();
    h.client.send(vxlanTcpFrame({ flags: PSH | ACK, payload: Buffer.from('x') }), ...h.toRelay('client'));
    h.client.send(vxlanTcpFrame({ flags: FIN | ACK }), ...h.toRelay('client'));
    await h.settle();
    const flagsOf = (f: Buffer) => f[parseVxlan(f)!.ipOffset + 20 + 13];
    const fin = h.atServer.find((a) => (flagsOf(a.frame)! & FIN) !== 0)!;
    expect(fin.at - sent).toBeGreaterThanOrEqual(300);
    expect(h.atServer.map((a) => flagsOf(a.frame))).toEqual([PSH | ACK, FIN | ACK]);
    const records = h.relay.record().records;
    expect(records.map((r) => r.rule ?? '-')).toEqual(['-', 'delay tcp fin #1 300ms']);
    expect(records[1]!.delayMs).toBeGreaterThanOrEqual(300);
  });
});
