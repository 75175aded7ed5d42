// The ready pipelines in configs/: each one validates, and the default one (the README's
// first command) runs as root, serves the receivers' metrics on /metrics and stops cleanly.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, eventually, freePort, runCli, startAgent } from '../support/cli';

const asRoot = process.getuid?.() === 0;
const CONFIGS = join(ROOT, 'configs');

t.test('every ready pipeline in configs/ validates', async (t) => {
  const files = readdirSync(CONFIGS).filter((f) => f.endsWith('.yaml'));
  t.ok(files.includes('default.yaml'), 'default.yaml is there');
  for (const file of files) {
    const result = await runCli(['validate', '--config', join(CONFIGS, file)]);
    t.equal(result.code, 0, `${file} validates${result.code === 0 ? '' : `: ${result.stderr}`}`);
  }
});

t.test('the default pipeline runs: syscall and disk metrics on /metrics, exit 0 on SIGTERM', { skip: asRoot ? false : 'the eBPF receivers need root' }, async (t) => {
  const port = await freePort();
  const agent = startAgent(['--config', join(CONFIGS, 'default.yaml')], { PROMETHEUS_ENDPOINT: `127.0.0.1:${port}` });
  t.teardown(() => agent.stop('SIGKILL'));
  await agent.waitForLog((l) => l.msg === 'ebpf-pipeline started', 30_000);
  const skipped = agent.logs().filter((l) => l.level === 40 || l.level === 'warn');
  t.same(skipped, [], 'no receiver was skipped as unavailable');

  // Some disk I/O for blockio: a direct, synced write beside the repository (not tmpfs).
  mkdirSync(join(ROOT, 'test', '.build'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'test', '.build', 'io-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'f')}`, 'bs=4096', 'count=16', 'oflag=direct,sync'], { stdio: 'ignore' });

  const body = await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
    const text = res?.ok ? await res.text() : '';
    return /^syscall_calls_total\{/m.test(text) && /^disk_operations_total\{/m.test(text) ? text : undefined;
  }, 30_000, 'syscall and disk metrics on /metrics (10 s collection interval)');
  t.match(body, /^syscall_duration_bucket\{/m, 'syscall latency histogram');
  t.match(body, /^disk_operations_total\{.*disk_io_direction="write"/m, 'disk writes counted');
  t.match(body, /^ebpf_pipeline_component_received_total\{/m, 'self-telemetry');
  t.equal(await agent.stop('SIGTERM'), 0, agent.stderr());
});

