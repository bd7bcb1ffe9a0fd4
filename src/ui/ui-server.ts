// The server behind `socklab ui`: the page, a stream of snapshots (server-sent events, a few a
// second), and two actions: change the link, run compare. Listens on 127.0.0.1 only. Input is
// validated like the CLI's (one line with the fix, status 400); the lab is left as it is when the
// server stops.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SocklabError } from '../common/errors.ts';
import { compare } from '../experiments/compare.ts';
import type { StartedLab } from '../lab/started-lab.ts';
import { buildLinkModel, type LinkModelInput } from '../link/model/impairment-text.ts';
import { loadProfile, profileNames } from '../link/model/profiles.ts';
import { LiveFeed, type LiveSnapshot } from './live-feed.ts';
import { renderUiPage } from './ui-page.ts';

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

interface ImpairBody {
  impair?: string;
  up?: string;
  down?: string;
  profile?: string;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new SocklabError('usage.invalid', 'the request is larger than 64 KB');
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new SocklabError('usage.invalid', 'the request is not JSON');
  }
}

/** The change a POST /api/impair asks for, validated before linkd is touched. */
export function impairInput(b: ImpairBody): LinkModelInput {
  const words = (k: keyof ImpairBody): string | undefined => {
    const v = b[k];
    if (v !== undefined && typeof v !== 'string')
      throw new SocklabError('usage.invalid', `${k} must be netem's words, e.g. delay 20ms loss 10%`);
    return v?.trim() ? v : undefined;
  };
  const profile = words('profile');
  const input: LinkModelInput = profile
    ? {
        up: loadProfile(profile).model.up,
        down: loadProfile(profile).model.down,
        seed: loadProfile(profile).model.seed,
      }
    : { impair: words('impair'), up: words('up'), down: words('down') };
  if (input.impair === undefined && input.up === undefined && input.down === undefined)
    throw new SocklabError(
      'usage.invalid',
      'give netem words for both directions, up or down, or a profile; e.g. delay 20ms loss 10%',
    );
  buildLinkModel(input);
  return input;
}

export async function startUiServer(
  lab: StartedLab,
  o: { port: number; intervalMs?: number },
): Promise<UiServer> {
  const page = renderUiPage(profileNames());
  const clients = new Set<ServerResponse>();
  // The newest state (a snapshot, or why there is none): a page that opens now sees it at once.
  let latest: string | null = null;
  const send = (event: string, data: unknown): void => {
    const line = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    if (event === 'snapshot' || event === 'problem') latest = line;
    for (const c of clients) c.write(line);
  };
  const feed = new LiveFeed(lab, { intervalMs: o.intervalMs ?? 250 });
  let comparing = false;

  const reply = (res: ServerResponse, status: number, data: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(data));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page);
      return;
    }
    if (req.method === 'GET' && path === '/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': socklab\n\n');
      if (latest) res.write(latest);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (req.method === 'POST' && path === '/api/impair') {
      const model = await lab.impair(impairInput((await body(req)) as ImpairBody));
      reply(res, 200, { model });
      return;
    }
    if (req.method === 'POST' && path === '/api/compare') {
      if (comparing)
        throw new SocklabError('usage.invalid', 'compare is running already; wait for its verdicts');
      const b = (await body(req)) as { count?: number };
      const count = Number(b.count ?? 100);
      if (!Number.isInteger(count) || count < 1 || count > 10_000)
        throw new SocklabError(
          'usage.invalid',
          `count must be a whole number 1–10000, got ${b.count}; e.g. 100`,
        );
      comparing = true;
      send('compare', { state: 'running' });
      compare(lab, { count })
        .then((r) =>
          send('compare', {
            state: 'done',
            udp: r.udp,
            tcp: r.tcp,
            verdicts: r.verdicts,
            fidelity: r.fidelity,
          }),
        )
        .catch((err: Error) => send('compare', { state: 'failed', error: err.message }))
        .finally(() => {
          comparing = false;
        });
      reply(res, 202, { started: true });
      return;
    }
    reply(res, 404, { error: `no ${req.method} ${path} here: the page is at /` });
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      const status = err instanceof SocklabError && err.exitCode === 2 ? 400 : 500;
      if (!res.headersSent) reply(res, status, { error: err.message.split('\n').join('; ') });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new SocklabError(
              'socket.addr-in-use',
              `port ${o.port} on 127.0.0.1 is taken; give another with --port`,
            )
          : err,
      ),
    );
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  feed.start(
    (s: LiveSnapshot) => send('snapshot', s),
    (err) => send('problem', { error: `cannot read the link: ${err.message}`, retry: feed.retrying }),
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      feed.stop();
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
