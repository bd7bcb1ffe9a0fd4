// Replay files on this machine: a running lab's fates written out (`socklab record`), and a file
// read back for `startLab({ replay })` / `socklab up --replay`, checked against this socklab.
import { readFileSync, writeFileSync } from 'node:fs';
import { packageVersion } from '../common/data-files.ts';
import { SocklabError } from '../common/errors.ts';
import type { LinkControl } from '../link/control/control-client.ts';
import type { ResultOf } from '../link/control/control-protocol.ts';
import type { PacketRecord } from '../link/control/packet-record.ts';
import { parseReplayFile, type ReplayFile, replayFromRecords } from '../link/model/replay-file.ts';

/** A replay file read and checked (its format, the socklab that wrote it, its model, its fates). */
export function readReplayFile(path: string): ReplayFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SocklabError(
      'file.not-found',
      `replay file ${path} cannot be read (${(err as NodeJS.ErrnoException).code}); write one with: socklab record -o ${path}`,
    );
  }
  return parseReplayFile(text, path, packageVersion()).file;
}

/** A file given as a path or as an object: checked either way. */
export function replayFileOf(replay: string | ReplayFile): ReplayFile {
  if (typeof replay === 'string') return readReplayFile(replay);
  return parseReplayFile(JSON.stringify(replay), 'given', packageVersion()).file;
}

/** One reply holds at most this many records, whatever the transport. */
const PAGE = 20_000;

/**
 * The link's record from `since` on, page by page. A reset between pages starts the numbers again,
 * so the pages after it would belong to another run: refused in one line.
 */
export async function* recordPages(
  control: LinkControl,
  since = 0,
  head?: boolean,
): AsyncGenerator<ResultOf<'record'>> {
  let resets: number | undefined;
  for (let from = since; ; ) {
    const r = await control.call({ cmd: 'record', since: from, limit: PAGE, head });
    resets ??= r.resets;
    if (r.resets !== resets)
      throw new SocklabError(
        'link.reset-while-read',
        'the link was reset while its record was read (its numbers began again, so the pages would mix two runs); read it again once nothing resets the link',
      );
    yield r;
    if (r.records.length < PAGE) return;
    from = r.records.at(-1)!.n;
  }
}

/**
 * The running lab's fates since its link was last reset, as a replay file. All of them or none: a
 * record that lost its first frames to the ring cannot be replayed from the start.
 */
export async function recordReplay(control: LinkControl): Promise<ReplayFile> {
  const records: PacketRecord[] = [];
  for await (const r of recordPages(control)) {
    if (r.overwritten > 0)
      throw new SocklabError(
        'usage.invalid',
        `the link's record lost its first ${r.overwritten} frames (it keeps the newest only), so the run cannot be replayed from its start; reset the link before the run (socklab record --reset, or lab.resetLink()) and record a shorter one`,
      );
    records.push(...r.records);
  }
  const { model } = await control.call({ cmd: 'show' });
  return replayFromRecords(records, model, packageVersion());
}

export function writeReplayFile(path: string, file: ReplayFile): void {
  try {
    writeFileSync(path, `${JSON.stringify(file)}\n`);
  } catch (err) {
    throw new SocklabError(
      'file.write',
      `cannot write the replay file ${path} (${(err as NodeJS.ErrnoException).code}); name a writable path with -o`,
    );
  }
}
