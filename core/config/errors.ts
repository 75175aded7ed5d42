/** Config problems and the error that carries them. */

/** One problem found in a config file. */
export interface ConfigIssue {
  /** The config file as given (or `<inline>`). */
  file: string;
  /** 1-based line, when known. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
  /** YAML path, e.g. `receivers.replay.pace` or `service.pipelines.metrics.receivers[0]`; empty for the whole file. */
  path: string;
  /** What is wrong. */
  message: string;
  /** What to do about it. */
  hint?: string;
}

/** Renders one problem as `<file>:<line>:<col>: <path>: <message>; <hint>`. */
export function formatIssue(issue: ConfigIssue): string {
  let where = issue.file;
  if (issue.line !== undefined) where += `:${issue.line}:${issue.column ?? 1}`;
  const path = issue.path ? `${issue.path}: ` : '';
  const hint = issue.hint ? `; ${issue.hint}` : '';
  return `${where}: ${path}${issue.message}${hint}`;
}

/**
 * Thrown when a config cannot be used. Holds every problem of the file; its
 * `message` is {@link ConfigError.format}. A user's mistake: print the message,
 * not the stack, and exit with {@link ConfigError.exitCode}.
 */
export class ConfigError extends Error {
  /** The process exit code for a bad config. */
  readonly exitCode = 2;

  constructor(
    /** Every problem found, in file order. */
    readonly problems: readonly ConfigIssue[],
  ) {
    super(problems.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }

  /** One line per problem: `<file>:<line>:<col>: <yaml.path>: <message>[; <hint>]`. */
  format(): string {
    return this.problems.map(formatIssue).join('\n');
  }
}

/** Whether `err` is a {@link ConfigError} (also across module copies). */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError || (err instanceof Error && err.name === 'ConfigError' && Array.isArray((err as ConfigError).problems));
}
