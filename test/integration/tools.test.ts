// The seed notes' tools on the lab's hosts (containers): used as the notes use them.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type StartedLab, startLab } from '../../src/lab/start-lab.ts';
import { expectSeedTools, useSeedTools } from '../helpers/seed-tools.ts';

describe('the seed notes’ tools in the containers', () => {
  let lab: StartedLab;
  beforeAll(async () => {
    lab = await startLab({ impair: 'none' });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('traceroute server shows one hop; telnet server 12000 echoes; ifconfig, netstat, ss, curl, tcpdump run', async () => {
    expectSeedTools(await useSeedTools(lab));
  });
});
