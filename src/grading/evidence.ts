// What a failed verdict leaves to look at: its exchange, the link's record of the frames on the
// assignment's port around it, and the program's last output.
import type { PacketRecord } from '../link/control/packet-record.ts';
import type { VerdictEvidence } from './check-result.ts';
import type { CheckContext, Outcome } from './context.ts';

/** How far behind the link's newest record evidence reaches: enough for any verdict's exchange. */
const EVIDENCE_RECORDS = 300;

export async function evidenceOf(ctx: CheckContext, outcome: Outcome): Promise<VerdictEvidence> {
  const proto = ctx.assignment.protocol;
  const link: PacketRecord[] = (await ctx.lab.linkRecord(0, { head: true }).catch(() => [] as PacketRecord[]))
    .filter((r) => r.proto === proto && (r.dport === ctx.port || r.sport === ctx.port))
    .slice(-EVIDENCE_RECORDS);
  const output = ctx.role === 'server' ? await ctx.program.output(20).catch(() => '') : ctx.lastOutput;
  return { exchange: outcome.exchange ?? [], link, output };
}
