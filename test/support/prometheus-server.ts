/**
 * A real Prometheus server for end-to-end tests: Debian's
 * `/usr/bin/prometheus` on a free loopback port, scraping one target every
 * second, with a temporary config and storage directory. Query it with
 * {@link PrometheusServer.query} or wait for a condition with
 * {@link PrometheusServer.waitFor}; {@link PrometheusServer.stop} kills it by
 * PID and removes the temporary directory.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian installs Prometheus. */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** Why Prometheus tests cannot run here, or `undefined` when they can. Pass it as tap's `skip` option. */
export function prometheusMissingReason(bin = PROMETHEUS_BIN): string | undefined {
  try {
    accessSync(bin, constants.X_OK);
    return undefined;
  } catch {
    return `${bin} not found or not executable (apt-get install prometheus)`;
  }
}

/** A free TCP port on 127.0.0.1 (free when asked; another process may take it before use). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One sample of an instant vector. */
export interface PromSample {
  metric: Record<string, string>;
  /** `[unix seconds, "value"]`, as the HTTP API returns it. */
  value: [number, string];
}

/** Options of {@link PrometheusServer.start}. */
export interface PrometheusServerOptions {
  /** `host:port` of the target to scrape. */
  target: string;
  /** Path of the metrics page. Default `/metrics`. */
  metricsPath?: string;
  /** Job label. Default `ebpf-pipeline`. */
  job?: string;
  /** How long to wait for `/-/ready`. Default 30 s. */
  readyTimeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A running Prometheus. */
export class PrometheusServer {
  private stderr = '';
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    /** The temporary directory (config and storage). */
    readonly dir: string,
    /** The port Prometheus's web server listens on (127.0.0.1). */
    readonly port: number,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
    });
    child.once('exit', () => {
      this.exited = true;
    });
  }

  /** Base URL of the web server. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The last lines Prometheus wrote to stderr (for failure messages). */
  get log(): string {
    return this.stderr;
  }

  /** Starts Prometheus and waits until it reports ready. */
  static async start(options: PrometheusServerOptions): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'ebpf-pipeline-prometheus-'));
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      `  - job_name: ${JSON.stringify(options.job ?? 'ebpf-pipeline')}`,
      `    metrics_path: ${JSON.stringify(options.metricsPath ?? '/metrics')}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(options.target)}]`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const server = new PrometheusServer(child, dir, port);
    try {
      await server.waitReady(options.readyTimeoutMs ?? 30_000);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** Runs an instant query; resolves with the result vector. */
  async query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSample[] } };
    if (body.status !== 'success' || !body.data) throw new Error(`prometheus query ${promql} failed: ${body.error ?? res.status}`);
    return body.data.result;
  }

  /** Queries every 250 ms until `predicate` holds; resolves with that result, rejects after `timeoutMs` with the last one. */
  async waitFor(promql: string, predicate: (samples: PromSample[]) => boolean, timeoutMs = 20_000): Promise<PromSample[]> {
    const deadline = Date.now() + timeoutMs;
    let last: PromSample[] = [];
    for (;;) {
      last = await this.query(promql);
      if (predicate(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(`prometheus: ${promql} did not match within ${timeoutMs} ms; last result ${JSON.stringify(last)}`);
      }
      await sleep(250);
    }
  }

  /** The scrape targets as the API reports them (health, lastError). */
  async targets(): Promise<{ health: string; lastError: string; scrapeUrl: string }[]> {
    const res = await fetch(`${this.url}/api/v1/targets`);
    const body = (await res.json()) as { data: { activeTargets: { health: string; lastError: string; scrapeUrl: string }[] } };
    return body.data.activeTargets;
  }

  /** Kills Prometheus by PID (TERM, then KILL after 5 s) and removes the temporary directory. Safe twice. */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (!this.exited && pid !== undefined) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      const kill = (signal: NodeJS.Signals): void => {
        try {
          if (!this.exited) process.kill(pid, signal);
        } catch {
          // already gone
        }
      };
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`prometheus exited during startup: ${this.stderr.trim()}`);
      try {
        const res = await fetch(`${this.url}/-/ready`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`prometheus not ready after ${timeoutMs} ms: ${this.stderr.trim()}`);
  }
}
