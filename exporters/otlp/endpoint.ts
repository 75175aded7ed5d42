/** Parsing of the `otlp` exporter's `endpoint`. */
import { tryParseHostPort } from '../../core/config/hostport';

/** A parsed endpoint. */
export interface OtlpEndpoint {
  /** `http` or `https` when the endpoint had a scheme. */
  scheme?: 'http' | 'https';
  /** Host name or address (IPv6 without brackets). */
  host: string;
  port: number;
  /** `host:port` as gRPC dials it (IPv6 in brackets). */
  address: string;
}

const SCHEME = /^(https?):\/\//i;

/** Parses `host:port`, `http://host:port` or `https://host:port` (a trailing `/` is allowed); `undefined` when invalid. */
export function tryParseOtlpEndpoint(text: string): OtlpEndpoint | undefined {
  let rest = text.trim();
  let scheme: OtlpEndpoint['scheme'];
  const m = SCHEME.exec(rest);
  if (m) {
    scheme = m[1].toLowerCase() as 'http' | 'https';
    rest = rest.slice(m[0].length).replace(/\/$/, '');
  }
  const hp = tryParseHostPort(rest);
  if (!hp || hp.host === '' || hp.port === 0) return undefined;
  const address = hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
  return { ...(scheme ? { scheme } : {}), host: hp.host, port: hp.port, address };
}
