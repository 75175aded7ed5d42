/** Trace and span ids of the spans the eBPF receivers make of kernel events. */
import { randomBytes } from 'node:crypto';

/** A trace id (16 bytes) and a span id (8 bytes), in hex. */
export interface SpanIds {
  traceId: string;
  spanId: string;
}

/** Random trace and span ids for `n` spans, from one call to the CSPRNG. */
export function randomIds(n: number): SpanIds[] {
  const bytes = randomBytes(24 * n);
  const out: SpanIds[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ traceId: bytes.toString('hex', 24 * i, 24 * i + 16), spanId: bytes.toString('hex', 24 * i + 16, 24 * i + 24) });
  }
  return out;
}
