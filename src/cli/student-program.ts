// What a course tool (the classroom workflow, the Gradescope autograder) looks for in a student's
// work: the assignment, the role it judges, and the file name students hand in.
import { SocklabError } from '../common/errors.ts';
import { type Assignment, loadAssignment } from '../grading/assignment.ts';
import type { ProgramRole } from '../grading/framing.ts';
import { roleOf } from '../grading/grade.ts';

/** `who` finishes the sentence when no file name can be had: "the workflow", "the autograder". */
export function studentProgram(
  ref: string,
  o: { role?: ProgramRole; program?: string },
  who: string,
): { assignment: Assignment; role: ProgramRole; program: string } {
  const assignment = loadAssignment(ref);
  const role = roleOf(assignment, o.role);
  const spec = assignment[role];
  if (!spec)
    throw new SocklabError(
      'assignment.no-role',
      `assignment ${assignment.name} has no ${role} to judge; use --role ${role === 'server' ? 'client' : 'server'}`,
    );
  const program = o.program ?? spec.program;
  if (!program)
    throw new SocklabError(
      'usage.invalid',
      `assignment ${assignment.name} names no program file for its ${role}, so ${who} cannot find the student's; give it: --program UDPServer.py`,
    );
  return { assignment, role, program };
}
