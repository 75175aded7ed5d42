'use strict';
/**
 * What the pipeline benchmark's scripts share beyond bench/common.js: the
 * workload shape (series, executables, the filter expression) and the
 * memory measurements of a scenario process.
 */
const fs = require('node:fs');

/** 25 syscalls x 20 executables = 500 series for `syscall.calls`. */
const SYSCALLS = [
  'read', 'write', 'openat', 'close', 'fstat', 'mmap', 'munmap', 'brk', 'rt_sigaction', 'ioctl',
  'pread64', 'pwrite64', 'readv', 'writev', 'epoll_wait', 'futex', 'clock_gettime', 'recvfrom', 'sendto', 'connect',
  'accept4', 'getdents64', 'newfstatat', 'statx', 'nanosleep',
];
const EXECUTABLES = [
  'nginx', 'postgres', 'node', 'java', 'python3', 'redis-server', 'containerd', 'kubelet', 'sshd', 'bash',
  'curl', 'envoy', 'dockerd', 'chronyd', 'rsyslogd', 'cron', 'haproxy', 'etcd', 'ebpf-pipeline', 'systemd-journald',
];
/** Records of these executables are dropped by the filter: 2 of 20, so ~90% are kept. */
const DROPPED_EXECUTABLES = ['ebpf-pipeline', 'systemd-journald'];
const FILTER_DROP = `attributes["process.executable.name"] in [${DROPPED_EXECUTABLES.map((e) => JSON.stringify(e)).join(', ')}]`;

/** Whether the benchmark filter keeps a record (the same decision as the CEL expression). */
function keptByFilter(record) {
  return !DROPPED_EXECUTABLES.includes(record.attributes['process.executable.name']);
}

/** Peak resident set size of this process so far, in MB (kernel high-water mark). */
function peakRssMb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall back below
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Samples RSS and heap every `ms` while running; `stop()` returns the summary. */
function rssSampler(ms = 25) {
  let max = 0;
  let maxHeap = 0;
  let sum = 0;
  let n = 0;
  const sample = () => {
    const m = process.memoryUsage();
    max = Math.max(max, m.rss);
    maxHeap = Math.max(maxHeap, m.heapUsed);
    sum += m.rss;
    n++;
  };
  sample();
  const timer = setInterval(sample, ms);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { sampledMaxRssMb: max / 2 ** 20, meanRssMb: sum / n / 2 ** 20, maxHeapUsedMb: maxHeap / 2 ** 20, samples: n };
    },
  };
}

module.exports = { SYSCALLS, EXECUTABLES, DROPPED_EXECUTABLES, FILTER_DROP, keptByFilter, peakRssMb, rssSampler };
