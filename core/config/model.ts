/** The resolved, validated configuration the engine runs. */
import type { ComponentKind } from '../component';
import type { LogLevel } from '../logger';
import type { Signal } from '../signals';

/** One configured component instance. */
export interface ComponentConfig {
  kind: ComponentKind;
  /** Full id: `type` or `type/name`. */
  id: string;
  type: string;
  /** Validated config with schema defaults filled in. */
  config: Record<string, unknown>;
  /** Receivers only: start without it when this kernel cannot run it. */
  optional?: boolean;
  /** Receivers only: why an `optional` receiver cannot run here; the engine starts without it. */
  unavailable?: string;
}

/** One pipeline of `service.pipelines`. */
export interface PipelineConfig {
  /** Full id: `metrics`, `logs/security`, ... */
  id: string;
  signal: Signal;
  /** Receiver and connector ids (a connector here feeds this pipeline). */
  receivers: string[];
  processors: string[];
  /** Exporter and connector ids (a connector here is fed by this pipeline). */
  exporters: string[];
}

/** The whole resolved config. */
export interface ResolvedConfig {
  /** Absolute path of the file it came from (or `<inline>`). */
  source: string;
  receivers: Map<string, ComponentConfig>;
  processors: Map<string, ComponentConfig>;
  exporters: Map<string, ComponentConfig>;
  /** Connectors by id; a pipeline lists them under `receivers:` or `exporters:`. */
  connectors: Map<string, ComponentConfig>;
  pipelines: PipelineConfig[];
  /** Absolute module paths listed under `plugins:`. */
  plugins: string[];
  /** Non-fatal findings (e.g. a component defined but unused). */
  warnings: string[];
  /** `service.telemetry.logs.level`, when the file sets it. */
  logLevel?: LogLevel;
}
