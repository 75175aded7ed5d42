import t from 'tap';
import { loadConfigText } from '../../../core/config/load';
import { ConfigError } from '../../../core/config/errors';
import type { LoadOptions } from '../../../core/config/load';
import { testRegistry } from './fixtures';

const yaml = (...lines: string[]): string => lines.join('\n') + '\n';

/** The formatted problem lines of a config that must fail. */
async function problems(text: string, opts: LoadOptions = {}): Promise<string[]> {
  try {
    await loadConfigText(text, 'test.yaml', testRegistry(), { env: {}, ...opts });
  } catch (err) {
    if (err instanceof ConfigError) return err.format().split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const SERVICE = ['service:', '  pipelines:', '    metrics: { receivers: [syscall], exporters: [debug] }'];

t.test('a valid config resolves ids, defaults, pipelines and the log level', async (t) => {
  const config = await loadConfigText(
    yaml(
      'receivers:',
      '  syscall:',
      '    latency: true',
      '  replay/a:',
      '    file: a.jsonl',
      '    optional: true',
      'processors:',
      '  batch:',
      '  filter/noisy: { drop: \'name == "x"\' }',
      'exporters:',
      '  prometheus: { endpoint: "[::1]:9464", max_size: 64MiB }',
      '  debug/verbose:',
      '    verbosity: detailed',
      '    sending_queue: { queue_size: 10 }',
      '    retry_on_failure: { enabled: false, max_elapsed_time: 0 }',
      'service:',
      '  telemetry: { logs: { level: debug } }',
      '  pipelines:',
      '    metrics: { receivers: [syscall, replay/a], processors: [batch, filter/noisy], exporters: [prometheus, debug/verbose] }',
      '    logs/security:',
      '      receivers: [replay/a]',
      '      exporters: [debug/verbose]',
    ),
    '<inline>',
    testRegistry(),
    { env: {} },
  );
  const queue = { enabled: true, queue_size: 100000, num_consumers: 1 };
  const retry = { enabled: true, initial_interval: '1s', max_interval: '30s', max_elapsed_time: '5m' };
  t.same(config, {
    source: '<inline>',
    receivers: new Map([
      ['syscall', { kind: 'receiver', id: 'syscall', type: 'syscall', optional: false, config: { latency: true, collection_interval: '10s', max_entries: 1024 } }],
      ['replay/a', { kind: 'receiver', id: 'replay/a', type: 'replay', optional: true, config: { file: 'a.jsonl', pace: 'fast', loop: false } }],
    ]),
    processors: new Map([
      ['batch', { kind: 'processor', id: 'batch', type: 'batch', config: { timeout: '200ms', send_batch_size: 8192 } }],
      ['filter/noisy', { kind: 'processor', id: 'filter/noisy', type: 'filter', config: { drop: 'name == "x"' } }],
    ]),
    exporters: new Map([
      ['prometheus', { kind: 'exporter', id: 'prometheus', type: 'prometheus', config: { endpoint: '[::1]:9464', max_size: '64MiB', sending_queue: queue, retry_on_failure: retry } }],
      [
        'debug/verbose',
        {
          kind: 'exporter',
          id: 'debug/verbose',
          type: 'debug',
          config: {
            verbosity: 'detailed',
            sending_queue: { enabled: true, queue_size: 10, num_consumers: 1 },
            retry_on_failure: { enabled: false, initial_interval: '1s', max_interval: '30s', max_elapsed_time: 0 },
          },
        },
      ],
    ]),
    connectors: new Map(),
    pipelines: [
      { id: 'metrics', signal: 'metrics', receivers: ['syscall', 'replay/a'], processors: ['batch', 'filter/noisy'], exporters: ['prometheus', 'debug/verbose'] },
      { id: 'logs/security', signal: 'logs', receivers: ['replay/a'], processors: [], exporters: ['debug/verbose'] },
    ],
    plugins: [],
    warnings: [],
    logLevel: 'debug',
  });
  t.strictSame([...config.receivers.keys()], ['syscall', 'replay/a'], 'file order kept');
  t.equal(config.logLevel, 'debug');
});

t.test('a component written as null means {}', async (t) => {
  const config = await loadConfigText(yaml('receivers:', '  syscall:', 'exporters:', '  debug:', ...SERVICE), 'x', testRegistry());
  t.strictSame(config.receivers.get('syscall')?.config, { collection_interval: '10s', max_entries: 1024, latency: false });
  t.strictSame(config.exporters.get('debug')?.config.verbosity, 'basic');
  t.equal(config.logLevel, undefined);
});

t.test('unknown keys name the key and suggest the closest allowed one', async (t) => {
  t.strictSame(await problems(yaml('receivers:', '  syscall:', '    colection_interval: 5s', '    bogus: 1', 'exporters:', '  debug: {}', ...SERVICE)), [
    'test.yaml:3:5: receivers.syscall.colection_interval: unknown key "colection_interval"; did you mean "collection_interval"?',
    'test.yaml:4:5: receivers.syscall.bogus: unknown key "bogus"; allowed keys: collection_interval, max_entries, latency',
  ]);
  t.strictSame(await problems(yaml('recievers: {}', 'extra: 1', 'exporters: {debug: }', ...SERVICE)), [
    'test.yaml:1:1: recievers: unknown key "recievers"; did you mean "receivers"?',
    'test.yaml:2:1: extra: unknown key "extra"; allowed keys: receivers, processors, exporters, connectors, plugins, service',
    'test.yaml:6:28: service.pipelines.metrics.receivers[0]: pipeline "metrics" names receiver "syscall" which is not defined under receivers:; add "syscall:" under receivers:',
  ]);
});

t.test('wrong value types, enums, formats and ranges say what was expected and what was given', async (t) => {
  t.strictSame(
    await problems(
      yaml(
        'receivers:',
        '  syscall: { max_entries: abc, latency: "yes", collection_interval: 5 minutes }',
        '  replay: { file: [a], pace: slow }',
        'exporters:',
        '  debug: { verbosity: detaild }',
        '  prometheus: { endpoint: localhost, max_size: lots }',
        'processors:',
        '  batch: { send_batch_size: 0 }',
        'service:',
        '  pipelines:',
        '    metrics: { receivers: [syscall, replay], processors: [batch], exporters: [debug, prometheus] }',
      ),
    ),
    [
      'test.yaml:2:27: receivers.syscall.max_entries: must be integer, got string "abc"',
      'test.yaml:2:41: receivers.syscall.latency: must be boolean, got string "yes"',
      'test.yaml:2:69: receivers.syscall.collection_interval: must be a duration like 250ms, 1.5s, 5m or 1h30m (units ns, us, ms, s, m, h), got string "5 minutes"',
      'test.yaml:3:19: receivers.replay.file: must be string, got a list',
      'test.yaml:3:30: receivers.replay.pace: must be one of "realtime", "fast"; got string "slow"',
      'test.yaml:5:23: exporters.debug.verbosity: must be one of "basic", "detailed"; got string "detaild"; did you mean "detailed"?',
      'test.yaml:6:27: exporters.prometheus.endpoint: must be host:port like 127.0.0.1:9464, localhost:4317 or [::1]:4317 (port 0-65535), got string "localhost"',
      'test.yaml:6:48: exporters.prometheus.max_size: must be a size like 64MiB, 10MB or a number of bytes (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), got string "lots"',
      'test.yaml:8:29: processors.batch.send_batch_size: must be >= 1, got number 0',
    ],
  );
});

t.test('a missing required key points at the component', async (t) => {
  t.strictSame(await problems(yaml('receivers:', '  syscall:', '  replay:', 'exporters: { debug: }', ...SERVICE)), [
    'test.yaml:3:3: receivers.replay: missing required key "file"; add "file:" (Path of the file to replay.)',
  ]);
  t.strictSame(await problems(yaml('receivers:', '  syscall: 5', 'exporters: { debug: }', ...SERVICE)), [
    "test.yaml:2:12: receivers.syscall: must be a mapping, got number 5; write the receiver's settings as key: value lines, or {} for none",
  ]);
});

t.test('unknown component types list the known ones', async (t) => {
  t.strictSame(
    await problems(yaml('receivers:', '  sycall: {}', '  tcp/x: {}', '  syscall:', 'exporters:', '  debug:', '  otlp:', ...SERVICE)),
    [
      'test.yaml:2:3: receivers.sycall: unknown receiver type "sycall"; did you mean "syscall"? known receiver types: replay, syscall',
      'test.yaml:3:3: receivers.tcp/x: unknown receiver type "tcp"; known receiver types: replay, syscall',
      'test.yaml:7:3: exporters.otlp: unknown exporter type "otlp"; known exporter types: debug, prometheus',
    ],
  );
});

t.test('malformed component and pipeline ids', async (t) => {
  t.strictSame(
    await problems(
      yaml(
        'receivers:',
        '  syscall:',
        '  9lives: {}',
        '  replay/: {}',
        'exporters: { debug: }',
        'service:',
        '  pipelines:',
        '    metrics: { receivers: [syscall], exporters: [debug] }',
        '    metric/x: { receivers: [syscall], exporters: [debug] }',
        '    logs/: { receivers: [syscall], exporters: [debug] }',
        '    events: { receivers: [syscall], exporters: [debug] }',
      ),
    ),
    [
      'test.yaml:3:3: receivers.9lives: invalid receiver id "9lives": type "9lives" must match ^[a-zA-Z][0-9a-zA-Z_]{0,62}$; write the id as type or type/name',
      'test.yaml:4:3: receivers.replay/: invalid receiver id "replay/": name after "/" must be non-empty and match ^[0-9a-zA-Z_.-]+$; write the id as type or type/name',
      'test.yaml:9:5: service.pipelines.metric/x: unknown pipeline signal "metric"; did you mean "metrics"? a pipeline id is metrics, logs or traces, optionally followed by /name (e.g. logs/security)',
      'test.yaml:10:5: service.pipelines.logs/: invalid pipeline id "logs/": name after "/" must be non-empty and match ^[0-9a-zA-Z_.-]+$; write the id as signal or signal/name',
      'test.yaml:11:5: service.pipelines.events: unknown pipeline signal "events"; a pipeline id is metrics, logs or traces, optionally followed by /name (e.g. logs/security)',
    ],
  );
});

t.test('pipelines naming undefined components, repeating them, or using the wrong signal', async (t) => {
  t.strictSame(
    await problems(
      yaml(
        'receivers:',
        '  syscall:',
        '  replay/a: { file: x }',
        'processors:',
        '  batch:',
        'exporters:',
        '  debug:',
        '  prometheus:',
        'service:',
        '  pipelines:',
        '    metrics: { receivers: [syscall, tcp], processors: [batch, batch], exporters: [debg] }',
        '    logs/security:',
        '      receivers: [syscall, replay/b]',
        '      processors: [filter]',
        '      exporters: [prometheus, debug]',
      ),
    ),
    [
      'test.yaml:11:37: service.pipelines.metrics.receivers[1]: pipeline "metrics" names receiver "tcp" which is not defined under receivers:; add "tcp:" under receivers:',
      'test.yaml:11:63: service.pipelines.metrics.processors[1]: pipeline "metrics" lists processor "batch" more than once; remove the repeated entry',
      'test.yaml:11:83: service.pipelines.metrics.exporters[0]: pipeline "metrics" names exporter "debg" which is not defined under exporters:; did you mean "debug"? or add "debg:" under exporters:',
      'test.yaml:13:19: service.pipelines.logs/security.receivers[0]: receiver "syscall" does not support logs (supports: metrics); remove it from pipeline "logs/security" or use it in a metrics pipeline',
      'test.yaml:13:28: service.pipelines.logs/security.receivers[1]: pipeline "logs/security" names receiver "replay/b" which is not defined under receivers:; did you mean "replay/a"? or add "replay/b:" under receivers:',
      'test.yaml:14:20: service.pipelines.logs/security.processors[0]: pipeline "logs/security" names processor "filter" which is not defined under processors:; add "filter:" under processors:',
      'test.yaml:15:19: service.pipelines.logs/security.exporters[0]: exporter "prometheus" does not support logs (supports: metrics); remove it from pipeline "logs/security" or use it in a metrics pipeline',
    ],
  );
});

t.test('the structure of service and pipelines is checked', async (t) => {
  t.strictSame(await problems(yaml('receivers: { syscall: }', 'exporters: { debug: }')), [
    'test.yaml:1:1: missing required key "service"; add "service:" (The pipelines to run and the agent\'s own telemetry.)',
  ]);
  t.strictSame(
    await problems(
      yaml(
        'receivers: { syscall: }',
        'exporters: { debug: }',
        'service:',
        '  telemetry: { logs: { level: loud } }',
        '  pipelines:',
        '    metrics: { receivers: [syscall], exporter: [debug] }',
        '    traces: { receivers: [], exporters: [debug, 7] }',
        '    logs: [syscall]',
      ),
    ),
    [
      'test.yaml:4:31: service.telemetry.logs.level: must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent"; got string "loud"',
      'test.yaml:6:5: service.pipelines.metrics: missing required key "exporters"; add "exporters:" (Exporter (or connector) ids this pipeline sends to.)',
      'test.yaml:6:38: service.pipelines.metrics.exporter: unknown key "exporter"; did you mean "exporters"?',
      'test.yaml:7:26: service.pipelines.traces.receivers: must list at least 1 item',
      'test.yaml:7:49: service.pipelines.traces.exporters[1]: must be string, got number 7',
      'test.yaml:8:11: service.pipelines.logs: must be a mapping, got a list',
    ],
  );
  t.strictSame(await problems(yaml('service:', '  pipelines: {}')), ['test.yaml:2:14: service.pipelines: must have at least 1 entry']);
});

t.test('a file that is not a mapping', async (t) => {
  t.strictSame(await problems(''), [
    'test.yaml: the config must be a mapping with receivers:, exporters: and service:, got null; see configs/default.yaml for an example',
  ]);
  t.strictSame(await problems('- a\n- b\n'), [
    'test.yaml:1:1: the config must be a mapping with receivers:, exporters: and service:, got a list; see configs/default.yaml for an example',
  ]);
});

t.test('YAML syntax errors and duplicate keys carry the parser\'s line and column', async (t) => {
  t.strictSame(await problems(yaml('receivers:', '  syscall: {}', '  syscall: { latency: true }', 'exporters: { debug: }', ...SERVICE)), [
    'test.yaml:3:3: receivers.syscall: duplicate key "syscall"; a key may appear once per mapping; merge the entries or rename one',
  ]);
  t.strictSame(await problems(yaml('receivers:', '  syscall: [a, b', 'exporters: {}')), [
    'test.yaml:3:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]; fix the YAML syntax here',
  ]);
  t.strictSame(await problems(yaml('receivers:', '\tsyscall: {}')), [
    'test.yaml:2:1: YAML syntax error: Tabs are not allowed as indentation; indent with spaces, not tabs',
  ]);
});

t.test('engine-level keys: receiver optional and exporter sending_queue / retry_on_failure', async (t) => {
  t.strictSame(
    await problems(
      yaml(
        'receivers:',
        '  syscall: { optional: "no" }',
        'exporters:',
        '  debug:',
        '    sending_queue: { queue_size: 1.5, enabled: 1, size: 3 }',
        '    retry_on_failure: { max_interval: soon }',
        '    timeout: 5s',
        ...SERVICE,
      ),
    ),
    [
      'test.yaml:2:24: receivers.syscall.optional: must be boolean, got string "no"',
      'test.yaml:5:34: exporters.debug.sending_queue.queue_size: must be integer, got number 1.5',
      'test.yaml:5:48: exporters.debug.sending_queue.enabled: must be boolean, got number 1',
      'test.yaml:5:51: exporters.debug.sending_queue.size: unknown key "size"; allowed keys: enabled, queue_size, num_consumers',
      'test.yaml:6:39: exporters.debug.retry_on_failure.max_interval: must be a duration like 250ms, 1.5s, 5m or 1h30m (units ns, us, ms, s, m, h), got string "soon"',
      'test.yaml:7:5: exporters.debug.timeout: unknown key "timeout"; allowed keys: verbosity',
    ],
  );
  t.strictSame(await problems(yaml('receivers: { syscall: }', 'processors: { batch: { optional: true } }', 'exporters: { debug: }', ...SERVICE)), [
    'test.yaml:2:24: processors.batch.optional: unknown key "optional"; allowed keys: timeout, send_batch_size',
  ]);
});

t.test("a factory's own validate() is mapped to the YAML line", async (t) => {
  t.strictSame(
    await problems(yaml('receivers: { syscall: }', 'processors:', '  filter:', '    drop: a === b', 'exporters: { debug: }', 'service:', '  pipelines:', '    metrics: { receivers: [syscall], processors: [filter], exporters: [debug] }')),
    ['test.yaml:4:11: processors.filter.drop: invalid expression: "===" is not an operator; use =='],
  );
});

t.test('components defined but unused are warnings, not errors', async (t) => {
  const config = await loadConfigText(
    yaml('receivers:', '  syscall:', '  replay: { file: x }', 'processors:', '  batch:', 'exporters:', '  debug:', '  prometheus:', ...SERVICE),
    'test.yaml',
    testRegistry(),
  );
  t.strictSame(config.warnings, [
    'test.yaml:3:3: receivers.replay: receiver "replay" is defined but not used in any pipeline; add it to a pipeline under service.pipelines or remove it',
    'test.yaml:5:3: processors.batch: processor "batch" is defined but not used in any pipeline; add it to a pipeline under service.pipelines or remove it',
    'test.yaml:8:3: exporters.prometheus: exporter "prometheus" is defined but not used in any pipeline; add it to a pipeline under service.pipelines or remove it',
  ]);
  t.strictSame([...config.receivers.keys()], ['syscall', 'replay'], 'unused components are still resolved');
});

t.test('every problem of the file is reported at once, in file order, as one ConfigError', async (t) => {
  const err = await loadConfigText(
    yaml('service:', '  pipelines:', '    metrics: { receivers: [tcp], exporters: [debug] }', 'receivers:', '  syscall: { latency: 3 }', 'exporters: { debug: }'),
    'test.yaml',
    testRegistry(),
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof ConfigError);
  const configError = err as ConfigError;
  t.equal(configError.exitCode, 2);
  t.equal(configError.name, 'ConfigError');
  t.strictSame(configError.problems, [
    {
      file: 'test.yaml',
      path: 'service.pipelines.metrics.receivers[0]',
      message: 'pipeline "metrics" names receiver "tcp" which is not defined under receivers:',
      line: 3,
      column: 28,
      hint: 'add "tcp:" under receivers:',
    },
    { file: 'test.yaml', path: 'receivers.syscall.latency', message: 'must be boolean, got number 3', line: 5, column: 23 },
  ]);
  t.equal(
    configError.message,
    [
      'test.yaml:3:28: service.pipelines.metrics.receivers[0]: pipeline "metrics" names receiver "tcp" which is not defined under receivers:; add "tcp:" under receivers:',
      'test.yaml:5:23: receivers.syscall.latency: must be boolean, got number 3',
    ].join('\n'),
  );
  t.equal(configError.message, configError.format());
});
