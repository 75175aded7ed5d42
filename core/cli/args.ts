/** Command-line parsing. Bad flags become a {@link UsageError}: one message, exit 2. */
import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from '../logger';

/** The sub-commands. `run` is the default. */
export const COMMANDS = ['run', 'validate', 'check'] as const;

/** A sub-command name. */
export type Command = (typeof COMMANDS)[number];

/** Parsed command line. */
export interface CliArgs {
  command: Command;
  configPath?: string;
  logLevel: LogLevel;
  /** Whether --log-level was given (it then wins over service.telemetry.logs.level). */
  logLevelGiven: boolean;
  help: boolean;
  version: boolean;
}

/** A user's mistake on the command line. */
export class UsageError extends Error {}

/** Usage text for `--help`. */
export const USAGE = `Usage: ebpf-pipeline [run] --config FILE [--log-level LEVEL]
       ebpf-pipeline validate --config FILE
       ebpf-pipeline check [--config FILE]
       ebpf-pipeline --help | --version

Commands:
  run        run the pipelines of FILE until SIGINT/SIGTERM (default);
             SIGHUP re-reads FILE
  validate   check FILE without starting anything and print the pipeline graph
  check      probe this kernel and privileges: can each receiver (of FILE,
             or every known one) run here, and if not, why

Options:
  -c, --config FILE      pipeline config (YAML)
      --log-level LEVEL  ${LOG_LEVELS.join('|')} (default info)
  -h, --help             show this help
  -v, --version          show the version
`;

/** Parses argv (without node and the script). Throws UsageError on bad input. */
export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}; see ebpf-pipeline --help`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"; see ebpf-pipeline --help`);
  const command = (positionals[0] ?? 'run') as Command;
  if (!COMMANDS.includes(command)) {
    throw new UsageError(`unknown command "${command}"; commands: ${COMMANDS.join(', ')}`);
  }
  const logLevel = (values['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`invalid --log-level "${logLevel}"; use one of ${LOG_LEVELS.join(', ')}`);
  }
  const help = values.help ?? false;
  const version = values.version ?? false;
  if (!help && !version && values.config === undefined && command !== 'check') {
    throw new UsageError(`--config FILE is required; for example: ebpf-pipeline ${command} --config configs/default.yaml`);
  }
  return { command, configPath: values.config, logLevel, logLevelGiven: values['log-level'] !== undefined, help, version };
}
