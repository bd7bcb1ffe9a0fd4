// Which of this machine's own IPv4 networks an address is on, from its interfaces' addresses and
// masks. The expose tunnel connects straight to a lab host only where it is on-link (a Docker
// bridge of this machine): an address only a gateway could reach is never tried, so nothing is
// sent beyond the machine.
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ipv4Number, ipv4Text } from './lab-address.ts';

export interface LocalSubnet {
  /** The interface the network is on (a bridge, eth0). */
  iface: string;
  /** This machine's own address there. */
  address: string;
  /** The network, as `198.18.22.0/24`. */
  network: string;
}

const prefixOf = (mask: number): number => (mask === 0 ? 0 : 32 - Math.log2((~mask >>> 0) + 1));

/** The local network `address` is on, or null (not on-link, or not IPv4). */
export function localSubnetOf(address: string): LocalSubnet | null {
  if (!isIPv4(address)) return null;
  const target = ipv4Number(address);
  for (const [iface, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' || a.internal) continue;
      const mask = ipv4Number(a.netmask);
      if (mask === 0) continue;
      const net = (ipv4Number(a.address) & mask) >>> 0;
      if ((target & mask) >>> 0 === net)
        return { iface, address: a.address, network: `${ipv4Text(net)}/${prefixOf(mask)}` };
    }
  }
  return null;
}
