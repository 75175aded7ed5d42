/** The `filter` operator: drops or keeps records by CEL conditions. */
import { map, filter, pipe } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { Batch } from '../../core/signals';
import type { AnyRecord, CompiledExpression } from '../../core/expression';

/** What a match means: drop the record, or keep only matching records. */
export type FilterAction = 'drop' | 'keep';

/** Options of {@link filterOperator}. */
export interface FilterOptions {
  /** `drop`: matching records are dropped. `keep`: only matching records are kept. */
  action: FilterAction;
  /** The conditions; a record matches when any of them evaluates to `true`. */
  conditions: readonly CompiledExpression[];
  /** Called once per input batch with the number of records dropped (when > 0). */
  onDropped?: (count: number) => void;
  /**
   * Called when a condition fails on a record (an evaluation error, or a
   * result that is not a bool). That condition then counts as not matching.
   */
  onError?: (error: unknown, condition: CompiledExpression) => void;
}

/**
 * Drops (or keeps) the records matching any of the conditions. A batch whose
 * records are all kept is passed on as is; a batch left empty is not emitted.
 * Input batches and records are never modified.
 */
export function filterOperator(options: FilterOptions): OperatorFunction<Batch, Batch> {
  const { conditions, onDropped, onError } = options;
  const keepOnMatch = options.action === 'keep';

  const matches = (record: AnyRecord, signal: Batch['signal']): boolean => {
    for (let i = 0; i < conditions.length; i++) {
      const condition = conditions[i];
      try {
        const result = condition.evaluate(record, signal);
        if (result === true) return true;
        if (result !== false) onError?.(new TypeError(`condition returned ${typeof result}, not a bool: ${condition.source}`), condition);
      } catch (err) {
        onError?.(err, condition);
      }
    }
    return false;
  };

  return pipe(
    map((batch: Batch): Batch => {
      const records = batch.records as AnyRecord[];
      let kept: AnyRecord[] | undefined;
      for (let i = 0; i < records.length; i++) {
        const keep = matches(records[i], batch.signal) === keepOnMatch;
        if (kept) {
          if (keep) kept.push(records[i]);
        } else if (!keep) {
          kept = records.slice(0, i);
        }
      }
      if (!kept) return batch;
      if (onDropped) onDropped(records.length - kept.length);
      return { signal: batch.signal, records: kept } as Batch;
    }),
    filter((batch) => batch.records.length > 0),
  );
}
