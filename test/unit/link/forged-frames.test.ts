// A program on a lab host can send VXLAN to the link's port from an ordinary UDP socket, with any
// inner frame it likes (no CAP_NET_RAW needed). linkd forwards from each peer only frames whose
// inner source is that peer's own lab0 — Ethernet source, ARP sender, IP source — and counts and
// records the rest as forged. Here through a real relay between two sockets on loopback.
import { describe, expect, it } from 'vitest';
import { ipv4Number, labMac, macBytes } from '../../../src/common/lab-address.ts';
import { vxlanArpFrame, vxlanUdpFrame } from '../../../src/link/relay/frame-builder.ts';
import { innerSourceIs, parseVxlan } from '../../../src/link/relay/vxlan-frame.ts';
import { startHarness } from '../../helpers/relay-harness.ts';

const CLIENT = '198.19.0.1';
const SERVER = '198.19.0.2';
const client = { ip: ipv4Number(CLIENT), mac: macBytes(labMac(CLIENT)) };
const own = (payload: string, over: { srcIp?: string; srcMac?: string } = {}) =>
  vxlanUdpFrame({ payload: Buffer.from(payload), srcIp: CLIENT, srcMac: labMac(CLIENT), ...over });
const ok = (d: Buffer): boolean => innerSourceIs(d, parseVxlan(d)!, client);

describe('a peer’s own inner source', () => {
  it('derives lab0’s MAC from its address, as the entry point does', () => {
    expect(labMac('198.19.0.2')).toBe('02:53:4c:13:00:02');
    expect(labMac('198.19.0.17')).toBe('02:53:4c:13:00:11');
  });

  it('is its MAC and IP; ARP’s sender too; another IP, another MAC or a lying ARP sender is forged', () => {
    expect(ok(own('hello'))).toBe(true);
    expect(ok(own('hello', { srcIp: SERVER }))).toBe(false);
    expect(ok(own('hello', { srcMac: '02:53:4c:13:00:99' }))).toBe(false);
    expect(ok(vxlanArpFrame(42, { srcMac: labMac(CLIENT), senderIp: CLIENT }))).toBe(true);
    // An ARP probe (sender 0.0.0.0) is the host's own.
    expect(ok(vxlanArpFrame(42, { srcMac: labMac(CLIENT), senderIp: '0.0.0.0' }))).toBe(true);
    // An ARP reply that says the server's address is at this host: poisoning, forged.
    expect(ok(vxlanArpFrame(42, { srcMac: labMac(CLIENT), senderIp: SERVER, reply: true }))).toBe(false);
    expect(ok(vxlanArpFrame(42, { srcMac: labMac(CLIENT), senderMac: '02:00:00:00:00:07' }))).toBe(false);
  });
});

describe('the relay with the peers’ lab0 addresses', () => {
  it('forwards the host’s own frames, drops the forged ones, counts and records each', async () => {
    await using h = await startHarness({ impair: 'none' }, undefined, 'per-direction', [CLIENT, SERVER]);
    for (let i = 0; i < 5; i++) h.client.send(own(`${i}:own`), ...h.toRelay('client'));
    for (let i = 5; i < 8; i++) h.client.send(own(`${i}:spoofed`, { srcIp: SERVER }), ...h.toRelay('client'));
    h.client.send(
      vxlanArpFrame(42, { srcMac: labMac(CLIENT), senderIp: SERVER, reply: true }),
      ...h.toRelay('client'),
    );
    await h.settle();
    expect(h.atServer.map((a) => a.seq)).toEqual([0, 1, 2, 3, 4]);
    const s = h.relay.stats();
    expect(s.up.total).toMatchObject({ received: 9, forwarded: 5, droppedForged: 4 });
    expect(s.up.byProtocol.arp.droppedForged).toBe(1);
    const fates = h.relay.record().records.map((r) => `${r.proto} ${r.seq} ${r.fate}`);
    expect(fates).toEqual([
      'udp 0 forwarded',
      'udp 1 forwarded',
      'udp 2 forwarded',
      'udp 3 forwarded',
      'udp 4 forwarded',
      'udp 5 forged',
      'udp 6 forged',
      'udp 7 forged',
      'arp -1 forged',
    ]);
  });
});
