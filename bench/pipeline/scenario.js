'use strict';
/**
 * One collector scenario in this (fresh) process, so peak RSS belongs to it
 * alone. Spawned by bench/run.js:
 *
 *   node bench/pipeline/scenario.js '<json spec>'
 *
 * spec: { name, signal, recording, total, expected, exporter: 'noop'|'file'|'prometheus',
 *         processors: boolean | string[] (true = ['batch', 'filter']), outFile?, queueSize?, batchTimeout? }
 *
 * Timed from just before collector.start() until the exporter's
 * sent + dropped equals the number of records expected there (all of them,
 * or the ones the filter keeps). Prints one line `RESULT {json}`.
 */
const http = require('node:http');
const path = require('node:path');
const { dist } = require('../common');
const { FILTER_DROP, peakRssMb, rssSampler } = require('./common');

const POLL_MS = 2;
const TIMEOUT_MS = 180_000;

function buildConfig(spec) {
  const exporters = {};
  const queue = spec.queueSize ? { sending_queue: { queue_size: spec.queueSize } } : {};
  let exporterId;
  switch (spec.exporter) {
    case 'noop':
      exporterId = 'bench_noop';
      exporters[exporterId] = { ...queue };
      break;
    case 'file':
      exporterId = 'file';
      // Large rotation limit: the bench measures writing, not rotating.
      exporters[exporterId] = { path: spec.outFile, rotation: { max_megabytes: 4096, max_backups: 0 }, ...queue };
      break;
    case 'prometheus':
      exporterId = 'prometheus';
      exporters[exporterId] = { endpoint: '127.0.0.1:0', ...queue };
      break;
    default:
      throw new Error(`unknown exporter ${spec.exporter}`);
  }
  const chain = spec.processors === true ? ['batch', 'filter'] : spec.processors || [];
  const all = { batch: { send_batch_size: 8192, timeout: spec.batchTimeout ?? '50ms' }, filter: { drop: FILTER_DROP } };
  const processors = chain.length ? Object.fromEntries(chain.map((p) => [p, all[p]])) : undefined;
  const config = {
    plugins: spec.exporter === 'noop' ? [path.join(__dirname, 'noop-exporter.js')] : undefined,
    receivers: { replay: { path: spec.recording, pace: 'fast' } },
    processors,
    exporters,
    service: {
      pipelines: {
        [spec.signal]: { receivers: ['replay'], processors: chain, exporters: [exporterId] },
      },
    },
  };
  if (!config.plugins) delete config.plugins;
  if (!config.processors) delete config.processors;
  return { config, exporterId };
}

function scrape(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      })
      .on('error', reject);
  });
}

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const { createCollector } = dist('core/index');
  const { config, exporterId } = buildConfig(spec);
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
  const collector = createCollector({ config });

  const sampler = rssSampler();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await collector.start();
  const tStarted = process.hrtime.bigint();

  const find = (id, kind) => collector.counters.all().find((t) => t.id === id && t.kind === kind);
  let maxQueued = 0;
  const done = await new Promise((resolve) => {
    const timer = setInterval(() => {
      const exp = find(exporterId, 'exporter');
      const rec = find('replay', 'receiver');
      if (exp?.queueSize) maxQueued = Math.max(maxQueued, exp.queueSize());
      const accounted = exp ? exp.sent + exp.droppedTotal() : 0;
      if (rec && rec.sent + rec.droppedTotal() >= spec.total && accounted >= spec.expected) {
        clearInterval(timer);
        resolve(true);
      } else if (Number(process.hrtime.bigint() - t0) / 1e6 > TIMEOUT_MS) {
        clearInterval(timer);
        resolve(false);
      }
    }, POLL_MS);
  });
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  const mem = sampler.stop();

  let prometheus;
  if (spec.exporter === 'prometheus') {
    const endpoint = collector.endpoints()[0];
    const url = /^https?:/.test(endpoint) ? endpoint : `http://${endpoint}/metrics`;
    const ts = process.hrtime.bigint();
    const res = await scrape(url);
    const scrapeMs = Number(process.hrtime.bigint() - ts) / 1e6;
    const lines = res.body.split('\n');
    const series = lines.filter((l) => l.startsWith('syscall_calls')).length;
    prometheus = { url, status: res.status, scrapeMs, bytes: res.body.length, syscallCallsSeries: series, sample: lines.find((l) => l.startsWith('syscall_calls')) };
  }

  const counters = collector.counters.all().map((t) => ({
    id: t.id,
    kind: t.kind,
    pipeline: t.pipelineId,
    received: t.received,
    sent: t.sent,
    dropped: Object.fromEntries(t.dropped),
  }));
  const ts = process.hrtime.bigint();
  await collector.stop();
  const stopMs = Number(process.hrtime.bigint() - ts) / 1e6;

  const seconds = Number(t1 - t0) / 1e9;
  const result = {
    name: spec.name,
    ok: done,
    records: spec.total,
    expectedAtExporter: spec.expected,
    seconds,
    startSeconds: Number(tStarted - t0) / 1e9,
    recordsPerSecond: spec.total / seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: peakRssMb(),
    rssBeforeStartMb: rssBeforeMb,
    ...mem,
    maxQueuedAtExporter: maxQueued,
    stopMs,
    counters,
    prometheus,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stdout.write(`RESULT ${JSON.stringify({ ok: false, error: String(err && err.stack ? err.stack : err) })}\n`);
    process.exit(1);
  },
);
