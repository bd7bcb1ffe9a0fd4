// http-get: fetches URLs with Node's fetch (a real HTTP client, as a browser would be), one after
// another or all at once, and reports each one's status and bytes: length, sha256 and the first
// bytes. Request and result are JSON (stdin, stdout), typed both ends. Zero dependencies.
import { createHash } from 'node:crypto';
import { SocklabError } from '../common/errors.ts';
import { defineProgram, printResult } from '../common/host-program.ts';
import { runMain } from '../common/program-errors.ts';

export const HTTP_GET_SCHEMA = 1;

/** No options: the request comes on stdin. */
export const PROGRAM = defineProgram<Record<never, never>, { results: HttpGetResult[] }>(
  'http-get',
  HTTP_GET_SCHEMA,
  {},
);

export interface HttpGetRequest {
  schema: typeof HTTP_GET_SCHEMA;
  urls: string[];
  parallel: boolean;
  timeoutMs: number;
}

export interface HttpGetResult {
  url: string;
  status: number | null;
  length: number;
  sha256: string;
  /** The first 64 bytes, base64. */
  head: string;
  error?: string;
  ms: number;
}

async function get(url: string, timeoutMs: number): Promise<HttpGetResult> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      url,
      status: res.status,
      length: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      head: body.subarray(0, 64).toString('base64'),
      ms: Math.round(performance.now() - t0),
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return {
      url,
      status: null,
      length: 0,
      sha256: '',
      head: '',
      error: e.cause?.code ?? e.cause?.message ?? e.name ?? e.message,
      ms: Math.round(performance.now() - t0),
    };
  }
}

async function main(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  let req: HttpGetRequest;
  try {
    req = JSON.parse(Buffer.concat(chunks).toString('utf8')) as HttpGetRequest;
  } catch (err) {
    throw new SocklabError('usage.invalid', `the request on stdin is not JSON (${(err as Error).message})`);
  }
  if (req.schema !== HTTP_GET_SCHEMA)
    throw new SocklabError('usage.invalid', `the request must be schema ${HTTP_GET_SCHEMA}`);
  const results: HttpGetResult[] = [];
  if (req.parallel) results.push(...(await Promise.all(req.urls.map((u) => get(u, req.timeoutMs)))));
  else for (const u of req.urls) results.push(await get(u, req.timeoutMs));
  printResult(PROGRAM, { results });
  return 0;
}

if (import.meta.main) await runMain('http-get', main);
