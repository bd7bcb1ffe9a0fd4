// The web server project: real HTTP clients in the client host ask for the files the check put in
// the program's directory. curl for some requests, Node's fetch for others: the textbook's minimal
// answer (status line, blank line, body, close) satisfies both.
import { PROGRAM as HTTP_GET, type HttpGetRequest, type HttpGetResult } from '../../apps/http-get.ts';
import { SocklabError } from '../../common/errors.ts';
import { shellQuote } from '../../lab/host-processes.ts';
import { type CheckContext, failed, type Outcome, passed } from '../context.ts';
import { preview } from '../exchange.ts';
import { BINARY_FILE, HELLO_HTML, LAB_HTML, sha256 } from '../web-files.ts';
import { defineVerdict } from './verdict.ts';

interface Fetched {
  status: number | null;
  body: Buffer;
  error: string;
}

let curls = 0;

/** curl in the client host: the status, the body, or curl's complaint. */
export async function curl(ctx: CheckContext, path: string): Promise<Fetched> {
  const host = ctx.lab.client;
  const out = `${host.workDir}/curl-${process.pid}-${++curls}.out`;
  const r = await host.exec(
    [
      'sh',
      '-c',
      `mkdir -p ${shellQuote(host.workDir)} && rm -f ${shellQuote(out)} && curl -sS --max-time 15 -o ${shellQuote(out)} -w '%{http_code}' ${shellQuote(`http://server:${ctx.port}${path}`)}`,
    ],
    { timeoutMs: 30_000 },
  );
  // The shell's "not found": this machine's problem, never the program's (it would fail every
  // fetch of a correct server); the check stops and says what to install.
  if (r.exitCode === 127)
    throw new SocklabError(
      'lab.tool-missing',
      `curl is not installed on the lab's ${host.name} host, and the web server's verdicts fetch with it: install curl there (apt-get install curl; for the vm backend, then socklab images --vm)`,
    );
  const status = Number(r.stdout.trim());
  const body = await host.copyOut(out).catch(() => Buffer.alloc(0));
  await host.exec(['rm', '-f', out]);
  return { status: status > 0 ? status : null, body, error: r.stderr.trim().replace(/^curl: \(\d+\) /, '') };
}

export async function fetchAll(
  ctx: CheckContext,
  paths: string[],
  parallel: boolean,
): Promise<HttpGetResult[]> {
  const req: HttpGetRequest = {
    schema: 1,
    urls: paths.map((p) => `http://server:${ctx.port}${p}`),
    parallel,
    timeoutMs: 20_000,
  };
  return (await ctx.run(HTTP_GET, {}, JSON.stringify(req))).results;
}

/** The file's bytes, or them and the CRLF the textbook's skeleton sends after the body. */
const CRLF = Buffer.from('\r\n');
const sameBody = (body: Buffer, want: Buffer): boolean =>
  body.equals(want) || body.equals(Buffer.concat([want, CRLF]));

function judgeBody(what: string, f: Fetched, want: Buffer): string | null {
  if (f.status === null) return `${what}: no HTTP answer (curl: ${f.error || 'nothing'})`;
  if (f.status !== 200) return `${what}: status ${f.status}, expected 200`;
  if (!sameBody(f.body, want))
    return `${what}: status 200 but ${f.body.length} bytes that are not the file's ${want.length} (they begin ${preview(f.body, 40)})`;
  return null;
}

function judgeFetched(what: string, r: HttpGetResult | undefined, want: Buffer): string | null {
  if (!r || r.status === null) return `${what}: fetch() got no HTTP answer (${r?.error ?? 'nothing'})`;
  if (r.status !== 200) return `${what}: status ${r.status}, expected 200`;
  if (r.sha256 !== sha256(want) && r.sha256 !== sha256(Buffer.concat([want, CRLF])))
    return `${what}: status 200 but ${r.length} bytes that are not the file's ${want.length} exactly (they begin ${preview(Buffer.from(r.head, 'base64'), 40)})`;
  return null;
}

async function judgeHttpFile(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  const wrong = judgeBody('curl GET /HelloWorld.html', await curl(ctx, '/HelloWorld.html'), HELLO_HTML);
  return wrong
    ? failed(wrong)
    : passed(`curl GET /HelloWorld.html: 200 and the file's ${HELLO_HTML.length} bytes exactly`);
}

async function judgeHttpBinary(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  const [r] = await fetchAll(ctx, ['/socklab.bin'], false);
  const wrong = judgeFetched('fetch() GET /socklab.bin', r, BINARY_FILE);
  return wrong
    ? failed(`${wrong}; read and send files as bytes, not text`)
    : passed(`fetch() GET /socklab.bin: 200 and all ${BINARY_FILE.length} bytes exactly (every byte value)`);
}

async function judgeHttp404(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  const missing = await curl(ctx, '/missing.html');
  if (missing.status === null)
    return failed(
      `curl GET /missing.html: no HTTP answer (curl: ${missing.error || 'nothing'}); expected 404 Not Found`,
    );
  if (missing.status !== 404)
    return failed(`curl GET /missing.html: status ${missing.status}, expected 404 Not Found`);
  const after = judgeBody('then curl GET /HelloWorld.html', await curl(ctx, '/HelloWorld.html'), HELLO_HTML);
  return after
    ? failed(`404 for /missing.html, but ${after}`)
    : passed('curl GET /missing.html: 404; and it went on serving files');
}

async function judgeHttpParallel(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  // Text files only: serving binary files is http-binary's question.
  const paths = ['/HelloWorld.html', '/lab.html', '/HelloWorld.html', '/lab.html', '/HelloWorld.html'];
  const results = await fetchAll(ctx, paths, true);
  for (const [i, p] of paths.entries()) {
    const wrong = judgeFetched(
      `request ${i + 1} of ${paths.length} at once (GET ${p})`,
      results[i],
      p === '/lab.html' ? LAB_HTML : HELLO_HTML,
    );
    if (wrong) return failed(wrong);
  }
  return passed(`${paths.length} fetch() requests at once: each 200 with the exact bytes`, {
    measured: Object.fromEntries(results.map((r, i) => [`request${i + 1}Ms`, r.ms])),
  });
}

async function judgeHttpLossy(ctx: CheckContext): Promise<Outcome> {
  await ctx.lossy();
  const link = `the ${ctx.profile.name} link`;
  const html = judgeBody(`through ${link}, curl GET /lab.html`, await curl(ctx, '/lab.html'), LAB_HTML);
  if (html) return failed(html);
  const [page] = await fetchAll(ctx, ['/lab.html', '/HelloWorld.html'], false);
  const wrong = judgeFetched(`through ${link}, fetch() GET /lab.html`, page, LAB_HTML);
  return wrong
    ? failed(wrong)
    : passed(
        `through ${link}: /lab.html (${LAB_HTML.length} bytes) by curl and by fetch(), 200 and exact each time (TCP retransmitted what the link lost)`,
      );
}

export const httpFile = defineVerdict({
  id: 'http-file',
  title: 'serves a file',
  measures: 'curl GET /HelloWorld.html: status 200 and the file’s exact bytes',
  roles: ['server'],
  framings: ['http'],
  points: 30,
  run: judgeHttpFile,
});

export const httpBinary = defineVerdict({
  id: 'http-binary',
  title: 'serves a binary file exactly',
  measures: 'fetch() GET /socklab.bin (every byte value): status 200 and the exact bytes',
  roles: ['server'],
  framings: ['http'],
  points: 20,
  run: judgeHttpBinary,
});

export const http404 = defineVerdict({
  id: 'http-404',
  title: 'answers 404 for a missing file',
  measures: 'curl GET /missing.html: status 404, and the server goes on serving',
  roles: ['server'],
  framings: ['http'],
  points: 20,
  run: judgeHttp404,
});

export const httpParallel = defineVerdict({
  id: 'http-parallel',
  title: 'serves several requests at once',
  measures:
    'five fetch() requests at once for text files: every one 200 with the exact bytes (one after another is fine)',
  roles: ['server'],
  framings: ['http'],
  points: 10,
  run: judgeHttpParallel,
});

export const httpLossy = defineVerdict({
  id: 'http-lossy',
  title: 'serves through the lossy link',
  measures: 'through the assignment’s profile, a 24 KB page by curl and by fetch(): 200 and the exact bytes',
  roles: ['server'],
  framings: ['http'],
  points: 10,
  run: judgeHttpLossy,
});
