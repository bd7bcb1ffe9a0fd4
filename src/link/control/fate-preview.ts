// What the relay would decide for UDP frames that were never sent: the same shapers and the same
// seeded streams, with no socket and no clock. Pure: the same model, seed and frames give the same
// fates. A teacher's tool (the pinger assignment picks a seed that loses a few pings) that keeps
// everyone outside link/ away from the relay's insides.
import type { Direction, LinkModel } from '../model/impairment-model.ts';
import { DirectionShaper, type Fate } from '../relay/direction-shaper.ts';
import { vxlanUdpFrame } from '../relay/frame-builder.ts';
import { parseVxlan } from '../relay/vxlan-frame.ts';

export interface PreviewFrame {
  dir: Direction;
  payload: string | Buffer;
  /** The client's port and the server's (up: from client to server; down: the other way). */
  clientPort: number;
  serverPort: number;
  /** When it reaches the link, ms (what rate and queues see). */
  atMs: number;
  /** A reply: sent only if the frame at this index arrived intact. */
  replyTo?: number;
}

export interface PreviewFate {
  /** `not-sent`: a reply to a frame that did not arrive intact. */
  fate: Fate | 'not-sent';
  corrupted: boolean;
}

/** Both lab addresses as the relay sees them (its streams do not depend on them). */
const CLIENT = '198.19.0.1';
const SERVER = '198.19.0.2';

export function previewFates(model: LinkModel, seed: number, frames: readonly PreviewFrame[]): PreviewFate[] {
  const shapers = {
    up: new DirectionShaper(model.up, seed, 'up'),
    down: new DirectionShaper(model.down, seed, 'down'),
  };
  const out: PreviewFate[] = [];
  for (const f of frames) {
    const asked = f.replyTo === undefined ? undefined : out[f.replyTo];
    if (asked && (asked.fate !== 'forwarded' || asked.corrupted)) {
      out.push({ fate: 'not-sent', corrupted: false });
      continue;
    }
    const up = f.dir === 'up';
    const data = vxlanUdpFrame({
      payload: Buffer.from(f.payload),
      srcIp: up ? CLIENT : SERVER,
      dstIp: up ? SERVER : CLIENT,
      sport: up ? f.clientPort : f.serverPort,
      dport: up ? f.serverPort : f.clientPort,
    });
    const d = shapers[f.dir].decide(data, parseVxlan(data), f.atMs);
    out.push({ fate: d.fate, corrupted: d.corrupted });
  }
  return out;
}
