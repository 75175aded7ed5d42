/**
 * A minimal ELF64 little-endian reader: the function symbols of `.symtab` and
 * `.dynsym`, the PT_LOAD program headers (file offset <-> virtual address)
 * and the GNU build-id note. Reads only the headers and the sections it needs
 * (never the whole file), synchronously, through an open file descriptor.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SymbolTable, type SymbolEntry } from './symbol-table';

/** One PT_LOAD segment. */
export interface LoadSegment {
  /** Offset of the segment in the file. */
  fileOffset: number;
  /** Virtual address the segment is linked at. */
  vaddr: number;
  /** Bytes of the segment present in the file. */
  fileSize: number;
}

/** What the symbolizer needs from one ELF file. */
export interface ElfInfo {
  /** The GNU build-id as hex, when the file has the note. */
  buildId?: string;
  /** PT_LOAD segments, in file order. */
  loads: LoadSegment[];
  /** Function symbols (STT_FUNC, STT_GNU_IFUNC) of .symtab and .dynsym, by address. */
  symbols: SymbolTable;
}

const ELF_MAGIC = 0x464c457f; // "\x7fELF" read little-endian
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SHN_UNDEF = 0;
const NT_GNU_BUILD_ID = 3;
const SYM_SIZE = 24;
/** Notes larger than this are not read (a build-id note is a few dozen bytes). */
const MAX_NOTE_BYTES = 64 * 1024;

/** An ELF file that cannot be parsed (not ELF64 little-endian, truncated). */
export class ElfFormatError extends Error {}

interface SectionHeader {
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

function readBytes(fd: number, base: number, position: number, length: number, fileSize: number): Buffer {
  if (position + length > fileSize) throw new ElfFormatError(`bytes ${position}..${position + length} are past the end of the file (${fileSize})`);
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, base + position + done);
    if (n === 0) throw new ElfFormatError(`truncated at byte ${position + done}`);
    done += n;
  }
  return buf;
}

function u64(buf: Buffer, at: number): number {
  return Number(buf.readBigUInt64LE(at));
}

/** Reads the build-id from a buffer of ELF notes, if one is there. */
export function buildIdFromNotes(notes: Buffer): string | undefined {
  let at = 0;
  while (at + 12 <= notes.length) {
    const nameSize = notes.readUInt32LE(at);
    const descSize = notes.readUInt32LE(at + 4);
    const type = notes.readUInt32LE(at + 8);
    const nameAt = at + 12;
    const descAt = nameAt + align4(nameSize);
    const next = descAt + align4(descSize);
    if (next > notes.length) return undefined;
    if (type === NT_GNU_BUILD_ID && nameSize === 4 && notes.toString('latin1', nameAt, nameAt + 3) === 'GNU') {
      return notes.toString('hex', descAt, descAt + descSize);
    }
    at = next;
  }
  return undefined;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Parses the ELF file open at `fd`. Throws {@link ElfFormatError} when it is
 * not ELF64 little-endian. `image` reads an ELF image in memory instead: the
 * `size` bytes at `base` of `fd` (the vDSO through /proc/PID/mem).
 */
export function readElf(fd: number, image?: { base: number; size: number }): ElfInfo {
  const { loads, buildId, entries } = readLayoutAndSymbols(fd, image);
  const info: ElfInfo = { loads, symbols: new SymbolTable(entries) };
  if (buildId !== undefined) info.buildId = buildId;
  return info;
}

/** A function symbol of a file: where its code is in the file, and its size. */
export interface FunctionInFile {
  fileOffset: number;
  size: number;
}

/** Where function `name` (.symtab or .dynsym, aliases included) is in the ELF file at `path`, or undefined. */
export function findFunction(path: string, name: string): FunctionInFile | undefined {
  const fd = openSync(path, 'r');
  try {
    const { loads, entries } = readLayoutAndSymbols(fd);
    const symbol = entries.find((e) => e.name === name);
    if (!symbol) return undefined;
    const load = loads.find((l) => symbol.start >= l.vaddr && symbol.start < l.vaddr + l.fileSize);
    return load && { fileOffset: symbol.start - load.vaddr + load.fileOffset, size: symbol.size };
  } finally {
    closeSync(fd);
  }
}

function readLayoutAndSymbols(fd: number, image?: { base: number; size: number }): { loads: LoadSegment[]; buildId?: string; entries: SymbolEntry[] } {
  const fileSize = image?.size ?? fstatSync(fd).size;
  const base = image?.base ?? 0;
  const readAt = (position: number, length: number): Buffer => readBytes(fd, base, position, length, fileSize);
  const header = readAt(0, 64);
  if (header.readUInt32LE(0) !== ELF_MAGIC) throw new ElfFormatError('not an ELF file');
  if (header[4] !== ELFCLASS64 || header[5] !== ELFDATA2LSB) throw new ElfFormatError('not ELF64 little-endian');
  const phoff = u64(header, 32);
  const shoff = u64(header, 40);
  const phentsize = header.readUInt16LE(54);
  const phnum = header.readUInt16LE(56);
  const shentsize = header.readUInt16LE(58);
  let shnum = header.readUInt16LE(60);

  const loads: LoadSegment[] = [];
  let buildId: string | undefined;
  if (phoff !== 0 && phnum > 0) {
    const ph = readAt(phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      const type = ph.readUInt32LE(at);
      const offset = u64(ph, at + 8);
      const segmentSize = u64(ph, at + 32);
      if (type === PT_LOAD) loads.push({ fileOffset: offset, vaddr: u64(ph, at + 16), fileSize: segmentSize });
      else if (type === PT_NOTE && buildId === undefined && segmentSize <= MAX_NOTE_BYTES) {
        buildId = buildIdFromNotes(readAt(offset, segmentSize));
      }
    }
  }

  const sections: SectionHeader[] = [];
  if (shoff !== 0 && shentsize >= 64) {
    if (shnum === 0) shnum = u64(readAt(shoff, 64), 32); // extended numbering: the count is in section 0
    const sh = readAt(shoff, shentsize * shnum);
    for (let i = 0; i < shnum; i++) {
      const at = i * shentsize;
      sections.push({
        type: sh.readUInt32LE(at + 4),
        offset: u64(sh, at + 24),
        size: u64(sh, at + 32),
        link: sh.readUInt32LE(at + 40),
        entsize: u64(sh, at + 56),
      });
    }
  }
  if (buildId === undefined) {
    for (const s of sections) {
      if (s.type === SHT_NOTE && s.size <= MAX_NOTE_BYTES) {
        buildId = buildIdFromNotes(readAt(s.offset, s.size));
        if (buildId !== undefined) break;
      }
    }
  }

  // .symtab first, then what .dynsym adds: in a file that was not stripped .symtab holds the dynamic symbols
  // too, and reading them twice doubled the sort (node: 185k entries for 78k symbols); a stripped file has
  // .dynsym only, or a few symbols added to .symtab after the strip.
  const entries: SymbolEntry[] = [];
  for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
    const known = type === SHT_DYNSYM && entries.length > 0 ? new Set(entries.map((e) => e.start)) : undefined;
    for (const s of sections) {
      if (s.type !== type) continue;
      const strings = sections[s.link];
      if (strings === undefined || s.entsize < SYM_SIZE) continue;
      readFunctionSymbols(readAt(s.offset, s.size), s.entsize, readAt(strings.offset, strings.size), entries, known);
    }
  }
  return buildId === undefined ? { loads, entries } : { loads, buildId, entries };
}

/** Appends the defined function symbols of `table` to `out`, but those at an address in `skip`. */
function readFunctionSymbols(table: Buffer, entsize: number, strings: Buffer, out: SymbolEntry[], skip?: ReadonlySet<number>): void {
  for (let at = 0; at + SYM_SIZE <= table.length; at += entsize) {
    const type = table[at + 4]! & 0xf;
    if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
    if (table.readUInt16LE(at + 6) === SHN_UNDEF) continue;
    const start = u64(table, at + 8);
    if (start === 0 || skip?.has(start)) continue;
    const nameAt = table.readUInt32LE(at);
    const nameEnd = strings.indexOf(0, nameAt);
    if (nameAt >= strings.length || nameEnd <= nameAt) continue;
    out.push({ start, size: u64(table, at + 16), name: strings.toString('utf8', nameAt, nameEnd) });
  }
}

/** Opens, parses and closes the ELF file at `path`. */
export function readElfFile(path: string): ElfInfo {
  const fd = openSync(path, 'r');
  try {
    return readElf(fd);
  } finally {
    closeSync(fd);
  }
}

/** The virtual address a file offset is loaded at, or undefined when no PT_LOAD holds it. */
export function fileOffsetToVaddr(loads: readonly LoadSegment[], fileOffset: number): number | undefined {
  for (const l of loads) {
    if (fileOffset >= l.fileOffset && fileOffset < l.fileOffset + l.fileSize) return fileOffset - l.fileOffset + l.vaddr;
  }
  return undefined;
}
