/** Sends libbpf's own log lines to the agent's logger at debug level. */
import type { Logger } from '../logger';

interface NativeLog {
  nativeAvailable(): { ok: boolean };
  setLogHandler(fn: ((level: string, line: string) => void) | null, minLevel?: 'warn' | 'info' | 'debug'): void;
}

/** The native wrapper, loaded only when needed (the addon may not be built where no eBPF receiver runs). */
function native(): NativeLog | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily: the addon is optional here
    const wrapper = require('../../native') as NativeLog;
    return wrapper.nativeAvailable().ok ? wrapper : undefined;
  } catch {
    return undefined;
  }
}

/** Routes libbpf's log to `logger` (debug level, `libbpf` field = libbpf's level); `null` stops it. */
export function routeLibbpfLog(logger: Logger | null): void {
  const wrapper = native();
  if (!wrapper) return;
  if (logger === null) {
    wrapper.setLogHandler(null);
    return;
  }
  if (!logger.isLevelEnabled('debug')) return;
  wrapper.setLogHandler((level, line) => logger.debug({ libbpf: level }, line.trimEnd()), 'debug');
}
