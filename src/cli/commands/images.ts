// socklab images: build the lab image (Docker backend), or prepare the vm backend's guest.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { PACKAGE_ROOT } from '../../common/data-files.ts';
import { prepareGuest } from '../../lab/vm/vm-guest.ts';
import { exitCodeOf } from './hosts.ts';

export function registerImages(program: Command): void {
  program
    .command('images')
    .description('build the lab image (offline base from Debian packages when the pull fails)')
    .option('--offline', 'build the offline base without trying to pull')
    .option(
      '--vm',
      "prepare the vm backend's guest instead (qemu, busybox, Debian's kernel; cached), boot it once, and save the warm guest that checks restore",
    )
    .action(async (o) => {
      if (o.vm) {
        const r = await prepareGuest();
        process.stdout.write(
          `the vm backend's guest is ready (${(r.ms / 1000).toFixed(1)} s): it booted and ran a command, and its warm guest, which checks restore, is saved\n`,
        );
        return;
      }
      await (await import('../../lab/docker/docker-engine.ts')).assertEngine();
      const script = `${PACKAGE_ROOT}scripts/images.sh`;
      const child = spawn('bash', [script, ...(o.offline ? ['--offline'] : [])], { stdio: 'inherit' });
      process.exitCode = await exitCodeOf(child);
    });
}
