// Timed scenarios: the text form (strict, one line per problem with its line number), the shipped
// scenarios, and the runner's steps on linkd's clock (here a fake one).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScenarioBoard } from '../../../src/link/control/scenario-board.ts';
import { formatScenarioStatus, ScenarioRunner } from '../../../src/link/control/scenario-runner.ts';
import { ImpairmentError } from '../../../src/link/model/impairment-error.ts';
import { parseDirection } from '../../../src/link/model/impairment-text.ts';
import { formatScenario, parseScenario, validateScenario } from '../../../src/link/model/scenario.ts';
import { loadScenario, scenarioNames } from '../../../src/link/model/scenario-file.ts';

const problems = (text: string): string[] => {
  try {
    parseScenario('t', text);
  } catch (err) {
    if (err instanceof ImpairmentError) return err.problems;
    throw err;
  }
  return [];
};

describe('scenario text', () => {
  it('reads steps, up:/down: parts, outage and repeat, and writes them back', () => {
    const s = parseScenario(
      't',
      '# a comment\n0s delay 10ms\n1.5s delay 5ms up: loss 10% down: none\n2s outage   # the link is down\n2500ms repeat\n',
    );
    expect(s.repeatMs).toBe(2500);
    expect(s.steps.map((x) => x.atMs)).toEqual([0, 1500, 2000]);
    // A part replaces fields of the words for both directions, as --up/--down do for --impair.
    expect(s.steps[1]).toEqual({
      atMs: 1500,
      up: parseDirection('delay 5ms loss 10%'),
      down: parseDirection('delay 5ms'),
    });
    expect(s.steps[2]!.up).toEqual({ outage: true });
    expect(formatScenario(s)).toBe(
      '0s delay 10ms\n1500ms up: delay 5ms loss 10% down: delay 5ms\n2s outage\n2500ms repeat\n',
    );
    expect(parseScenario('t', formatScenario(s))).toEqual(s);
    expect(parseScenario('t', '0s none; 2s outage; 4s repeat').steps).toHaveLength(2);
  });

  it('refuses bad scenarios with one line per problem, each with its line number', () => {
    expect(problems('0s delay 10; 1s louse 5%; 500ms outage; 2s repeat; 3s none')).toEqual([
      expect.stringMatching(/^scenario t, line 1: delay needs a time, '10' needs a unit/),
      expect.stringMatching(/^scenario t, line 2: unknown impairment 'louse'/),
      'scenario t, line 3: times must increase, got 500ms after 1000 ms; e.g. 0s ... then 2s ...',
      "scenario t, line 5: nothing may follow the repeat line; put 'TIME repeat' last",
    ]);
    expect(problems('1s loss 5%')).toEqual([
      'scenario t, line 1: the first step must start at 0s, got 1s; e.g. 0s delay 10ms',
    ]);
    expect(problems('0 loss 5%')[0]).toMatch(/line 1: a step starts with its time, '0' needs a unit/);
    expect(problems('0s')[0]).toMatch(/line 1: 0s needs what the link does then/);
    expect(problems('# only a comment')).toEqual([
      "scenario t, no steps: a scenario needs at least one line 'TIME SPEC'; e.g. 0s delay 10ms",
    ]);
    expect(problems('0s up: loss 1% up: loss 2%')[0]).toMatch(/line 1: up: is given twice/);
    expect(problems('0s loss 140%')).toEqual([
      'scenario t, line 1: loss must be 0–100%, got 140%; e.g. loss 10%',
    ]);
  });

  it('validates scenarios built in code, as linkd does with what it receives', () => {
    expect(validateScenario({ name: 'x', steps: [], repeatMs: null })).toHaveLength(1);
    expect(
      validateScenario({
        name: 'x',
        steps: [
          { atMs: 5, up: {}, down: {} },
          { atMs: 5, up: { loss: { model: 'random', percent: 200, correlation: 0 } }, down: {} },
        ],
        repeatMs: 1,
      }),
    ).toEqual([
      'step 1 must start at 0 ms, got 5',
      'step 2: times must increase, got 5 ms after 5 ms',
      'step 2, up: loss must be 0–100%, got 200%; e.g. loss 10%',
      'repeat must come after the last step (5 ms), got 1 ms',
    ]);
  });

  it('ships flap, handover and degrading, each valid', () => {
    expect(scenarioNames()).toEqual(expect.arrayContaining(['degrading', 'flap', 'handover']));
    for (const name of scenarioNames()) expect(validateScenario(loadScenario(name))).toEqual([]);
    const flap = loadScenario('flap');
    expect(flap.steps.map((s) => [s.atMs, s.up.outage === true])).toEqual([
      [0, false],
      [8000, true],
    ]);
    expect(flap.repeatMs).toBe(10_000);
    expect(() => loadScenario('moon')).toThrow(/no scenario 'moon': the scenarios are .*flap/);
  });
});

describe('the scenario runner', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('applies each step at its time on the clock, repeats, and says what comes next', () => {
    vi.useFakeTimers();
    const applied: number[] = [];
    const runner = new ScenarioRunner(
      (_step, i) => applied.push(i),
      () => Date.now(),
    );
    runner.start(loadScenario('0s none; 2s outage; 3s loss 5%; 5s repeat'));
    expect(applied).toEqual([0]);
    expect(runner.status()).toMatchObject({
      step: 1,
      steps: 3,
      text: 'none',
      next: { step: 2, inMs: 2000, text: 'outage' },
    });
    vi.advanceTimersByTime(1999);
    expect(applied).toEqual([0]);
    vi.advanceTimersByTime(1);
    expect(applied).toEqual([0, 1]);
    vi.advanceTimersByTime(1500);
    expect(runner.status()).toMatchObject({ step: 3, sinceMs: 500, next: { step: 1, inMs: 1500 } });
    expect(formatScenarioStatus(runner.status()!)).toBe(
      'scenario inline: step 3/3 (loss 5%) for 0.5 s; next: step 1 (none) in 1.5 s',
    );
    vi.advanceTimersByTime(1500 + 2000);
    expect(applied).toEqual([0, 1, 2, 0, 1]);
    expect(runner.status()).toMatchObject({ cycle: 1, step: 2 });
    runner.stop();
    vi.advanceTimersByTime(60_000);
    expect(applied).toEqual([0, 1, 2, 0, 1]);
    expect(runner.status()).toBeNull();
  });

  it('stays on the last step when the scenario does not repeat', () => {
    vi.useFakeTimers();
    const applied: number[] = [];
    const runner = new ScenarioRunner(
      (_s, i) => applied.push(i),
      () => Date.now(),
    );
    runner.start(loadScenario('handover'));
    vi.advanceTimersByTime(60_000);
    expect(applied).toEqual([0, 1, 2, 3]);
    expect(runner.status()).toMatchObject({ step: 4, next: null });
  });

  it('runs one scenario on every path and one per client; stopping every path stops them all', () => {
    vi.useFakeTimers();
    const applied: string[] = [];
    const board = new ScenarioBoard(
      (_s, i, status, client) => applied.push(`${client ?? 'all'} ${status?.name} ${i}`),
      () => Date.now(),
    );
    board.start(loadScenario('0s none; 1s outage; 2s repeat'));
    board.start(loadScenario('handover'), 'client2');
    expect(applied).toEqual(['all inline 0', 'client2 handover 0']);
    expect(board.status()).toMatchObject({ name: 'inline', step: 1 });
    expect(board.clientStatuses()).toMatchObject({ client2: { name: 'handover', step: 1 } });
    vi.advanceTimersByTime(1000);
    expect(applied).toContain('all inline 1');
    board.stop('client2');
    expect(board.clientStatuses()).toBeUndefined();
    expect(board.status()).not.toBeNull();
    board.start(loadScenario('handover'), 'client3');
    board.stop();
    expect(board.status()).toBeNull();
    expect(board.clientStatuses()).toBeUndefined();
  });
});
