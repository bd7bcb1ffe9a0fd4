// socklab ui in a real browser (Debian's Chromium driven by playwright-core) and socklab watch in a
// terminal, on a running lab of either backend: the page shows the frames as they are decided
// (lost ones in their colour), its counters change while traffic crosses the link and another
// command talks to the same lab, and they end equal to linkStats(); watch shows the same; changing
// the loss on the page changes what linkd does; a link that cannot be read is said on the page
// and, once, by watch.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../src/apps/udp-echo-client.ts';
import { runProgram } from '../../src/lab/run-program.ts';
import { type StartedLab, startLab, uniqueProject } from '../../src/lab/start-lab.ts';
import type { Backend } from '../../src/lab/started-lab.ts';
import type { Counter, RelayStats } from '../../src/link/control/relay-stats.ts';
import { COUNTER_LABELS, FATE_STYLE } from '../../src/ui/ui-page.ts';
import { startUiServer, type UiServer } from '../../src/ui/ui-server.ts';
import { ROOT, run, spawnCollecting } from '../support/programs.ts';
import { countColor, decodePng } from './png.ts';

const CLI = `${ROOT}src/cli/socklab.ts`;
const COUNTERS = Object.keys(COUNTER_LABELS) as Counter[];

/** The counters the page shows for one direction and protocol (null where it has no row yet). */
async function pageCounters(
  page: Page,
  dir: 'up' | 'down',
  proto: string,
): Promise<Record<Counter, number> | null> {
  // In one evaluation: the table is redrawn at every snapshot, cells read apart could mix two.
  const keys = JSON.stringify(COUNTERS);
  const text = (await page.evaluate(
    `JSON.stringify(${keys}.map((k) => document.getElementById('c-${dir}-${proto}-' + k)?.textContent ?? null))`,
  )) as string;
  const cells = JSON.parse(text) as (string | null)[];
  if (cells.some((c) => c === null)) return null;
  return Object.fromEntries(COUNTERS.map((k, i) => [k, Number(cells[i])])) as Record<Counter, number>;
}

const pick = (s: RelayStats, dir: 'up' | 'down', proto: 'udp' | 'tcp') =>
  Object.fromEntries(COUNTERS.map((k) => [k, s[dir].byProtocol[proto][k]]));

/** socklab watch as a person runs it: in a terminal (script(1) gives it one), its output kept. */
function watchInTerminal(project: string): { stop: () => Promise<void>; output: () => string } {
  const cmd = `${process.execPath} ${CLI} watch --project ${project} --interval 200`;
  // A process group of its own: Ctrl-C goes to watch inside the terminal too, as a person's would.
  const child: ChildProcess = spawn('script', ['-qfec', cmd, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  return {
    output: () => out,
    async stop() {
      process.kill(-child.pid!, 'SIGINT');
      const late = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(late);
    },
  };
}

/** The counter rows of watch's newest block: `dir proto n n n ...`, by `dir proto`. */
function watchRows(output: string): Map<string, number[]> {
  const block = output.split('\x1b[2J').at(-1) ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's colour codes
  const plain = block.replace(/\x1b\[[0-9;]*m/g, '');
  const rows = new Map<string, number[]>();
  for (const line of plain.split(/\r?\n/)) {
    const m = /^(up|down)\s+(udp|tcp)\s+([\d\s]+)$/.exec(line.trim());
    if (m) rows.set(`${m[1]} ${m[2]}`, m[3]!.trim().split(/\s+/).map(Number));
  }
  return rows;
}

/** Stops linkd in the lab's link host, so that nothing answers its control. */
async function stopLinkd(lab: StartedLab): Promise<void> {
  if (lab.backend === 'docker') await lab.link.exec(['pkill', '-f', 'linkd.ts']);
  // The link namespace holds linkd and nothing else (a namespace shares the machine's processes).
  else await run('sh', ['-c', `kill $(ip netns pids ${lab.project}-l)`]);
}

export function liveViewSuite(backend: Backend, unavailable: string | null): void {
  const why = unavailable ?? (existsSync('/usr/bin/chromium') ? null : 'no /usr/bin/chromium');
  describe.skipIf(why !== null)(
    `socklab ui and watch, ${backend} backend${why ? ` (skipped: ${why})` : ''}`,
    () => {
      let lab: StartedLab;
      let ui: UiServer;
      let browser: Browser;
      beforeAll(async () => {
        lab = await startLab({
          backend,
          project: uniqueProject().replace('socklab-', 'socklab-live-'),
          impair: 'delay 2ms loss 30%',
          seed: 4,
        });
        ui = await startUiServer(lab, { port: 0, intervalMs: 200 });
        browser = await chromium.launch({
          executablePath: '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        });
      }, 120_000);
      afterAll(async () => {
        await browser?.close();
        await ui?.close();
        await lab?.down();
      });

      it('shows frames as the link decides them, lost ones in their colour, and changes the link from the page', async () => {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        await page.goto(ui.url);
        await page.waitForFunction(`document.getElementById('project').textContent.includes('${backend}')`);
        expect(await page.textContent('#model-up')).toBe('delay 2ms loss 30%');

        // Traffic through the lab while the page watches: the strip fills, lost frames among them.
        await lab.resetLink();
        const udp = await runProgram(lab.client, UDP_ECHO_CLIENT, {
          host: 'server',
          count: 60,
          interval: 10,
        });
        await page.waitForFunction(
          "document.querySelectorAll('#strip-udp-up .frame').length >= 60",
          undefined,
          { timeout: 20_000 },
        );
        const lostOnPage = await page.locator('#strip-udp-up .fate-lost, #strip-udp-down .fate-lost').count();
        expect(lostOnPage).toBe(udp.lost);
        await vi.waitUntil(async () => (await pageCounters(page, 'up', 'udp'))?.received === 60, {
          timeout: 10_000,
        });
        // The columns are named as people name them, as the legend does.
        expect(await page.locator('#counters th').allTextContents()).toEqual([
          'direction',
          'protocol',
          'received',
          'forwarded',
          'lost',
          'duplicated',
          'reordered',
          'corrupted',
          'queue full',
          'outage',
          'forged',
        ]);

        // Hovering a frame shows its record.
        await page.locator('#strip-udp-up .fate-lost').first().hover();
        expect(await page.textContent('#detail')).toMatch(
          /^#\d+ UDP up \d+→12000, \d+ bytes, seq \d+: lost$/,
        );

        const shot = decodePng(await page.screenshot({ fullPage: true }));
        expect(countColor(shot, FATE_STYLE.lost!.color)).toBeGreaterThan(100);
        expect(countColor(shot, FATE_STYLE.forwarded!.color)).toBeGreaterThan(100);
        writeFileSync(join(mkdtempSync(join(tmpdir(), 'socklab-ui-')), 'live.png'), await page.screenshot());

        // From the page, no loss: linkd's model changes, and the next frames are all forwarded.
        await page.fill('#in-impair', 'delay 2ms');
        await page.click('#apply');
        await page.waitForFunction("document.getElementById('model-up').textContent === 'delay 2ms'");
        expect((await lab.show()).model.up).toEqual({
          delay: { ms: 2, jitterMs: 0, correlation: 0, distribution: 'uniform' },
        });
        const clean = await runProgram(lab.client, UDP_ECHO_CLIENT, {
          host: 'server',
          count: 20,
          interval: 10,
        });
        expect(clean.received).toBe(20);

        // A bad spec from the page gets its one line, and changes nothing.
        await page.fill('#in-impair', 'loss 140%');
        await page.click('#apply');
        await page.waitForFunction(
          "document.getElementById('error').textContent.includes('loss must be 0–100%')",
        );
        expect((await lab.show()).model.up.loss).toBeUndefined();
        await page.close();
      }, 120_000);

      it('counters change while traffic crosses and another command talks to the lab, and end equal to linkStats(); watch shows the same', async () => {
        await lab.impair({ impair: 'delay 2ms loss 20%', seed: 4 });
        await lab.resetLink();
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        await page.goto(ui.url);
        const watch = watchInTerminal(lab.project);
        // Seen on the page while it goes on: the up UDP count, sampled.
        const seen = new Set<number>();
        let going = true;
        const sampling = (async () => {
          while (going) {
            const c = await pageCounters(page, 'up', 'udp');
            if (c) seen.add(c.received);
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        // Traffic, and another command on the same lab meanwhile: the CLI's compare (a process of its
        // own with its own way to linkd) and a change of the link from this process.
        const [udp, cli] = await Promise.all([
          runProgram(lab.client, UDP_ECHO_CLIENT, { host: 'server', count: 300, interval: 5 }),
          run(
            process.execPath,
            [CLI, 'run', 'compare', '--project', lab.project, '--count', '40', '--json'],
            '',
            300_000,
          ),
          lab.impair({ down: 'delay 2ms loss 10%' }),
        ]);
        going = false;
        await sampling;
        expect(cli.code, cli.stderr).toBeLessThanOrEqual(1);
        expect(udp.sent).toBe(300);
        // The page's count grew while the traffic went on (several values, not one jump at the end).
        expect(seen.size).toBeGreaterThanOrEqual(3);
        // Once the link is quiet, the page and watch show exactly what linkd counts.
        const stats = await vi.waitUntil(
          async () => {
            const s = await lab.linkStats();
            for (const d of ['up', 'down'] as const)
              for (const p of ['udp', 'tcp'] as const)
                if (JSON.stringify(await pageCounters(page, d, p)) !== JSON.stringify(pick(s, d, p)))
                  return false;
            return s;
          },
          { timeout: 20_000, interval: 200 },
        );
        // (compare restarts the link's counters when it begins: what it and the rest sent after that.)
        expect(stats.up.byProtocol.udp.received).toBeGreaterThan(0);
        expect(stats.up.byProtocol.tcp.received).toBeGreaterThan(0);
        await vi.waitUntil(
          () => {
            const rows = watchRows(watch.output());
            return (['up', 'down'] as const).every((d) =>
              (['udp', 'tcp'] as const).every(
                (p) =>
                  JSON.stringify(rows.get(`${d} ${p}`)) === JSON.stringify(Object.values(pick(stats, d, p))),
              ),
            );
          },
          { timeout: 20_000, interval: 200 },
        );
        expect(watch.output()).toMatch(/lost +duplicated +reordered +corrupted +queue full +outage +forged/);
        await watch.stop();
        await page.close();
      }, 300_000);

      it('runs compare from the page and shows its verdicts', async () => {
        await lab.impair({ impair: 'delay 2ms loss 30%', seed: 4 });
        const page = await browser.newPage();
        await page.goto(ui.url);
        await page.fill('#in-count', '40');
        await page.click('#run-compare');
        await page.waitForFunction("document.querySelectorAll('#verdicts li').length > 0", undefined, {
          timeout: 60_000,
        });
        const verdicts = await page.locator('#verdicts li').allTextContents();
        expect(verdicts.some((v) => /^PASS TCP intact and in order/.test(v))).toBe(true);
        expect(verdicts.filter((v) => v.startsWith('FAIL'))).toEqual([]);
        await page.close();
      }, 120_000);

      // Last: it leaves the lab without its linkd.
      it('a link that cannot be read: the page says why instead of "connecting…", watch says it once and what it retries', async () => {
        // watch runs (not on a terminal: a line per snapshot) when the link stops answering.
        const watch = spawnCollecting(process.execPath, [
          CLI,
          'watch',
          '--project',
          lab.project,
          '--interval',
          '200',
        ]);
        await vi.waitUntil(() => /\d+ frames/.test(watch.stdout()), { timeout: 20_000 });
        await stopLinkd(lab);
        const page = await browser.newPage();
        await page.goto(ui.url);
        await page.waitForFunction(
          "document.getElementById('feed').textContent.includes('cannot read the link')",
          undefined,
          {
            timeout: 20_000,
          },
        );
        expect(await page.textContent('#feed')).toMatch(
          /^cannot read the link: .+ \(retrying every 0\.2 s\)$/,
        );
        expect(await page.textContent('#project')).not.toBe('connecting…');
        await vi.waitUntil(() => watch.stderr().includes('cannot read the link'), { timeout: 20_000 });
        // Several polls later, still said once.
        await new Promise((r) => setTimeout(r, 1500));
        watch.child.kill('SIGINT');
        await watch.exited;
        const said = watch
          .stderr()
          .split('\n')
          .filter((l) => l.includes('cannot read the link'));
        expect(said, watch.stderr()).toHaveLength(1);
        expect(said[0]).toMatch(
          /^socklab: cannot read the link: .+; retrying every 0\.2 s \(Ctrl-C stops\)$/,
        );
        await page.close();
      }, 120_000);
    },
  );
}
