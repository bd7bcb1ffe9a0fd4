// What a check asks of the vm backend's warm guest (vm-grading.ts writes it into the job's folder;
// the guest's agent, vm-warm-agent.ts, answers it): the check's options, and where its result goes.
// A cold guest runs the same check through socklab's CLI instead (the job's run.sh).
import type { ProgramRole } from './framing.ts';

/** The request's file name in the job's folder. */
export const WARM_REQUEST = 'request.json';

export interface WarmCheckRequest {
  kind: 'check';
  /** A name, or a path to a .yaml file (in the job's folder). */
  assignment: string;
  role: ProgramRole;
  /** The program, in the job's folder. */
  file: string;
  port?: number;
  profile?: string;
  seed?: number;
  /** Where the CheckResult goes, as JSON (what `check --json` prints); `OUT.accel` says which guest. */
  out: string;
}
