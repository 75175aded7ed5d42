'use strict';
/**
 * Writes the benchmark recordings as OTLP/JSON lines with the project's own
 * encoder (dist/core/otlp-json encodeRequest), so the format is exactly what
 * the replay receiver reads and the file exporter writes.
 *
 *   node bench/pipeline/generate.js DIR [metricPoints] [logRecords]
 *
 * Metrics: `syscall.calls`, a monotonic cumulative int sum, 500 series
 * (25 `syscall.name` x 20 `process.executable.name`, plus `process.pid`),
 * 1000 points per line. Logs: event-like records (`process.exec`,
 * `tcp.connect`, ...) with a body and 4 attributes, 1000 per line.
 */
const fs = require('node:fs');
const path = require('node:path');
const { dist } = require('../common');
const { SYSCALLS, EXECUTABLES, keptByFilter } = require('./common');

const POINTS_PER_LINE = 1000;
const SERIES = SYSCALLS.length * EXECUTABLES.length;
const T0_SECONDS = 1_767_225_600; // 2026-01-01T00:00:00Z

const RESOURCE = { attributes: { 'host.name': 'bench-host-1', 'service.name': 'ebpf-pipeline', 'os.type': 'linux' } };
const METRIC_SCOPE = { name: 'ebpf-pipeline/receivers/syscall', version: '0.1.0' };
const LOG_SCOPE = { name: 'ebpf-pipeline/receivers/security', version: '0.1.0' };

const PIDS = EXECUTABLES.map((_, i) => 1000 + i * 37);

/** The i-th metric point (deterministic): series i % 500, one scrape interval (1 s) per 500 points. */
function metricRecord(i) {
  const s = i % SERIES;
  const round = Math.floor(i / SERIES);
  const exe = s % EXECUTABLES.length;
  const sc = Math.floor(s / EXECUTABLES.length);
  return {
    resource: RESOURCE,
    scope: METRIC_SCOPE,
    name: 'syscall.calls',
    description: 'System calls made, by syscall and executable',
    unit: '{call}',
    type: 'sum',
    monotonic: true,
    temporality: 'cumulative',
    valueType: 'int',
    attributes: {
      'syscall.name': SYSCALLS[sc],
      'process.executable.name': EXECUTABLES[exe],
      'process.pid': PIDS[exe],
    },
    startTime: [T0_SECONDS, 0],
    time: [T0_SECONDS + 1 + round, (s * 1000) % 1e9],
    value: (round + 1) * (1 + (s % 97)),
  };
}

const EVENTS = [
  { name: 'process.exec', severity: 9, text: 'INFO' },
  { name: 'process.exit', severity: 9, text: 'INFO' },
  { name: 'tcp.connect', severity: 9, text: 'INFO' },
  { name: 'file.open', severity: 5, text: 'DEBUG' },
  { name: 'security.privilege_change', severity: 13, text: 'WARN' },
];

/** The i-th log record (deterministic). */
function logRecord(i) {
  const exe = (i * 7) % EXECUTABLES.length;
  const ev = EVENTS[i % EVENTS.length];
  const ns = (i % 1000) * 1_000_000;
  return {
    resource: RESOURCE,
    scope: LOG_SCOPE,
    time: [T0_SECONDS + Math.floor(i / 1000), ns],
    observedTime: [T0_SECONDS + Math.floor(i / 1000), ns + 5000],
    severityNumber: ev.severity,
    severityText: ev.text,
    eventName: ev.name,
    body: `${ev.name} by /usr/bin/${EXECUTABLES[exe]} (pid ${PIDS[exe] + (i % 50)})`,
    attributes: {
      'process.pid': PIDS[exe] + (i % 50),
      'process.executable.name': EXECUTABLES[exe],
      'process.command_line': `/usr/bin/${EXECUTABLES[exe]} --config /etc/${EXECUTABLES[exe]}/main.conf`,
      'user.id': (i % 3) * 1000,
    },
  };
}

/** Writes `count` records of `signal` to `file`, POINTS_PER_LINE per line. Returns the summary. */
function writeRecording(file, signal, count) {
  const { encodeRequest } = dist('core/otlp-json/index');
  const make = signal === 'metrics' ? metricRecord : logRecord;
  const fd = fs.openSync(file, 'w');
  let kept = 0;
  let lines = 0;
  try {
    for (let start = 0; start < count; start += POINTS_PER_LINE) {
      const records = [];
      for (let i = start; i < Math.min(start + POINTS_PER_LINE, count); i++) {
        const r = make(i);
        if (keptByFilter(r)) kept++;
        records.push(r);
      }
      fs.writeSync(fd, `${JSON.stringify(encodeRequest({ signal, records }))}\n`);
      lines++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file, signal, records: count, keptByFilter: kept, lines, series: signal === 'metrics' ? Math.min(SERIES, count) : undefined, bytes: fs.statSync(file).size };
}

/** Writes both recordings into `dir`; returns their summaries. */
function generate(dir, metricPoints = 1_000_000, logRecords = 300_000) {
  fs.mkdirSync(dir, { recursive: true });
  return {
    metrics: writeRecording(path.join(dir, 'metrics.jsonl'), 'metrics', metricPoints),
    logs: writeRecording(path.join(dir, 'logs.jsonl'), 'logs', logRecords),
  };
}

module.exports = { generate, writeRecording, metricRecord, logRecord, SERIES, POINTS_PER_LINE, RESOURCE };

if (require.main === module) {
  const [dir, m, l] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node bench/pipeline/generate.js DIR [metricPoints] [logRecords]');
    process.exit(2);
  }
  console.log(JSON.stringify(generate(dir, m ? Number(m) : undefined, l ? Number(l) : undefined), null, 2));
}
