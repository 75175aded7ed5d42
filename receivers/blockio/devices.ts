/**
 * Block device names and numbers from sysfs: /sys/class/block/<name>/dev
 * holds `MAJOR:MINOR` for every disk and partition; a partition's folder
 * has a `partition` file. The kernel side keys requests by the kernel's
 * dev_t of the disk (major << 20 | minor).
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { didYouMean } from '../../core/config/suggest';

/** Where sysfs lists block devices. */
export const SYS_CLASS_BLOCK = '/sys/class/block';

/** Bits of the minor number in the kernel's dev_t (`MINORBITS`). */
export const MINOR_BITS = 20;

/** One block device as sysfs shows it. */
export interface BlockDevice {
  name: string;
  major: number;
  minor: number;
  /** The disk a partition belongs to; undefined for a disk. */
  disk?: string;
}

/** The kernel's dev_t (`MKDEV(major, minor)`). */
export function kernelDev(major: number, minor: number): number {
  return ((major << MINOR_BITS) | minor) >>> 0;
}

/** `MAJOR:MINOR` of a kernel dev_t. */
export function majorMinor(dev: number): string {
  return `${dev >>> MINOR_BITS}:${dev & ((1 << MINOR_BITS) - 1)}`;
}

/** Every block device (disks and partitions) under `root`; an empty list when sysfs cannot be read. */
export function listBlockDevices(root: string = SYS_CLASS_BLOCK): BlockDevice[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const out: BlockDevice[] = [];
  for (const name of names.sort()) {
    try {
      const m = /^(\d+):(\d+)$/.exec(readFileSync(join(root, name, 'dev'), 'utf8').trim());
      if (!m) continue;
      const dev: BlockDevice = { name, major: Number(m[1]), minor: Number(m[2]) };
      if (existsSync(join(root, name, 'partition'))) dev.disk = basename(dirname(realpathSync(join(root, name))));
      out.push(dev);
    } catch {
      // a device that went away while listing
    }
  }
  return out;
}

/** Kernel dev_t -> device name, for every device under `root`. */
export function deviceNames(root: string = SYS_CLASS_BLOCK): Map<number, string> {
  return new Map(listBlockDevices(root).map((d) => [kernelDev(d.major, d.minor), d.name]));
}

/** The outcome of resolving the `devices` setting. */
export interface ResolvedDevices {
  /** Kernel dev_t of each disk, in config order. */
  devs: number[];
  /** One message per name that is not a disk, with its index in the list. */
  problems: Array<{ index: number; message: string }>;
}

/**
 * Resolves disk names (`vda`, `nvme0n1`) to kernel dev_t. Requests are
 * counted per disk, so a partition is refused with the name of its disk,
 * and an unknown name with the closest known one.
 */
export function resolveDevices(names: readonly string[], root: string = SYS_CLASS_BLOCK): ResolvedDevices {
  const known = listBlockDevices(root);
  const byName = new Map(known.map((d) => [d.name, d]));
  const disks = known.filter((d) => !d.disk).map((d) => d.name);
  const devs: number[] = [];
  const problems: ResolvedDevices['problems'] = [];
  names.forEach((name, index) => {
    const d = byName.get(name);
    if (!d) {
      const hint = didYouMean(name, disks);
      const list = disks.length > 0 ? ` (block devices here: ${disks.join(', ')})` : ` (${root} lists none)`;
      problems.push({ index, message: `unknown block device "${name}"${hint ? `; ${hint}` : list}` });
    } else if (d.disk) {
      problems.push({ index, message: `"${name}" is a partition of ${d.disk}: requests are counted per disk; use "${d.disk}"` });
    } else {
      devs.push(kernelDev(d.major, d.minor));
    }
  });
  return { devs, problems };
}
