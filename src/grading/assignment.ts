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
//   uppercase: either                # ascii (toupper), unicode (str.upper()) or either (default)
//   non-ascii: required              # the non-ASCII sentence counts (default), is advisory, or is not sent
import { existsSync, readFileSync } from 'node:fs';
import { isScalar, type Node } from 'yaml';
import { labDir, namesIn } from '../common/data-files.ts';
import { SocklabError } from '../common/errors.ts';
import { PROTOS, type Proto } from '../common/proto.ts';
import { sizeText } from '../lab/jail.ts';
import { profileNames } from '../link/model/profiles.ts';
import { parseTime } from '../link/model/units.ts';
import {
  FRAMINGS,
  FRAMINGS_OF,
  type Framing,
  NON_ASCII,
  type NonAscii,
  type ProgramRole,
  UPPERCASE_RULES,
  type UppercaseRule,
} from './framing.ts';
import { applicableVerdicts, isVerdictId, type VerdictId, verdictEntry } from './verdicts/registry.ts';
import { YamlFields } from './yaml-fields.ts';

export const ASSIGNMENT_DIR = labDir('assignments');

export interface VerdictSpec {
  id: VerdictId;
  points: number;
  required: boolean;
}

export interface RoleSpec {
  /** The file name `grade` looks for in a submission before any other program. */
  program: string | null;
  verdicts: VerdictSpec[];
}

/** Per process (prlimit), and for everything the program runs together (its jail's budget). */
export interface Limits {
  cpuSeconds: number;
  /** Each process's address space. */
  memoryBytes: number;
  /** Processes and threads of its user (and the jail's, with room for socklab's tools). */
  processes: number;
  fileBytes: number;
  openFiles: number;
  /** Everything it holds together, tmpfs included. */
  totalMemoryBytes: number;
  /** Its home: its files and what it writes there. */
  diskBytes: number;
  /** Each of its private /tmp, /var/tmp, /dev/shm, /run/lock. */
  tmpBytes: number;
  cpus: number;
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
  /** How replies' uppercase is judged. */
  uppercase: UppercaseRule;
  /** Whether a sentence that is not ASCII is sent, and whether a wrong reply to it fails. */
  nonAscii: NonAscii;
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
  totalMemoryBytes: 1024 ** 3,
  diskBytes: 256 * 1024 ** 2,
  tmpBytes: 64 * 1024 ** 2,
  cpus: 1,
};

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
/**
 * What an instructor may ask for: below, no program starts (a student's zero that is the
 * assignment's fault); above, the machine cannot give it. Checked when the assignment is loaded.
 */
const LIMIT_RULES = {
  cpu: { min: 1, max: 3600, unit: 's', example: '30s' },
  memory: { min: 64 * MiB, max: 64 * GiB, unit: 'size', example: '1GiB' },
  processes: { min: 8, max: 4096, unit: 'count', example: '64' },
  'file-size': { min: MiB, max: 4 * GiB, unit: 'size', example: '16MiB' },
  'open-files': { min: 16, max: 65536, unit: 'count', example: '256' },
  'total-memory': { min: 64 * MiB, max: 64 * GiB, unit: 'size', example: '1GiB' },
  disk: { min: MiB, max: 16 * GiB, unit: 'size', example: '256MiB' },
  tmp: { min: MiB, max: 4 * GiB, unit: 'size', example: '64MiB' },
  cpus: { min: 0.1, max: 64, unit: 'cpus', example: '1' },
} as const;

const KEYS = [
  'title',
  'summary',
  'protocol',
  'framing',
  'port',
  'seed',
  'profile',
  'time-limit',
  'uppercase',
  'non-ascii',
  'limits',
  'server',
  'client',
];

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
  const f = YamlFields.parse(text, where, `an assignment is a YAML mapping of ${KEYS.join(', ')}`);
  if (!f.ok) throw new SocklabError('assignment.invalid', f.problems.list.join('\n'));
  f.onlyKeys(KEYS);
  if (f.value('protocol') === undefined) f.problem('protocol is required: udp or tcp; e.g. protocol: udp');
  const protocol = f.oneOf<Proto>('protocol', PROTOS, 'udp', 'udp');
  const framing = f.oneOf<Framing>('framing', FRAMINGS, FRAMINGS_OF[protocol][0], 'stream');
  if (!(FRAMINGS_OF[protocol] as readonly Framing[]).includes(framing))
    f.problem(
      `framing ${framing} does not go with protocol ${protocol}; udp: ${FRAMINGS_OF.udp.join(' or ')}, tcp: ${FRAMINGS_OF.tcp.join(', ')}`,
      f.node('framing'),
    );
  const profile = f.text('profile', 'lossy-wifi');
  if (!profileNames().includes(profile))
    f.problem(`no profile '${profile}': the profiles are ${profileNames().join(', ')}`, f.node('profile'));
  const context = { protocol, framing };
  const assignment: Assignment = {
    name,
    title: f.text('title', name, 'UDP echo'),
    summary: f.text('summary', ''),
    protocol,
    framing,
    port: f.int('port', framing === 'http' ? 6789 : 12000, 1024, 65535),
    seed: f.int('seed', 1, 0, 0xffffffff),
    profile,
    timeLimitMs: f.parsed('time-limit', positiveMs, 180_000, 'a time such as 120s'),
    uppercase: f.oneOf<UppercaseRule>('uppercase', UPPERCASE_RULES, 'either', 'either'),
    nonAscii: f.oneOf<NonAscii>('non-ascii', NON_ASCII, 'required', 'advisory'),
    limits: readLimits(f),
    server: readRole(f, 'server', context),
    client: readRole(f, 'client', context),
  };
  if (!assignment.server && !assignment.client && f.problems.count === 0)
    f.problem(
      'an assignment needs a server or a client section (or both), e.g. server: { verdicts: { echoes: 30 } }',
    );
  if (f.problems.count > 0) throw new SocklabError('assignment.invalid', f.problems.list.join('\n'));
  return assignment;
}

const positiveMs = (text: string): number | null => {
  const t = parseTime(text);
  return 'error' in t || t.ms <= 0 ? null : t.ms;
};

function readLimits(f: YamlFields): Limits {
  const limits = { ...DEFAULT_LIMITS };
  const node = f.node('limits');
  if (node === undefined) return limits;
  const l = f.nested(node);
  if (!l.ok) {
    f.problem('limits is a mapping, e.g. limits: { cpu: 30s, memory: 1GiB }', node);
    return limits;
  }
  l.onlyKeys(Object.keys(LIMIT_RULES), ' under limits');
  const read = (key: keyof typeof LIMIT_RULES, fallback: number): number => {
    const r = LIMIT_RULES[key];
    const parse = (t: string): number | null => {
      const v =
        r.unit === 'size'
          ? parseSize(t)
          : r.unit === 's'
            ? (positiveMs(t) ?? Number.NaN) / 1000
            : r.unit === 'count'
              ? /^\d+$/.test(t.trim())
                ? Number(t)
                : null
              : Number(t);
      return v !== null && Number.isFinite(v) && v >= r.min && v <= r.max ? v : null;
    };
    const shown = (v: number) => (r.unit === 'size' ? sizeText(v) : r.unit === 's' ? `${v}s` : String(v));
    return l.parsed(
      key,
      parse,
      fallback,
      `${r.unit === 'size' ? 'a size' : r.unit === 's' ? 'a time' : 'a number'} from ${shown(r.min)} to ${shown(r.max)} (what the sandbox can give a program that still starts), e.g. limits: { ${key}: ${r.example} }`,
    );
  };
  limits.cpuSeconds = Math.ceil(read('cpu', limits.cpuSeconds));
  limits.memoryBytes = read('memory', limits.memoryBytes);
  limits.fileBytes = read('file-size', limits.fileBytes);
  limits.processes = read('processes', limits.processes);
  limits.openFiles = read('open-files', limits.openFiles);
  limits.totalMemoryBytes = read('total-memory', limits.totalMemoryBytes);
  limits.diskBytes = read('disk', limits.diskBytes);
  limits.tmpBytes = read('tmp', limits.tmpBytes);
  limits.cpus = read('cpus', limits.cpus);
  return limits;
}

function readRole(
  f: YamlFields,
  role: ProgramRole,
  at: { protocol: Proto; framing: Framing },
): RoleSpec | null {
  const node = f.node(role);
  if (node === undefined || node === null) return null;
  const r = f.nested(node);
  if (!r.ok) {
    f.problem(
      `${role} is a mapping of program and verdicts, e.g. ${role}: { verdicts: { starts: 10 } }`,
      node,
    );
    return null;
  }
  r.onlyKeys(['program', 'verdicts'], ` under ${role}`);
  const program = r.parsed(
    'program',
    (t) => (/^[\w.-]+$/.test(t) ? t : null),
    null,
    'a file name such as UDPServer.py',
  );
  const verdictsNode = r.node('verdicts');
  const verdicts = verdictsNode === undefined ? [] : readVerdicts(r, verdictsNode, role, at);
  if (verdicts.length === 0 && verdictsNode === undefined)
    f.problem(`${role} has no verdicts; e.g. verdicts: { echoes: 30 }`, node);
  // Nothing can be judged of a server that does not listen: `starts` is always first and required.
  if (role === 'server') {
    const starts = verdicts.find((v) => v.id === 'starts') ?? { id: 'starts', points: 0, required: true };
    return {
      program,
      verdicts: [{ ...starts, required: true }, ...verdicts.filter((v) => v.id !== 'starts')],
    };
  }
  return { program, verdicts };
}

function readVerdicts(
  r: YamlFields,
  node: Node,
  role: ProgramRole,
  at: { protocol: Proto; framing: Framing },
): VerdictSpec[] {
  const v = r.nested(node);
  if (!v.ok) {
    r.problem(`${role}.verdicts is a mapping of verdict: points, e.g. echoes: 30`, node);
    return [];
  }
  const fits = applicableVerdicts(role, at.framing).map((e) => e.id);
  const out: VerdictSpec[] = [];
  for (const { key: id, keyNode, value } of v.entries()) {
    if (!isVerdictId(id) || !(fits as string[]).includes(id)) {
      const what = isVerdictId(id) ? `verdict '${id}' does not apply to` : `unknown verdict '${id}': for`;
      v.problem(
        `${what} a ${at.protocol} ${at.framing} ${role} the verdicts are ${fits.join(', ')}`,
        keyNode,
      );
      continue;
    }
    const spec = verdictSpec(v, id, value, keyNode);
    if (!spec) continue;
    if (out.some((x) => x.id === id)) v.problem(`${id} is given twice`, keyNode);
    out.push(spec);
  }
  if (out.length === 0 && v.problems.count === 0)
    r.problem(`${role} has no verdicts; e.g. verdicts: { echoes: 30 }`, node);
  return out;
}

/** `echoes: 30`, `echoes: { points: 5, required: false }`, or `echoes:` for its default points. */
function verdictSpec(v: YamlFields, id: VerdictId, value: Node | null, keyNode: Node): VerdictSpec | null {
  const spec: VerdictSpec = { id, points: verdictEntry(id).points, required: true };
  if (value === null || (isScalar(value) && value.value === null)) return spec;
  if (isScalar(value) && typeof value.value === 'number') spec.points = value.value;
  else if (v.nested(value).ok) {
    for (const { key, keyNode: fk, value: fv } of v.nested(value).entries()) {
      const x = isScalar(fv) ? fv.value : undefined;
      if (key === 'points' && typeof x === 'number') spec.points = x;
      else if (key === 'required' && typeof x === 'boolean') spec.required = x;
      else
        v.problem(`${id} takes points (a number) and required (true or false), got ${key}: ${String(x)}`, fk);
    }
  } else {
    v.problem(`${id} needs its points, e.g. ${id}: 20 or ${id}: { points: 5, required: false }`, keyNode);
    return null;
  }
  if (!(spec.points >= 0 && spec.points <= 1000))
    v.problem(`${id}'s points must be 0–1000, got ${spec.points}`, keyNode);
  return spec;
}

export function assignmentNames(): string[] {
  return namesIn(ASSIGNMENT_DIR, '.yaml');
}

/** An assignment by name (lab/assignments/NAME.yaml) or by path to a .yaml file. */
export function loadAssignment(nameOrPath: string): Assignment {
  const isPath = nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath);
  const path = isPath ? nameOrPath : `${ASSIGNMENT_DIR}${nameOrPath}.yaml`;
  if (!existsSync(path))
    throw new SocklabError(
      'assignment.not-found',
      `no assignment '${nameOrPath}': the assignments are ${assignmentNames().join(', ')} (lab/assignments/), or give a path to a .yaml file`,
    );
  const name = path.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  return parseAssignment(name, readFileSync(path, 'utf8'), isPath ? path : `lab/assignments/${name}.yaml`);
}
