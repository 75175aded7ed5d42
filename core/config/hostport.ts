/** `host:port` addresses in config values: `127.0.0.1:9464`, `localhost:4317`, `[::1]:4317`, `:9464`. */

/** A parsed `host:port`. An empty host means every interface. */
export interface HostPort {
  /** Host name or IP address, without the brackets of an IPv6 address. */
  host: string;
  /** 0..65535. */
  port: number;
}

const BRACKETED = /^\[([0-9a-fA-F:.]+(?:%[\w.-]+)?)\]:(\d{1,5})$/;
const PLAIN = /^([a-zA-Z0-9_.-]*):(\d{1,5})$/;

/** What a valid address looks like, for error messages. */
export const HOST_PORT_EXAMPLES = 'host:port like 127.0.0.1:9464, localhost:4317 or [::1]:4317 (port 0-65535)';

/** Parses `host:port`; returns `undefined` when the text is not one. */
export function tryParseHostPort(text: string): HostPort | undefined {
  const match = BRACKETED.exec(text) ?? PLAIN.exec(text);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  return { host: match[1], port };
}

/** Parses `host:port`; throws an `Error` naming the bad text when it is not one. */
export function parseHostPort(text: string): HostPort {
  const hp = tryParseHostPort(text);
  if (!hp) throw new Error(`invalid address "${text}": expected ${HOST_PORT_EXAMPLES}`);
  return hp;
}
