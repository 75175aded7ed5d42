/** `plugins:` entries: resolving module paths and loading them through the caller's hook. */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigIssue } from './errors';
import type { YamlSource } from './yaml-source';

/** A plugin entry resolved to a module path. */
export interface ResolvedPlugin {
  /** Index in the `plugins:` list. */
  index: number;
  /** As written in the file. */
  spec: string;
  /** Absolute module path. */
  path: string;
}

/**
 * Resolves one `plugins:` entry from the config file's directory: absolute
 * paths are kept, `./` and `../` paths are joined to `baseDir`, anything else
 * is resolved as a package (`require.resolve` from `baseDir`), falling back to
 * a file of that name under `baseDir`. Returns `undefined` when not found.
 */
export function resolvePluginPath(spec: string, baseDir: string): string | undefined {
  if (isAbsolute(spec)) return spec;
  if (spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..') return resolve(baseDir, spec);
  try {
    return require.resolve(spec, { paths: [baseDir] });
  } catch {
    const local = resolve(baseDir, spec);
    return existsSync(local) ? local : undefined;
  }
}

/** Resolves every entry, pushing a problem for each one that cannot be found. */
export function resolvePlugins(list: readonly unknown[], baseDir: string, source: YamlSource, issues: ConfigIssue[]): ResolvedPlugin[] {
  const out: ResolvedPlugin[] = [];
  list.forEach((spec, index) => {
    if (typeof spec !== 'string') return; // reported by the file schema
    const path = resolvePluginPath(spec, baseDir);
    if (path === undefined) {
      issues.push(source.issueAt(['plugins', index], `cannot find plugin module "${spec}" from ${baseDir}`, 'install the package or write a path starting with ./'));
    } else {
      out.push({ index, spec, path });
    }
  });
  return out;
}

/**
 * Loads each plugin through `hook`, one call per plugin (`hook([path])`), so
 * that a failure is reported on its own `plugins[i]` line and the others
 * still load.
 */
export async function loadPlugins(
  plugins: readonly ResolvedPlugin[],
  hook: (paths: string[]) => Promise<void>,
  source: YamlSource,
  issues: ConfigIssue[],
): Promise<void> {
  for (const plugin of plugins) {
    try {
      await hook([plugin.path]);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      issues.push(source.issueAt(['plugins', plugin.index], `cannot load plugin "${plugin.spec}": ${message}`, `check the module at ${plugin.path} exports component factories`));
    }
  }
}
