// Command-line parsing for the programs on the lab's hosts: node's own parseArgs (zero runtime
// dependencies), with errors turned into one line that names the rule and the fix.
import { parseArgs } from 'node:util';
import { SocklabError } from './errors.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Shown in --help, e.g. `N` or `MS`. */
  value?: string;
  help: string;
  default?: string | boolean;
  /** May be given more than once; the values come as an array. */
  multiple?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The server a client talks to: what every client program on the hosts takes first. */
export const SERVER_OPTIONS = {
  host: { type: 'string', value: 'HOST', help: 'the echo server: a name or an address', default: 'server' },
  port: { type: 'string', value: 'PORT', help: 'its port', default: '12000' },
} as const satisfies OptionSpecs;
export type ParsedOptions = Record<string, string | boolean | string[] | undefined>;

export function usage(prog: string, summary: string, specs: OptionSpecs): string {
  const lines = [`usage: node ${prog}.ts [options]`, '', summary, '', 'options:'];
  for (const [name, spec] of Object.entries(specs)) {
    const flag = spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`;
    const def = spec.default !== undefined && spec.type === 'string' ? ` (default ${spec.default})` : '';
    lines.push(`  ${flag.padEnd(22)} ${spec.help}${def}`);
  }
  lines.push(`  ${'--help'.padEnd(22)} show this help`);
  return `${lines.join('\n')}\n`;
}

/**
 * Parses argv against `specs`. Returns undefined after printing usage for --help.
 * Throws SocklabError (exit 2) for an unknown option, a missing value or a stray argument.
 */
export function parseOptions(
  prog: string,
  summary: string,
  specs: OptionSpecs,
  argv: string[],
): ParsedOptions | undefined {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; default?: string | boolean; multiple?: boolean }
  > = {
    help: { type: 'boolean' },
  };
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type,
      ...(spec.default === undefined ? {} : { default: spec.default }),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  let values: ParsedOptions;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false })
      .values as ParsedOptions;
  } catch (err) {
    throw new SocklabError('usage.invalid', describeParseError(err as NodeJS.ErrnoException & Error, specs));
  }
  if (values.help) {
    process.stdout.write(usage(prog, summary, specs));
    return undefined;
  }
  return values;
}

function describeParseError(err: NodeJS.ErrnoException & Error, specs: OptionSpecs): string {
  const known = Object.keys(specs)
    .map((n) => `--${n}`)
    .join(', ');
  const option = /'(-{1,2}[^' ]+)/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}: the options are ${known}; see --help`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(err.message)?.[1] ?? ''}: this program takes options only (${known}); see --help`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${option || 'an option'} needs a value, e.g. ${option || '--port'} ${specs[option.replace(/^-+/, '')]?.value ?? 'VALUE'}; see --help`;
    default:
      return `${err.message.split('\n')[0]}; see --help`;
  }
}

/** An integer option inside [min, max], with the rule and an example in the error. */
export function intOption(
  values: ParsedOptions,
  name: string,
  min: number,
  max: number,
  example: number,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw);
  const n = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new SocklabError(
      'usage.invalid',
      `--${name} must be a whole number from ${min} to ${max}, got '${text}'; e.g. --${name} ${example}`,
    );
  }
  return n;
}

export function portOption(values: ParsedOptions, fallback: number, allowZero: boolean): number {
  return intOption(values, 'port', allowZero ? 0 : 1, 65535, 12000) ?? fallback;
}

export function stringOption(values: ParsedOptions, name: string): string | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw);
  if (text.trim() === '') throw new SocklabError('usage.invalid', `--${name} must not be empty; see --help`);
  return text;
}
