import { SocklabError } from '../../common/errors.ts';

/** Bad impairment input: one line per problem, each naming the value, the rule and an example. */
export class ImpairmentError extends SocklabError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super('impairment.invalid', problems.join('\n'));
    this.name = 'ImpairmentError';
    this.problems = problems;
  }
}
