// How the CLI hands an experiment's result to the user: the table (or JSON) on stdout first, so
// nothing measured is lost, then the HTML page if asked for; the exit code is the verdicts'.
import { appendFileSync, writeFileSync } from 'node:fs';
import { SocklabError } from '../common/errors.ts';
import { allPassed } from '../experiments/verdict.ts';
import type { ExperimentResult } from '../report/experiment-result.ts';
import { renderHtml } from '../report/html-report.ts';
import { formatText } from '../report/text-report.ts';

export function emitResult(result: ExperimentResult, o: { json?: boolean; html?: string }): number {
  process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : formatText(result));
  if (o.html) {
    try {
      writeFileSync(o.html, renderHtml([result], `socklab ${result.experiment}`));
    } catch (err) {
      throw new SocklabError(
        'file.write',
        `cannot write --html ${o.html}: ${(err as Error).message}; choose a writable path`,
      );
    }
    process.stderr.write(`socklab: wrote ${o.html}\n`);
  }
  // A check passes when every required verdict does; advisory ones only inform.
  if (result.experiment === 'check') return result.passed ? 0 : 1;
  return allPassed(result.verdicts) ? 0 : 1;
}

/** Writes (or appends to) a file a flag asked for; one that cannot be written is one line with the fix. */
export function writeFlagFile(file: string, flag: string, text: string | Buffer, append = false): void {
  try {
    if (append) appendFileSync(file, text);
    else writeFileSync(file, text);
  } catch (err) {
    throw new SocklabError(
      'file.write',
      `cannot write ${flag} ${file}: ${(err as Error).message}; choose a writable path`,
    );
  }
  process.stderr.write(`socklab: wrote ${file}\n`);
}
