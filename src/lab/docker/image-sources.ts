// What the lab image was built from: the package's version and a hash of the files the image
// copies (src/, lab/, the entry point and wrappers) and the Dockerfile. An image built from other sources runs other
// programs than this checkout expects (old JSON for new code, say), so startLab refuses it with
// the fix instead of failing later in some experiment.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../../common/data-files.ts';

export const VERSION_LABEL = 'dev.socklab.version';
export const SOURCES_LABEL = 'dev.socklab.sources';
/** The image of the Docker backend, built by `socklab images`. */
export const LAB_IMAGE = process.env.SOCKLAB_IMAGE ?? 'socklab-lab:latest';
/** What docker/Dockerfile copies into the image, and the Dockerfile itself (its steps). */
const IMAGE_INPUTS = [
  'src',
  'lab',
  'native/batch-udp.c',
  'native/alarm.c',
  'native/realtime.c',
  'native/addon.h',
  'native/build.sh',
  'docker/Dockerfile',
  'docker/entrypoint.sh',
  'docker/bin',
  'docker/base-packages.sh',
];

function files(path: string): string[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return [];
  if (st.isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

/** sha256 over the paths and contents of the image's inputs, first 16 hex digits. */
export function sourcesHash(root = PACKAGE_ROOT): string {
  const h = createHash('sha256');
  for (const f of IMAGE_INPUTS.flatMap((p) => files(join(root, p)))) {
    h.update(relative(root, f));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
