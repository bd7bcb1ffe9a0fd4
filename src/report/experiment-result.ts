// Every experiment's typed result, as one union: what the reports take.

import type { CompareResult } from '../experiments/compare.ts';
import type { ConcurrencyResult } from '../experiments/concurrency.ts';
import type { DemuxResult } from '../experiments/demux.ts';
import type { FramingExperiment } from '../experiments/framing.ts';
import type { PingerExperiment } from '../experiments/pinger.ts';
import type { SweepResult } from '../experiments/sweep.ts';
import type { CheckResult } from '../grading/check-result.ts';

export type ExperimentResult =
  | CompareResult
  | SweepResult
  | PingerExperiment
  | ConcurrencyResult
  | DemuxResult
  | FramingExperiment
  | CheckResult;
