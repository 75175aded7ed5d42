/** gRPC channel credentials and metadata from the `otlp` exporter's config. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import type { ChannelCredentials } from '@grpc/grpc-js';
import type { OtlpConfig } from './config';
import type { OtlpEndpoint } from './endpoint';

/** Whether the connection is plaintext: the scheme decides, else `tls.insecure`. */
export function isPlaintext(config: OtlpConfig, endpoint: OtlpEndpoint): boolean {
  if (endpoint.scheme) return endpoint.scheme === 'http';
  return config.tls?.insecure === true;
}

function readPem(what: string, file: string, configDir: string): Buffer {
  const path = resolve(configDir, file);
  try {
    return readFileSync(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`cannot read tls.${what} "${path}": ${reason}`);
  }
}

/**
 * Builds the channel credentials: insecure for plaintext, otherwise TLS with
 * the CA, client certificate and key files (relative paths resolve against
 * `configDir`). Throws an `Error` naming the file that cannot be read.
 */
export function createChannelCredentials(config: OtlpConfig, endpoint: OtlpEndpoint, configDir: string): ChannelCredentials {
  if (isPlaintext(config, endpoint)) return credentials.createInsecure();
  const tls = config.tls ?? {};
  const ca = tls.ca_file ? readPem('ca_file', tls.ca_file, configDir) : null;
  const key = tls.key_file ? readPem('key_file', tls.key_file, configDir) : null;
  const cert = tls.cert_file ? readPem('cert_file', tls.cert_file, configDir) : null;
  const verify = tls.insecure_skip_verify === true ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : undefined;
  return credentials.createSsl(ca, key, cert, verify);
}

/** gRPC metadata holding the configured headers (keys lower-cased, as gRPC requires). */
export function createMetadata(headers: Record<string, string> | undefined): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers ?? {})) metadata.set(key.toLowerCase(), value);
  return metadata;
}
