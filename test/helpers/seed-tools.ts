// The seed notes' tools, used on a lab's hosts the way the notes use them; shared by the Docker
// and the netns backends' tests. Each returns what the tool printed, for the tests to assert on.
import { expect } from 'vitest';
import type { StartedLab } from '../../src/lab/start-lab.ts';

/** Runs a shell line on a host; the test fails with its output when it exits non-zero. */
async function sh(lab: StartedLab, host: 'client' | 'server', line: string): Promise<string> {
  const r = await lab[host].exec(['sh', '-c', line]);
  if (r.exitCode !== 0) throw new Error(`${host}: ${line} exited ${r.exitCode}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

export interface SeedToolsSeen {
  traceroute: string;
  telnet: string;
  ifconfig: string;
  netstat: string;
  ss: string;
  curl: string;
  tcpdump: string;
}

/** Each tool once, from the client (and netstat/ss on the server, where the echo servers listen). */
export async function useSeedTools(lab: StartedLab): Promise<SeedToolsSeen> {
  return {
    // -n: no reverse lookups (nothing answers them); one probe per hop, a second to wait.
    traceroute: await sh(lab, 'client', 'traceroute -n -w 1 -q 1 -m 5 server'),
    // telnet reads the sentence from stdin; the pause keeps it open until the echo is back.
    telnet: await sh(
      lab,
      'client',
      "(printf 'hello telnet\\r\\n'; sleep 1) | telnet server 12000 2>&1 || true",
    ),
    ifconfig: await sh(lab, 'client', 'ifconfig lab0'),
    netstat: await sh(lab, 'server', 'netstat -tln'),
    ss: await sh(lab, 'server', 'ss -uln'),
    curl: await sh(lab, 'client', 'curl --version'),
    tcpdump: await sh(lab, 'client', 'tcpdump --version 2>&1'),
  };
}

/** What the notes expect each tool to show in the lab (a clean link). */
export function expectSeedTools(seen: SeedToolsSeen): void {
  // One hop: the link carries the client's frames inside VXLAN, below IP, so nothing between
  // client and server decrements the TTL; the server answers the first probe itself.
  const hops = seen.traceroute.split('\n').filter((l) => /^\s*\d+\s/.test(l));
  expect(hops, seen.traceroute).toHaveLength(1);
  expect(hops[0]).toMatch(/^\s*1\s+198\.19\.0\.2\s/);
  expect(seen.telnet).toMatch(/Connected to server/);
  expect(seen.telnet).toContain('HELLO TELNET');
  expect(seen.ifconfig).toMatch(/inet 198\.19\.0\.1\b/);
  expect(seen.netstat).toMatch(/:12000\s/);
  expect(seen.ss).toMatch(/:12000\s/);
  expect(seen.curl).toMatch(/^curl \d/);
  expect(seen.tcpdump).toMatch(/tcpdump version/);
}
