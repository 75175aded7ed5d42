/** Synthetic security events that follow the contract of receivers/security/events.ts, for rule tests. */
import type { Attributes, LogRecord } from '../../../core/signals';
import type { SecurityEventName } from '../../../receivers/security/events';
import { loadRules } from '../../../processors/anomaly/load-rules';
import type { RuleSet } from '../../../processors/anomaly/compiled-rule';

/** The resource every synthetic event shares. */
export const resource = { attributes: { 'host.name': 'node-1' } };
const scope = { name: 'ebpf-pipeline/receiver/security' };

/** A process, as its attributes. */
export interface Proc {
  pid: number;
  name: string;
  path?: string;
  execId?: string;
  uid?: number;
  commandLine?: string;
  /** Ancestors, parent first. */
  ancestors?: Proc[];
}

/** The process attributes of the contract for `p`. */
export function processAttributes(p: Proc): Attributes {
  const execId = p.execId ?? `boot-1:${p.pid}00:${p.pid}`;
  const attrs: Attributes = {
    'process.pid': p.pid,
    'process.thread.id': p.pid,
    'process.executable.name': p.name,
    'process.executable.path': p.path ?? `/usr/bin/${p.name}`,
    'process.command_line': p.commandLine ?? p.name,
    'process.user.id': p.uid ?? 0,
    'process.real_user.id': p.uid ?? 0,
    'process.group.id': 0,
    'process.linux.cgroup': '/user.slice/user-0.slice/session-1.scope',
    'process.exec_id': execId,
  };
  const ancestors = p.ancestors ?? [{ pid: 1, name: 'systemd', execId: 'boot-1:0:1' }];
  if (ancestors.length > 0) {
    const parent = ancestors[0];
    attrs['process.parent_pid'] = parent.pid;
    attrs['process.parent.exec_id'] = parent.execId ?? `boot-1:${parent.pid}00:${parent.pid}`;
    attrs['process.parent.executable.name'] = parent.name;
    attrs['process.parent.executable.path'] = parent.path ?? `/usr/bin/${parent.name}`;
    attrs['process.ancestors.executable.name'] = ancestors.map((a) => a.name);
    attrs['process.ancestors.pid'] = ancestors.map((a) => a.pid);
    attrs['process.ancestors.exec_id'] = ancestors.map((a) => a.execId ?? `boot-1:${a.pid}00:${a.pid}`);
  }
  return attrs;
}

/** One security event at `timeMs` (record time), by `p`, with its own attributes. */
export function securityEvent(name: SecurityEventName, p: Proc, own: Attributes, timeMs = 1_700_000_000_000): LogRecord {
  const seconds = Math.floor(timeMs / 1000);
  const attributes: Attributes = name === 'security.events_dropped'
    ? { 'event.name': name, ...own }
    : { 'event.name': name, ...processAttributes(p), ...own };
  return {
    resource,
    scope,
    time: [seconds, Math.round((timeMs - seconds * 1000) * 1e6)],
    severityNumber: 9,
    severityText: 'INFO',
    attributes,
    eventName: name,
  };
}

/** The shipped rule set (configs/rules/*.yaml), loaded as the processor loads it. */
export function shippedRules(): RuleSet {
  const { ruleSet, problems } = loadRules({ rule_files: ['rules/security.yaml', 'rules/anomaly.yaml'] }, `${__dirname}/../../../configs`);
  if (!ruleSet) throw new Error(problems.map((p) => p.message).join('\n'));
  return ruleSet;
}

/** Rules from inline items. */
export function inlineRules(items: unknown[]): RuleSet {
  const { ruleSet, problems } = loadRules({ rules: items }, process.cwd());
  if (!ruleSet) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return ruleSet;
}
