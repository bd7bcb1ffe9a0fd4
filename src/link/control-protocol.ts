// linkd's control protocol: one JSON object per line over a unix socket, each answered by one.
import type { LinkModel } from './impairment-model.ts';
import type { PacketRecord } from './packet-record.ts';
import type { RelayStats } from './relay-stats.ts';

export type ControlRequest =
  | { cmd: 'show' }
  | { cmd: 'set'; impair?: string; up?: string; down?: string; seed?: number }
  | { cmd: 'stats' }
  | { cmd: 'reset' }
  | { cmd: 'record'; since?: number; limit?: number }
  | { cmd: 'capture-start'; path: string }
  | { cmd: 'capture-stop' };

export type ControlReply =
  | {
      ok: true;
      model?: LinkModel;
      text?: string;
      engine?: string;
      stats?: RelayStats;
      records?: PacketRecord[];
      last?: number;
      overwritten?: number;
      capture?: { path: string; frames: number } | null;
    }
  | { ok: false; error: string };

export const DEFAULT_CONTROL_PATH = '/run/socklab/linkd.sock';
