// The lab's own echo servers on the server host (UDP and TCP, port 12000, as in the textbook).
// Each one's pid is kept in a file in the host's work directory, so that `check` can stop exactly
// that process while a user's program takes its port, and start it again afterwards, on either
// backend (a namespace shares the machine's processes: a pattern would match other labs' servers).

import { PROGRAM as TCP_ECHO_SERVER } from '../apps/tcp-echo-server.ts';
import { PROGRAM as UDP_ECHO_SERVER } from '../apps/udp-echo-server.ts';
import type { Proto } from '../common/proto.ts';
import { startBackground, stopBackground, waitListening } from './host-processes.ts';
import { appOn, type LabHost } from './lab-host.ts';

export const LAB_PORT = 12000;

const SERVERS = { udp: UDP_ECHO_SERVER, tcp: TCP_ECHO_SERVER };

const pidFile = (host: LabHost, proto: Proto): string => `${host.workDir}/${proto}-echo-server.pid`;

export async function startLabServer(host: LabHost, proto: Proto, port = LAB_PORT): Promise<void> {
  await host.exec(['mkdir', '-p', host.workDir]);
  const pid = await startBackground(
    host,
    ['node', appOn(host, SERVERS[proto].name), ...SERVERS[proto].argv({ port, quiet: true })],
    `${host.workDir}/${proto}-echo-server.log`,
  );
  await host.exec(['sh', '-c', `echo ${pid} > ${pidFile(host, proto)}`]);
  await waitListening(host, proto, port, pid, 10_000);
}

export async function stopLabServer(host: LabHost, proto: Proto): Promise<void> {
  const r = await host.exec(['cat', pidFile(host, proto)]);
  const pid = Number(r.stdout.trim());
  if (Number.isInteger(pid) && pid > 0) await stopBackground(host, pid);
  await host.exec(['rm', '-f', pidFile(host, proto)]);
}
