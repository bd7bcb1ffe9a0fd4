// framing: N messages written back to back over TCP. A naive single recv() returns whatever
// bytes have arrived (several messages, or part of one); a reader that frames at newlines
// gets the N messages back exactly.
import { PROGRAM as FRAMING_DEMO, type FramingResult } from '../apps/framing-demo.ts';
import { runProgram } from '../lab/run-program.ts';
import type { StartedLab } from '../lab/start-lab.ts';
import { type Fidelity, pathFidelity } from './fidelity.ts';
import { check, skip, type Verdict } from './verdict.ts';

export interface FramingExperiment {
  experiment: 'framing';
  framing: FramingResult;
  fidelity: Fidelity;
  verdicts: Verdict[];
}

export async function framing(lab: StartedLab, opts: { messages?: number } = {}): Promise<FramingExperiment> {
  const n = opts.messages ?? 20;
  await lab.resetLink();
  const r = await runProgram(lab.client, FRAMING_DEMO, { host: 'server', messages: n });
  const boundaries =
    r.recvsAlignedToMessages < n
      ? check(
          'TCP kept no message boundaries',
          true,
          `${n} writes came back in ${r.recvSizes.length} recv() calls; the first held ${r.firstRecv.wholeMessages} whole message(s)${r.firstRecv.partialBytes ? ` and ${r.firstRecv.partialBytes} bytes of another` : ''}`,
        )
      : skip(
          'TCP kept no message boundaries',
          `this run happened to return one message per recv(); send more (--count) or add delay`,
        );
  return {
    experiment: 'framing',
    framing: r,
    fidelity: pathFidelity(lab.model, lab.client.name, await lab.linkRecord()),
    verdicts: [
      check(
        'the framed reader got every message',
        r.framed.intact,
        `${r.framed.messages} of ${n} messages, ${r.framed.intact ? 'each intact and in order' : 'NOT intact'}`,
      ),
      boundaries,
    ],
  };
}
