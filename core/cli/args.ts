/** Command-line parsing. Bad flags become a {@link UsageError}: one message, exit 2. */
import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from '../logger';

/** The sub-commands. `run` is the default. */
export const COMMANDS = ['run', 'validate', 'check', 'profile'] as const;

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
  /** The `profile` command's flags, as given (checked by core/cli/profile.ts). */
  profile: ProfileFlags;
}

/** The raw flags of `ebpf-pipeline profile`. */
export interface ProfileFlags {
  pid?: string;
  comm?: string;
  duration?: string;
  output?: string;
  frequency?: string;
}

const PROFILE_FLAGS = ['pid', 'comm', 'duration', 'output', 'frequency'] as const;

/** A user's mistake on the command line. */
export class UsageError extends Error {}

/** Usage text for `--help`. */
export const USAGE = `Usage: ebpf-pipeline [run] --config FILE [--log-level LEVEL]
       ebpf-pipeline validate --config FILE
       ebpf-pipeline check [--config FILE]
       ebpf-pipeline profile --pid PID | --comm NAME [--duration 30s]
                             [--output flame.html] [--frequency 49]
       ebpf-pipeline --help | --version

Commands:
  run        run the pipelines of FILE until SIGINT/SIGTERM (default);
             SIGHUP re-reads FILE
  validate   check FILE without starting anything and print the pipeline graph
  check      probe this kernel and privileges: can each receiver (of FILE,
             or every known one) run here, and if not, why
  profile    sample the CPU stacks of one process (or every thread named
             NAME) for a while and write a flame graph (.html), a pprof
             profile (.pb.gz) and folded stacks (.folded) side by side

Options:
  -c, --config FILE      pipeline config (YAML)
      --log-level LEVEL  ${LOG_LEVELS.join('|')} (default info)
      --pid PID, --comm NAME, --duration D, --output FILE, --frequency HZ
                         the profile command's target and settings
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
        pid: { type: 'string' },
        comm: { type: 'string' },
        duration: { type: 'string' },
        output: { type: 'string' },
        frequency: { type: 'string' },
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
  const profile: ProfileFlags = {};
  for (const flag of PROFILE_FLAGS) {
    const value = values[flag];
    if (value === undefined) continue;
    if (command !== 'profile') throw new UsageError(`--${flag} is a flag of the profile command; see ebpf-pipeline --help`);
    profile[flag] = value;
  }
  if (!help && !version && values.config === undefined && command !== 'check' && command !== 'profile') {
    throw new UsageError(`--config FILE is required; for example: ebpf-pipeline ${command} --config configs/default.yaml`);
  }
  return { command, configPath: values.config, logLevel, logLevelGiven: values['log-level'] !== undefined, help, version, profile };
}
