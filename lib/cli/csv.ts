/**
 * A small CSV reader for the commands that take vectors and dense matrices (`ot`): one row per
 * line, cells separated by commas, semicolons or whitespace; blank lines and lines starting with
 * `#` are skipped, and so is a first row whose cells are not all numbers (a header). Every row
 * must have the same number of cells. Mistakes are ERR_PARSE errors naming the file and line.
 */
import * as fs from 'fs';
import { ItersolveError } from '../errors';
import type { DenseMatrix } from '../dense';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;

function cellValue(s: string): number {
  const t = s.toLowerCase().replace(/^\+/, '');
  if (t === 'inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  return Number(s);
}

/** Parses CSV text into a row-major matrix; `name` (a file name) and `argument` go into errors. */
export function parseCsv(text: string, name: string, argument: string): Required<DenseMatrix> {
  const values: number[] = [];
  let cols = -1;
  let rows = 0;
  let first = true;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/\s*[,;]\s*|\s+/);
    const numeric = cells.every((c) => NUMBER.test(c));
    if (first && !numeric) {
      first = false; // a header row
      continue;
    }
    first = false;
    if (!numeric) {
      const bad = cells.find((c) => !NUMBER.test(c)) ?? '';
      throw new ItersolveError(
        'ERR_PARSE',
        `${name}:${i + 1}: expected a number, received '${bad.slice(0, 40)}'`,
        { argument, line: i + 1 },
      );
    }
    if (cols < 0) cols = cells.length;
    else if (cells.length !== cols)
      throw new ItersolveError(
        'ERR_PARSE',
        `${name}:${i + 1}: expected ${cols} values (as the first row), received ${cells.length}`,
        { argument, line: i + 1 },
      );
    for (const c of cells) values.push(cellValue(c));
    rows++;
  }
  if (rows === 0)
    throw new ItersolveError('ERR_PARSE', `${name}: expected at least one row of numbers`, {
      argument,
    });
  return { rows, cols, data: Float64Array.from(values), order: 'C' };
}

/** Reads a CSV file (ERR_IO naming `argument` when it cannot be read). */
export function readCsv(file: string, argument: string): Required<DenseMatrix> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ItersolveError(
      'ERR_IO',
      `${argument}: cannot read '${file}': ${e instanceof Error ? e.message : String(e)}`,
      { argument, cause: e },
    );
  }
  return parseCsv(text, file, argument);
}

/** A vector from a CSV file: one row or one column. */
export function readCsvVector(file: string, argument: string): Float64Array {
  const M = readCsv(file, argument);
  if (M.rows !== 1 && M.cols !== 1)
    throw new ItersolveError(
      'ERR_DIMENSION_MISMATCH',
      `${argument}: expected a vector (one row or one column) in '${file}', received ${M.rows}×${M.cols} values`,
      { argument },
    );
  return M.data;
}

/**
 * A CSV file whose first row may name the columns (`lasso`): the names (the cells of the first
 * row that is not blank or a `#` comment, when they are not all numbers; surrounding double quotes
 * removed) or undefined when there is no header, and the values as readCsv reads them.
 */
export function readCsvWithHeader(
  file: string,
  argument: string,
): { names: string[] | undefined; M: Required<DenseMatrix> } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ItersolveError(
      'ERR_IO',
      `${argument}: cannot read '${file}': ${e instanceof Error ? e.message : String(e)}`,
      { argument, cause: e },
    );
  }
  let names: string[] | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/\s*[,;]\s*|\s+/);
    if (!cells.every((c) => NUMBER.test(c))) names = cells.map((c) => c.replace(/^"(.*)"$/, '$1'));
    break;
  }
  return { names, M: parseCsv(text, file, argument) };
}
