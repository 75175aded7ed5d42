/** Records and an exporter maker shared by the prometheus exporter tests. */
import { compileSchema } from '../../../core/config/ajv';
import type { CreateContext, Exporter } from '../../../core/component';
import type { MetricRecord, Resource, Scope } from '../../../core/signals';
import { prometheusExporterFactory } from '../../../exporters/prometheus';
import type { PrometheusConfig } from '../../../exporters/prometheus/config';
import { testContext } from '../otel/create-context';

export const resource: Resource = { attributes: { 'host.name': 'h1', 'service.name': 'ebpf-pipeline' } };
export const scope: Scope = { name: 'ebpf-pipeline/receiver/syscall', version: '0.1.0' };

/** A monotonic delta sum point of `syscall.calls`. */
export function calls(value: number, name = 'read', extra: Partial<MetricRecord> = {}): MetricRecord {
  return {
    resource, scope, name: 'syscall.calls', description: 'Syscalls made', unit: '{call}', type: 'sum', monotonic: true,
    temporality: 'delta', valueType: 'int', attributes: { 'syscall.name': name }, startTime: [1700000000, 0], time: [1700000001, 0], value, ...extra,
  };
}

/** Validates the config (filling defaults) and creates the exporter. */
export function makePrometheus(config: Record<string, unknown>): { exporter: Exporter; ctx: CreateContext } {
  const validate = compileSchema(prometheusExporterFactory.schema);
  if (!validate(config)) throw new Error(JSON.stringify(validate.errors));
  const ctx = testContext('prometheus');
  return { exporter: prometheusExporterFactory.create(config as PrometheusConfig, ctx), ctx };
}

/** Fetches the page of a started exporter. */
export async function scrape(exporter: Exporter): Promise<string> {
  const url = exporter.endpoints?.()[0];
  if (!url) throw new Error('exporter has no endpoint');
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`scrape ${url}: HTTP ${res.status}`);
  return res.text();
}

/** The sample lines of a page (no comments, no blank lines). */
export function samples(page: string): string[] {
  return page.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}
