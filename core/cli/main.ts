/**
 * The `ebpf-pipeline` command. User mistakes end in one clear message and a
 * non-zero exit (2 for bad flags or config, 1 for a failed start), never a
 * stack trace.
 */
import { isConfigError } from '../config/errors';
import { createLogger, type Logger } from '../logger';
import { AGENT_VERSION } from '../version';
import { createCollector, type Collector } from '../engine/collector';
import { parseCliArgs, UsageError, USAGE, type CliArgs } from './args';
import { describeConfig, describePipeline } from './graph';
import { checkAll, checkConfig, formatVerdicts } from './check';
import { Registry } from '../registry';
import { registerBuiltins } from '../builtins';
import { runProfile } from './profile';

/** Exit code for bad flags or config. */
export const EXIT_USAGE = 2;
/** Exit code for a valid config that could not start. */
export const EXIT_START_FAILED = 1;

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message, EXIT_USAGE);
    throw err;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`ebpf-pipeline ${AGENT_VERSION}\n`);
    return 0;
  }
  if (args.command === 'check' && args.configPath === undefined) {
    const verdicts = checkAll(registerBuiltins(new Registry()));
    process.stdout.write(formatVerdicts(verdicts));
    return verdicts.every((v) => v.reason === undefined) ? 0 : 1;
  }
  if (args.command === 'profile') {
    try {
      return await runProfile(args.profile, createLogger(args.logLevelGiven ? args.logLevel : 'warn'));
    } catch (err) {
      if (err instanceof UsageError) return fail(err.message, EXIT_USAGE);
      throw err;
    }
  }
  const logger = createLogger(args.logLevel);
  const collector = createCollector({ configPath: args.configPath, logger, keepLogLevel: args.logLevelGiven });
  try {
    if (args.command === 'check') {
      const verdicts = checkConfig(await collector.load());
      process.stdout.write(formatVerdicts(verdicts));
      return verdicts.every((v) => v.reason === undefined) ? 0 : 1;
    }
    if (args.command === 'validate') {
      const config = await collector.load();
      for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(describeConfig(config));
      return 0;
    }
    await collector.start();
  } catch (err) {
    if (isConfigError(err)) return fail(err.format(), EXIT_USAGE);
    return fail((err as Error).message, EXIT_START_FAILED);
  }
  announce(collector, logger);
  return runUntilSignal(collector, logger);
}

function announce(collector: Collector, logger: Logger): void {
  const config = collector.config;
  if (!config) return;
  logger.info({ config: config.source, pid: process.pid }, 'ebpf-pipeline started');
  for (const p of config.pipelines) logger.info({ pipeline: p.id }, `pipeline ${describePipeline(p)}`);
  for (const endpoint of collector.endpoints()) logger.info({ endpoint }, `listening on ${endpoint}`);
}

/** Keeps running until SIGINT/SIGTERM (flush, exit 0); SIGHUP reloads. A second SIGINT/SIGTERM exits at once. */
function runUntilSignal(collector: Collector, logger: Logger): Promise<number> {
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let reloading = Promise.resolve();
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without waiting for the flush');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down: flushing pipelines');
      void reloading
        .then(() => collector.stop())
        .then(() => {
          logger.info('shutdown complete');
          clearInterval(keepAlive);
          resolve(0);
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', () => {
      if (stopping) return;
      logger.info('SIGHUP: reloading the config');
      reloading = reloading.then(() => collector.reload().then(
        () => announce(collector, logger),
        (err: unknown) => {
          const message = isConfigError(err) ? err.format() : (err as Error).message;
          logger.error({ err: message }, 'reload failed; the running pipelines keep going');
        },
      ));
    });
  });
}

function fail(message: string, code: number): number {
  process.stderr.write(`ebpf-pipeline: ${message}\n`);
  return code;
}
