/**
 * petscSolve: one linear system solved by PETSc over MPI, for systems larger than one machine.
 *
 * A and b (and x0) are written in PETSc's binary format (lib/petsc/binary.ts, streamed from the CSR
 * arrays) into a fresh job directory; `mpiexec -n ranks itersolve-petsc ...` (petsc/itersolve_petsc.c,
 * built by `npm run build:petsc`) loads them with each rank reading its own block of rows, runs the
 * KSP the options name, and writes x back the same way; rank 0 prints one JSON line with PETSc's
 * KSPConvergedReason, iterations, the true residual norm and timings.
 *
 * The MPI job runs under a small supervisor process (a `node -e` script, the same for the Promise
 * and the Sync form): it starts mpiexec in a session of its own (detached), and on a time limit, an
 * abort (the supervisor gets SIGTERM), or its parent's death (its stdin closes) it sends mpiexec
 * SIGTERM, then SIGKILL to every process of that session after a grace period. Open MPI puts each
 * rank in a process group of its own, so a group kill would miss them; the session holds them all.
 * After mpiexec exits the supervisor sweeps the session again, so no rank outlives the call.
 * (Where /proc is missing, only mpiexec's process group is signalled.)
 *
 * Nothing here loads the addon or PETSc until petscSolve is called.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { abortError } from '../async';
import { CsrMatrix } from '../csr';
import { ItersolveError } from '../errors';
import { packageRoot } from '../native';
import { checkOptions } from '../options';
import { squareCheck } from '../preconditioner';
import type { IterativeResult, StopReason } from '../result';
import * as v from '../validate';
import { norm2 } from '../vector';
import {
  readPetscBinary,
  readPetscBinarySync,
  writePetscBinary,
  writePetscBinarySync,
} from './binary';

/** Options of {@link petscSolveSync} (see {@link petscSolve} for `signal`). */
export interface PetscSolveOptions {
  /** MPI processes (mpiexec -n). Default 1. */
  ranks?: number;
  /** PETSc's Krylov method (-ksp_type): 'cg', 'gmres', 'bcgs', 'minres', 'preonly', ... Default 'gmres'. */
  ksp?: string;
  /** PETSc's preconditioner (-pc_type): 'gamg', 'asm', 'bjacobi', 'jacobi', 'ilu', 'lu', 'none', ... Default: PETSc's. */
  pc?: string;
  /** -ksp_rtol (default 1e-8): PETSc's test ‖r‖ ≤ max(rtol·‖b‖, atol) on the norm its KSP monitors. */
  rtol?: number;
  /** -ksp_atol (default 0). */
  atol?: number;
  /** -ksp_max_it (default 10·n, at most 2³¹ − 1). */
  maxIterations?: number;
  /** Hosts, 'host' or 'host:slots', written to a hostfile (workDir must be on a filesystem they all see). */
  hosts?: readonly string[];
  /** An mpiexec hostfile of your own (instead of hosts). */
  hostfile?: string;
  /** The MPI launcher: a path or a name on PATH. Default 'mpiexec'. */
  mpiexec?: string;
  /** The itersolve-petsc program. Default: $ITERSOLVE_PETSC_PROGRAM, else build-petsc/itersolve-petsc in the package. */
  program?: string;
  /** Where the job's directory is made. Default: os.tmpdir(). */
  workDir?: string;
  /** More PETSc options: { name: value } (a leading '-' optional; true: a bare flag) or an argv array. */
  petscOptions?: Readonly<Record<string, string | number | boolean>> | readonly string[];
  /** Start vector (length n). Default: zeros. */
  x0?: Float64Array;
  /** Keep the job's directory (A.bin, b.bin, x.bin) instead of removing it. Default false. */
  keepFiles?: boolean;
  /** Kill the MPI job after this many milliseconds: ERR_TIME_LIMIT. */
  timeLimitMs?: number;
}

/** What PETSc reported besides the common fields. */
export interface PetscInfo {
  /** The KSP type that ran (KSPGetType). */
  ksp: string;
  /** The PC type that ran (PCGetType). */
  pc: string;
  ranks: number;
  /** PETSc's KSPConvergedReason by name, e.g. 'KSP_CONVERGED_RTOL'. */
  convergedReason: string;
  /** The residual norm PETSc's convergence test saw (preconditioned for left preconditioning); null when not finite. */
  kspResidualNorm: number | null;
  /** Loading A, b (and x0) on the ranks. */
  loadMs: number;
  /** KSPSetUp: building the preconditioner. */
  setupMs: number;
  /** KSPSolve. */
  solveMs: number;
  /** The job's directory, with keepFiles only. */
  workDir?: string;
}

/**
 * The result of {@link petscSolve}: x (PETSc's iterate, also when it did not converge),
 * `residualNorm` the true ‖b − A x‖₂ (computed by PETSc after the solve), `iterations` PETSc's.
 */
export type PetscSolveResult = IterativeResult & {
  x: Float64Array;
  residualNorm: number;
  petsc: PetscInfo;
};

interface Resolved {
  x0?: Float64Array;
  ranks: number;
  ksp: string;
  pc?: string;
  hosts?: unknown;
  hostfile?: string;
  mpiexec: string;
  program?: string;
  workDir?: string;
  petscOptions?: unknown;
  keepFiles: boolean;
  rtol: number;
  atol: number;
  maxIterations: number;
  timeLimitMs?: number;
  signal?: AbortSignal;
}

/** The options our own arguments set: petscOptions may not set them again. */
const RESERVED: Readonly<Record<string, string>> = {
  ksp_type: 'ksp',
  pc_type: 'pc',
  ksp_rtol: 'rtol',
  ksp_atol: 'atol',
  ksp_max_it: 'maxIterations',
  a: 'A',
  b: 'b',
  x: 'the result',
  x0: 'x0',
};
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const OPTION_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const HOST = /^[A-Za-z0-9][A-Za-z0-9._-]*(:[1-9][0-9]*)?$/;
/** After SIGTERM, how long the job has to end before every process of it gets SIGKILL. */
const GRACE_MS = 2000;
/**
 * How long some of the job's processes may outlive others before the job counts as stranded
 * (ITERSOLVE_PETSC_STRANDED_MS overrides it: the CI test's knob).
 */
function strandedMs(): number {
  const e = Number(process.env.ITERSOLVE_PETSC_STRANDED_MS);
  return Number.isFinite(e) && e > 0 ? e : 10000;
}
const TAIL = 4000;

interface Plan {
  A: CsrMatrix;
  b: Float64Array;
  o: Resolved;
  /** PETSc options: the solver's, then the user's. */
  petscArgs: string[];
  /** Where each petscOptions key came from (option name → the key as given), for messages. */
  given: Map<string, string>;
  hosts?: string[];
  program: string;
  t0: number;
}

function prepare(A: unknown, b: unknown, options: unknown, sync: boolean): Plan {
  const t0 = performance.now();
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  squareCheck(A);
  if (A.rows === 0) throw v.invalid('A', 'a square matrix with at least one row', '0x0 matrix');
  const bb = v.f64('b', b, A.rows);
  const o = checkOptions('petscSolve', options, sync, A.rows) as unknown as Resolved;
  if (o.x0 !== undefined) v.f64('x0', o.x0, A.rows);
  if (!TYPE_NAME.test(o.ksp)) throw v.invalid('ksp', 'a PETSc KSP type name', o.ksp);
  if (o.pc !== undefined && !TYPE_NAME.test(o.pc))
    throw v.invalid('pc', 'a PETSc PC type name', o.pc);
  if (o.mpiexec === '') throw v.invalid('mpiexec', 'a command name or path', o.mpiexec);
  let hosts: string[] | undefined;
  if (o.hosts !== undefined) {
    if (o.hostfile !== undefined)
      throw new ItersolveError('ERR_INVALID_ARGUMENT', 'hosts: give hosts or hostfile, not both', {
        argument: 'hosts',
      });
    if (!Array.isArray(o.hosts) || o.hosts.length === 0)
      throw v.invalid('hosts', "a non-empty array of 'host' or 'host:slots' strings", o.hosts);
    hosts = o.hosts.map((h: unknown, i: number) => {
      if (typeof h !== 'string' || !HOST.test(h))
        throw v.invalid(`hosts[${i}]`, "'host' or 'host:slots' (slots a positive integer)", h);
      return h;
    });
  }
  const given = new Map<string, string>();
  const user = petscArgsOf(o.petscOptions, given);
  const petscArgs = ['-ksp_type', o.ksp];
  if (o.pc !== undefined) petscArgs.push('-pc_type', o.pc);
  petscArgs.push(
    '-ksp_rtol',
    String(o.rtol),
    '-ksp_atol',
    String(o.atol),
    '-ksp_max_it',
    String(Math.min(o.maxIterations, 2147483647)),
    ...user,
  );
  const program =
    o.program ??
    (process.env.ITERSOLVE_PETSC_PROGRAM ||
      path.join(packageRoot, 'build-petsc', 'itersolve-petsc'));
  return { A, b: bb, o, petscArgs, given, hosts, program, t0 };
}

/** petscOptions as argv: checked names, none of the ones our own options set. */
function petscArgsOf(p: unknown, given: Map<string, string>): string[] {
  if (p === undefined) return [];
  const reserved = (name: string, arg: string) => {
    const ours = RESERVED[name.toLowerCase()];
    if (ours !== undefined)
      throw new ItersolveError(
        'ERR_INVALID_ARGUMENT',
        `${arg}: -${name} is set by petscSolve itself (${ours === 'the result' ? 'it names the result file' : `use the option ${ours}`})`,
        { argument: arg },
      );
  };
  const out: string[] = [];
  if (Array.isArray(p)) {
    p.forEach((s: unknown, i) => {
      const arg = `petscOptions[${i}]`;
      if (typeof s !== 'string' || s === '') throw v.invalid(arg, 'a non-empty string', s);
      if (i === 0 && !/^-[A-Za-z]/.test(s))
        throw v.invalid(arg, "an option name starting with '-'", s);
      if (/^-[A-Za-z]/.test(s)) {
        const name = s.slice(1);
        if (!OPTION_NAME.test(name)) throw v.invalid(arg, 'a PETSc option name', s);
        reserved(name, arg);
        given.set(name.toLowerCase(), arg);
      }
      out.push(s);
    });
    return out;
  }
  if (typeof p !== 'object' || p === null || ArrayBuffer.isView(p))
    throw v.invalid('petscOptions', 'an object of PETSc options or an array of arguments', p);
  for (const [key, value] of Object.entries(p as Record<string, unknown>)) {
    if (value === undefined) continue;
    const name = key.startsWith('-') ? key.slice(1) : key;
    const arg = `petscOptions.${key}`;
    if (!OPTION_NAME.test(name)) throw v.invalid(arg, 'a PETSc option name', key);
    reserved(name, arg);
    given.set(name.toLowerCase(), arg);
    if (value === true) out.push(`-${name}`);
    else if (value === false) out.push(`-${name}`, 'false');
    else if (typeof value === 'number') out.push(`-${name}`, String(v.num(arg, value)));
    else if (typeof value === 'string') out.push(`-${name}`, value);
    else throw v.invalid(arg, 'a string, number or boolean', value);
  }
  return out;
}

function unavailable(argument: string, message: string, cause?: unknown): ItersolveError {
  return new ItersolveError('ERR_UNAVAILABLE', message, { argument, cause });
}

const BUILD_HINT =
  'build it with `npm run build:petsc` (needs PETSc with MPI: apt-get install petsc-dev), or point ' +
  'ITERSOLVE_PETSC_PROGRAM or options.program at it';

function checkProgram(program: string): void {
  try {
    fs.accessSync(program, fs.constants.X_OK);
    if (!fs.statSync(program).isFile())
      throw Object.assign(new Error('not a file'), { code: 'not a file' });
  } catch (e) {
    throw unavailable(
      'program',
      `program: the PETSc program ${program} is missing or not executable (${(e as NodeJS.ErrnoException).code ?? e}); ${BUILD_HINT}`,
      e,
    );
  }
}

function mpiexecMissing(cmd: string, code: string | undefined, cause?: unknown): ItersolveError {
  return unavailable(
    'mpiexec',
    `mpiexec: cannot run the MPI launcher '${cmd}' (${code ?? 'failed'}); install MPI (Debian / Ubuntu: apt-get install petsc-dev brings Open MPI) or pass its path as options.mpiexec`,
    cause,
  );
}

type Flavour = 'openmpi' | 'mpich' | 'other';
const flavours = new Map<string, Flavour>();

function flavourOf(text: string): Flavour {
  if (/Open MPI|OpenRTE|open-mpi/i.test(text)) return 'openmpi';
  if (/HYDRA|MPICH|Intel\(R\) MPI/i.test(text)) return 'mpich';
  return 'other';
}

/** Open MPI or MPICH (their flags differ), from `mpiexec --version`; ERR_UNAVAILABLE when it cannot run. */
function flavourSync(cmd: string): Flavour {
  const known = flavours.get(cmd);
  if (known) return known;
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', timeout: 30000 });
  if (r.error) throw mpiexecMissing(cmd, (r.error as NodeJS.ErrnoException).code, r.error);
  const f = flavourOf(`${r.stdout}${r.stderr}`);
  flavours.set(cmd, f);
  return f;
}

function flavourAsync(cmd: string): Promise<Flavour> {
  const known = flavours.get(cmd);
  if (known) return Promise.resolve(known);
  return new Promise((resolve, reject) => {
    let text = '';
    const c = spawn(cmd, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => c.kill('SIGKILL'), 30000);
    c.stdout.on('data', (d: Buffer) => (text += d.toString()));
    c.stderr.on('data', (d: Buffer) => (text += d.toString()));
    c.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(mpiexecMissing(cmd, e.code, e));
    });
    c.on('close', () => {
      clearTimeout(timer);
      const f = flavourOf(text);
      flavours.set(cmd, f);
      resolve(f);
    });
  });
}

interface Files {
  dir: string;
  A: string;
  b: string;
  x: string;
  x0?: string;
  hostfile?: string;
}

function filesIn(dir: string, plan: Plan): Files {
  return {
    dir,
    A: path.join(dir, 'A.bin'),
    b: path.join(dir, 'b.bin'),
    x: path.join(dir, 'x.bin'),
    x0: plan.o.x0 ? path.join(dir, 'x0.bin') : undefined,
    hostfile: plan.hosts ? path.join(dir, 'hostfile') : plan.o.hostfile,
  };
}

function hostfileText(hosts: string[], flavour: Flavour): string {
  return (
    hosts
      .map((h) => {
        const [name, slots] = h.split(':');
        if (slots === undefined) return name;
        return flavour === 'mpich' ? `${name}:${slots}` : `${name} slots=${slots}`;
      })
      .join('\n') + '\n'
  );
}

/** mpiexec's arguments. */
function commandOf(plan: Plan, f: Files, flavour: Flavour): string[] {
  const args = ['-n', String(plan.o.ranks)];
  if (flavour === 'openmpi') {
    if (process.getuid?.() === 0) args.push('--allow-run-as-root');
    if (!f.hostfile) args.push('--oversubscribe');
    if (f.hostfile) args.push('--hostfile', f.hostfile);
  } else if (f.hostfile) {
    args.push('-f', f.hostfile);
  }
  args.push(plan.program, '-A', f.A, '-b', f.b, '-x', f.x);
  if (f.x0) args.push('-x0', f.x0);
  args.push(...plan.petscArgs);
  return args;
}

function envOf(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  // One thread per rank unless the caller says otherwise: MPI ranks are the parallelism.
  for (const k of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS'])
    if (env[k] === undefined) env[k] = '1';
  return env;
}

/**
 * The supervisor (run with `node -e`): starts the command detached (a session of its own), kills
 * every process of that session on a time limit, SIGTERM/SIGINT/SIGHUP or (watchStdin) its stdin
 * closing, sweeps the session once the command exits, and writes one JSON status line on fd 3.
 */
const SUPERVISOR = `'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const cfg = JSON.parse(process.argv[process.argv.length - 1]);
let child, terminating = false, timedOut = false, aborted = false, stranded = false;
let killTimer, limitTimer, watchTimer;
function members(sid) {
  let names;
  try { names = fs.readdirSync('/proc'); } catch { return null; }
  const out = [];
  for (const n of names) {
    if (!/^[0-9]+$/.test(n) || +n === process.pid) continue;
    let s;
    try { s = fs.readFileSync('/proc/' + n + '/stat', 'utf8'); } catch { continue; }
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    if (+f[3] === sid && f[0] !== 'Z') out.push([+n, +f[1]]); // [pid, ppid]; zombies are dead already
  }
  return out;
}
function killAll(sig) {
  const m = members(child.pid);
  if (m === null) {
    try { process.kill(-child.pid, sig); } catch {}
    return 0;
  }
  for (const [p] of m) { try { process.kill(p, sig); } catch {} }
  return m.length;
}
function terminate(why) {
  if (why === 'time') timedOut = true; else if (why === 'stranded') stranded = true; else aborted = true;
  if (terminating || !child || !child.pid) return;
  terminating = true;
  try { child.kill('SIGTERM'); } catch {}
  killTimer = setTimeout(() => killAll('SIGKILL'), cfg.graceMs);
}
function report(o) {
  fs.writeSync(3, JSON.stringify(Object.assign({ timedOut, aborted, stranded }, o)) + '\\n');
  process.exit(0);
}
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => terminate('abort'));
if (cfg.watchStdin) {
  process.stdin.on('end', () => terminate('abort'));
  process.stdin.on('error', () => terminate('abort'));
  process.stdin.resume();
}
child = spawn(cfg.cmd, cfg.args, { detached: true, stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
child.on('error', (e) => report({ spawnError: { code: e.code || null, message: String(e.message) } }));
if (cfg.limitMs > 0) limitTimer = setTimeout(() => terminate('time'), cfg.limitMs);
// Watchdog: the job's processes (mpiexec's children) end together; when some have gone and the
// others are still there strandedMs later, a rank died and MPI did not end the job: end it.
let peak = 0, since = 0;
if (child.pid) watchTimer = setInterval(() => {
  if (terminating) return;
  const m = members(child.pid);
  if (m === null) return clearInterval(watchTimer);
  // mpiexec's children: the ranks (and the ssh sessions to other hosts), not what a rank starts
  const n = m.filter((e) => e[1] === child.pid).length;
  if (n > peak) peak = n;
  if (n > 0 && n < peak) {
    if (!since) since = Date.now();
    else if (Date.now() - since > cfg.strandedMs) terminate('stranded');
  } else since = 0;
}, 250);
child.on('exit', (code, signal) => {
  clearTimeout(killTimer);
  clearTimeout(limitTimer);
  clearInterval(watchTimer);
  const wait = new Int32Array(new SharedArrayBuffer(4));
  let left = 0;
  for (let i = 0; i < 100; i++) {
    left = killAll('SIGKILL');
    if (left === 0) break;
    Atomics.wait(wait, 0, 0, 20);
  }
  report({ code, signal, left });
});
`;

interface Status {
  timedOut: boolean;
  aborted: boolean;
  stranded?: boolean;
  code?: number | null;
  signal?: string | null;
  left?: number;
  spawnError?: { code: string | null; message: string };
}

interface Outcome {
  status?: Status;
  stdout: string;
  stderr: string;
}

function supervisorConfig(cmd: string, args: string[], limitMs: number, watchStdin: boolean) {
  return JSON.stringify({
    cmd,
    args,
    limitMs,
    graceMs: GRACE_MS,
    strandedMs: strandedMs(),
    watchStdin,
  });
}

function parseStatus(text: string): Status | undefined {
  const line = text.split('\n').find((l) => l.startsWith('{'));
  if (!line) return undefined;
  try {
    return JSON.parse(line) as Status;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the marker lines and the last TAIL characters of the other lines of a stream (without
 * PETSc's error banner's configure line, thousands of characters that say nothing about the error).
 */
class Collector {
  private tail = '';
  private partial = '';
  readonly markers: string[] = [];
  constructor(private readonly marker: RegExp) {}
  push(s: string): void {
    const lines = (this.partial + s).split('\n');
    this.partial = lines.pop()!;
    // a line this long is output, not one of ours: keep its end only
    if (this.partial.length > 1 << 16) this.partial = this.partial.slice(-TAIL);
    for (const l of lines) this.line(l);
  }
  private line(l: string): void {
    if (this.marker.test(l)) this.markers.push(l);
    else if (!NOISE.test(l)) this.tail = (this.tail + l + '\n').slice(-TAIL);
  }
  end(): string {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    return this.markers.join('\n') + '\n' + this.tail;
  }
}

/** Open MPI's messages for a program it could not start on some host. */
const NOT_RUNNABLE =
  /could not access\s+or execute an executable|unable to find the specified executable|fork a new process via the\s+"execve" system call/;
const NOISE = /PETSC ERROR: Configure options /;
const MARKER = /^ITERSOLVE-PETSC(-ERROR)? \{/;

function superviseSync(cmd: string, args: string[], limitMs: number): Outcome {
  const r = spawnSync(
    process.execPath,
    ['-e', SUPERVISOR, supervisorConfig(cmd, args, limitMs, false)],
    {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: envOf(),
      maxBuffer: 1 << 30,
    },
  );
  const text = (i: number) => (r.output?.[i] ? r.output[i]!.toString() : '');
  const out = new Collector(MARKER);
  out.push(text(1));
  const err = new Collector(MARKER);
  err.push(text(2));
  return { status: parseStatus(text(3)), stdout: out.end(), stderr: err.end() };
}

function superviseAsync(
  cmd: string,
  args: string[],
  limitMs: number,
  signal: AbortSignal | undefined,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const c = spawn(
      process.execPath,
      ['-e', SUPERVISOR, supervisorConfig(cmd, args, limitMs, true)],
      { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env: envOf() },
    );
    const out = new Collector(MARKER);
    const err = new Collector(MARKER);
    let status = '';
    c.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
    c.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
    (c.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (status += d.toString()));
    // the supervisor watches its stdin: our exit (even a crash) ends the MPI job
    c.stdin!.on('error', () => undefined);
    const onAbort = () => c.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    c.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ stdout: out.end(), stderr: `${err.end()}\nsupervisor: ${e.message}` });
    });
    c.on('close', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ status: parseStatus(status), stdout: out.end(), stderr: err.end() });
    });
  });
}

interface Report {
  reason: number;
  reasonName: string;
  iterations: number;
  residualNorm: number | null;
  kspResidualNorm: number | null;
  ksp: string;
  pc: string;
  ranks: number;
  rows: number;
  loadMs: number;
  setupMs: number;
  solveMs: number;
}

function lastTail(s: string): string {
  const t = s.trim();
  return t.length > TAIL ? `…${t.slice(-TAIL)}` : t;
}

function markerJson(text: string, prefix: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n'))
    if (line.startsWith(prefix + ' {'))
      try {
        out.push(JSON.parse(line.slice(prefix.length + 1)) as Record<string, unknown>);
      } catch {
        /* malformed: reported below as such */
      }
  return out;
}

/** The error of a job that produced no result, or the report of one that did. */
function interpret(plan: Plan, cmd: string, r: Outcome): Report {
  const s = r.status;
  // a signal that came before the supervisor had set up its handlers ended it: nothing started
  if (!s && plan.o.signal?.aborted) throw abortError(plan.o.signal);
  if (!s) throw external(`the MPI job's supervisor failed`, r.stderr);
  if (s.spawnError) throw mpiexecMissing(cmd, s.spawnError.code ?? undefined, s.spawnError);
  if (s.aborted && !s.timedOut) throw abortError(plan.o.signal);
  if (s.timedOut)
    throw new ItersolveError(
      'ERR_TIME_LIMIT',
      `petscSolve: the time limit of ${plan.o.timeLimitMs} ms ran out; the MPI job was killed (PETSc hands back no partial x)`,
      { argument: 'timeLimitMs' },
    );
  if (s.stranded)
    throw external(
      `a process of the MPI job ended and the others were still running ${strandedMs() / 1000} s later; the job was killed`,
      r.stderr,
    );
  const errors = markerJson(r.stderr, 'ITERSOLVE-PETSC-ERROR');
  const unknownType = errors.find((e) => e.kind === 'unknown-type');
  if (unknownType) {
    const option = String(unknownType.option);
    const argument = option === 'ksp_type' ? 'ksp' : option === 'pc_type' ? 'pc' : 'petscOptions';
    const what = option === 'ksp_type' ? 'KSP' : 'PC';
    throw new ItersolveError(
      'ERR_INVALID_ARGUMENT',
      `${argument}: PETSc has no ${what} type '${String(unknownType.value)}' (-${option}; see PETSc's ${what}Type list, or a package this PETSc was built without)`,
      { argument },
    );
  }
  const unused = errors.find((e) => e.kind === 'unused-options');
  if (unused) {
    const names = (unused.options as string[]).map(String).sort();
    const args = names.map((n) => plan.given.get(n.toLowerCase()));
    const argument = args.find((a) => a !== undefined) ?? 'petscOptions';
    throw new ItersolveError(
      'ERR_INVALID_ARGUMENT',
      `${argument}: PETSc never read ${names.map((n) => `-${n}`).join(', ')} (misspelt, or not an option of ksp '${plan.o.ksp}'${plan.o.pc ? ` with pc '${plan.o.pc}'` : ''})`,
      { argument },
    );
  }
  const petscError = errors.find((e) => e.kind === 'petsc');
  if (petscError && petscError.code === 86)
    throw new ItersolveError(
      'ERR_INVALID_ARGUMENT',
      `petscOptions: ${String(petscError.message)} (PETSc error 86: unknown type)`,
      { argument: 'petscOptions' },
    );
  if (petscError)
    throw external(
      `PETSc failed on rank ${String(petscError.rank)} (error ${String(petscError.code)}: ${String(petscError.message)})`,
      r.stderr,
    );
  if (s.code !== 0 && /not enough slots available/.test(r.stderr))
    throw new ItersolveError(
      'ERR_INVALID_ARGUMENT',
      `ranks: ${plan.o.ranks} ranks need more slots than the hosts offer (give more 'host:slots', or fewer ranks)`,
      { argument: 'ranks' },
    );
  if (s.code !== 0 && NOT_RUNNABLE.test(r.stderr))
    throw unavailable(
      'program',
      `program: mpiexec could not run ${plan.program} on a host (it must be at that path on every host); ${BUILD_HINT}\n${lastTail(r.stderr)}`,
    );
  if (s.code !== 0)
    throw external(
      `the MPI job failed (mpiexec ${s.signal ? `killed by ${s.signal}` : `exit status ${s.code}`}; a rank crashed or MPI could not start it)`,
      r.stderr,
    );
  const reports = markerJson(r.stdout, 'ITERSOLVE-PETSC');
  const rep = reports[0] as unknown as Report | undefined;
  if (
    !rep ||
    typeof rep.reason !== 'number' ||
    typeof rep.reasonName !== 'string' ||
    typeof rep.iterations !== 'number' ||
    rep.rows !== plan.A.rows
  )
    throw external(
      `the PETSc program printed no valid ITERSOLVE-PETSC line (stdout: ${JSON.stringify(lastTail(r.stdout).slice(-400))})`,
      r.stderr,
    );
  return rep;
}

function external(what: string, stderr: string): ItersolveError {
  const tail = lastTail(stderr);
  return new ItersolveError('ERR_EXTERNAL', `petscSolve: ${what}${tail ? `\n${tail}` : ''}`);
}

/**
 * PETSc's KSPConvergedReason onto our reasons. The reasons PETSc gives without a tolerance test
 * (KSP_CONVERGED_ITS of preonly, a happy breakdown, the trust-region CG stops) are judged on the
 * true residual: 'rtol' / 'atol' when it meets max(rtol·‖b‖, atol), otherwise not converged.
 * @internal
 */
export function mapReason(
  name: string,
  residual: number | null,
  bnorm: number,
  rtol: number,
  atol: number,
): StopReason {
  const n = name.replace(/^KSP_/, '');
  switch (n) {
    case 'CONVERGED_RTOL':
    case 'CONVERGED_RTOL_NORMAL':
      return 'rtol';
    case 'CONVERGED_ATOL':
    case 'CONVERGED_ATOL_NORMAL':
      return 'atol';
    case 'DIVERGED_ITS':
      return 'max-iterations';
    case 'DIVERGED_DTOL':
      return 'divergence';
    case 'DIVERGED_BREAKDOWN':
    case 'DIVERGED_BREAKDOWN_BICG':
    case 'DIVERGED_PC_FAILED':
    case 'DIVERGED_PCSETUP_FAILED':
    case 'DIVERGED_NULL':
    case 'DIVERGED_NONSYMMETRIC':
      return 'breakdown';
    case 'DIVERGED_INDEFINITE_PC':
    case 'DIVERGED_INDEFINITE_MAT':
      return 'indefinite';
    case 'DIVERGED_NANORINF':
      return 'non-finite';
  }
  if (!n.startsWith('CONVERGED_')) return 'breakdown';
  if (residual === null || !Number.isFinite(residual)) return 'non-finite';
  if (residual <= rtol * bnorm) return 'rtol';
  if (residual <= atol) return 'atol';
  if (n === 'CONVERGED_CG_NEG_CURVE') return 'indefinite';
  if (n === 'CONVERGED_HAPPY_BREAKDOWN') return 'breakdown';
  return 'max-iterations';
}

function resultOf(plan: Plan, rep: Report, x: unknown, f: Files): PetscSolveResult {
  if (!(x instanceof Float64Array) || x.length !== plan.A.rows)
    throw external(`the PETSc program wrote no vector of ${plan.A.rows} entries to ${f.x}`, '');
  const reason = mapReason(
    rep.reasonName,
    rep.residualNorm,
    norm2(plan.b),
    plan.o.rtol,
    plan.o.atol,
  );
  const petsc: PetscInfo = {
    ksp: rep.ksp,
    pc: rep.pc,
    ranks: rep.ranks,
    convergedReason: rep.reasonName,
    kspResidualNorm: rep.kspResidualNorm,
    loadMs: rep.loadMs,
    setupMs: rep.setupMs,
    solveMs: rep.solveMs,
  };
  if (plan.o.keepFiles) petsc.workDir = f.dir;
  return {
    x,
    converged: reason === 'rtol' || reason === 'atol',
    reason,
    iterations: rep.iterations,
    residualNorm: rep.residualNorm ?? NaN,
    elapsedMs: performance.now() - plan.t0,
    petsc,
  } as PetscSolveResult;
}

function workDirError(dir: string, e: unknown): ItersolveError {
  return new ItersolveError(
    'ERR_IO',
    `workDir: cannot make a job directory in ${dir}: ${(e as Error).message}`,
    { argument: 'workDir', cause: e },
  );
}

function checkHostfile(plan: Plan): void {
  if (plan.o.hostfile === undefined) return;
  try {
    fs.accessSync(plan.o.hostfile, fs.constants.R_OK);
  } catch (e) {
    throw new ItersolveError(
      'ERR_IO',
      `hostfile: cannot read ${plan.o.hostfile}: ${(e as Error).message}`,
      { argument: 'hostfile', cause: e },
    );
  }
}

/** The time the job may still take, or ERR_TIME_LIMIT when writing the files used it up. */
function remaining(plan: Plan): number {
  if (plan.o.timeLimitMs === undefined) return 0;
  const left = plan.o.timeLimitMs - (performance.now() - plan.t0);
  if (left <= 0)
    throw new ItersolveError(
      'ERR_TIME_LIMIT',
      `petscSolve: the time limit of ${plan.o.timeLimitMs} ms ran out before the MPI job started`,
      { argument: 'timeLimitMs' },
    );
  return Math.max(1, Math.ceil(left));
}

/**
 * Solves A x = b with PETSc over MPI: `mpiexec -n ranks` runs the itersolve-petsc program
 * (`npm run build:petsc`), each rank loading its own block of A's rows; `ksp` / `pc` / rtol /
 * atol / maxIterations and any `petscOptions` configure PETSc's KSP. Synchronous (blocks the
 * event loop for the whole MPI job; see {@link petscSolve}).
 *
 * Errors: ERR_UNAVAILABLE (no mpiexec, or no itersolve-petsc program: the message says how to get
 * it), ERR_INVALID_ARGUMENT (an unknown ksp / pc type, a petscOptions entry PETSc never read, both
 * named), ERR_EXTERNAL (a PETSc error, a crashed rank, MPI failing to start; PETSc's / mpiexec's
 * stderr tail in the message), ERR_TIME_LIMIT (timeLimitMs ran out: the job was killed).
 */
export function petscSolveSync(
  A: CsrMatrix,
  b: Float64Array,
  options?: PetscSolveOptions,
): PetscSolveResult {
  const plan = prepare(A, b, options, true);
  checkProgram(plan.program);
  checkHostfile(plan);
  const flavour = flavourSync(plan.o.mpiexec);
  const base = plan.o.workDir ?? os.tmpdir();
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(base, 'itersolve-petsc-'));
  } catch (e) {
    throw workDirError(base, e);
  }
  const f = filesIn(dir, plan);
  try {
    writePetscBinarySync(plan.A, f.A);
    writePetscBinarySync(plan.b, f.b);
    if (f.x0) writePetscBinarySync(plan.o.x0!, f.x0);
    if (plan.hosts) fs.writeFileSync(f.hostfile!, hostfileText(plan.hosts, flavour));
    const limit = remaining(plan);
    const r = superviseSync(plan.o.mpiexec, commandOf(plan, f, flavour), limit);
    const rep = interpret(plan, plan.o.mpiexec, r);
    return resultOf(plan, rep, readPetscBinarySync(f.x), f);
  } finally {
    if (!plan.o.keepFiles) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * {@link petscSolveSync} without blocking the event loop: the files are written and read with
 * asynchronous I/O and the MPI job runs in child processes. `signal` kills the whole MPI job
 * (SIGTERM, then SIGKILL to every process of it after 2 s) and rejects with an AbortError (no
 * partial result: PETSc hands back no iterate); so does `timeLimitMs`, with ERR_TIME_LIMIT.
 * The job directory is removed in every case unless keepFiles.
 */
export function petscSolve(
  A: CsrMatrix,
  b: Float64Array,
  options?: PetscSolveOptions & { signal?: AbortSignal },
): Promise<PetscSolveResult> {
  let plan: Plan;
  try {
    plan = prepare(A, b, options, false);
    if (plan.o.signal?.aborted) return Promise.reject(abortError(plan.o.signal));
    checkProgram(plan.program);
    checkHostfile(plan);
  } catch (e) {
    return Promise.reject(e);
  }
  return run(plan);
}

async function run(plan: Plan): Promise<PetscSolveResult> {
  const signal = plan.o.signal;
  const flavour = await flavourAsync(plan.o.mpiexec);
  if (signal?.aborted) throw abortError(signal);
  const base = plan.o.workDir ?? os.tmpdir();
  let dir: string;
  try {
    dir = await fs.promises.mkdtemp(path.join(base, 'itersolve-petsc-'));
  } catch (e) {
    throw workDirError(base, e);
  }
  const f = filesIn(dir, plan);
  try {
    await writePetscBinary(plan.A, f.A, { signal });
    await writePetscBinary(plan.b, f.b, { signal });
    if (f.x0) await writePetscBinary(plan.o.x0!, f.x0, { signal });
    if (plan.hosts) await fs.promises.writeFile(f.hostfile!, hostfileText(plan.hosts, flavour));
    if (signal?.aborted) throw abortError(signal);
    const limit = remaining(plan);
    const r = await superviseAsync(plan.o.mpiexec, commandOf(plan, f, flavour), limit, signal);
    const rep = interpret(plan, plan.o.mpiexec, r);
    const x = await readPetscBinary(f.x);
    return resultOf(plan, rep, x, f);
  } finally {
    if (!plan.o.keepFiles) await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
