/** The `selftelemetry` receiver: the engine's own counters as metrics. */
import { Subject } from 'rxjs';
import type { Batch, HrTime, Scope } from '../../core/signals';
import { nowHrTime } from '../../core/signals';
import type { CreateContext, Receiver } from '../../core/component';
import { AGENT_VERSION } from '../../core/version';
import { parseDuration } from '../../core/config/duration';
import type { SelftelemetryConfig } from './config';
import { snapshotMetrics } from './snapshot';

/** Emits a snapshot every interval and a last one at shutdown. */
export class SelftelemetryReceiver implements Receiver {
  private readonly subject = new Subject<Batch>();
  readonly batches = this.subject.asObservable();
  private timer?: NodeJS.Timeout;
  private readonly startTime: HrTime = nowHrTime();
  private readonly scope: Scope = { name: 'ebpf-pipeline/receiver/selftelemetry', version: AGENT_VERSION };
  private stopped = false;

  constructor(private readonly config: SelftelemetryConfig, private readonly ctx: CreateContext) {}

  async start(): Promise<void> {
    const interval = parseDuration(this.config.collection_interval ?? '10s');
    this.timer = setInterval(() => this.emit(), interval);
    this.timer.unref();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) {
      clearInterval(this.timer);
      this.emit();
    }
    this.subject.complete();
  }

  /** Emits one snapshot now. */
  emit(): void {
    const records = snapshotMetrics(this.ctx.engine.allTelemetry(), this.ctx.resource, this.scope, this.startTime, nowHrTime());
    this.subject.next({ signal: 'metrics', records });
  }
}
