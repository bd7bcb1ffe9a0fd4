// The cross-check of the link's record against what the client saw, number by number.
import { describe, expect, it } from 'vitest';
import { crossCheck, linkFates } from '../../../src/experiments/link-evidence.ts';
import type { PacketRecord } from '../../../src/link/control/packet-record.ts';
import { packetRecord } from '../../support/packet-records.ts';

let n = 0;
const rec = (
  dir: 'up' | 'down',
  seq: number,
  fate: PacketRecord['fate'] = 'forwarded',
  extra: Partial<PacketRecord> = {},
): PacketRecord => {
  n++;
  const forwarded = fate === 'forwarded';
  return packetRecord({
    n,
    t: n,
    dir,
    seq,
    fate,
    delayMs: forwarded ? 5 : 0,
    outMs: forwarded ? 5 : -1,
    ...extra,
  });
};

describe('crossCheck', () => {
  it('agrees when replies are exactly the sequence numbers carried both ways whole', () => {
    const records = [
      rec('up', 0),
      rec('down', 0),
      rec('up', 1, 'lost'),
      rec('up', 2),
      rec('down', 2, 'lost'),
      rec('up', 3, 'forwarded', { corrupted: true }),
      // Corrupted but duplicated: the duplicate is clean and gets through.
      rec('up', 4, 'forwarded', { corrupted: true, duplicated: true }),
      rec('down', 4),
    ];
    const cc = crossCheck([1.2, null, null, null, 1.3], records);
    expect(cc).toEqual({ checked: 5, agreed: 5, disagreements: [] });
  });

  it('names every sequence number where the two disagree, and what the link did', () => {
    const records = [rec('up', 0), rec('down', 0), rec('up', 1, 'lost'), rec('up', 2), rec('down', 2)];
    const cc = crossCheck([null, 2.0, 1.0, 1.0], records);
    expect(cc.agreed).toBe(1);
    expect(cc.disagreements).toEqual([
      { seq: 0, client: 'lost', link: 'up forwarded, down forwarded' },
      { seq: 1, client: 'replied', link: 'up lost, down never seen' },
      { seq: 3, client: 'replied', link: 'up never seen, down never seen' },
    ]);
    // seq 2 agrees; only UDP probe records count.
    expect(crossCheck([1], [{ ...rec('up', 0), proto: 'tcp' }]).disagreements).toHaveLength(1);
  });
});

describe('linkFates', () => {
  it('lists what the link did to each direction', () => {
    const records = [
      rec('up', 0),
      rec('up', 1, 'lost'),
      rec('up', 2, 'forwarded', { duplicated: true, delayMs: 15 }),
      rec('down', 0, 'queue-drop'),
    ];
    expect(linkFates(records, 'up')).toEqual({
      frames: 3,
      dropped: [1],
      duplicated: [2],
      corrupted: [],
      reordered: [],
      delayMs: { mean: 10, max: 15 },
    });
    expect(linkFates(records, 'down').dropped).toEqual([0]);
  });
});
