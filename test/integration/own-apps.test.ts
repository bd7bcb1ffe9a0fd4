// Users' own software on the lab, as a user runs it: third-party images (nginx, dnsmasq, built from
// Debian's packages in test/apps/, not socklab's) at the server end, reached from this machine
// through `expose`, from the packed package installed in a scratch project, running the examples
// a user copies (examples/vitest); the Compose example; the CLI's --server-image and --expose; and
// every bad input in one line with nothing left behind.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { startLab } from '../../src/lab/start-lab.ts';
import { ROOT, run, spawnCollecting } from '../support/programs.ts';

const exec = promisify(execFile);
const CLI = `${ROOT}src/cli/socklab.ts`;
const NGINX = 'socklab-test-nginx:latest';
const DNSMASQ = 'socklab-test-dnsmasq:latest';

/** Everything Docker has of a lab: its containers (attached ones too) and its networks. */
function leftOf(project: string): string[] {
  const containers = execFileSync('docker', [
    'ps',
    '-a',
    '--format',
    '{{.Names}}',
    '--filter',
    `label=com.docker.compose.project=${project}`,
  ]).toString();
  const attached = execFileSync('docker', [
    'ps',
    '-a',
    '--format',
    '{{.Names}}',
    '--filter',
    `label=dev.socklab.attached-to=${project}`,
  ]).toString();
  const networks = execFileSync('docker', ['network', 'ls', '--format', '{{.Name}}']).toString();
  return [
    ...`${containers}${attached}`.split('\n'),
    ...networks.split('\n').filter((n) => n.startsWith(`${project}_`)),
  ].filter(Boolean);
}

beforeAll(async () => {
  await exec(`${ROOT}test/apps/build.sh`, [], { timeout: 600_000 });
}, 600_000);

describe('your own app under loss, from the installed package', () => {
  it('the examples a user copies pass: nginx through 20% loss, dnsmasq through 30% (retries equal the link’s drops)', async () => {
    const project = mkdtempSync(join(tmpdir(), 'socklab-user-'));
    const { stdout } = await exec('npm', ['pack', '--silent', '--pack-destination', project], { cwd: ROOT });
    const pkg = join(project, 'node_modules', 'socklab');
    mkdirSync(pkg, { recursive: true });
    await exec('tar', [
      '-xzf',
      join(project, stdout.trim().split('\n').at(-1)!),
      '-C',
      pkg,
      '--strip-components=1',
    ]);
    // socklab's dependencies and vitest, as npm would have installed them (no registry needed here).
    const deps = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies);
    for (const dep of [...deps, 'vitest'])
      symlinkSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep));
    writeFileSync(join(project, 'package.json'), '{"type":"module"}');
    for (const f of ['web-under-loss.test.ts', 'dns-under-loss.test.ts'])
      copyFileSync(join(pkg, 'examples', 'vitest', f), join(project, f));
    const r = await run(
      process.execPath,
      [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', project, '--reporter', 'verbose'],
      '',
      600_000,
      { ...process.env, WEB_IMAGE: NGINX, DNS_IMAGE: DNSMASQ },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/2 passed/);
  }, 900_000);
});

describe('your own service in your own compose.yaml (Compose v2)', () => {
  it('joins the server host: the client reaches it as `server`, through the link', async () => {
    const project = `socklab-compose-${process.pid}`;
    const file = `${ROOT}examples/compose/compose.yaml`;
    const env = {
      ...process.env,
      WEB_IMAGE: NGINX,
      LAB_DEMO: 'off',
      LAB_IMPAIR: 'loss 10%',
      SOCKLAB_SCOPE: `compose-${process.pid}`,
    };
    try {
      const up = await run(
        'docker',
        ['compose', '-f', file, '-p', project, 'up', '-d', '--no-build', '--pull', 'never'],
        '',
        300_000,
        env,
      );
      expect(up.code, up.stderr).toBe(0);
      let page = '';
      for (let i = 0; i < 50 && !page.includes('socklab test page'); i++) {
        page = (
          await run(
            'docker',
            [
              'compose',
              '-f',
              file,
              '-p',
              project,
              'exec',
              '-T',
              'client',
              'curl',
              '-s',
              '-m',
              '10',
              'http://server/',
            ],
            '',
            60_000,
            env,
          )
        ).stdout;
        if (!page) await new Promise((r) => setTimeout(r, 200));
      }
      expect(page).toContain('socklab test page');
      // It went through the link: linkd saw the TCP segments to port 80.
      const stats = await run(
        'docker',
        ['compose', '-f', file, '-p', project, 'exec', '-T', 'link', 'linkctl', 'stats'],
        '',
        60_000,
        env,
      );
      expect(JSON.parse(stats.stdout).stats.up.byProtocol.tcp.received).toBeGreaterThan(10);
    } finally {
      await run('docker', ['compose', '-f', file, '-p', project, 'down', '-v', '-t', '1'], '', 120_000, env);
    }
    expect(leftOf(project)).toEqual([]);
  }, 600_000);
});

describe('the CLI: --server-image, --expose, status, down', () => {
  it('serves the page on this machine through the link, says where, and removes it all', async () => {
    const project = `socklab-own-${process.pid}`;
    const up = await run(
      process.execPath,
      [
        CLI,
        'up',
        '--project',
        project,
        '--server-image',
        NGINX,
        '--ready',
        '80/tcp',
        '--expose',
        '80/tcp',
        '--impair',
        'loss 5%',
      ],
      '',
      300_000,
    );
    try {
      expect(up.code, up.stderr).toBe(0);
      const port = Number(/127\.0\.0\.1:(\d+)\/tcp -> server:80\/tcp/.exec(up.stdout)?.[1]);
      expect(port).toBeGreaterThan(0);
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(page).toContain('socklab test page');
      const status = await run(process.execPath, [CLI, 'status'], '', 60_000);
      expect(status.stdout).toContain(`exposed: 127.0.0.1:${port}/tcp -> server:80/tcp`);
    } finally {
      const down = await run(process.execPath, [CLI, 'down', '--project', project], '', 120_000);
      expect(down.code, down.stderr).toBe(0);
    }
    expect(leftOf(project)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${/127\.0\.0\.1:(\d+)/.exec(up.stdout)?.[1]}/`)).rejects.toThrow();
    // Never the user's image.
    expect(execFileSync('docker', ['image', 'inspect', NGINX]).length).toBeGreaterThan(0);
  }, 600_000);
});

describe('bad input: one line each, nothing left behind', () => {
  it('an image that does not exist: named, with how to build or pull it', async () => {
    const project = `socklab-noimg-${process.pid}`;
    await expect(startLab({ project, server: { image: 'no-such-image:1' } })).rejects.toThrow(
      /^no image 'no-such-image:1' on this Docker engine \(socklab never pulls\); build it \(docker build -t no-such-image:1 \.\) or pull it/,
    );
    expect(leftOf(project)).toEqual([]);
  }, 300_000);

  it('a container that exits before it is ready: its exit code and its last lines', async () => {
    const project = `socklab-exits-${process.pid}`;
    await expect(
      startLab({
        project,
        server: {
          image: NGINX,
          // Both on one stream: the engine's log keeps their order only within a stream.
          command: ['sh', '-c', 'echo starting >&2; echo cannot bind >&2; exit 3'],
          ready: { port: 80 },
        },
      }),
    ).rejects.toThrow(
      /the image socklab-test-nginx:latest at the server end exited \(code 3\) before it was ready; its last output:\n {2}\| starting\n {2}\| cannot bind/,
    );
    expect(leftOf(project)).toEqual([]);
  }, 300_000);

  it('a port taken on this machine, and a port nobody listens on (reset, as a real network says it; status has why)', async () => {
    await using lab = await startLab({ server: { image: NGINX, ready: { port: 80 } } });
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const busy = (taken.address() as { port: number }).port;
    await expect(lab.expose(80, 'tcp', { localPort: busy })).rejects.toThrow(
      `TCP port ${busy} on 127.0.0.1 is taken on this machine; give another port, or 0 for a free one`,
    );
    taken.close();
    const nobody = await lab.expose(81, 'tcp');
    // Docker here runs natively: the tunnel goes straight to the client container, not through the engine.
    expect(nobody.tunnel).toBe('direct');
    await expect(fetch(`http://127.0.0.1:${nobody.port}/`)).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(nobody.lastError).toBe('ECONNREFUSED from server:81');
    // The client host reaches this machine only from the relay's one port, and not once it is gone.
    const rules = async (): Promise<string[]> =>
      (await lab.client.exec(['ip', 'rule', 'show'])).stdout
        .split('\n')
        .filter((l) => l.includes('lookup 4791'));
    expect(await rules()).toEqual([
      expect.stringMatching(/^\d+:\s+from all ipproto tcp sport \d+ lookup 4791\s*$/),
    ]);
    await nobody.close();
    expect(await rules()).toEqual([]);
  }, 300_000);

  it('Ctrl-C while the app starts removes every container and network', async () => {
    const project = `socklab-ctrlc-${process.pid}`;
    const up = spawnCollecting(process.execPath, [
      CLI,
      'up',
      '--project',
      project,
      '--server-image',
      NGINX,
      '--server-cmd',
      'sleep 600',
      '--ready',
      '80/tcp',
    ]);
    for (let i = 0; i < 600 && !leftOf(project).some((n) => n.endsWith('-server-app')); i++)
      await new Promise((r) => setTimeout(r, 100));
    up.child.kill('SIGINT');
    const done = await up.exited;
    expect(done.code).toBe(130);
    expect(leftOf(project)).toEqual([]);
  }, 300_000);
});
