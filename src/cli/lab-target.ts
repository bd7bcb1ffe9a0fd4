// Which running lab a command means: --project, or the only socklab lab running.
import { AppError } from '../apps/app-error.ts';
import { labProjects } from '../lab/docker-engine.ts';
import { attachLab, type StartedLab, validateProject } from '../lab/start-lab.ts';

/** The project a command means: --project when it is running, or the only lab running. */
export async function targetProject(project: string | undefined): Promise<string> {
  const running = await labProjects();
  if (project) {
    validateProject(project);
    if (!running.includes(project)) {
      throw new AppError(
        'ENOLAB',
        `no lab named '${project}' is running (running: ${running.join(', ') || 'none'}); start one with: socklab up --project ${project}`,
        1,
      );
    }
    return project;
  }
  if (running.length === 0) throw new AppError('ENOLAB', 'no lab is running; start one with: socklab up', 1);
  if (running.length > 1) {
    throw new AppError(
      'EAMBIGUOUS',
      `${running.length} labs are running (${running.join(', ')}); say which with --project NAME`,
      2,
    );
  }
  return running[0]!;
}

/** The lab a command means, attached (its hosts found, linkd asked for its model). */
export async function targetLab(project: string | undefined): Promise<StartedLab> {
  return attachLab(await targetProject(project));
}
