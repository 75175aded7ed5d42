/** Structured logging (pino, JSON lines to stderr). */
import pino from 'pino';

/** The agent's logger type. */
export type Logger = pino.Logger;

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Creates the root logger writing JSON lines to stderr (fd 2, synchronously so nothing is lost at exit). */
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ level, base: { service: 'ebpf-pipeline' } }, pino.destination({ fd: 2, sync: true }));
}

/** A logger that discards everything (tests, embedding without logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
