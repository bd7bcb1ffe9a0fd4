// Every experiment's typed result, as one union: what the reports take.
import type { CheckResult } from '../experiments/check-program.ts';
import type { CompareResult } from '../experiments/compare.ts';
import type { ConcurrencyResult } from '../experiments/concurrency.ts';
import type { FramingExperiment } from '../experiments/framing.ts';
import type { PingerExperiment } from '../experiments/pinger.ts';
import type { SweepResult } from '../experiments/sweep.ts';

export type ExperimentResult =
  | CompareResult
  | SweepResult
  | PingerExperiment
  | ConcurrencyResult
  | FramingExperiment
  | CheckResult;
