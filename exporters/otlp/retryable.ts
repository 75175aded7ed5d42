/** Which OTLP export failures are worth retrying, by gRPC status code. */
import { status } from '@grpc/grpc-js';

/**
 * Transient gRPC statuses: the same request may succeed later. As in the
 * Collector's OTLP exporter, plus RESOURCE_EXHAUSTED (the server is
 * throttling; the engine's backoff waits).
 */
export const RETRYABLE_GRPC_CODES: ReadonlySet<number> = new Set([
  status.CANCELLED,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.ABORTED,
  status.OUT_OF_RANGE,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

/** The gRPC status code of an error, when it has one. */
export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Whether an export failure is transient. gRPC errors are classified by
 * status; errors without a status (the SDK's "Concurrent export limit
 * reached", a local timeout) are transient.
 */
export function isRetryable(err: unknown): boolean {
  const code = grpcCode(err);
  return code === undefined ? true : RETRYABLE_GRPC_CODES.has(code);
}
