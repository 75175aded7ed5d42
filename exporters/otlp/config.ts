/** Config of the `otlp` exporter (OTLP over gRPC). */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Default compression of request bodies. */
export const DEFAULT_COMPRESSION = 'gzip';

/** Default deadline of one export call. */
export const DEFAULT_TIMEOUT = '5s';

/** Default of `tls.insecure`: TLS unless told otherwise. */
export const DEFAULT_TLS_INSECURE = false;

/** Default of `tls.insecure_skip_verify`. */
export const DEFAULT_TLS_INSECURE_SKIP_VERIFY = false;

/** JSON Schema of the config. */
export const otlpSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint'],
  properties: {
    endpoint: {
      type: 'string',
      minLength: 1,
      description:
        'Where the OTLP gRPC receiver listens: host:port, or http://host:port (plaintext) or https://host:port (TLS). ' +
        'Without a scheme, tls.insecure decides.',
    },
    headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'gRPC metadata sent with every request, e.g. an authorization header.',
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Transport security of the connection.',
      properties: {
        insecure: {
          type: 'boolean',
          default: DEFAULT_TLS_INSECURE,
          description: 'true: plaintext gRPC (no TLS). Ignored when the endpoint has an http:// or https:// scheme.',
        },
        ca_file: { type: 'string', description: 'PEM file of the CA certificates that sign the server certificate (default: the system roots).' },
        cert_file: { type: 'string', description: 'PEM client certificate for mutual TLS; needs key_file.' },
        key_file: { type: 'string', description: 'PEM private key of cert_file.' },
        insecure_skip_verify: {
          type: 'boolean',
          default: DEFAULT_TLS_INSECURE_SKIP_VERIFY,
          description: 'true: accept any server certificate and host name (testing only).',
        },
      },
    },
    compression: {
      type: 'string',
      enum: ['gzip', 'none'],
      default: DEFAULT_COMPRESSION,
      description: 'Compression of request bodies.',
    },
    timeout: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_TIMEOUT,
      description: 'Deadline of one export attempt (one gRPC call); retries are the engine\'s retry_on_failure.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `otlp` exporter. */
export type OtlpConfig = FromSchema<typeof otlpSchema>;
