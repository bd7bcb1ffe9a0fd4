// socklab status: every lab running, its backend, engine, model and scenario step.
import type { Command } from 'commander';
import { readExposeState } from '../../lab/expose-state.ts';
import { attachLab, listLabs } from '../../lab/start-lab.ts';
import { formatReplayReport } from '../../link/control/replay-report.ts';
import { formatScenarioStatus } from '../../link/control/scenario-runner.ts';
import { clientLines, fallbackLines } from '../../link/control/show-text.ts';
import { formatLinkModel } from '../../link/model/impairment-text.ts';
import { print } from '../link-input.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('the labs running, and the link model (and scenario step) of each')
    .option('--json', 'as JSON')
    .action(async (o) => {
      const rows = [];
      const { labs, dockerProblem } = await listLabs();
      if (dockerProblem && labs.length === 0) throw dockerProblem;
      if (dockerProblem)
        process.stderr.write(`socklab: Docker labs are not listed: ${dockerProblem.message}\n`);
      for (const { project, backend } of labs) {
        // A lab whose link is not answering is still listed, with linkd's complaint.
        try {
          const lab = await attachLab(project, backend);
          const shown = await lab.show();
          const stats = await lab.linkStats().catch(() => null);
          const replay = await lab.replayReport().catch(() => null);
          rows.push({
            project,
            backend,
            engine: shown.engine,
            link: formatLinkModel(shown.model),
            scenario: shown.scenario,
            clients: shown.clients,
            more: [
              ...fallbackLines(shown),
              ...clientLines(shown),
              ...(replay ? formatReplayReport(replay) : []),
            ],
            stats,
            replay,
            exposed: readExposeState(project)?.exposed ?? [],
          });
        } catch (err) {
          rows.push({
            project,
            backend,
            engine: null,
            link: (err as Error).message,
            scenario: null,
            clients: [],
            more: [] as string[],
            stats: null,
            replay: null,
            exposed: [],
          });
        }
      }
      print(
        o.json,
        rows,
        rows.length
          ? rows
              .map(
                (r) =>
                  `${r.project} (${r.backend}): ${r.engine ? `engine ${r.engine}; ` : ''}${r.link}${r.scenario ? `\n  ${formatScenarioStatus(r.scenario)}` : ''}${r.more.map((l) => `\n  ${l}`).join('')}${r.exposed
                    .map(
                      (e) =>
                        `\n  exposed: 127.0.0.1:${e.port}/${e.proto} -> server:${e.labPort}/${e.proto}${e.lastError ? ` (last: ${e.lastError})` : ''}`,
                    )
                    .join('')}`,
              )
              .join('\n')
          : 'no labs are running',
      );
    });
}
