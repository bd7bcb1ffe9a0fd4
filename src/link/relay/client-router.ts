// Which client a frame from the server is for, with several clients: by its inner destination
// (IPv4, an ARP request's target, else the Ethernet destination), each client's lab0 being known.
// A broadcast or multicast goes to every client, each on its own path, and so does a frame for no
// client's address (as a switch floods what it does not know). With one client, all of it.
import type { FrameInfo, InnerIdentity } from './vxlan-frame.ts';
import { VXLAN_HEADER } from './vxlan-frame.ts';

/** Every client: a broadcast, or a destination that is no client's. */
export const ALL = -1;

export type ClientRouter = (d: Buffer, info: FrameInfo) => number;

export function clientRouter(clients: readonly (InnerIdentity | null)[]): ClientRouter {
  if (clients.length === 1) return () => 0;
  if (clients.some((c) => c === null)) return () => ALL;
  const ids = clients as InnerIdentity[];
  const found = (i: number): number => (i < 0 ? ALL : i);
  const byIp = (ip: number): number => found(ids.findIndex((c) => c.ip === ip));
  return (d, info) => {
    const eth = VXLAN_HEADER;
    if (info.proto === 'arp') {
      let o = eth + 12;
      if (d.readUInt16BE(o) === 0x8100) o += 4;
      o += 2;
      return d.length >= o + 28 ? byIp(d.readUInt32BE(o + 24)) : ALL;
    }
    if (info.ipOffset >= 0 && info.v6Addresses < 0) {
      // A broadcast (the lab's /24, or all ones) is every client's.
      if ((info.dst & 0xff) === 0xff) return ALL;
      return byIp(info.dst);
    }
    if ((d[eth]! & 1) === 1) return ALL;
    return found(ids.findIndex((c) => c.mac.every((b, i) => d[eth + i] === b)));
  };
}
