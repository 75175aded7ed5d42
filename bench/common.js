'use strict';
/**
 * What every benchmark runner shares: its command line (`--runs`, `--quick`,
 * `--help` and the runner's own options), the root check, building the
 * workload and bpf/, starting a tracer and waiting until it is attached, CPU
 * time of a process, medians, the result table, the JSON files in
 * bench/results/ and the exit on an error. Plain CommonJS, like the runners.
 */
const { execFileSync, spawn } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');
const { parseArgs } = require('node:util');

/** The repository. */
const ROOT = resolve(__dirname, '..');
/** The compiled tree the benchmarks require from (`npx tsc -p tsconfig.json`). */
const DIST = join(ROOT, 'dist');
/** Where the runners write their JSON (ignored by git). */
const RESULTS_DIR = join(ROOT, 'bench', 'results');

/** `--runs`, which every runner has: interleaved runs of each scenario, medians reported. */
const RUNS_OPTION = { default: 3, quick: 1, help: 'runs of each scenario, interleaved; medians are reported' };
/** `--only`: scenarios whose name contains the text (bare, the baseline, always runs). */
const ONLY_OPTION = { default: undefined, help: 'only the scenarios whose name contains this text (bare always runs)' };

/**
 * Parses `argv` (default: this process's arguments) for a runner. `spec` maps
 * each option name to `{ default, quick?, help }`: a number default makes a
 * number option, a boolean default a flag, anything else a string. `--runs`
 * (default 3) is there unless the spec names it; `--quick` takes every
 * option's `quick` value (one run, a small workload: to check that the bench
 * works, not for figures); an option given on the command line wins over
 * both. `--help` prints `usage` and the options and exits; an unknown option
 * or a value that is not a number exits with a message.
 */
function benchOptions(usage, spec, argv = process.argv.slice(2)) {
  const all = { runs: RUNS_OPTION, ...spec };
  const options = { quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(all)) options[name] = { type: typeof o.default === 'boolean' ? 'boolean' : 'string' };
  const fail = (message) => {
    process.stderr.write(`${usage}: ${message} (try --help)\n`);
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    fail(err.message);
  }
  if (values.help) {
    const lines = Object.entries(all).map(([name, o]) => {
      const dflt = o.default === undefined || o.default === false ? '' : ` (default ${o.default}${o.quick !== undefined ? `, --quick ${o.quick}` : ''})`;
      return `  --${name}${typeof o.default === 'boolean' ? '' : ' VALUE'}: ${o.help}${dflt}`;
    });
    lines.push('  --quick: one run of a small workload, to check the bench works (figures mean little)', '  --help: this text');
    process.stdout.write(`usage: ${usage} [options]\n${lines.join('\n')}\n`);
    process.exit(0);
  }
  const opts = { quick: Boolean(values.quick) };
  for (const [name, o] of Object.entries(all)) {
    const given = values[name];
    if (given === undefined) opts[name] = values.quick && o.quick !== undefined ? o.quick : o.default;
    else if (typeof o.default === 'number') {
      opts[name] = Number(given);
      if (given.trim() === '' || !Number.isFinite(opts[name])) fail(`--${name} takes a number, not ${JSON.stringify(given)}`);
    } else opts[name] = given;
  }
  if (!(opts.runs >= 1)) fail('--runs must be 1 or more');
  return opts;
}

/** Throws unless this process runs as root; `why` says what needs it. */
function requireRoot(why) {
  if (process.getuid() !== 0) throw new Error(`run as root: ${why}`);
}

/** Resolves after `ms` milliseconds (at once for 0 or less). */
function sleep(ms) {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/** Requires a module from the built dist/ tree, with a clear message when it is missing. */
function dist(rel) {
  const file = join(DIST, rel);
  if (!existsSync(`${file}.js`)) {
    throw new Error(`${file}.js not found: run \`npm run build\` first (the bench uses the compiled dist/ tree)`);
  }
  return require(file);
}

/** Compiles a workload program: `cc -O2 -Wall [flags] -o bin source`. Returns `bin`. */
function compileC(source, bin, flags = []) {
  execFileSync('cc', ['-O2', '-Wall', ...flags, '-o', bin, source]);
  return bin;
}

/**
 * Compiles a bench's own BPF program (`source`, a .bpf.c including
 * vmlinux.h) into `obj` for this machine's architecture; `flags` are extra
 * clang arguments. Needs bpf/.output/vmlinux.h ({@link makeBpf}).
 */
function compileBpf(source, obj, flags = []) {
  const arch = process.arch === 'arm64' ? 'arm64' : 'x86';
  execFileSync('clang', ['-g', '-O2', ...flags, '-target', 'bpf', `-D__TARGET_ARCH_${arch}`, '-I', join(ROOT, 'bpf/.output'), '-c', source, '-o', obj]);
  return obj;
}

/** Builds bpf/ (incremental: the receivers' objects and .output/vmlinux.h). */
function makeBpf() {
  execFileSync('make', ['-s', '-C', join(ROOT, 'bpf')]);
}

/** The scenarios to run: `bare` (the baseline) and those whose name contains `only` (all without it). */
function selectScenarios(scenarios, only) {
  return scenarios.filter((s) => s.name === 'bare' || !only || s.name.includes(only));
}

/** The median of the numbers in `values` (missing and NaN ones left out); undefined when there are none. */
function median(values) {
  const s = [...values].filter((x) => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

let userHz;
/**
 * CPU time (ns) of process `pid` so far: utime + stime of /proc/PID/stat,
 * every thread, exited ones included (summing the live threads' schedstat
 * would miss those). Resolution: one clock tick (10 ms).
 */
function processCpuNs(pid) {
  userHz ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e9) / userHz;
}

/** How long a tracer stopped with SIGINT may take before it gets a second one (bpftrace sometimes sits on the first). */
const SECOND_SIGINT_MS = 10_000;
/** Without `keepOutput`, how much of the start of stdout is kept (to see the ready line). */
const HEAD_CHARS = 4096;

/**
 * Starts a tracer: `cmd argv`, pinned to CPU `cpu` with taskset when given
 * (taskset execs it: the same pid). Resolves once stdout matches `ready`,
 * plus `waitMs`, with `{ pid, stop() }`; rejects when it exits first.
 * `input`: the tracer runs until its stdin closes (the bench's host.js);
 * else until SIGINT (a second one after 10 s). `keepOutput: false` keeps
 * only the start of stdout (a tracer that prints a line per event) and
 * counts its lines. `stop()` resolves when the tracer has exited and its
 * output is read: `{ out, err, lines, code, sig, failure }`, `failure`
 * saying how it failed when it exited with a non-zero status.
 */
function startTracer(cmd, argv, { ready, waitMs = 0, input = false, cpu, keepOutput = true }) {
  return new Promise((resolve, reject) => {
    const [file, args] = cpu === undefined ? [cmd, argv] : ['taskset', ['-c', String(cpu), cmd, ...argv]];
    const child = spawn(file, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let lines = 0;
    let attached = false;
    const exited = new Promise((r) => child.on('close', (code, sig) => r({ code, sig })));
    child.on('error', reject);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', async (d) => {
      if (keepOutput || out.length < HEAD_CHARS) out += d;
      for (const c of d) if (c === 10) lines++;
      if (attached || !ready.test(out)) return;
      attached = true;
      await sleep(waitMs);
      resolve({
        pid: child.pid,
        async stop() {
          if (input) child.stdin.end();
          else {
            child.kill('SIGINT');
            let timer;
            const late = new Promise((r) => (timer = setTimeout(() => r('late'), SECOND_SIGINT_MS)));
            if ((await Promise.race([exited, late])) === 'late') {
              child.kill('SIGINT');
              err += '\n(stopped with a second SIGINT)';
            }
            clearTimeout(timer);
          }
          const status = await exited; // before reading out and err: the last output comes with the exit
          const failure = status.code ? `exited with ${status.code}: ${err.trim()}` : undefined;
          return { out, err, lines, failure, ...status };
        },
      });
    });
    exited.then(({ code }) => {
      if (!attached) reject(new Error(`${cmd} exited with ${code} before attaching: ${err || out}`));
    });
  });
}

/**
 * Prints a table: `head` (column titles) and `rows` (arrays of strings), each
 * column as wide as its widest cell, a rule under the titles; the columns
 * whose index is in `leftAligned` are left-aligned, the others right-aligned.
 */
function printTable(head, rows, leftAligned = [0]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => cells.map((c, i) => (leftAligned.includes(i) ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('   ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  for (const r of rows) console.log(line(r));
}

/** `met` or `NOT MET` for a goal row's `met`, '' when the row has no goal. */
function goalText(goal, met) {
  return met === undefined ? '' : `${goal} ${met ? 'met' : 'NOT MET'}`;
}

/**
 * Writes `result` as JSON to bench/results/<name>-<date>.json and
 * <name>-latest.json; returns the dated file's path relative to the
 * working directory.
 */
function writeResults(name, result) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const file = join(RESULTS_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, json);
  writeFileSync(join(RESULTS_DIR, `${name}-latest.json`), json);
  return relative(process.cwd(), file);
}

/** Runs a runner's async `main`: an error prints its stack and exits 1 (after `cleanup`, when given). */
function runMain(main, cleanup) {
  main().catch((err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    cleanup?.();
    process.exit(1);
  });
}

module.exports = {
  ROOT, DIST, RESULTS_DIR, RUNS_OPTION, ONLY_OPTION,
  benchOptions, requireRoot, sleep, dist, compileC, compileBpf, makeBpf, selectScenarios, median, processCpuNs,
  startTracer, printTable, goalText, writeResults, runMain,
};
