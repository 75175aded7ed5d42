// The connectors: section: a connector resolves like any component, and its misuse
// (one side only, no pipeline, the wrong signal, an id shared with a receiver, a
// cycle of pipelines) is one problem naming the YAML path and what to do.
import t from 'tap';
import { NEVER } from 'rxjs';
import { defineConnector, defineReceiver } from '../../../core/component';
import { ConfigError } from '../../../core/config/errors';
import { loadConfigText } from '../../../core/config/load';
import type { Registry } from '../../../core/registry';
import { testRegistry } from './fixtures';

const yaml = (...lines: string[]): string => lines.join('\n') + '\n';

/** A metrics-to-logs connector with one setting, and a logs-to-logs one (to build cycles). */
function registry(): Registry {
  const r = testRegistry();
  r.register(defineConnector({
    type: 'tologs', signals: ['metrics'], emits: ['logs'], description: 'metrics to logs',
    schema: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, default: 10, description: 'A bound.' } } },
    create: () => ({ operator: (s) => s }),
  }));
  r.register(defineConnector({
    type: 'forward', signals: ['logs'], emits: ['logs'], description: 'logs to logs',
    schema: { type: 'object', additionalProperties: false, properties: {} },
    create: () => ({ operator: (s) => s }),
  }));
  // A receiver type of the same name as a connector type, for the id clash.
  r.register(defineReceiver({
    type: 'tologs', signals: ['logs'], description: 'a receiver', schema: { type: 'object', additionalProperties: false, properties: {} },
    create: () => ({ batches: NEVER, start: async () => {}, shutdown: async () => {} }),
  }));
  return r;
}

async function problems(text: string): Promise<string[]> {
  try {
    await loadConfigText(text, 'test.yaml', registry(), { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.format().split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError');
}

t.test('a connector between two pipelines resolves with its defaults', async (t) => {
  const config = await loadConfigText(yaml(
    'receivers:',
    '  syscall: {}',
    'connectors:',
    '  tologs/a: {}',
    'processors:',
    '  batch: {}',
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [debug, tologs/a] }',
    '    logs: { receivers: [tologs/a], processors: [batch], exporters: [debug] }',
  ), 'test.yaml', registry(), { env: {} });
  t.same([...config.connectors.entries()], [['tologs/a', { kind: 'connector', id: 'tologs/a', type: 'tologs', config: { limit: 10 } }]]);
  t.same(config.pipelines.map((p) => [p.id, p.receivers, p.exporters]), [
    ['metrics', ['syscall'], ['debug', 'tologs/a']],
    ['logs', ['tologs/a'], ['debug']],
  ]);
  t.same(config.warnings, [], 'nothing unused');
});

t.test('a bad connector config is checked against its schema', async (t) => {
  t.same(await problems(yaml(
    'receivers: { syscall: {} }',
    'connectors:',
    '  tologs: { limit: 0 }',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [tologs] }',
    '    logs: { receivers: [tologs], exporters: [debug] }',
  )), ['test.yaml:3:20: connectors.tologs.limit: must be >= 1, got number 0']);
});

t.test('an unknown connector type suggests the known ones', async (t) => {
  const found = await problems(yaml(
    'receivers: { syscall: {} }',
    'connectors:',
    '  tolog: {}',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [debug] }',
  ));
  t.equal(found.length, 1, found.join('\n'));
  t.match(found[0], /^test\.yaml:3:3: connectors\.tolog: unknown connector type "tolog"; did you mean "tologs"\? known connector types: forward, tologs$/);
});

t.test('a connector used on one side only, or nowhere', async (t) => {
  t.same(await problems(yaml(
    'receivers: { syscall: {} }',
    'connectors: { tologs: {} }',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [tologs] }',
  )), ['test.yaml:6:50: service.pipelines.metrics.exporters[0]: connector "tologs" is an exporter of pipeline "metrics" but no pipeline lists it under receivers:, so what it makes would go nowhere; list it under receivers: of a logs pipeline']);
  t.same(await problems(yaml(
    'receivers: { syscall: {} }',
    'connectors: { tologs: {} }',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [debug] }',
    '    logs: { receivers: [tologs], exporters: [debug] }',
  )), ['test.yaml:7:25: service.pipelines.logs.receivers[0]: connector "tologs" is a receiver of pipeline "logs" but no pipeline lists it under exporters:, so nothing would feed it; list it under exporters: of a metrics pipeline']);
  t.same(await problems(yaml(
    'receivers: { syscall: {} }',
    'connectors: { tologs: {} }',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [debug] }',
  )), ['test.yaml:2:15: connectors.tologs: connector "tologs" is not used in any pipeline; list it under exporters: of a metrics pipeline and under receivers: of a logs pipeline, or remove it']);
});

t.test('a connector on the wrong signal, on either side', async (t) => {
  t.same(await problems(yaml(
    'receivers: { syscall: {}, replay: { file: x } }',
    'connectors: { tologs: {} }',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [tologs] }',
    '    logs: { receivers: [replay], exporters: [tologs] }',
    '    logs/out: { receivers: [tologs], exporters: [debug] }',
  )), ['test.yaml:7:46: service.pipelines.logs.exporters[0]: connector "tologs" does not accept logs (it accepts metrics), so it cannot be an exporter of pipeline "logs"; list it under exporters: of a metrics pipeline']);
});

t.test('a connector id may not also be a receiver id; a processor list cannot name a connector', async (t) => {
  t.same(await problems(yaml(
    'receivers: { syscall: {}, tologs: {} }',
    'connectors: { tologs: {} }',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [tologs] }',
    '    logs: { receivers: [tologs], exporters: [debug] }',
  )), ['test.yaml:2:15: connectors.tologs: "tologs" is defined both as a receiver and as a connector; rename one: a pipeline\'s receivers: list names either']);
  t.same(await problems(yaml(
    'receivers: { syscall: {} }',
    'connectors: { tologs: {} }',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], processors: [tologs], exporters: [tologs] }',
    '    logs: { receivers: [tologs], exporters: [debug] }',
  )), ['test.yaml:6:51: service.pipelines.metrics.processors[0]: pipeline "metrics" names processor "tologs" which is not defined under processors:; add "tologs:" under processors:']);
});

t.test('pipelines joined by connectors in a loop are refused', async (t) => {
  t.same(await problems(yaml(
    'receivers: { replay: { file: x } }',
    'connectors: { forward/1: {}, forward/2: {} }',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    logs/a: { receivers: [replay, forward/2], exporters: [forward/1] }',
    '    logs/b: { receivers: [forward/1], exporters: [forward/2, debug] }',
  )), ['test.yaml:6:35: service.pipelines.logs/a.receivers[1]: pipelines joined by connectors form a cycle: logs/a -> forward/1 -> logs/b -> forward/2 -> logs/a; a pipeline may not feed itself through connectors; break the loop']);
  t.same(await problems(yaml(
    'receivers: { replay: { file: x } }',
    'connectors: { forward: {} }',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    logs: { receivers: [replay, forward], exporters: [forward, debug] }',
  )), ['test.yaml:6:33: service.pipelines.logs.receivers[1]: pipelines joined by connectors form a cycle: logs -> forward -> logs; a pipeline may not feed itself through connectors; break the loop']);
});

t.test('a misspelt connector in a pipeline list is suggested', async (t) => {
  t.same(await problems(yaml(
    'receivers: { syscall: {} }',
    'connectors: { tologs: {} }',
    'exporters: { debug: {} }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [tologs] }',
    '    logs: { receivers: [tolog], exporters: [debug] }',
  )), [
    'test.yaml:6:50: service.pipelines.metrics.exporters[0]: connector "tologs" is an exporter of pipeline "metrics" but no pipeline lists it under receivers:, so what it makes would go nowhere; list it under receivers: of a logs pipeline',
    'test.yaml:7:25: service.pipelines.logs.receivers[0]: pipeline "logs" names receiver "tolog" which is not defined under receivers:; did you mean "tologs"? or add "tolog:" under receivers:',
  ], 'both true; the suggestion fixes both');
});
