/**
 * A test OTLP/gRPC receiver: serves the three OTLP Export services on
 * 127.0.0.1 (free port), decodes every request with the official OTLP
 * protobuf definitions (otlp-proto-057's generated root) and keeps them as
 * plain objects: 64-bit integers as decimal strings, `traceId`/`spanId`/
 * `parentSpanId` as lower-case hex, other bytes as base64, enums as numbers.
 * It can be stopped and started again on the same port, and told to answer
 * with a gRPC error status.
 */
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import type { ServerUnaryCall, sendUnaryData, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Signal } from '../../core/signals';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const root = require('otlp-proto-057/build/src/generated/root') as ProtoRoot;

interface ProtoType {
  decode(buf: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>;
}
type ProtoRoot = {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: ProtoType } };
        metrics: { v1: { ExportMetricsServiceRequest: ProtoType } };
        logs: { v1: { ExportLogsServiceRequest: ProtoType } };
      };
    };
  };
};

/** A plain-object view of a decoded message. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Decoded = Record<string, any>;

/** One received request. */
export interface ReceivedRequest {
  signal: Signal;
  /** The decoded `Export*ServiceRequest`. */
  body: Decoded;
  /** Request metadata (headers), values joined by `,`. */
  metadata: Record<string, string>;
  /**
   * The request bytes (after gRPC decompression). The 0.57 protobuf definitions predate
   * some fields (`LogRecord.event_name`, field 12), which decoding skips;
   * tests can look for them here.
   */
  raw: Buffer;
}

const SERVICES: Record<Signal, { path: string; type: ProtoType }> = {
  traces: { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', type: root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest },
  metrics: { path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', type: root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest },
  logs: { path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export', type: root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest },
};

const HEX_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** Turns base64 trace/span ids into hex, recursively. */
function idsToHex(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(idsToHex);
  if (value !== null && typeof value === 'object') {
    const out: Decoded = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = HEX_FIELDS.has(k) && typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : idsToHex(v);
    }
    return out;
  }
  return value;
}

/** Decodes one request body of a signal into a plain object. */
export function decodeOtlpRequest(signal: Signal, buf: Uint8Array): Decoded {
  const { type } = SERVICES[signal];
  const obj = type.toObject(type.decode(buf), { longs: String, bytes: String, defaults: false });
  return idsToHex(obj) as Decoded;
}

const identity = (b: Buffer): Buffer => b;

/** The test server. */
export class OtlpTestServer {
  /** Every request received, in arrival order (kept across restarts). */
  readonly requests: ReceivedRequest[] = [];
  /** When set, every call fails with this gRPC status code instead of being recorded. */
  failWith?: number;
  private server?: Server;
  private waiters: { signal?: Signal; count: number; resolve: () => void }[] = [];

  private constructor(public port: number) {}

  /** Starts a server on 127.0.0.1, on `port` or a free port. */
  static async start(port = 0): Promise<OtlpTestServer> {
    const s = new OtlpTestServer(port);
    await s.restart();
    return s;
  }

  /** `127.0.0.1:port`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Requests of one signal. */
  bodies(signal: Signal): Decoded[] {
    return this.requests.filter((r) => r.signal === signal).map((r) => r.body);
  }

  /** Resolves when at least `count` requests (of `signal`, if given) have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, signal?: Signal, timeoutMs = 10_000): Promise<void> {
    if (this.countOf(signal) >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`otlp test server: ${this.countOf(signal)}/${count} ${signal ?? ''} requests after ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = { signal, count, resolve: () => { clearTimeout(timer); resolve(); } };
      this.waiters.push(waiter);
    });
  }

  /** Stops listening (pending calls are cancelled). The port stays reserved for {@link restart} only by convention. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { server.forceShutdown(); resolve(); }, 1000);
      server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    });
  }

  /** Starts listening again on the same port (or binds the first port). */
  async restart(): Promise<void> {
    if (this.server) return;
    const server = new Server();
    for (const signal of Object.keys(SERVICES) as Signal[]) {
      const definition: ServiceDefinition = {
        Export: {
          path: SERVICES[signal].path,
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: identity,
          responseDeserialize: identity,
        },
      };
      const impl: UntypedServiceImplementation = {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => this.handle(signal, call, callback),
      };
      server.addService(definition, impl);
    }
    this.port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${this.port}`, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
    });
    this.server = server;
  }

  /** Stops for good. */
  async close(): Promise<void> {
    await this.stop();
  }

  private handle(signal: Signal, call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
    if (this.failWith !== undefined) {
      callback({ code: this.failWith, details: `test server fails with ${status[this.failWith]}` });
      return;
    }
    let body: Decoded;
    try {
      body = decodeOtlpRequest(signal, call.request);
    } catch (err) {
      callback({ code: status.INVALID_ARGUMENT, details: `cannot decode: ${(err as Error).message}` });
      return;
    }
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.metadata.getMap())) metadata[k] = String(v);
    this.requests.push({ signal, body, metadata, raw: call.request });
    callback(null, Buffer.alloc(0));
    for (const w of [...this.waiters]) {
      if (this.countOf(w.signal) >= w.count) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve();
      }
    }
  }

  private countOf(signal?: Signal): number {
    return signal ? this.requests.filter((r) => r.signal === signal).length : this.requests.length;
  }
}
