/** An append-only file that rotates by size: `path` -> `path.1` -> `path.2` ... */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { makeDirectories } from '../../core/make-directories';

/** How a {@link RotatingFile} rotates. */
export interface RotationOptions {
  /** Largest file size in bytes before rotating. */
  maxBytes: number;
  /** Rotated files kept; 0 keeps none. */
  maxBackups: number;
}

/**
 * Appends buffers to a file with `write(2)`, one whole buffer per call, and
 * rotates before a write would push the file past `maxBytes` (a non-empty
 * file only: one oversized buffer still gets written, alone). Writes are
 * serialized by the caller ({@link FileExporter}).
 */
export class RotatingFile {
  private handle: FileHandle | undefined;
  private size = 0;

  constructor(
    /** Absolute path of the file. */
    readonly file: string,
    private readonly options: RotationOptions,
  ) {}

  /** Opens the file for appending (creating its directory), learning its current size. */
  async open(): Promise<void> {
    if (this.handle) return;
    await makeDirectories(path.dirname(this.file));
    const handle = await fs.open(this.file, 'a');
    try {
      this.size = (await handle.stat()).size;
    } catch (err) {
      await handle.close();
      throw err;
    }
    this.handle = handle;
  }

  /** Appends `data`, rotating first when needed. Resolves once the OS has the bytes. */
  async append(data: Buffer): Promise<void> {
    if (this.size > 0 && this.size + data.length > this.options.maxBytes) await this.rotate();
    await this.open();
    const handle = this.handle!;
    let offset = 0;
    try {
      while (offset < data.length) {
        const { bytesWritten } = await handle.write(data, offset, data.length - offset);
        offset += bytesWritten;
      }
    } finally {
      this.size += offset;
    }
  }

  /** Closes the file; the next append reopens it. */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await handle.close();
  }

  private async rotate(): Promise<void> {
    await this.close();
    const { maxBackups } = this.options;
    if (maxBackups === 0) {
      await fs.rm(this.file, { force: true });
    } else {
      for (let i = maxBackups - 1; i >= 1; i--) await renameIfExists(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      await fs.rename(this.file, `${this.file}.1`);
    }
    this.size = 0;
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
