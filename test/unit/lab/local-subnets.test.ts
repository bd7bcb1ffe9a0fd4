// The expose tunnel connects straight to a lab host only where its address is on one of this
// machine's own networks; anything a gateway would carry must be refused (nothing leaves the machine).
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { localSubnetOf } from '../../../src/common/local-subnets.ts';

describe('localSubnetOf', () => {
  it('finds the interface and network of an on-link address, and nothing for one off-link', () => {
    const own = Object.entries(networkInterfaces())
      .flatMap(([iface, addrs]) => (addrs ?? []).map((a) => ({ iface, ...a })))
      .find((a) => a.family === 'IPv4' && !a.internal && a.netmask === '255.255.255.0');
    if (own) {
      const neighbour = own.address.replace(/\.\d+$/, own.address.endsWith('.7') ? '.8' : '.7');
      expect(localSubnetOf(neighbour)).toEqual({
        iface: own.iface,
        address: own.address,
        network: own.address.replace(/\.\d+$/, '.0/24'),
      });
    }
    // Documentation ranges no interface here is on, loopback (not a network of the machine's own),
    // and what is no IPv4 address.
    for (const off of ['203.0.113.9', '127.0.0.1', 'server', '::1', ''])
      expect(localSubnetOf(off), off).toBeNull();
  });
});
