// A link record's entry for tests that judge records without a relay: an up UDP probe forwarded
// after 5 ms, with what the test names in place of the defaults.
import type { PacketRecord } from '../../src/link/control/packet-record.ts';

export const packetRecord = (fields: Partial<PacketRecord>): PacketRecord => ({
  n: 1,
  t: 1,
  dir: 'up',
  client: 'client',
  proto: 'udp',
  src: '198.19.0.1',
  dst: '198.19.0.2',
  sport: 40000,
  dport: 12000,
  len: 106,
  plen: 64,
  flags: 0,
  fp: '0',
  seq: -1,
  fate: 'forwarded',
  duplicated: false,
  corrupted: false,
  reordered: false,
  delayMs: 5,
  outMs: 5,
  ...fields,
});
