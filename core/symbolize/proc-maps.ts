/** Parses /proc/PID/maps: the executable mappings a user stack address can fall in. */

/** One executable mapping of a process. */
export interface ExecMapping {
  start: number;
  end: number;
  /** Offset in the file of the mapping's first byte. */
  fileOffset: number;
  /** `major:minor:inode` of the mapped file; `0:0:0` for anonymous memory. */
  fileId: string;
  inode: number;
  /** The mapped path without the ` (deleted)` suffix; `[vdso]`, `[anon]`... for memory without a file. */
  path: string;
  /** Whether a file backs it (its path is absolute and it has an inode). */
  fileBacked: boolean;
  /** The file was deleted after it was mapped (read it through map_files). */
  deleted: boolean;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) ([0-9a-f]+):([0-9a-f]+) (\d+)\s*(.*)$/;
const DELETED = ' (deleted)';
const X = 'x'.charCodeAt(0);

/** The executable mappings in `text` (the content of /proc/PID/maps), sorted by start address. */
export function parseExecMappings(text: string): ExecMapping[] {
  const mappings: ExecMapping[] = [];
  for (const line of text.split('\n')) {
    // Most mappings are not executable: skip them before the regular expression (perms are the 4 characters after the first space).
    if (line.charCodeAt(line.indexOf(' ') + 3) !== X) continue;
    const m = LINE.exec(line);
    if (m === null || m[3]![2] !== 'x') continue;
    let path = m[8]!;
    const deleted = path.endsWith(DELETED);
    if (deleted) path = path.slice(0, -DELETED.length);
    const inode = Number(m[7]);
    const fileBacked = inode !== 0 && path.startsWith('/');
    mappings.push({
      start: parseInt(m[1]!, 16),
      end: parseInt(m[2]!, 16),
      fileOffset: parseInt(m[4]!, 16),
      fileId: `${parseInt(m[5]!, 16)}:${parseInt(m[6]!, 16)}:${inode}`,
      inode,
      path: path === '' ? '[anon]' : path,
      fileBacked,
      deleted,
    });
  }
  return mappings.sort((a, b) => a.start - b.start);
}

/** The mapping holding `address`, by binary search over mappings sorted by start. */
export function findMapping(mappings: readonly ExecMapping[], address: number): ExecMapping | undefined {
  let lo = 0;
  let hi = mappings.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = mappings[mid]!;
    if (address < m.start) hi = mid - 1;
    else if (address >= m.end) lo = mid + 1;
    else return m;
  }
  return undefined;
}
