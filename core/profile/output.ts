/**
 * The `profiles` config block of the profiling receivers and the writer that
 * turns each interval's {@link Profile} into files: pprof, folded stacks and
 * a flame graph page, named `<component id>-<UTC start time>.<ext>`, with at
 * most `max_files` kept per format.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { JSONSchema } from 'json-schema-to-ts';
import { errorMessage } from '../error-message';
import type { Logger } from '../logger';
import { makeDirectories } from '../make-directories';
import { flameGraphHtml } from './flamegraph';
import { foldedStacks } from './folded';
import { encodePprof } from './pprof';
import type { Profile, ProfileFormat, ProfileOutputConfig } from './types';

/** Default folder of the profile files. */
export const DEFAULT_PROFILE_DIRECTORY = './profiles';
/** Default formats: all three. */
export const DEFAULT_PROFILE_FORMATS: ProfileFormat[] = ['pprof', 'folded', 'html'];
/** Default most files kept per format. */
export const DEFAULT_PROFILE_MAX_FILES = 100;

/** The file name ending of each format. */
export const PROFILE_EXTENSIONS: Record<ProfileFormat, string> = { pprof: '.pb.gz', folded: '.folded', html: '.html' };

/**
 * JSON Schema of the `profiles` block (defaults filled by ajv). A receiver
 * embeds it as `profiles: { ...profileOutputSchema, default: {} }` so that a
 * config without the block gets every default.
 */
export const profileOutputSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Where the profiles are written: one file per format per interval.',
  properties: {
    directory: {
      type: 'string',
      minLength: 1,
      default: DEFAULT_PROFILE_DIRECTORY,
      description: 'Folder the profile files go to (created if missing); relative paths are relative to the working directory.',
    },
    formats: {
      type: 'array',
      items: { type: 'string', enum: ['pprof', 'folded', 'html'] },
      uniqueItems: true,
      minItems: 1,
      default: DEFAULT_PROFILE_FORMATS,
      description: '`pprof` (gzipped profile.proto for `go tool pprof`, `.pb.gz`), `folded` (folded stacks for flamegraph.pl/speedscope, `.folded`), `html` (a self-contained interactive flame graph, `.html`).',
    },
    max_files: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_PROFILE_MAX_FILES,
      description: 'Most files kept per format; the oldest are deleted after each write.',
    },
  },
} as const satisfies JSONSchema;

/** `settings` with every missing property set to its default. */
export function resolveProfileOutput(settings: Partial<ProfileOutputConfig> = {}): ProfileOutputConfig {
  return {
    directory: settings.directory ?? DEFAULT_PROFILE_DIRECTORY,
    formats: [...(settings.formats ?? DEFAULT_PROFILE_FORMATS)],
    max_files: settings.max_files ?? DEFAULT_PROFILE_MAX_FILES,
  };
}

/** `20261125T153000Z`: the UTC second of an epoch time in milliseconds. */
export function fileTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Writes profiles to `config.directory`. Writes are serialized; a failed
 * write is logged with the component id and counted ({@link errors}), never
 * thrown: the pipeline goes on.
 */
export class ProfileWriter {
  private readonly prefix: string;
  private readonly directory: string;
  private lastBase = '';
  private failures = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly config: ProfileOutputConfig;

  /** `config`: the `profiles` block; missing properties take their defaults. */
  constructor(
    config: Partial<ProfileOutputConfig>,
    private readonly componentId: string,
    private readonly logger: Logger,
  ) {
    this.config = resolveProfileOutput(config);
    this.prefix = componentId.replace(/\//g, '-');
    this.directory = path.resolve(this.config.directory);
  }

  /** Files (or deletions) that failed so far. */
  get errors(): number {
    return this.failures;
  }

  /** Writes `profile` in every configured format; resolves to the paths written. */
  write(profile: Profile): Promise<string[]> {
    const result = this.tail.then(() => this.writeNow(profile));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async writeNow(profile: Profile): Promise<string[]> {
    try {
      await makeDirectories(this.directory);
    } catch (err) {
      this.fail(`cannot create the profile directory ${this.directory}`, err, this.config.formats.length);
      return [];
    }
    const base = await this.uniqueBase(profile);
    const written: string[] = [];
    for (const format of this.config.formats) {
      const file = path.join(this.directory, `${base}${PROFILE_EXTENSIONS[format]}`);
      try {
        const tmp = `${file}.${process.pid}.tmp`;
        await fs.writeFile(tmp, this.render(profile, format, base));
        await fs.rename(tmp, file);
        written.push(file);
      } catch (err) {
        this.fail(`cannot write the profile ${file}`, err);
        continue;
      }
      await this.rotate(format);
    }
    return written;
  }

  private render(profile: Profile, format: ProfileFormat, base: string): Buffer | string {
    switch (format) {
      case 'pprof':
        return encodePprof(profile);
      case 'folded':
        return foldedStacks(profile);
      case 'html':
        return flameGraphHtml(profile, { title: `${this.componentId} ${base.slice(this.prefix.length + 1)}` });
    }
  }

  /** `<prefix>-<stamp>`, or `<prefix>-<stamp>-<n>` when that name was used already. */
  private async uniqueBase(profile: Profile): Promise<string> {
    const stamp = fileTimestamp(profile.startTime[0] * 1000 + Math.floor(profile.startTime[1] / 1e6));
    for (let n = 0; ; n++) {
      const base = n === 0 ? `${this.prefix}-${stamp}` : `${this.prefix}-${stamp}-${n}`;
      if (base === this.lastBase || (await this.anyExists(base))) continue;
      this.lastBase = base;
      return base;
    }
  }

  private async anyExists(base: string): Promise<boolean> {
    for (const format of this.config.formats) {
      try {
        await fs.access(path.join(this.directory, `${base}${PROFILE_EXTENSIONS[format]}`));
        return true;
      } catch {
        // absent: free
      }
    }
    return false;
  }

  /** Deletes this component's oldest files of `format` beyond max_files. */
  private async rotate(format: ProfileFormat): Promise<void> {
    const pattern = new RegExp(`^${escapeRegExp(this.prefix)}-(\\d{8}T\\d{6}Z)(?:-(\\d+))?${escapeRegExp(PROFILE_EXTENSIONS[format])}$`);
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (err) {
      this.fail(`cannot list the profile directory ${this.directory}`, err);
      return;
    }
    const files = names
      .map((name) => ({ name, m: pattern.exec(name) }))
      .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
      .sort((a, b) => (a.m[1]! < b.m[1]! ? -1 : a.m[1]! > b.m[1]! ? 1 : Number(a.m[2] ?? 0) - Number(b.m[2] ?? 0)));
    for (const f of files.slice(0, Math.max(0, files.length - this.config.max_files))) {
      try {
        await fs.unlink(path.join(this.directory, f.name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.fail(`cannot delete the old profile ${f.name}`, err);
      }
    }
  }

  private fail(what: string, err: unknown, count = 1): void {
    this.failures += count;
    this.logger.error({ component: this.componentId, err: errorMessage(err) }, what);
  }
}
