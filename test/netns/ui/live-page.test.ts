// socklab ui in a real browser: Debian's Chromium driven by playwright-core. The page shows the
// frames of a running lab as they are decided (lost ones in their colour), and changing the loss
// on the page changes what linkd does. On the netns backend (root, no Docker).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../../src/apps/udp-echo-client.ts';
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { runProgram } from '../../../src/lab/run-program.ts';
import { type StartedLab, startLab } from '../../../src/lab/start-lab.ts';
import { FATE_STYLE } from '../../../src/ui/ui-page.ts';
import { startUiServer, type UiServer } from '../../../src/ui/ui-server.ts';
import { countColor, decodePng } from '../../helpers/png.ts';

const unavailable =
  (await netnsUnavailable()) ?? (existsSync('/usr/bin/chromium') ? null : 'no /usr/bin/chromium');

describe.skipIf(unavailable !== null)(
  `socklab ui in Chromium${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let lab: StartedLab;
    let ui: UiServer;
    let browser: Browser;
    beforeAll(async () => {
      lab = await startLab({ backend: 'netns', impair: 'delay 2ms loss 30%', seed: 4 });
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
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await ui?.close();
      await lab?.down();
    });

    it('shows frames as the link decides them, lost ones in their colour, and changes the link from the page', async () => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(ui.url);
      await page.waitForFunction("document.getElementById('project').textContent.includes('netns')");
      expect(await page.textContent('#model-up')).toBe('delay 2ms loss 30%');

      // Traffic through the lab while the page watches: the strip fills, lost frames among them.
      const udp = await runProgram(lab.client, UDP_ECHO_CLIENT, { host: 'server', count: 60, interval: 10 });
      await page.waitForFunction(
        "document.querySelectorAll('#strip-udp-up .frame').length >= 60",
        undefined,
        { timeout: 20_000 },
      );
      const lostOnPage = await page.locator('#strip-udp-up .fate-lost, #strip-udp-down .fate-lost').count();
      expect(lostOnPage).toBe(udp.lost);
      expect(Number(await page.textContent('#c-up-udp-received'))).toBe(60);

      // Hovering a frame shows its record.
      await page.locator('#strip-udp-up .fate-lost').first().hover();
      expect(await page.textContent('#detail')).toMatch(/^#\d+ UDP up \d+→12000, \d+ bytes, seq \d+: lost$/);

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
    }, 90_000);

    it('runs compare from the page and shows its verdicts', async () => {
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
    }, 90_000);
  },
);
