/**
 * Output formatting shared by the commands: numbers and sizes for people (three significant
 * digits, thousands separators, µs/ms/s), the aligned `key   value` rows of the text summaries,
 * and the Matrix Market writer for a solution vector.
 */
import * as fs from 'fs';

/** The part of a writable stream the CLI uses. */
export interface CliStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Three significant digits without exponent notation. */
export function sig(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function fmtTime(ms: number): string {
  if (ms < 1) return `${sig(ms * 1000)} µs`;
  if (ms < 1000) return `${sig(ms)} ms`;
  return `${sig(ms / 1000)} s`;
}

export function fmtBytes(b: number): string {
  if (b < 1e3) return `${b} B`;
  if (b < 1e6) return `${sig(b / 1e3)} kB`;
  if (b < 1e9) return `${sig(b / 1e6)} MB`;
  return `${sig(b / 1e9)} GB`;
}

export function fmtInt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A norm or tolerance: 1.23e-9 (NaN when the solve produced non-finite values). */
export function fmtSci(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v);
}

/** Aligned `key   value` rows. */
export class Out {
  constructor(
    private readonly s: CliStream,
    private readonly keyWidth = 12,
  ) {}
  line(s = ''): void {
    this.s.write(`${s}\n`);
  }
  row(key: string, value: string, indent = ''): void {
    this.s.write(`${indent}${key.padEnd(this.keyWidth)}${value}\n`);
  }
}

/** One JSON document on its own line(s): what every `--json` output is. */
export function writeJson(s: CliStream, o: unknown): void {
  s.write(`${JSON.stringify(o, null, 2)}\n`);
}

/** Shortest round-trip text of a value, as the Matrix Market writer does; -0 keeps its sign. */
function mmNumber(v: number): string {
  if (Number.isFinite(v)) return Object.is(v, -0) ? '-0' : String(v);
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}

/** Writes a vector as a Matrix Market `array real general` n x 1 file, in chunks (n may be 10^7). */
export function writeVectorMarket(file: string, x: Float64Array, comment: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(
      fd,
      `%%MatrixMarket matrix array real general\n% ${comment.replace(/[\r\n]+/g, ' ')}\n${x.length} 1\n`,
    );
    const chunk = 1 << 16;
    for (let i = 0; i < x.length; i += chunk) {
      const end = Math.min(x.length, i + chunk);
      const lines: string[] = new Array<string>(end - i);
      for (let k = i; k < end; k++) lines[k - i] = mmNumber(x[k]);
      fs.writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    fs.closeSync(fd);
  }
}
