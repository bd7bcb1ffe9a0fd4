// socklab as a library, for other projects' test suites: start a lab, impair it, run the
// experiments, judge them, write reports. `await using lab = await startLab({ impair: 'loss 10%' })`.
export type { CheckOptions, CheckResult } from './experiments/check-program.ts';
export { checkProgram } from './experiments/check-program.ts';
export type { CompareOptions, CompareResult, Evidence } from './experiments/compare.ts';
export { compare } from './experiments/compare.ts';
export type { ConcurrencyOptions, ConcurrencyResult } from './experiments/concurrency.ts';
export { concurrency } from './experiments/concurrency.ts';
export type { FramingExperiment } from './experiments/framing.ts';
export { framing } from './experiments/framing.ts';
export type { PingerExperiment, PingerOptions } from './experiments/pinger.ts';
export { pinger } from './experiments/pinger.ts';
export type { SweepOptions, SweepPoint, SweepResult } from './experiments/sweep.ts';
export { sweep } from './experiments/sweep.ts';
export type { Verdict, VerdictStatus } from './experiments/verdict.ts';
export { allPassed } from './experiments/verdict.ts';
export type { LabHost, Role } from './lab/lab-host.ts';
export type { Profile } from './lab/profiles.ts';
export { loadProfile, parseProfile, profileNames } from './lab/profiles.ts';
export type { Engine, LabOptions, StartedLab } from './lab/start-lab.ts';
export { attachLab, startLab } from './lab/start-lab.ts';
export type { DirectionModel, LinkModel } from './link/impairment-model.ts';
export type { LinkModelInput } from './link/impairment-text.ts';
export { buildLinkModel, formatLinkModel } from './link/impairment-text.ts';
export type { ExperimentResult } from './report/experiment-result.ts';
export { renderHtml } from './report/html-report.ts';
export { formatText } from './report/text-report.ts';
