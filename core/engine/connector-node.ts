/**
 * A running connector in the pipeline graph: the pipelines that list it
 * under `exporters:` push their batches in; its operator's output feeds the
 * pipelines that list it under `receivers:`. Its input completes (the
 * connector flushes) once every feeding pipeline has completed, so the
 * pipelines downstream of it complete after it has flushed.
 */
import { Subject, share, tap, type Observable } from 'rxjs';
import type { Connector } from '../component';
import type { Batch } from '../signals';
import type { ComponentTelemetry } from '../telemetry';

/** Drop reason for batches offered after the connector's output failed. */
export const CONNECTOR_FAILED = 'connector_failed';

/** One connector instance wired between pipelines. */
export class ConnectorNode {
  /** What the connector emits; shared by every pipeline it feeds. */
  readonly output: Observable<Batch>;
  private readonly input = new Subject<Batch>();
  private openFeeders: number;
  private failed = false;

  constructor(
    readonly id: string,
    readonly connector: Connector,
    private readonly telemetry: ComponentTelemetry,
    /** How many pipelines list it under `exporters:`. */
    feeders: number,
  ) {
    this.openFeeders = feeders;
    this.output = this.input.pipe(
      tap((batch) => (telemetry.received += batch.records.length)),
      connector.operator,
      tap({
        next: (batch) => (telemetry.sent += batch.records.length),
        error: () => (this.failed = true),
      }),
      share(),
    );
    if (feeders === 0) this.input.complete();
  }

  /** A feeding pipeline hands over a batch. After a failure the records are counted as dropped. */
  offer(batch: Batch): void {
    if (this.failed) {
      this.telemetry.drop(CONNECTOR_FAILED, batch.records.length);
      return;
    }
    this.input.next(batch);
  }

  /** A feeding pipeline completed (or failed); the last one completes the connector's input. */
  feederDone(): void {
    if (this.openFeeders === 0) return;
    this.openFeeders--;
    if (this.openFeeders === 0) this.input.complete();
  }
}
