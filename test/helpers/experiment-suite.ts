// The experiments on a real lab, one suite for both backends (experiments.test.ts runs it on
// Docker, test/unit/experiments/netns-experiments.test.ts on network namespaces without Docker):
// typed results, evidence from all three hosts, verdicts; the HTML report rendered by headless
// Chromium; socklab check on textbook programs and broken ones.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/experiments/compare.ts';
import { concurrency } from '../../src/experiments/concurrency.ts';
import { framing } from '../../src/experiments/framing.ts';
import { pinger } from '../../src/experiments/pinger.ts';
import { allPassed } from '../../src/experiments/verdict.ts';
import { type StartedLab, startLab } from '../../src/lab/start-lab.ts';
import type { Backend } from '../../src/lab/started-lab.ts';
import { COLORS, SERIES_STYLES } from '../../src/report/svg-chart.ts';
import { labPath, ROOT, run } from '../support/programs.ts';
import { countColor, decodePng } from './png.ts';
import { binomialInterval } from './stats.ts';

/**
 * The experiment suite on a lab of this backend. Its own time limits, so that it runs the same in
 * the unit project (whose defaults suit quick tests) as in the integration project.
 */
export function experimentSuite(backend: Backend): void {
  describe(`experiments on the ${backend} backend`, { timeout: 300_000 }, () => {
    const socklab = (args: string[]) =>
      run(process.execPath, [`${ROOT}src/cli/socklab.ts`, ...args], '', 600_000);
    const failed = (verdicts: { status: string; name: string; reason: string }[]) =>
      verdicts.filter((v) => v.status === 'fail').map((v) => `${v.name}: ${v.reason}`);

    let lab: StartedLab;
    beforeAll(async () => {
      lab = await startLab({ backend, impair: 'delay 5ms loss 10% corrupt 2%', seed: 5 });
    }, 600_000);
    afterAll(async () => {
      await lab?.down();
    }, 120_000);

    describe('compare', () => {
      it('UDP loses, TCP delivers; the link, both kernels and the client agree, and every verdict passes', async () => {
        const r = await compare(lab, { count: 200 });
        expect(failed(r.verdicts)).toEqual([]);
        const status = Object.fromEntries(r.verdicts.map((v) => [v.name, v.status]));
        // With loss and corruption set, none of these may be skipped.
        expect(Object.values(status).filter((s) => s === 'skip')).toEqual([]);
        // An echo comes back whole with p = (0.9 × 0.98)²: the 99.9% binomial interval of 200.
        const [lo, hi] = binomialInterval(200, (0.9 * 0.98) ** 2, 0.999);
        expect(r.udp.received).toBeGreaterThanOrEqual(lo);
        expect(r.udp.received).toBeLessThanOrEqual(hi);
        expect(r.tcp.intact).toBe(true);
        expect(r.evidence.crossCheck.disagreements).toEqual([]);
        // Every loss the client saw is one the link dropped or corrupted, in one direction or the other.
        const link = new Set([
          ...r.evidence.link.up.dropped,
          ...r.evidence.link.up.corrupted,
          ...r.evidence.link.down.dropped,
          ...r.evidence.link.down.corrupted,
        ]);
        for (const seq of r.udp.lostSeqs) expect(link.has(seq), `seq ${seq}`).toBe(true);
        // 200 messages each way through 10% loss: P(no retransmission) = 0.9^400 ≈ 5e-19.
        expect(
          r.evidence.kernel.tcp.client['Tcp.RetransSegs'] + r.evidence.kernel.tcp.server['Tcp.RetransSegs'],
        ).toBeGreaterThan(0);
      });

      it('the same seed gives the same losses', async () => {
        const a = await compare(lab, { count: 100 });
        const b = await compare(lab, { count: 100 });
        expect(b.evidence.link.up.dropped).toEqual(a.evidence.link.up.dropped);
      });
    });

    describe('pinger, concurrency, framing', () => {
      it('pinger: timeouts where the link lost, RTT above the delays', async () => {
        await lab.impair({ impair: 'delay 20ms loss 20%' });
        const r = await pinger(lab, { count: 40, intervalMs: 20, timeoutMs: 500 });
        expect(failed(r.verdicts)).toEqual([]);
        expect(r.pinger.rtts.filter((x) => x === null).length).toBe(r.pinger.sent - r.pinger.received);
        expect(r.pinger.minMs).toBeGreaterThanOrEqual(40);
      });

      it('concurrency: the iterative server makes clients wait in turn, the concurrent one does not', async () => {
        await lab.impair({ impair: 'none' });
        const r = await concurrency(lab, { clients: 4, holdMs: 200 });
        expect(failed(r.verdicts)).toEqual([]);
        expect(allPassed(r.verdicts)).toBe(true);
      });

      it('framing: the framed reader gets every message through a lossy link', async () => {
        await lab.impair({ impair: 'delay 10ms loss 5%' });
        const r = await framing(lab, { messages: 40 });
        expect(r.framing.framed).toEqual({ messages: 40, intact: true });
        expect(r.verdicts[0]!.status).toBe('pass');
      });
    });

    describe('socklab sweep --html', () => {
      it('prints the table, writes a self-contained page, and Chromium renders four distinguishable series for two delays', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'socklab-report-'));
        const html = join(dir, 'sweep.html');
        const r = await socklab([
          'sweep',
          '--loss',
          '0,20',
          '--delay',
          '0,20',
          '--count',
          '50',
          '--project',
          lab.project,
          '--html',
          html,
          '--json',
        ]);
        expect(r.code, r.stderr).toBe(0);
        const result = JSON.parse(r.stdout);
        // The points go by delay, then loss: 0 ms at 0% and 20%, then 20 ms.
        const [clean, lossy] = result.points;
        expect(
          result.points.map((p: { lossPercent: number; delayMs: number }) => `${p.delayMs}/${p.lossPercent}`),
        ).toEqual(['0/0', '0/20', '20/0', '20/20']);
        expect(clean.udp.deliveryRatio).toBe(1);
        // 20% each way (the base link's 2% corruption too): 99.9% binomial interval of 50 echoes.
        const [lo, hi] = binomialInterval(50, (0.8 * 0.98) ** 2, 0.999);
        expect(lossy.udp.received).toBeGreaterThanOrEqual(lo);
        expect(lossy.udp.received).toBeLessThanOrEqual(hi);
        expect(lossy.tcp.intact).toBe(true);
        // 50 messages each way through 20% loss: P(no retransmission) = 0.8^100 ≈ 2e-10.
        expect(lossy.tcp.retransmits).toBeGreaterThan(0);

        const page = readFileSync(html, 'utf8');
        // Self-contained: no script, nothing fetched.
        expect(page).not.toMatch(/<script|<link |src=|url\(|@import/);
        expect(page.match(/<svg /g)!.length).toBeGreaterThanOrEqual(4);
        // A summary line, and the points' verdicts folded away when they all pass.
        expect(page).toMatch(/<p class="summary pass">\d+ verdicts: \d+ pass, 0 fail, \d+ n\/a<\/p>/);
        expect(page.match(/<details>/g)?.length).toBe(4);
        // Four series in the delivery chart, each its own colour and marker.
        for (const name of ['UDP, 0 ms', 'TCP, 0 ms', 'UDP, 20 ms', 'TCP, 20 ms'])
          expect(page).toContain(`>${name}</text>`);

        const png = join(dir, 'sweep.png');
        await promisify(execFile)(
          'chromium',
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--hide-scrollbars',
            `--user-data-dir=${join(dir, 'profile')}`,
            '--window-size=1280,1200',
            `--screenshot=${png}`,
            `file://${html}`,
          ],
          { timeout: 120_000 },
        );
        const img = decodePng(readFileSync(png));
        expect([img.width, img.height]).toEqual([1280, 1200]);
        // The charts are on the page: the four series, each in its own colour, lost cells in the strip.
        for (const style of SERIES_STYLES.slice(0, 4))
          expect(countColor(img, style.color), style.color).toBeGreaterThan(300);
        expect(countColor(img, COLORS.lost)).toBeGreaterThan(200);
        expect(countColor(img, COLORS.ok)).toBeGreaterThan(2000);
      });
    });

    describe('socklab check in a running lab, with the flags from before assignments', () => {
      const check = (args: string[]) => socklab(['check', '--project', lab.project, ...args]);

      it("--server alone checks udp-echo: the textbook's UDPServer.py passes as it is", async () => {
        const r = await check(['--server', labPath('textbook/UDPServer.py')]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        for (const v of [
          'starts and listens',
          'echoes correctly',
          'serves several clients at once',
          'works through the lossy link',
        ])
          expect(r.stdout).toMatch(new RegExp(`^PASS +\\d+/\\d+  ${v}`, 'm'));
        // It dies on bytes that are not UTF-8: an advisory verdict, which does not fail the check.
        expect(r.stdout).toMatch(/^FAIL +0\/0 {2}survives bytes that are not UTF-8 \(advisory\)/m);
      });

      it('fails a server that answers in lowercase, saying what came back; the lab is left as found', async () => {
        const before = await lab.show();
        const r = await check(['--server', `${ROOT}test/fixtures/LowercaseUDPServer.py`, '--json']);
        expect(r.code).toBe(1);
        const echo = JSON.parse(r.stdout).verdicts.find((v: { id: string }) => v.id === 'echoes');
        expect(echo.status).toBe('fail');
        expect(echo.reason).toMatch(
          /'hello socklab' came back as 'hello socklab' \(expected 'HELLO SOCKLAB'\)/,
        );
        // The lab's own server is back afterwards, and the link's model is what it was.
        const after = await socklab(['run', 'udp', '--count', '5', '--project', lab.project, '--json']);
        expect(JSON.parse(after.stdout).sent).toBe(5);
        expect(JSON.parse(after.stdout).received + JSON.parse(after.stdout).lost).toBe(5);
        expect((await lab.show()).model).toEqual(before.model);
      });

      it("--proto tcp checks tcp-echo: the textbook's TCPServer.py passes and is reported iterative", async () => {
        const r = await check([
          '--server',
          labPath('textbook/TCPServer.py'),
          '--proto',
          'tcp',
          '--profile',
          'lossy-wifi',
        ]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^server kind: iterative: the 2nd client waited \d+\.\d s for the 1st$/m);
      });

      it('clients: the textbook UDPClient (with its timeout) passes; one without a timeout fails on loss', async () => {
        const good = await check(['--client', labPath('textbook/UDPClient.py')]);
        expect(good.code, good.stdout + good.stderr).toBe(0);
        const hangs = await check(['--client', `${ROOT}test/fixtures/NoTimeoutUDPClient.py`]);
        expect(hangs.code).toBe(1);
        expect(hangs.stdout).toMatch(/^PASS +50\/50 {2}prints the uppercase reply/m);
        expect(hangs.stdout).toMatch(/^FAIL +0\/50 {2}gives up when its datagram is lost: .*set a timeout/m);
      });
    });
  });
}
