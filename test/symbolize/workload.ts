/**
 * Builds and runs the symbolizer's test program (test/fixtures/symbolize):
 * as PIE, as non-PIE, and linked to a shared library; it prints the runtime
 * addresses of its functions and waits until its stdin closes.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/bpf-compile';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'symbolize');

/** The three builds of the program, in a fresh temp folder. */
export interface Builds {
  dir: string;
  pie: string;
  nonPie: string;
  withLib: string;
  library: string;
}

/** Compiles the test program three ways with `cc -O0`. */
export function buildPrograms(): Builds {
  const dir = mkdtempSync(join(tmpdir(), 'symbolize-test-'));
  const source = join(FIXTURES, 'addresses.c');
  const cc = (args: string[]): void => {
    execFileSync('cc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const builds: Builds = {
    dir,
    pie: join(dir, 'addresses-pie'),
    nonPie: join(dir, 'addresses-nopie'),
    withLib: join(dir, 'addresses-lib'),
    library: join(dir, 'libsymtest.so'),
  };
  cc(['-O0', '-fPIE', '-pie', '-o', builds.pie, source]);
  cc(['-O0', '-fno-pie', '-no-pie', '-o', builds.nonPie, source]);
  cc(['-O0', '-fPIC', '-shared', '-o', builds.library, join(FIXTURES, 'library.c')]);
  cc(['-O0', '-DWITH_LIB', '-o', builds.withLib, source, `-L${dir}`, '-lsymtest', `-Wl,-rpath,${dir}`]);
  return builds;
}

/** A running test program and the addresses it printed. */
export interface RunningProgram {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  addresses: Map<string, bigint>;
  /** Closes its stdin and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `binary` (with `args`) and waits for its `ready` line. */
export function runProgram(binary: string, args: string[] = []): Promise<RunningProgram> {
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('ready\n')) return;
      const addresses = new Map<string, bigint>();
      for (const line of out.split('\n')) {
        const [name, value] = line.split(' ');
        if (name !== undefined && value?.startsWith('0x') === true) addresses.set(name, BigInt(value));
      }
      resolve({
        child,
        pid: child.pid!,
        addresses,
        stop: async () => {
          child.stdin.end();
          await exited;
        },
      });
    });
  });
}

/** The linked (virtual) address of `symbol` in `binary`, from binutils' nm. */
export function nmAddress(binary: string, symbol: string): bigint {
  const out = execFileSync('nm', [binary], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const [value, , name] = line.split(' ');
    if (name === symbol && value !== undefined) return BigInt(`0x${value}`);
  }
  throw new Error(`${symbol} not in nm ${binary}`);
}
