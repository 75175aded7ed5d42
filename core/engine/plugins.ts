/** Loads plugin modules listed under `plugins:` and registers their factories. */
import type { ComponentFactory } from '../component';
import type { Registry } from '../registry';

/** What a plugin module exports: `factories` (or a default export holding them). */
export interface PluginModule {
  factories: ComponentFactory[];
}

/** Loads each module (CommonJS or ES module) and registers every factory it exports. */
export async function loadPlugins(paths: string[], registry: Registry): Promise<void> {
  for (const path of paths) {
    const loaded = (await import(path)) as Partial<PluginModule> & { default?: Partial<PluginModule> };
    const factories = loaded.factories ?? loaded.default?.factories;
    if (!Array.isArray(factories) || factories.length === 0) {
      throw new Error(`plugin ${path} exports no "factories" array`);
    }
    for (const factory of factories) registry.register(factory);
  }
}
