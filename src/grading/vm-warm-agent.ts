// The vm backend's warm guest's agent. vm-warm.sh starts it in the guest before the guest is saved:
// it attaches the lab the guest started, and checks the textbook's server once through it, so that
// what a check runs is loaded and compiled when the guest is saved. Each restored copy then hands
// it one request (vm-warm-request.ts) through a FIFO, and it answers through another with the
// check's exit status; the result is in the request's `out`. A check therefore pays neither a boot,
// a lab's start, nor socklab's start under the guest's emulated CPU (5–11 s for the CLI under TCG).
//   usage: vm-warm-agent PROJECT REQUESTS_FIFO ANSWERS_FIFO READY_FILE TEXTBOOK_SERVER
import { readFileSync, writeFileSync } from 'node:fs';
import { attachLab } from '../lab/start-lab.ts';
import { loadAssignment } from './assignment.ts';
import { runCheck } from './check.ts';
import type { CheckResult } from './check-result.ts';
import type { WarmCheckRequest } from './vm-warm-request.ts';

const [project, requests, answers, ready, textbook] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const lab = await attachLab(project, 'netns');

/** `discardLab`: the restored copy's one check, after which the guest powers off. */
function check(r: Omit<WarmCheckRequest, 'out' | 'kind'>, discardLab: boolean): Promise<CheckResult> {
  return runCheck({
    discardLab,
    assignment: loadAssignment(r.assignment),
    role: r.role,
    file: r.file,
    port: r.port,
    profile: r.profile,
    seed: r.seed,
    lab,
    project: lab.project,
    backend: 'netns',
  });
}

// Saved with the guest: the lab must be as it was found for the check each copy makes.
const warm = await check({ assignment: 'udp-echo', role: 'server', file: textbook }, false);
if (!warm.passed) {
  process.stderr.write('socklab-vm: the warm guest’s check of the textbook server failed\n');
  process.exit(1);
}
writeFileSync(ready, 'ready\n');

// One request per restored guest; reading the FIFO blocks until the guest's job writes it, and
// nothing else runs in this process meanwhile.
for (;;) {
  const path = readFileSync(requests, 'utf8').trim();
  let code = 1;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as WarmCheckRequest;
    const result = await check(r, true);
    writeFileSync(r.out, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(`${r.out}.accel`, `${process.env.SOCKLAB_VM_ACCEL_USED ?? 'unknown'} warm\n`);
    code = result.passed ? 0 : 1;
  } catch (err) {
    process.stderr.write(`socklab: ${(err as Error).message}\n`);
  }
  writeFileSync(answers, `${code}\n`);
}
