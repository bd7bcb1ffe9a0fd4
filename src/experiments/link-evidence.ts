// The link's side of the story, from linkd's per-packet record: which probe sequence numbers it
// dropped, duplicated, corrupted, reordered or delayed in each direction; and a check, number by
// number, that what the client saw is what the link did.

import type { PacketRecord } from '../link/control/packet-record.ts';
import type { Direction } from '../link/model/impairment-model.ts';

export interface LinkFates {
  /** UDP probe frames seen in this direction. */
  frames: number;
  dropped: number[];
  duplicated: number[];
  corrupted: number[];
  reordered: number[];
  delayMs: { mean: number; max: number } | null;
}

export interface Disagreement {
  seq: number;
  client: 'replied' | 'lost';
  link: string;
}

export interface CrossCheck {
  checked: number;
  agreed: number;
  disagreements: Disagreement[];
}

const isProbe = (r: PacketRecord, dir: Direction): boolean =>
  r.proto === 'udp' && r.dir === dir && r.seq >= 0;

export function linkFates(records: PacketRecord[], dir: Direction): LinkFates {
  const mine = records.filter((r) => isProbe(r, dir));
  const seqs = (f: (r: PacketRecord) => boolean): number[] => mine.filter(f).map((r) => r.seq);
  const delays = mine.filter((r) => r.fate === 'forwarded').map((r) => r.delayMs);
  return {
    frames: mine.length,
    dropped: seqs((r) => r.fate !== 'forwarded'),
    duplicated: seqs((r) => r.duplicated),
    corrupted: seqs((r) => r.corrupted),
    reordered: seqs((r) => r.reordered),
    delayMs: delays.length
      ? {
          mean: Math.round((1000 * delays.reduce((a, b) => a + b, 0)) / delays.length) / 1000,
          max: Math.max(...delays),
        }
      : null,
  };
}

/** A copy reached the other end whole: forwarded, and either not corrupted or duplicated (the duplicate is clean). */
const arrivedWhole = (r: PacketRecord): boolean => r.fate === 'forwarded' && (!r.corrupted || r.duplicated);

function describe(recs: PacketRecord[]): string {
  if (recs.length === 0) return 'never seen';
  return recs
    .map((r) => (r.fate !== 'forwarded' ? r.fate : r.corrupted ? 'corrupted' : 'forwarded'))
    .join('+');
}

/**
 * Per sequence number: the client got a reply exactly when the link carried the request to the
 * server whole and the server's reply back whole. `rtts[seq]` is null when the client saw none.
 */
export function crossCheck(rtts: (number | null)[], records: PacketRecord[]): CrossCheck {
  const bySeq = { up: new Map<number, PacketRecord[]>(), down: new Map<number, PacketRecord[]>() };
  for (const r of records) {
    if (r.proto !== 'udp' || r.seq < 0) continue;
    const m = bySeq[r.dir];
    const list = m.get(r.seq);
    if (list) list.push(r);
    else m.set(r.seq, [r]);
  }
  const disagreements: Disagreement[] = [];
  rtts.forEach((rtt, seq) => {
    const up = bySeq.up.get(seq) ?? [];
    const down = bySeq.down.get(seq) ?? [];
    const linkBack = up.some(arrivedWhole) && down.some(arrivedWhole);
    const clientBack = rtt !== null;
    if (linkBack !== clientBack) {
      disagreements.push({
        seq,
        client: clientBack ? 'replied' : 'lost',
        link: `up ${describe(up)}, down ${describe(down)}`,
      });
    }
  });
  return { checked: rtts.length, agreed: rtts.length - disagreements.length, disagreements };
}
