// The rules replies and threads are judged by, without a lab: what "uppercase" accepts under each
// rule of an assignment, the assignment's fields that choose it, and how the task census's view
// of a server's threads becomes the single-thread verdict.
import { describe, expect, it } from 'vitest';
import type { CensusResult, CensusSample } from '../../../src/apps/task-census.ts';
import { clientSockets, parseSyscall } from '../../../src/apps/task-census.ts';
import { asciiUppercaseBytes } from '../../../src/apps/uppercase.ts';
import { parseAssignment } from '../../../src/grading/assignment.ts';
import { acceptedUppercase, wrongReply } from '../../../src/grading/verdicts/common.ts';
import { singleThreadOutcome } from '../../../src/grading/verdicts/concurrency-verdicts.ts';

const text = (bs: Buffer[]) => bs.map((b) => b.toString('utf8'));

describe('uppercase rules', () => {
  it('ASCII letters only, every other byte as it came (C’s toupper())', () => {
    expect(asciiUppercaseBytes(Buffer.from('grüße aus der straße 42!')).toString()).toBe(
      'GRüßE AUS DER STRAßE 42!',
    );
    expect(asciiUppercaseBytes(Buffer.from([0xff, 0x61, 0xc3]))).toEqual(Buffer.from([0xff, 0x41, 0xc3]));
  });

  it('either (the default) accepts both; unicode and ascii one each; ASCII text has one answer', () => {
    expect(text(acceptedUppercase('grüße', 'either'))).toEqual(['GRÜSSE', 'GRüßE']);
    expect(text(acceptedUppercase('grüße', 'unicode'))).toEqual(['GRÜSSE']);
    expect(text(acceptedUppercase('grüße', 'ascii'))).toEqual(['GRüßE']);
    expect(text(acceptedUppercase('hello', 'either'))).toEqual(['HELLO']);
  });

  it('a reply is wrong only when the rule accepts none of it, and says what was expected', () => {
    expect(wrongReply('grüße', Buffer.from('GRüßE\n'))).toBeNull();
    expect(wrongReply('grüße', Buffer.from('GRÜSSE'))).toBeNull();
    expect(wrongReply('grüße', Buffer.from('GRüßE'), 'unicode')).toBe(
      "'grüße' came back as 'GRüßE' (expected 'GRÜSSE')",
    );
    expect(wrongReply('grüße', Buffer.from('GR??E'))).toBe(
      "'grüße' came back as 'GR??E' (expected 'GRÜSSE' or 'GRüßE')",
    );
    expect(wrongReply('hello', null)).toBe("'hello' got no reply");
  });

  const assignment = (extra: string) =>
    parseAssignment('t', `protocol: udp\n${extra}server:\n  verdicts:\n    echoes: 30\n`);

  it('an assignment chooses the rule and the non-ASCII sentence, with defaults that let both pass', () => {
    expect(assignment('')).toMatchObject({ uppercase: 'either', nonAscii: 'required' });
    expect(assignment('uppercase: unicode\nnon-ascii: advisory\n')).toMatchObject({
      uppercase: 'unicode',
      nonAscii: 'advisory',
    });
    expect(() => assignment('uppercase: shouting\n')).toThrow(
      /t, line 2: uppercase must be either, unicode, ascii, got 'shouting'/,
    );
    expect(() => assignment('non-ascii: sometimes\n')).toThrow(
      /non-ascii must be required, advisory, absent/,
    );
  });
});

describe('the task census', () => {
  it('finds the established connections on the port, IPv4 and IPv6', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:2EE0 00000000:0000 0A 00000000:00000000 00:00000000 00000000 20001 0 100 1',
      '   1: 020013C6:2EE0 010013C6:9C40 01 00000000:00000000 00:00000000 00000000 20001 0 101 1',
      '   2: 020013C6:1F90 010013C6:9C41 01 00000000:00000000 00:00000000 00000000 20001 0 102 1',
    ].join('\n');
    const tcp6 = [
      '  sl  local_address                         remote_address                        st ...',
      '   0: 0000000000000000FFFF0000020013C6:2EE0 0000000000000000FFFF0000010013C6:9C42 01 00000000:00000000 00:00000000 00000000 20001 0 103 1',
    ].join('\n');
    expect([...clientSockets([tcp, tcp6], 12000)].sort()).toEqual([101, 103]);
  });

  it('reads a blocked thread’s system call and first argument, and nothing of a running one', () => {
    expect(parseSyscall('45 0x4 0x7f1ecce160f0 0x64 0x0 0x0 0x0 0x7ffd 0x7f12\n')).toEqual({
      nr: 45,
      arg1: 4,
    });
    expect(parseSyscall('running\n')).toBeNull();
    expect(parseSyscall('-1 0x7ffd 0x7f12\n')).toBeNull();
    expect(parseSyscall(null)).toBeNull();
  });
});

describe('single-thread, from the census', () => {
  const idle: CensusSample = {
    processes: 1,
    threads: 1,
    clients: 0,
    threadsOnClients: 0,
    processesWithClients: 0,
    tasks: [],
  };
  const busy = (s: Partial<CensusSample>, max = { processes: 1, threads: 1, clients: 5 }): CensusResult => ({
    samples: 30,
    callsReadable: true,
    busiest: { ...idle, clients: 5, ...s },
    max,
  });
  const onClient = (tid: number, pid = 100) => ({ pid, tid, call: 'recvfrom', waitsOn: 1000 + tid });

  it('one thread waiting on every client passes', () => {
    const r = singleThreadOutcome(5, idle, busy({ processesWithClients: 1 }), 5);
    expect(r.status).toBe('pass');
    expect(r.reason).toMatch(/counted from the kernel’s view of each thread/);
  });

  it('threads each blocked reading a client fail, even a pool made before any client came', () => {
    const tasks = [1, 2, 3, 4, 5].map((t) => onClient(t));
    const pool = { processes: 1, threads: 6, clients: 5 };
    const r = singleThreadOutcome(
      5,
      { ...idle, threads: 6 },
      busy({ threadsOnClients: 5, processesWithClients: 1, tasks }, pool),
      5,
    );
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(
      /^a thread per client.*5 threads were each blocked reading its own client \(recvfrom\)/,
    );
  });

  it('processes each holding a client fail, however short-lived', () => {
    const r = singleThreadOutcome(
      5,
      idle,
      busy({ processesWithClients: 5 }, { processes: 6, threads: 6, clients: 5 }),
      5,
    );
    expect(r.reason).toMatch(/^a process per client, not one thread for all: 5 processes each held/);
  });

  it('where the kernel does not show what threads wait on, counts alone judge, and the reason says so', () => {
    const blind: CensusResult = {
      ...busy({}, { processes: 1, threads: 6, clients: 5 }),
      callsReadable: false,
    };
    const r = singleThreadOutcome(5, idle, blind, 5);
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(/counted by threads and processes alone/);
  });
});

describe('an instructor’s limits', () => {
  const limits = (l: string) =>
    parseAssignment('t', `protocol: udp\nlimits: { ${l} }\nserver:\n  verdicts:\n    echoes: 30\n`).limits;

  it('take sizes, times and counts within what the sandbox can give', () => {
    expect(limits('total-memory: 512MiB, disk: 64MiB, tmp: 16MiB, cpus: 0.5, processes: 100')).toMatchObject({
      totalMemoryBytes: 512 * 1024 ** 2,
      diskBytes: 64 * 1024 ** 2,
      tmpBytes: 16 * 1024 ** 2,
      cpus: 0.5,
      processes: 100,
    });
  });

  it.each([
    ['memory: 1MiB', /memory must be a size from 64 MiB to 64 GiB/],
    ['memory: 99999999999999GiB', /memory must be a size from 64 MiB to 64 GiB/],
    ['processes: 100000', /processes must be a number from 8 to 4096/],
    ['open-files: 7', /open-files must be a number from 16 to 65536/],
    ['cpu: 30', /cpu must be a time from 1s to 3600s/],
    ['swap: 1GiB', /unknown key 'swap' under limits/],
  ])('refuse %s with the field, the rule and an example, as the assignment’s error', (l, message) => {
    expect(() => limits(l)).toThrow(message);
  });
});
