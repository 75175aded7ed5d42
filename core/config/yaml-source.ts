/**
 * A parsed YAML config file that can say where things are: YAML paths to
 * line:column, offsets to YAML paths, and parse errors as config problems.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, Scalar } from 'yaml';
import type { ConfigIssue } from './errors';
import { protectReferences, restoreReferences } from './references';

/** A path into the YAML document: map keys are strings, sequence indices numbers. */
export type YamlPath = readonly (string | number)[];

/** 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

/** Renders a path as `receivers.replay.pace` or `service.pipelines.metrics.receivers[0]`. */
export function formatYamlPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Parse-error codes that leave a document we can still validate. */
const RECOVERABLE = new Set(['DUPLICATE_KEY']);

/** A parsed config file with line lookups. */
export class YamlSource {
  /** The parsed document (scalars may be rewritten by env expansion). */
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(
    text: string,
    /** The file name used in problems. */
    readonly file: string,
  ) {
    this.doc = parseDocument(protectReferences(text), { lineCounter: this.lines, prettyErrors: false });
    this.forEachScalar((node) => {
      if (typeof node.value === 'string') node.value = restoreReferences(node.value);
    }, true);
  }

  /** Whether the parser found errors that make the document unusable. */
  get fatal(): boolean {
    return this.doc.errors.some((e) => !RECOVERABLE.has(e.code));
  }

  /** The parser's errors as problems, with line and column. */
  parseIssues(): ConfigIssue[] {
    return this.doc.errors.map((e) => {
      const offset = e.pos[0];
      if (e.code === 'DUPLICATE_KEY') {
        const path = this.pathAt(offset);
        const key = path.length > 0 ? String(path[path.length - 1]) : '?';
        return this.issueAtOffset(offset, path, `duplicate key "${key}"`, 'a key may appear once per mapping; merge the entries or rename one');
      }
      const hint = e.code === 'TAB_AS_INDENT' ? 'indent with spaces, not tabs' : 'fix the YAML syntax here';
      // The parser notices a syntax error where it can no longer go on, often past the real mistake: give the line, not a path.
      return this.issueAtOffset(offset, [], `YAML syntax error: ${restoreReferences(e.message)}`, hint);
    });
  }

  /** The parser's warnings as problems. */
  parseWarnings(): ConfigIssue[] {
    return this.doc.warnings.map((w) => this.issueAtOffset(w.pos[0], this.pathAt(w.pos[0]), `YAML warning: ${restoreReferences(w.message)}`));
  }

  /** 1-based line and column of a character offset. */
  positionOfOffset(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /**
   * Where a path is. `at: 'key'` gives the key of the last segment (or the
   * item, for a sequence index); `at: 'value'` gives the value, falling back
   * to its key when the value is empty. A path that does not exist gives the
   * deepest part that does.
   */
  positionOf(path: YamlPath, at: 'key' | 'value' = 'value'): Position | undefined {
    let node: unknown = this.doc.contents;
    let last = this.start(node);
    for (const seg of path) {
      node = this.resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(seg));
        if (!pair) return last;
        last = this.start(pair.key) ?? last;
        node = pair.value;
      } else if (isSeq(node)) {
        const item: unknown = node.items[Number(seg)];
        if (item === undefined) return last;
        last = this.start(item) ?? last;
        node = item;
      } else {
        return last;
      }
    }
    if (at === 'key') return last;
    node = this.resolve(node);
    if (isScalar(node) && node.value === null && node.range && node.range[0] === node.range[1]) return last;
    return this.start(node) ?? last;
  }

  /** A problem located at a YAML path. */
  issueAt(path: YamlPath, message: string, hint?: string, at: 'key' | 'value' = 'value'): ConfigIssue {
    const pos = this.positionOf(path, at);
    return this.issue(pos, path, message, hint);
  }

  /** The YAML path of the deepest key or value that contains a character offset. */
  pathAt(offset: number): (string | number)[] {
    const path: (string | number)[] = [];
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        let next: unknown;
        for (const pair of node.items) {
          const key = pair.key as Node | null;
          if (key?.range && key.range[0] <= offset && offset <= key.range[1]) {
            path.push(keyText(key));
            return path;
          }
          const value = pair.value as Node | null;
          if (value?.range && value.range[0] <= offset && offset < value.range[2]) {
            path.push(keyText(key));
            next = value;
            break;
          }
        }
        if (next === undefined) return path;
        node = next;
      } else if (isSeq(node)) {
        const index = node.items.findIndex((item) => {
          const r = (item as Node | null)?.range;
          return r !== undefined && r !== null && r[0] <= offset && offset < r[2];
        });
        if (index < 0) return path;
        path.push(index);
        node = node.items[index];
      } else {
        return path;
      }
    }
  }

  /**
   * Calls `fn` for every scalar in a value position (not map keys), with its
   * path. Aliases are not followed: an anchored scalar is visited once.
   */
  forEachValueScalar(fn: (node: Scalar, path: YamlPath) => void): void {
    this.forEachScalar(fn, false);
  }

  private forEachScalar(fn: (node: Scalar, path: YamlPath) => void, keys: boolean): void {
    const walk = (node: unknown, path: (string | number)[]): void => {
      if (isScalar(node)) fn(node, path);
      else if (isMap(node)) {
        for (const pair of node.items) {
          if (keys) walk(pair.key, path);
          walk(pair.value, [...path, keyText(pair.key)]);
        }
      } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
    };
    walk(this.doc.contents, []);
  }

  /** The document as plain JS values (after any scalar rewrites). */
  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 1000 });
  }

  private issueAtOffset(offset: number, path: YamlPath, message: string, hint?: string): ConfigIssue {
    return this.issue(this.positionOfOffset(offset), path, message, hint);
  }

  private issue(pos: Position | undefined, path: YamlPath, message: string, hint?: string): ConfigIssue {
    const issue: ConfigIssue = { file: this.file, path: formatYamlPath(path), message };
    if (pos) {
      issue.line = pos.line;
      issue.column = pos.column;
    }
    if (hint !== undefined) issue.hint = hint;
    return issue;
  }

  private start(node: unknown): Position | undefined {
    const range = (node as Node | null | undefined)?.range;
    return range ? this.positionOfOffset(range[0]) : undefined;
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}
