/** The alloc receiver's metric points, from the per-process totals of the kernel. */
import type { SeriesLimiter } from '../../core/cardinality';
import type { HrTime, MetricRecord, Resource, Scope } from '../../core/signals';
import type { ProcessTotals } from './decode';
import type { Frame } from '../../core/symbolize/types';

/** Metric names, OpenTelemetry style. */
export const ALLOC_METRICS = {
  allocations: 'process.memory.allocations',
  allocated: 'process.memory.allocated',
  freed: 'process.memory.freed',
  outstanding: 'process.memory.outstanding',
  kernelAllocations: 'kernel.memory.allocations',
  kernelAllocated: 'kernel.memory.allocated',
} as const;

/** What every point shares. */
export interface MetricContext {
  resource: Resource;
  scope: Scope;
  /** The config's sample_every: freed and outstanding bytes are tracked bytes times this. */
  sampleEvery: number;
  startTime: HrTime;
  time: HrTime;
  limiter: SeriesLimiter;
}

/**
 * Four points per process: allocations and allocated bytes (exact, every
 * call), freed and outstanding bytes (tracked blocks times sample_every).
 */
export function toMetricRecords(processes: readonly ProcessTotals[], ctx: MetricContext): MetricRecord[] {
  const out: MetricRecord[] = [];
  const base = { resource: ctx.resource, scope: ctx.scope, startTime: ctx.startTime, time: ctx.time, temporality: 'cumulative' as const, valueType: 'int' as const };
  for (const p of processes) {
    const own = { 'process.pid': p.pid, 'process.executable.name': p.comm };
    const sum = (name: string, description: string, unit: string, value: number): MetricRecord => ({
      ...base, name, description, unit, type: 'sum', monotonic: true, attributes: ctx.limiter.admit(name, own), value,
    });
    out.push(
      sum(ALLOC_METRICS.allocations, 'Successful calls of the malloc family (malloc, calloc, realloc, aligned_alloc, posix_memalign; mmap with the mmap setting).', '{allocation}', p.allocations),
      sum(ALLOC_METRICS.allocated, 'Bytes those calls requested.', 'By', p.allocatedBytes),
      sum(ALLOC_METRICS.freed, 'Bytes of tracked blocks freed (free, or realloc moving them), times sample_every.', 'By', p.trackedFreedBytes * ctx.sampleEvery),
      {
        ...base,
        name: ALLOC_METRICS.outstanding,
        description: 'Bytes of tracked blocks allocated and not yet freed, times sample_every.',
        unit: 'By',
        type: 'gauge',
        attributes: ctx.limiter.admit(ALLOC_METRICS.outstanding, own),
        value: Math.max(0, p.trackedBytes - p.trackedFreedBytes) * ctx.sampleEvery,
      },
    );
  }
  return out;
}

/** kmalloc calls of one kernel function (its call sites summed). */
export interface KernelFunctionTotals {
  /** The function that called kmalloc, as the symbolizer names it. */
  frame: Frame;
  count: number;
  bytesRequested: number;
}

/**
 * Sums call sites by the function that holds them (`sites` and `frames` in
 * the same order), the most calls first.
 */
export function kernelFunctionTotals(sites: ReadonlyArray<{ count: number; bytesRequested: number }>, frames: readonly Frame[]): KernelFunctionTotals[] {
  const byName = new Map<string, KernelFunctionTotals>();
  sites.forEach((s, i) => {
    const frame = frames[i];
    if (!frame) return;
    const t = byName.get(frame.name);
    if (t) {
      t.count += s.count;
      t.bytesRequested += s.bytesRequested;
    } else {
      byName.set(frame.name, { frame, count: s.count, bytesRequested: s.bytesRequested });
    }
  });
  return [...byName.values()].sort((a, b) => b.count - a.count || (a.frame.name < b.frame.name ? -1 : 1));
}

/** Two points per kernel function: kmalloc calls and requested bytes, attribute `code.function.name`. */
export function toKernelMetricRecords(functions: readonly KernelFunctionTotals[], ctx: MetricContext): MetricRecord[] {
  const out: MetricRecord[] = [];
  const base = { resource: ctx.resource, scope: ctx.scope, startTime: ctx.startTime, time: ctx.time, temporality: 'cumulative' as const, valueType: 'int' as const, type: 'sum' as const, monotonic: true };
  for (const f of functions) {
    const own = { 'code.function.name': f.frame.name };
    out.push(
      { ...base, name: ALLOC_METRICS.kernelAllocations, description: 'kmalloc calls of the traced processes, by the kernel function that called it.', unit: '{allocation}', attributes: ctx.limiter.admit(ALLOC_METRICS.kernelAllocations, own), value: f.count },
      { ...base, name: ALLOC_METRICS.kernelAllocated, description: 'Bytes those kmalloc calls requested.', unit: 'By', attributes: ctx.limiter.admit(ALLOC_METRICS.kernelAllocated, own), value: f.bytesRequested },
    );
  }
  return out;
}
