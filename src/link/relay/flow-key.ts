// Which flow a frame belongs to, for the relay's random streams. A flow is the direction (one
// shaper per direction), the inner protocol and the server-side port: the destination port going
// up (client to server), the source port coming down. Never the client's port: it is ephemeral and
// changes every run, and a flow must meet the same fates for the same seed run after run. ARP,
// neighbour discovery, ICMP and anything else have one stream each per direction.
import type { Direction } from '../model/impairment-model.ts';
import type { FrameInfo, InnerProtocol } from './vxlan-frame.ts';

const PROTO_INDEX: Record<InnerProtocol, number> = { udp: 0, tcp: 1, icmp: 2, arp: 3, nd: 4, other: 5 };
const PROTO_BY_INDEX: InnerProtocol[] = ['udp', 'tcp', 'icmp', 'arp', 'nd', 'other'];

/** A number, so that the per-frame lookup hashes no string: protocol × 65536 + server port. */
export function flowKey(dir: Direction, info: FrameInfo | null): number {
  if (!info) return PROTO_INDEX.other * 65536;
  const proto = info.proto;
  if (proto !== 'udp' && proto !== 'tcp') return PROTO_INDEX[proto] * 65536;
  return PROTO_INDEX[proto] * 65536 + (dir === 'up' ? info.dport : info.sport);
}

/** A flow's name from its parts: what flowName gives, for a frame known by its record. */
export function flowNameOf(dir: Direction, proto: InnerProtocol, sport: number, dport: number): string {
  return proto === 'udp' || proto === 'tcp'
    ? `${dir}/${proto}/${dir === 'up' ? dport : sport}`
    : `${dir}/${proto}`;
}

/** The flow's name, which also names its random streams: `up/udp/12000`, `down/icmp`. */
export function flowName(dir: Direction, key: number): string {
  const proto = PROTO_BY_INDEX[Math.floor(key / 65536)]!;
  return proto === 'udp' || proto === 'tcp' ? `${dir}/${proto}/${key % 65536}` : `${dir}/${proto}`;
}
