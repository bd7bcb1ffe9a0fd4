// Assignments as data: one YAML file each in lab/assignments/ (a course can write its own and
// pass its path). An assignment names the protocol, port and framing, the link profile and seed,
// the limits of the sandbox, and per role (server, client) the verdicts that apply, their points
// and whether each is required (the check fails without it) or advisory. Parsing validates every
// field against the verdict catalogue and reports every problem, one line each with its line.
//
//   title: UDP echo
//   protocol: udp
//   port: 12000
//   server:
//     program: UDPServer.py          # the file `socklab grade` looks for first
//     verdicts:
//       starts: 10                   # points; required
//       echoes: 40
//       non-utf8: { points: 5, required: false }
import { existsSync, readFileSync } from 'node:fs';
import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { AppError } from '../common/app-error.ts';
import { labDir, namesIn } from '../common/data-files.ts';
import { profileNames } from '../link/model/profiles.ts';
import { parseTime } from '../link/model/units.ts';
import { type Framing, type Proto, type Role, VERDICTS, verdictMeta } from './verdict-catalogue.ts';

export const ASSIGNMENT_DIR = labDir('assignments');

export interface VerdictSpec {
  id: string;
  points: number;
  required: boolean;
}

export interface RoleSpec {
  /** The file name `grade` looks for in a submission before any other program. */
  program: string | null;
  verdicts: VerdictSpec[];
}

export interface Limits {
  cpuSeconds: number;
  memoryBytes: number;
  processes: number;
  fileBytes: number;
  openFiles: number;
}

export interface Assignment {
  name: string;
  title: string;
  summary: string;
  protocol: Proto;
  framing: Framing;
  port: number;
  seed: number;
  /** The link the lossy verdicts use (a profile name from lab/profiles/). */
  profile: string;
  /** Wall-clock limit of one check, ms. */
  timeLimitMs: number;
  limits: Limits;
  server: RoleSpec | null;
  client: RoleSpec | null;
}

export const DEFAULT_LIMITS: Limits = {
  cpuSeconds: 60,
  // Address space, not resident memory: V8 reserves ~1.5 GiB of it before it runs a line.
  memoryBytes: 2 * 1024 ** 3,
  processes: 64,
  fileBytes: 16 * 1024 ** 2,
  openFiles: 256,
};

const KEYS = [
  'title',
  'summary',
  'protocol',
  'framing',
  'port',
  'seed',
  'profile',
  'time-limit',
  'limits',
  'server',
  'client',
];
const LIMIT_KEYS = ['cpu', 'memory', 'processes', 'file-size', 'open-files'];
const FRAMINGS: Framing[] = ['datagram', 'oneshot', 'stream', 'http', 'pinger'];

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return null;
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? null : Math.round(Number(m[1]) * unit);
}

export function parseAssignment(name: string, text: string, where = name): Assignment {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problems: string[] = [];
  const at = (node: Node | null | undefined): string => {
    const start = node?.range?.[0];
    return start === undefined ? where : `${where}, line ${lines.linePos(start).line}`;
  };
  for (const e of doc.errors)
    problems.push(
      `${where}, line ${lines.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split('\n')[0]}`,
    );
  if (problems.length) throw new AppError('assignment.invalid', problems.join('\n'));
  const root = doc.contents;
  if (!isMap(root))
    throw new AppError(
      'assignment.invalid',
      `${where}: an assignment is a YAML mapping of ${KEYS.join(', ')}`,
    );

  const field = (key: string): Node | undefined => root.get(key, true) as Node | undefined;
  for (const pair of root.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '?';
    if (!KEYS.includes(k))
      problems.push(`${at(pair.key as Node)}: unknown key '${k}': the keys are ${KEYS.join(', ')}`);
  }
  const scalar = (key: string): unknown => {
    const n = field(key);
    return isScalar(n) ? n.value : n === undefined ? undefined : n;
  };
  const str = (key: string, dflt: string): string => {
    const v = scalar(key);
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'string') {
      problems.push(`${at(field(key))}: ${key} must be text, e.g. ${key}: ${dflt || 'UDP echo'}`);
      return dflt;
    }
    return v;
  };
  const title = str('title', name);
  const summary = str('summary', '');
  const protocol = str('protocol', '') as Proto;
  if (protocol !== 'udp' && protocol !== 'tcp')
    problems.push(
      `${at(field('protocol') ?? root)}: protocol must be udp or tcp, got '${protocol}'; e.g. protocol: udp`,
    );
  const framing = str('framing', protocol === 'udp' ? 'datagram' : 'oneshot') as Framing;
  if (!FRAMINGS.includes(framing))
    problems.push(
      `${at(field('framing'))}: framing must be one of ${FRAMINGS.join(', ')}, got '${framing}'; e.g. framing: stream`,
    );
  else if ((framing === 'datagram' || framing === 'pinger') !== (protocol === 'udp'))
    problems.push(
      `${at(field('framing'))}: framing ${framing} does not go with protocol ${protocol}; udp: datagram or pinger, tcp: oneshot, stream or http`,
    );
  const int = (key: string, dflt: number, min: number, max: number): number => {
    const v = scalar(key);
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(
        `${at(field(key))}: ${key} must be a whole number ${min}–${max}, got '${v}'; e.g. ${key}: ${dflt}`,
      );
      return dflt;
    }
    return v;
  };
  const port = int('port', framing === 'http' ? 6789 : 12000, 1024, 65535);
  const seed = int('seed', 1, 0, 0xffffffff);
  const profile = str('profile', 'lossy-wifi');
  if (!profileNames().includes(profile))
    problems.push(
      `${at(field('profile'))}: no profile '${profile}': the profiles are ${profileNames().join(', ')}`,
    );
  const duration = (node: Node | undefined, what: string, dflt: number, example: string): number => {
    if (node === undefined) return dflt;
    const v = isScalar(node) ? String(node.value) : '';
    const t = parseTime(v);
    if ('error' in t || t.ms <= 0) {
      problems.push(`${at(node)}: ${what} must be a time such as ${example}, got '${v}'`);
      return dflt;
    }
    return t.ms;
  };
  const timeLimitMs = duration(field('time-limit'), 'time-limit', 180_000, '120s');

  const limits = { ...DEFAULT_LIMITS };
  const limitsNode = field('limits');
  if (limitsNode !== undefined) {
    if (!isMap(limitsNode))
      problems.push(`${at(limitsNode)}: limits is a mapping, e.g. limits: { cpu: 30s, memory: 1GiB }`);
    else
      for (const pair of limitsNode.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : '?';
        const node = pair.value as Node;
        const v = isScalar(node) ? String(node.value) : '';
        if (k === 'cpu') limits.cpuSeconds = Math.ceil(duration(node, 'limits.cpu', 60_000, '30s') / 1000);
        else if (k === 'memory' || k === 'file-size') {
          const size = parseSize(v);
          if (size === null || size < 1024 ** 2)
            problems.push(
              `${at(node)}: limits.${k} must be a size of at least 1MiB such as 512MiB, got '${v}'`,
            );
          else if (k === 'memory') limits.memoryBytes = size;
          else limits.fileBytes = size;
        } else if (k === 'processes' || k === 'open-files') {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 8 || n > 100_000)
            problems.push(`${at(node)}: limits.${k} must be a whole number 8–100000, got '${v}'`);
          else if (k === 'processes') limits.processes = n;
          else limits.openFiles = n;
        } else
          problems.push(
            `${at(pair.key as Node)}: unknown limit '${k}': the limits are ${LIMIT_KEYS.join(', ')}`,
          );
      }
  }

  const role = (r: Role): RoleSpec | null => {
    const node = field(r);
    if (node === undefined || node === null) return null;
    if (!isMap(node)) {
      problems.push(
        `${at(node)}: ${r} is a mapping of program and verdicts, e.g. ${r}: { verdicts: { starts: 10 } }`,
      );
      return null;
    }
    let program: string | null = null;
    const verdicts: VerdictSpec[] = [];
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '?';
      const value = pair.value as Node;
      if (k === 'program') {
        const v = isScalar(value) ? value.value : null;
        if (typeof v !== 'string' || !/^[\w.-]+$/.test(v))
          problems.push(
            `${at(value)}: ${r}.program must be a file name such as UDPServer.py, got '${String(v)}'`,
          );
        else program = v;
      } else if (k === 'verdicts') {
        if (!isMap(value)) {
          problems.push(`${at(value)}: ${r}.verdicts is a mapping of verdict: points, e.g. echoes: 30`);
          continue;
        }
        for (const vp of value.items) {
          const id = isScalar(vp.key) ? String(vp.key.value) : '?';
          const meta = verdictMeta(id);
          const here = at(vp.key as Node);
          const fits = VERDICTS.filter(
            (m) => m.id !== 'compiles' && m.roles.includes(r) && m.framings.includes(framing),
          ).map((m) => m.id);
          if (!meta) {
            problems.push(
              `${here}: unknown verdict '${id}': for a ${protocol} ${framing} ${r} the verdicts are ${fits.join(', ')}`,
            );
            continue;
          }
          if (!fits.includes(id)) {
            problems.push(
              `${here}: verdict '${id}' does not apply to a ${protocol} ${framing} ${r}: those are ${fits.join(', ')}`,
            );
            continue;
          }
          const spec: VerdictSpec = { id, points: 0, required: true };
          const v = vp.value as Node | null;
          if (isScalar(v) && typeof v.value === 'number') spec.points = v.value;
          else if (isMap(v)) {
            for (const f of v.items) {
              const fk = isScalar(f.key) ? String(f.key.value) : '?';
              const fv = isScalar(f.value) ? f.value.value : undefined;
              if (fk === 'points' && typeof fv === 'number') spec.points = fv;
              else if (fk === 'required' && typeof fv === 'boolean') spec.required = fv;
              else
                problems.push(
                  `${at(f.key as Node)}: ${id} takes points (a number) and required (true or false), got ${fk}: ${String(fv)}`,
                );
            }
          } else {
            problems.push(
              `${here}: ${id} needs its points, e.g. ${id}: 20 or ${id}: { points: 5, required: false }`,
            );
            continue;
          }
          if (!(spec.points >= 0 && spec.points <= 1000))
            problems.push(`${here}: ${id}'s points must be 0–1000, got ${spec.points}`);
          if (verdicts.some((x) => x.id === id)) problems.push(`${here}: ${id} is given twice`);
          verdicts.push(spec);
        }
      } else
        problems.push(
          `${at(pair.key as Node)}: unknown key '${k}' under ${r}: the keys are program, verdicts`,
        );
    }
    if (verdicts.length === 0)
      problems.push(`${at(node)}: ${r} has no verdicts; e.g. verdicts: { echoes: 30 }`);
    // Nothing can be judged of a server that does not listen: `starts` is always first and required.
    if (r === 'server' && !verdicts.some((v) => v.id === 'starts'))
      verdicts.unshift({ id: 'starts', points: 0, required: true });
    else if (r === 'server') {
      const starts = verdicts.find((v) => v.id === 'starts')!;
      verdicts.splice(verdicts.indexOf(starts), 1);
      verdicts.unshift({ ...starts, required: true });
    }
    return { program, verdicts };
  };
  const server = role('server');
  const client = role('client');
  if (!server && !client && problems.length === 0)
    problems.push(
      `${where}: an assignment needs a server or a client section (or both), e.g. server: { verdicts: { echoes: 30 } }`,
    );
  if (problems.length > 0) throw new AppError('assignment.invalid', problems.join('\n'));
  return {
    name,
    title,
    summary,
    protocol,
    framing,
    port,
    seed,
    profile,
    timeLimitMs,
    limits,
    server,
    client,
  };
}

export function assignmentNames(): string[] {
  return namesIn(ASSIGNMENT_DIR, '.yaml');
}

/** An assignment by name (lab/assignments/NAME.yaml) or by path to a .yaml file. */
export function loadAssignment(nameOrPath: string): Assignment {
  const isPath = nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath);
  const path = isPath ? nameOrPath : `${ASSIGNMENT_DIR}${nameOrPath}.yaml`;
  if (!existsSync(path))
    throw new AppError(
      'assignment.not-found',
      `no assignment '${nameOrPath}': the assignments are ${assignmentNames().join(', ')} (lab/assignments/), or give a path to a .yaml file`,
    );
  const name = path.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  return parseAssignment(name, readFileSync(path, 'utf8'), isPath ? path : `lab/assignments/${name}.yaml`);
}
