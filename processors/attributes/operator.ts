/** The `attributes` operator: applies insert/update/upsert/delete/hash/rename actions in order. */
import { map } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { AttributeValue, Attributes, Batch } from '../../core/signals';
import type { AnyRecord } from '../../core/expression';
import { hashAttributeValue } from './hash';

/** One resolved action. */
export type AttributeAction =
  | { action: 'insert' | 'update' | 'upsert'; key: string; value: AttributeValue }
  | { action: 'insert' | 'update' | 'upsert'; key: string; fromAttribute: string }
  | { action: 'delete' | 'hash'; key: string }
  | { action: 'rename'; key: string; newKey: string };

const hasOwn = Object.prototype.hasOwnProperty;

function present(attributes: Attributes, key: string): boolean {
  return hasOwn.call(attributes, key) && attributes[key] !== undefined;
}

/**
 * Applies the actions to one attribute map. Returns the same object when
 * nothing changed, otherwise a modified copy (the input is never written).
 */
export function applyAttributeActions(input: Attributes, actions: readonly AttributeAction[]): Attributes {
  let attrs = input;
  let copied = false;
  const writable = (): Attributes => {
    if (!copied) {
      attrs = { ...attrs };
      copied = true;
    }
    return attrs;
  };
  for (const a of actions) {
    const has = present(attrs, a.key);
    switch (a.action) {
      case 'insert':
      case 'update':
      case 'upsert': {
        if (a.action === 'insert' ? has : a.action === 'update' ? !has : false) break;
        let value: AttributeValue;
        if ('fromAttribute' in a) {
          if (!present(attrs, a.fromAttribute)) break;
          value = attrs[a.fromAttribute];
        } else {
          value = a.value;
        }
        writable()[a.key] = value;
        break;
      }
      case 'delete':
        if (has) delete writable()[a.key];
        break;
      case 'hash':
        if (has) writable()[a.key] = hashAttributeValue(attrs[a.key]);
        break;
      case 'rename':
        if (has) {
          const target = writable();
          target[a.newKey] = target[a.key];
          delete target[a.key];
        }
        break;
    }
  }
  return attrs;
}

/**
 * Applies the actions, in order, to the attributes of every record. A record
 * that changes is replaced by a shallow copy with a new attributes object:
 * records may be shared with other pipelines and are never modified. A batch
 * in which nothing changed is passed on as is.
 */
export function attributesOperator(actions: readonly AttributeAction[]): OperatorFunction<Batch, Batch> {
  return map((batch: Batch): Batch => {
    if (actions.length === 0) return batch;
    const records = batch.records as AnyRecord[];
    let out: AnyRecord[] | undefined;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const attributes = applyAttributeActions(record.attributes, actions);
      if (attributes === record.attributes) continue;
      out ??= records.slice();
      out[i] = { ...record, attributes } as AnyRecord;
    }
    return out ? ({ signal: batch.signal, records: out } as Batch) : batch;
  });
}
