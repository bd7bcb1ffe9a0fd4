// Which running lab a command means: --project, or the only socklab lab running (of either backend).
import { SocklabError } from '../common/errors.ts';
import { netnsLabProjects } from '../lab/netns/netns-lab.ts';
import { attachLab, listLabs, type StartedLab, validateProject } from '../lab/start-lab.ts';
import type { Backend } from '../lab/started-lab.ts';

/** The lab a command means: --project when it is running, or the only lab running. */
export async function targetProject(
  project: string | undefined,
): Promise<{ project: string; backend: Backend }> {
  // A namespace lab named here is found without asking (or loading) Docker.
  if (project && (await netnsLabProjects()).includes(validateProject(project)))
    return { project, backend: 'netns' };
  const { labs: running, dockerProblem } = await listLabs();
  const names = running.map((l) => l.project);
  // Nothing found and no engine to ask: that is the news, not "no lab is running".
  if (dockerProblem && !running.some((l) => l.project === project || !project)) throw dockerProblem;
  if (project) {
    validateProject(project);
    const found = running.find((l) => l.project === project);
    if (!found) {
      throw new SocklabError(
        'lab.not-running',
        `no lab named '${project}' is running (running: ${names.join(', ') || 'none'}); start one with: socklab up --project ${project}`,
      );
    }
    return found;
  }
  if (running.length === 0)
    throw new SocklabError('lab.not-running', 'no lab is running; start one with: socklab up');
  if (running.length > 1) {
    throw new SocklabError(
      'lab.ambiguous',
      `${running.length} labs are running (${names.join(', ')}); say which with --project NAME`,
    );
  }
  return running[0]!;
}

/** The lab a command means, attached (its hosts found, linkd asked for its model). */
export async function targetLab(project: string | undefined): Promise<StartedLab> {
  const t = await targetProject(project);
  return attachLab(t.project, t.backend);
}
