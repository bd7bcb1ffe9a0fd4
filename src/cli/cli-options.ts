// Option parsers shared by the CLI's commands: each refuses bad input with the rule and an example.
import { InvalidArgumentError } from 'commander';
import { MAX_CLIENTS } from '../link/model/impairment-model.ts';

export const positiveInt =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1)
      throw new InvalidArgumentError(`${name} must be a whole number ≥ 1, got '${v}'; e.g. ${name} 100`);
    return n;
  };

/** A comma-separated list of numbers in [min, max], e.g. --loss 0,5,10,20. */
export const numberList =
  (name: string, min: number, max: number, example: string) =>
  (v: string): number[] => {
    const xs = v.split(',').map((s) => s.trim().replace(/(%|ms)$/, ''));
    const bad = xs.find((s) => !/^\d+(\.\d+)?$/.test(s) || Number(s) < min || Number(s) > max);
    if (bad !== undefined || xs.length === 0)
      throw new InvalidArgumentError(
        `${name} takes numbers ${min}–${max} separated by commas, got '${v}'; e.g. ${name} ${example}`,
      );
    return xs.map(Number);
  };

export const port = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`--port must be 1–65535, got '${v}'; e.g. --port 12000`);
  return n;
};

/** How many clients a lab has: 1 to MAX_CLIENTS. */
export const clientCount = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > MAX_CLIENTS)
    throw new InvalidArgumentError(
      `--clients must be a whole number from 1 to ${MAX_CLIENTS}, got '${v}'; e.g. --clients 3`,
    );
  return n;
};
