// socklab images: build the lab image (Docker backend).
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { PACKAGE_ROOT } from '../../common/data-files.ts';
import { exitCodeOf } from './hosts.ts';

export function registerImages(program: Command): void {
  program
    .command('images')
    .description('build the lab image (offline base from Debian packages when the pull fails)')
    .option('--offline', 'build the offline base without trying to pull')
    .action(async (o) => {
      await (await import('../../lab/docker/docker-engine.ts')).assertEngine();
      const script = `${PACKAGE_ROOT}scripts/images.sh`;
      const child = spawn('bash', [script, ...(o.offline ? ['--offline'] : [])], { stdio: 'inherit' });
      process.exitCode = await exitCodeOf(child);
    });
}
