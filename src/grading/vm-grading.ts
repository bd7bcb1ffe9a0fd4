// check and grade on the vm backend: socklab's QEMU guest runs the same check or grade on its
// netns backend (the guest's kernel has namespaces, veth, VXLAN, cgroups and netem, whatever the
// grader's container grants), and the result comes back as the typed file it writes: a CheckResult,
// or a grade saved as `grade --save` saves it. One guest per call: a grade boots once for the class.
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { PACKAGE_ROOT } from '../common/data-files.ts';
import { SocklabError } from '../common/errors.ts';
import { guestCli } from '../lab/vm/guest-cli.ts';
import { runInGuest } from '../lab/vm/vm-guest.ts';
import type { Assignment } from './assignment.ts';
import type { CheckResult } from './check-result.ts';
import type { ProgramRole } from './framing.ts';
import type { GradeResult } from './grade.ts';
import { parseSavedGrade, type Shard } from './shard.ts';
import { WARM_REQUEST, type WarmCheckRequest } from './vm-warm-request.ts';

/** A folder for one guest's inputs and outputs, under /tmp (the guest binds it back). */
function jobDir(): string {
  return mkdtempSync(join(tmpdir(), 'socklab-vm-job-'));
}

/** An assignment given as a file goes with the job; a name is the package's own. */
function assignmentIn(job: string, ref: string): string {
  if (!existsSync(ref)) return ref;
  const to = join(job, `assignment${extname(ref) || '.yaml'}`);
  copyFileSync(ref, to);
  return to;
}

/**
 * Runs socklab in a guest, its stdout to `out` in the job; returns what the guest printed. A check
 * borrows a warm guest's lab (`--project`), and runs on a lab of its own (`--backend netns`) in a
 * cold guest; a grade starts its labs itself in either.
 */
async function socklabInGuest(
  job: string,
  args: string[],
  out: string,
  timeoutMs: number,
  borrowLab: boolean,
  request?: string,
): Promise<string> {
  const r = await runInGuest(
    [
      'sh',
      '-c',
      // How the guest runs (kvm, tcg; warm or cold): its timings are by the guest's clock.
      'out="$1"; borrow="$2"; shift 2; echo "${SOCKLAB_VM_ACCEL_USED:-unknown} ${SOCKLAB_VM_START:-cold}" > "$out.accel"; ' +
        'if [ -n "$borrow" ] && [ -n "${SOCKLAB_VM_WARM_LAB:-}" ]; then set -- "$@" --project "$SOCKLAB_VM_WARM_LAB"; ' +
        'else set -- "$@" --backend netns; fi; exec "$@" > "$out"',
      'sh',
      out,
      borrowLab ? '1' : '',
      process.execPath,
      guestCli(),
      ...args,
    ],
    {
      cwd: PACKAGE_ROOT,
      keep: [job],
      timeoutMs,
      warm: true,
      request,
    },
  );
  return r.console;
}

/**
 * Which clock timed a guest's work, and how the guest started, in words for the report; `console`
 * (what vm.sh said) tells a stale warm guest, after which the check booted cold.
 */
export function guestClock(out: string, console = ''): string {
  const [accel = 'unknown', start = 'cold'] = existsSync(`${out}.accel`)
    ? readFileSync(`${out}.accel`, 'utf8').trim().split(' ')
    : [];
  const how =
    start === 'warm'
      ? 'a warm guest restored'
      : /the warm guest is stale/.test(console)
        ? 'a guest booted, as the warm guest is stale: socklab images --vm saves it again'
        : 'a guest booted';
  return accel === 'tcg'
    ? `the vm backend's guest (${how}), QEMU TCG: an emulated CPU, timings coarser than this machine's (1–20 ms)`
    : `the vm backend's guest (${how}), QEMU ${accel === 'kvm' ? 'KVM' : accel}`;
}

const unreadable = (what: string, console: string): SocklabError =>
  new SocklabError(
    'program.failed',
    `the ${what} in the vm backend's guest gave no result: ${console.trim().split('\n').slice(-5).join(' | ')}`,
  );

export interface VmCheckOptions {
  /** A name, or a path to a .yaml file. */
  assignment: string;
  role: ProgramRole;
  file: string;
  port?: number;
  profile?: string;
  seed?: number;
  timeoutMs?: number;
}

export async function checkInVm(o: VmCheckOptions): Promise<CheckResult> {
  const job = jobDir();
  try {
    mkdirSync(join(job, 'program'));
    const program = join(job, 'program', basename(o.file));
    copyFileSync(o.file, program);
    const assignment = assignmentIn(job, o.assignment);
    const out = join(job, 'result.json');
    // For a warm guest's agent; a cold guest runs the CLI below.
    const request: WarmCheckRequest = {
      kind: 'check',
      assignment,
      role: o.role,
      file: program,
      port: o.port,
      profile: o.profile,
      seed: o.seed,
      out,
    };
    const requestFile = join(job, WARM_REQUEST);
    writeFileSync(requestFile, `${JSON.stringify(request)}\n`);
    const args = [
      'check',
      '--assignment',
      assignment,
      `--${o.role}`,
      program,
      '--json',
      ...(o.port !== undefined ? ['--port', String(o.port)] : []),
      ...(o.profile ? ['--profile', o.profile] : []),
      ...(o.seed !== undefined ? ['--seed', String(o.seed)] : []),
    ];
    const console = await socklabInGuest(job, args, out, o.timeoutMs ?? 1_800_000, true, requestFile);
    let result: CheckResult;
    try {
      result = JSON.parse(readFileSync(out, 'utf8')) as CheckResult;
    } catch {
      throw unreadable('check', console);
    }
    if (result.experiment !== 'check') throw unreadable('check', console);
    return { ...result, backend: 'vm', clock: guestClock(out, console) };
  } finally {
    rmSync(job, { recursive: true, force: true });
  }
}

export interface VmGradeOptions {
  dir: string;
  assignment: string;
  role?: ProgramRole;
  jobs?: number;
  shard?: Shard;
  timeoutMs?: number;
}

/** A class in one guest: its lab is started once and reset between submissions, as on one machine. */
export async function gradeInVm(o: VmGradeOptions): Promise<{ result: GradeResult; assignment: Assignment }> {
  const job = jobDir();
  try {
    const subs = join(job, 'submissions');
    // A copy: the guest works on its own, and symbolic links stay links (grade skips them).
    cpSync(o.dir, subs, { recursive: true, verbatimSymlinks: true });
    const saved = join(job, 'saved.json');
    const args = [
      'grade',
      subs,
      '--assignment',
      assignmentIn(job, o.assignment),
      '--save',
      saved,
      ...(o.role ? ['--role', o.role] : []),
      ...(o.jobs ? ['--jobs', String(o.jobs)] : []),
      ...(o.shard ? ['--shard', `${o.shard.index}/${o.shard.count}`] : []),
    ];
    const table = join(job, 'table.txt');
    const console = await socklabInGuest(job, args, table, o.timeoutMs ?? 7_200_000, false);
    if (!existsSync(saved)) throw unreadable('grade', console);
    const g = parseSavedGrade(readFileSync(saved, 'utf8'), saved);
    const result: GradeResult = {
      ...g.result,
      backend: 'vm',
      submissions: g.result.submissions.map((s) =>
        s.check ? { ...s, check: { ...s.check, backend: 'vm', clock: guestClock(table, console) } } : s,
      ),
      ...(g.shard ? { shard: { ...g.shard, found: g.found } } : {}),
    };
    return { result, assignment: g.assignment };
  } finally {
    rmSync(job, { recursive: true, force: true });
  }
}
