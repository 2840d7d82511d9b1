/**
 * Argument parsing shared by the commands. A command declares its flags as a table of
 * `FlagSpec`s (kind and allowed range); parseArgs() checks the spelling of every argument against
 * it and flag() converts and range-checks one value, so every command words its mistakes the same
 * way: `<command>: option '--x' expects <what>, received '<text>'` (exit code 2).
 */

/** A command-line mistake: exit code 2. */
export class UsageError extends Error {}

/** What a flag takes, and the values it accepts. */
export type FlagSpec =
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number }
  /** A finite decimal number; bounds are inclusive unless `exclusive`. */
  | { kind: 'number'; min?: number; max?: number; exclusive?: boolean; expected?: string }
  | { kind: 'choice'; choices: readonly string[] }
  | { kind: 'path' };

export type FlagTable = Record<string, FlagSpec>;

export interface Parsed {
  cmd: string;
  table: FlagTable;
  /** Raw values by flag name: `true` for a boolean flag. */
  flags: Map<string, string | true>;
  positional: string[];
}

/**
 * Splits `args` into flags (from `table`; `--name value` or `--name=value`) and positional
 * operands (at most `maxPositional`). Everything after `--` is an operand; `-` alone is one too.
 */
export function parseArgs(
  cmd: string,
  args: string[],
  table: FlagTable,
  maxPositional: number,
): Parsed {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(0, eq) : a;
      const spec = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
      if (spec === undefined) throw new UsageError(`${cmd}: unknown option '${name}'`);
      if (spec.kind === 'bool') {
        if (eq >= 0) throw new UsageError(`${cmd}: option '${name}' takes no value`);
        flags.set(name, true);
      } else if (eq >= 0) {
        flags.set(name, a.slice(eq + 1));
      } else {
        if (i + 1 >= args.length) throw new UsageError(`${cmd}: option '${name}' needs a value`);
        flags.set(name, args[++i]);
      }
    } else {
      positional.push(a);
    }
  }
  if (positional.length > maxPositional)
    throw new UsageError(`${cmd}: unexpected argument '${positional[maxPositional]}'`);
  return { cmd, table, flags, positional };
}

/** What a number flag accepts, in words: 'a number in (0, 2)', 'a number >= 0'. */
export function numberExpected(s: {
  min?: number;
  max?: number;
  exclusive?: boolean;
  expected?: string;
}): string {
  if (s.expected !== undefined) return s.expected;
  const { min, max, exclusive } = s;
  if (min !== undefined && max !== undefined)
    return exclusive ? `a number in (${min}, ${max})` : `a number in [${min}, ${max}]`;
  if (min !== undefined) return `a number ${exclusive ? '>' : '>='} ${min}`;
  if (max !== undefined) return `a number ${exclusive ? '<' : '<='} ${max}`;
  return 'a number';
}

// Stricter than Number(): '', '0x10', 'Infinity' and ' 1' are mistakes, not numbers.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The value of flag `name` converted by its table entry (undefined when absent): an integer or
 * number within range, one of the choices, a non-empty file name, or `true` for a boolean flag.
 */
export function flag(p: Parsed, name: string): string | number | true | undefined {
  const s = p.flags.get(name);
  if (s === undefined) return undefined;
  const spec = p.table[name];
  const bad = (expected: string): UsageError =>
    new UsageError(`${p.cmd}: option '${name}' expects ${expected}, received '${String(s)}'`);
  switch (spec.kind) {
    case 'bool':
      return true;
    case 'int': {
      const n = typeof s === 'string' && /^\d+$/.test(s) ? Number(s) : NaN;
      if (!(n >= spec.min && n <= spec.max))
        throw bad(`an integer from ${spec.min} to ${spec.max}`);
      return n;
    }
    case 'number': {
      const x = typeof s === 'string' && DECIMAL.test(s) ? Number(s) : NaN;
      const lo = spec.min === undefined || (spec.exclusive ? x > spec.min : x >= spec.min);
      const hi = spec.max === undefined || (spec.exclusive ? x < spec.max : x <= spec.max);
      if (!(Number.isFinite(x) && lo && hi)) throw bad(numberExpected(spec));
      return x;
    }
    case 'choice':
      if (typeof s === 'string' && spec.choices.includes(s)) return s;
      throw bad(`one of ${spec.choices.join(', ')}`);
    case 'path':
      if (typeof s !== 'string' || s === '')
        throw new UsageError(`${p.cmd}: option '${name}' expects a file name`);
      return s;
  }
}

/** flag() for an 'int' or 'number' flag. */
export function numFlag(p: Parsed, name: string): number | undefined {
  return flag(p, name) as number | undefined;
}

/** flag() for a 'choice' or 'path' flag. */
export function strFlag(p: Parsed, name: string): string | undefined {
  return flag(p, name) as string | undefined;
}

/** Whether the command line asks for JSON output (before any `--`), even if it fails to parse. */
export function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end >= 0 ? argv.slice(0, end) : argv).includes('--json');
}

/** Shared flags. */
export const THREADS: FlagSpec = { kind: 'int', min: 1, max: 256 };
export const JSON_FLAG: FlagSpec = { kind: 'bool' };
