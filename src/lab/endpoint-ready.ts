// Waiting for a user's software at one end to be ready (a port that listens, a line in its
// output), on either backend; a start that ends or never gets there fails with what it said.
import { SocklabError } from '../common/errors.ts';
import type { Proto } from '../common/proto.ts';
import { type EndName, lastLines, type ReadySpec } from './endpoint.ts';

export interface ReadyProbe {
  /** Whether it still runs, and its exit code once it does not. */
  state(): Promise<{ running: boolean; exitCode: number }>;
  logs(tail: number): Promise<string>;
  listening(proto: Proto, port: number): Promise<boolean>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export async function waitReady(
  end: EndName,
  what: string,
  spec: ReadySpec | undefined,
  probe: ReadyProbe,
  signal?: AbortSignal,
): Promise<void> {
  const timeoutMs = spec?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const until = Date.now() + timeoutMs;
  const matches = (text: string): boolean =>
    spec?.log === undefined
      ? true
      : typeof spec.log === 'string'
        ? text.includes(spec.log)
        : spec.log.test(text);
  for (;;) {
    signal?.throwIfAborted();
    const st = await probe.state();
    if (!st.running)
      throw new SocklabError(
        'lab.host-down',
        `${what} at the ${end} end exited (code ${st.exitCode}) before it was ready; its last output:\n${lastLines(await probe.logs(20))}`,
      );
    if (!spec) return;
    const port = spec.port === undefined || (await probe.listening(spec.proto ?? 'tcp', spec.port));
    if (port && matches(spec.log === undefined ? '' : await probe.logs(200))) return;
    if (Date.now() > until) {
      const waited = [
        spec.port !== undefined ? `listen on ${(spec.proto ?? 'tcp').toUpperCase()} port ${spec.port}` : '',
        spec.log !== undefined ? `print ${String(spec.log)}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      throw new SocklabError(
        'lab.not-ready',
        `${what} at the ${end} end did not ${waited} within ${timeoutMs / 1000} s (give ready.timeoutMs for longer); its last output:\n${lastLines(await probe.logs(20))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
