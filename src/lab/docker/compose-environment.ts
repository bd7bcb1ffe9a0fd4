// The testcontainers adapter: brings a lab's Compose project up through testcontainers'
// DockerComposeEnvironment, so that a test suite's labs are reaped by Ryuk when its process
// dies (where Ryuk runs), as every other testcontainers resource is. A standalone docker-compose
// (v1, or v2 installed so) is driven as an executable; otherwise the docker plugin.
import { DockerComposeEnvironment } from 'testcontainers';
import { SocklabError } from '../../common/errors.ts';
import { COMPOSE_FILE, detectCompose, PROJECT_DIR } from './compose-cli.ts';

export interface ComposeHandle {
  down(): Promise<void>;
}

export async function composeUp(
  project: string,
  env: Record<string, string>,
  opts: { autoCleanup: boolean },
): Promise<ComposeHandle> {
  const c = await detectCompose();
  const environment = new DockerComposeEnvironment(PROJECT_DIR, COMPOSE_FILE.slice(PROJECT_DIR.length))
    .withProjectName(project)
    .withEnvironment(env)
    .withAutoCleanup(opts.autoCleanup)
    .withClientOptions({
      // Never build or pull here: the image is built beforehand (socklab images), and a missing
      // one must be an error that says so, not a request to a registry. (Compose v1 has no
      // --pull; assertImage() checks the image first for it.)
      commandOptions: ['--no-build', ...(c.standalone ? [] : ['--pull', 'never'])],
      ...(c.standalone
        ? { executable: { standalone: true as const, executablePath: 'docker-compose' } }
        : {}),
    });
  try {
    const started = await environment.up();
    return { down: async () => void (await started.down({ timeout: 1000, removeVolumes: true })) };
  } catch (err) {
    const last = String((err as Error).message)
      .trim()
      .split('\n')
      .filter(Boolean)
      .at(-1);
    throw new SocklabError(
      'docker.compose-failed',
      `${c.argv.join(' ')} up failed for project ${project}: ${last}`,
    );
  }
}
