// socklab as a library, for other projects' test suites: start a lab, impair it, run the
// experiments, judge them, write reports. `await using lab = await startLab({ impair: 'loss 10%' })`.
// Every error socklab throws is a SocklabError with a stable code from ERRORS: branch on the code.
export type { ErrorCode } from './common/errors.ts';
export { ERRORS, isErrorCode, SocklabError } from './common/errors.ts';
export type { CompareOptions, CompareResult, Evidence } from './experiments/compare.ts';
export { compare } from './experiments/compare.ts';
export type { ConcurrencyOptions, ConcurrencyResult } from './experiments/concurrency.ts';
export { concurrency } from './experiments/concurrency.ts';
export type { Fidelity } from './experiments/fidelity.ts';
export type { FramingExperiment } from './experiments/framing.ts';
export { framing } from './experiments/framing.ts';
export type { PingerExperiment, PingerOptions } from './experiments/pinger.ts';
export { pinger } from './experiments/pinger.ts';
export type { SweepOptions, SweepPoint, SweepResult } from './experiments/sweep.ts';
export { sweep } from './experiments/sweep.ts';
export type { Verdict, VerdictStatus } from './experiments/verdict.ts';
export { allPassed } from './experiments/verdict.ts';
export type { Assignment, Limits, RoleSpec, VerdictSpec } from './grading/assignment.ts';
export { assignmentNames, loadAssignment, parseAssignment } from './grading/assignment.ts';
export type { CheckOptions } from './grading/check.ts';
export { runCheck } from './grading/check.ts';
export type { CheckResult, VerdictEvidence, VerdictResult } from './grading/check-result.ts';
export type { HostName, LabHost } from './lab/lab-host.ts';
export type { Engine, LabOptions, StartedLab } from './lab/start-lab.ts';
export { attachLab, startLab } from './lab/start-lab.ts';
export type { Backend } from './lab/started-lab.ts';
export type { DirectionModel, LinkModel } from './link/model/impairment-model.ts';
export type { LinkModelInput } from './link/model/impairment-text.ts';
export { buildLinkModel, formatLinkModel } from './link/model/impairment-text.ts';
export type { Profile } from './link/model/profiles.ts';
export { loadProfile, parseProfile, profileNames } from './link/model/profiles.ts';
export type { Scenario, ScenarioStep } from './link/model/scenario.ts';
export { loadScenario } from './link/model/scenario-file.ts';
export type { ExperimentResult } from './report/experiment-result.ts';
export { gradescopeResults } from './report/gradescope.ts';
export { renderHtml } from './report/html-report.ts';
export { formatText } from './report/text-report.ts';
