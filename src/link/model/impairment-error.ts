import { AppError } from '../../common/app-error.ts';

/** Bad impairment input: one line per problem, each naming the value, the rule and an example. */
export class ImpairmentError extends AppError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super('impairment.invalid', problems.join('\n'));
    this.name = 'ImpairmentError';
    this.problems = problems;
  }
}
