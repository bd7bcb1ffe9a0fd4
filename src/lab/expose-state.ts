// Where a running `socklab expose` says what it exposes, so that `status` can show it and `down`
// can end it: one small JSON file per lab in this user's temporary folder.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Proto } from '../common/proto.ts';

export interface ExposeState {
  pid: number;
  exposed: { proto: Proto; port: number; labPort: number; lastError: string | null; channels: number }[];
}

const dir = (): string => join(tmpdir(), `socklab-expose-${process.getuid?.() ?? 'user'}`);
export const exposeStateFile = (project: string): string => join(dir(), `${project}.json`);

export function writeExposeState(project: string, s: ExposeState): void {
  mkdirSync(dir(), { recursive: true, mode: 0o700 });
  // Whole or not at all: a reader never sees half a file.
  const tmp = `${exposeStateFile(project)}.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(s)}\n`);
  renameSync(tmp, exposeStateFile(project));
}

/** What a running expose of the lab says, or null (none, or it ended without saying). */
export function readExposeState(project: string): ExposeState | null {
  try {
    const s = JSON.parse(readFileSync(exposeStateFile(project), 'utf8')) as ExposeState;
    process.kill(s.pid, 0);
    return s;
  } catch {
    return null;
  }
}

/** Ends the lab's expose, if one runs. */
export function stopExpose(project: string): void {
  const s = readExposeState(project);
  if (s) {
    try {
      process.kill(s.pid, 'SIGTERM');
    } catch {}
  }
  rmSync(exposeStateFile(project), { force: true });
}
