/** The registry of component factories: built-ins and plugins alike. */
import type { ComponentFactory, ComponentKind } from './component';

/** Component types match this, as in the OpenTelemetry Collector. */
export const COMPONENT_TYPE_PATTERN = /^[a-zA-Z][0-9a-zA-Z_]{0,62}$/;

/** Factories by kind and type. */
export class Registry {
  private readonly factories = new Map<string, ComponentFactory>();

  /** Adds a factory. Throws if the type is malformed or already taken for that kind. */
  register(factory: ComponentFactory): this {
    if (!COMPONENT_TYPE_PATTERN.test(factory.type)) {
      throw new Error(`invalid ${factory.kind} type "${factory.type}": must match ${COMPONENT_TYPE_PATTERN}`);
    }
    const key = `${factory.kind}:${factory.type}`;
    if (this.factories.has(key)) throw new Error(`${factory.kind} type "${factory.type}" is already registered`);
    this.factories.set(key, factory);
    return this;
  }

  /** The factory for a kind and type, if any. */
  get(kind: ComponentKind, type: string): ComponentFactory | undefined {
    return this.factories.get(`${kind}:${type}`);
  }

  /** Known types of a kind, sorted. */
  types(kind: ComponentKind): string[] {
    return [...this.factories.values()].filter((f) => f.kind === kind).map((f) => f.type).sort();
  }
}
