// socklab ui (a live page on 127.0.0.1) and socklab watch (the same on a terminal): what the link
// does to each frame as it happens. Ctrl-C stops them and leaves the lab as it was.
import type { Command } from 'commander';
import type { FrameView } from '../../ui/live-feed.ts';
import { LiveFeed } from '../../ui/live-feed.ts';
import { startUiServer } from '../../ui/ui-server.ts';
import { watchBlock, watchLine } from '../../ui/watch-view.ts';
import { port, positiveInt } from '../cli-options.ts';
import { targetLab } from '../lab-target.ts';

const untilInterrupted = (): Promise<void> =>
  new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

export function registerLive(program: Command): void {
  program
    .command('ui')
    .description(
      'a live page (on 127.0.0.1) of what the link does to each frame; change the link and run compare from it',
    )
    .option('--project <name>', 'which lab')
    .option('--port <port>', 'where to serve it', port, 8080)
    .action(async (o) => {
      const lab = await targetLab(o.project);
      const server = await startUiServer(lab, { port: o.port });
      process.stdout.write(
        `socklab ui: ${server.url}   (lab ${lab.project}; Ctrl-C stops it and leaves the lab as it is)\n`,
      );
      await untilInterrupted();
      await server.close();
      process.exit(0);
    });

  program
    .command('watch')
    .description('the live view on a terminal: counters and the newest frames, redrawn in place')
    .option('--project <name>', 'which lab')
    .option('--interval <ms>', 'how often', positiveInt('--interval'), 500)
    .option('--width <n>', 'frames per strip', positiveInt('--width'), 60)
    .action(async (o) => {
      const lab = await targetLab(o.project);
      const tty = process.stdout.isTTY === true;
      const strips: Record<string, FrameView[]> = {
        'UDP up': [],
        'UDP down': [],
        'TCP up': [],
        'TCP down': [],
      };
      const feed = new LiveFeed(lab, { intervalMs: o.interval });
      // A problem is said once, with what is done about it, until the link answers again: while a
      // lab goes away the reason changes (a stopped container, then none), the news does not.
      let problem: string | null = null;
      feed.start(
        (s) => {
          if (problem !== null) {
            process.stderr.write('socklab: reading the link again\n');
            problem = null;
          }
          for (const f of s.frames) {
            if (f.proto !== 'udp' && f.proto !== 'tcp') continue;
            const strip = strips[`${f.proto.toUpperCase()} ${f.dir}`]!;
            strip.push(f);
            if (strip.length > o.width) strip.shift();
          }
          if (tty) process.stdout.write(`\x1b[H\x1b[2J${watchBlock(s, strips, true)}\n`);
          else process.stdout.write(`${watchLine(s)}\n`);
        },
        (err) => {
          if (problem !== null) return;
          problem = err.message;
          process.stderr.write(
            // One line, whatever the engine's error carried (an exec's output ends in a newline).
            `socklab: cannot read the link: ${err.message.replace(/\s*[\r\n]+\s*/g, ' ').trim()}; ${feed.retrying} (Ctrl-C stops)\n`,
          );
        },
      );
      await untilInterrupted();
      feed.stop();
      process.exit(0);
    });
}
