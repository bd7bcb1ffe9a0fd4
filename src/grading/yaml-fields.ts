// A small reader of YAML mappings for data files (assignments): each field is read with its rule,
// and a value that breaks it is a problem naming its line, collected with the others instead of
// thrown, so that every mistake of a file is reported at once.
import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { Problems } from '../common/data-lines.ts';

export class YamlFields {
  readonly problems: Problems;
  readonly #lines: LineCounter;
  readonly #map: YAMLMap | null;

  private constructor(problems: Problems, lines: LineCounter, map: YAMLMap | null) {
    this.problems = problems;
    this.#lines = lines;
    this.#map = map;
  }

  /** Parses `text`; YAML errors and a root that is not a mapping are problems (and `map` stays empty). */
  static parse(text: string, where: string, rootRule: string): YamlFields {
    const lines = new LineCounter();
    const doc: Document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    const problems = new Problems(where);
    for (const e of doc.errors)
      problems.add(`not valid YAML: ${e.message.split('\n')[0]}`, lines.linePos(e.pos[0]).line);
    if (problems.count === 0 && !isMap(doc.contents)) problems.add(rootRule);
    return new YamlFields(problems, lines, problems.count === 0 ? (doc.contents as YAMLMap) : null);
  }

  /** The same reader on a nested mapping (its problems go to the same list). */
  nested(node: Node): YamlFields {
    return new YamlFields(this.problems, this.#lines, isMap(node) ? node : null);
  }

  get ok(): boolean {
    return this.#map !== null;
  }

  /** The line of a node, for a problem's location. */
  line(node: Node | null | undefined): number | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : this.#lines.linePos(start).line;
  }

  problem(message: string, node?: Node | null): void {
    this.problems.add(message, this.line(node));
  }

  /** Each key with its node, in the file's order. */
  entries(): { key: string; keyNode: Node; value: Node }[] {
    return (this.#map?.items ?? []).map((pair) => ({
      key: isScalar(pair.key) ? String(pair.key.value) : '?',
      keyNode: pair.key as Node,
      value: pair.value as Node,
    }));
  }

  /** Refuses keys other than `allowed`, naming them. */
  onlyKeys(allowed: readonly string[], under = ''): void {
    for (const e of this.entries())
      if (!allowed.includes(e.key))
        this.problem(`unknown key '${e.key}'${under}: the keys are ${allowed.join(', ')}`, e.keyNode);
  }

  node(key: string): Node | undefined {
    return (this.#map?.get(key, true) as Node | undefined) ?? undefined;
  }

  /** A scalar's value (undefined when absent; the node itself when it is not a scalar). */
  value(key: string): unknown {
    const n = this.node(key);
    return isScalar(n) ? n.value : n;
  }

  text(key: string, fallback: string, example = fallback): string {
    const v = this.value(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') return v;
    this.problem(`${key} must be text, e.g. ${key}: ${example}`, this.node(key));
    return fallback;
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const v = this.value(key);
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    this.problem(
      `${key} must be a whole number ${min}–${max}, got '${v}'; e.g. ${key}: ${fallback}`,
      this.node(key),
    );
    return fallback;
  }

  /** One of `choices`; a problem names them and an example otherwise. */
  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T, example: string): T {
    const v = this.text(key, fallback);
    if ((choices as readonly string[]).includes(v)) return v as T;
    this.problem(
      `${key} must be ${choices.join(', ')}, got '${v}'; e.g. ${key}: ${example}`,
      this.node(key) ?? null,
    );
    return fallback;
  }

  /** A scalar parsed by `parse` (null for a value that breaks its rule, described by `rule`). */
  parsed<T>(key: string, parse: (text: string) => T | null, fallback: T, rule: string): T {
    const n = this.node(key);
    if (n === undefined) return fallback;
    const text = isScalar(n) ? String(n.value) : '';
    const v = parse(text);
    if (v !== null) return v;
    this.problem(`${key} must be ${rule}, got '${text}'`, n);
    return fallback;
  }
}
