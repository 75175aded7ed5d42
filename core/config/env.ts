/**
 * `${env:NAME}` and `${env:NAME:-default}` expansion in scalar values, done on
 * the parsed YAML nodes so problems keep their line numbers. `$$` is a literal `$`.
 */
import { isScalar, parseDocument } from 'yaml';
import type { ConfigIssue } from './errors';
import type { YamlSource } from './yaml-source';

/** A problem found while expanding one string. */
export interface ExpansionProblem {
  message: string;
  hint: string;
}

/** The result of expanding one string. */
export interface Expansion {
  /** The text with every reference replaced. */
  value: string;
  /** Whether the whole text was exactly one `${env:...}` reference. */
  whole: boolean;
  problems: ExpansionProblem[];
}

const ENV_REFERENCE = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^]*))?$/;
const WHOLE_REFERENCE = /^\$\{[^}]*\}$/;

/**
 * Expands references in one string. An unset variable (or an empty one, when
 * a default is given) takes the default; unset without a default is a problem.
 */
export function expandString(text: string, env: NodeJS.ProcessEnv): Expansion {
  const problems: ExpansionProblem[] = [];
  if (!text.includes('$')) return { value: text, whole: false, problems };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      i++;
    } else if (text[i + 1] === '$') {
      out += '$';
      i += 2;
    } else if (text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) {
        problems.push({ message: `unterminated reference "${text.slice(i)}"`, hint: 'close it with } or write $$ for a literal $' });
        out += text.slice(i);
        break;
      }
      const inner = text.slice(i + 2, end);
      out += resolveReference(inner, env, problems) ?? text.slice(i, end + 1);
      i = end + 1;
    } else {
      out += '$';
      i++;
    }
  }
  return { value: out, whole: WHOLE_REFERENCE.test(text) && problems.length === 0, problems };
}

function resolveReference(inner: string, env: NodeJS.ProcessEnv, problems: ExpansionProblem[]): string | undefined {
  const match = ENV_REFERENCE.exec(inner);
  if (!match) {
    problems.push(
      inner.startsWith('env:')
        ? { message: `invalid environment variable reference "\${${inner}}"`, hint: 'names are letters, digits and _, not starting with a digit: ${env:NAME} or ${env:NAME:-default}' }
        : { message: `unsupported reference "\${${inner}}"`, hint: 'only ${env:NAME} and ${env:NAME:-default} are expanded; write $$ for a literal $' },
    );
    return undefined;
  }
  const [, name, fallback] = match;
  const value = env[name];
  if (fallback !== undefined && (value === undefined || value === '')) return fallback;
  if (value === undefined) {
    problems.push({ message: `environment variable ${name} is not set`, hint: `set it or write \${env:${name}:-default}` });
    return '';
  }
  return value;
}

/**
 * Reads an expanded value as YAML would read it unquoted: `9464` becomes a
 * number, `true` a boolean, `null` null; anything else stays the string.
 */
export function inferScalar(text: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  const node = doc.contents;
  if (isScalar(node) && node.type === 'PLAIN' && typeof node.value !== 'string') return node.value;
  return text;
}

/**
 * Expands every string scalar value of the document in place. When a plain
 * (unquoted, untagged) scalar is exactly one reference, the result is re-read
 * as YAML (`port: ${env:PORT}` gives a number); quoted scalars stay strings.
 * Returns the problems, each at its scalar's line.
 */
export function expandEnv(source: YamlSource, env: NodeJS.ProcessEnv): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  source.forEachValueScalar((node, path) => {
    if (typeof node.value !== 'string' || !node.value.includes('$')) return;
    const result = expandString(node.value, env);
    for (const p of result.problems) issues.push(source.issueAt(path, p.message, p.hint));
    const plain = node.type === 'PLAIN' && !node.tag;
    node.value = result.whole && plain ? inferScalar(result.value) : result.value;
  });
  return issues;
}
