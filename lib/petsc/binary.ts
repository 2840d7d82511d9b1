/**
 * PETSc's binary file format, read and written from our CSR arrays and vectors: the interchange
 * format of `petscSolve` (each MPI rank's MatLoad / VecLoad reads its own row block) and of any
 * PETSc program (`-f file`, PetscViewerBinaryOpen).
 *
 * Layout (PETSc manual, "PetscViewerBinaryOpen" / MatLoad / VecLoad; big-endian; this build of
 * the format: 32-bit PetscInt and real double PetscScalar, as Debian's petsc-dev):
 *   Mat: int32 MAT_FILE_CLASSID 1211216, int32 rows, int32 cols, int32 nnz,
 *        int32[rows] row lengths, int32[nnz] column indices (0-based), float64[nnz] values
 *   Vec: int32 VEC_FILE_CLASSID 1211214, int32 n, float64[n]
 * A file may hold several objects one after the other; the readers return the first. PETSc's
 * viewers also write a companion `<file>.info` text file of options: the readers ignore it and
 * the writers write none.
 *
 * Both directions are streamed: the writer fills a fixed staging buffer (at most 1 MiB) with
 * big-endian chunks of the arrays (row lengths from rowPtr differences on the fly) and writes it
 * chunk by chunk, never copying the arrays whole; the reader reads each chunk straight into the
 * result's typed arrays and byte-swaps / checks it in place. Nothing here loads the addon.
 */
import * as fs from 'fs';
import * as os from 'os';
import { abortError } from '../async';
import { CsrMatrix } from '../csr';
import { ItersolveError } from '../errors';
import { closest } from '../options';
import * as v from '../validate';

/** PETSc's MAT_FILE_CLASSID (petscmat.h). */
export const PETSC_MAT_CLASSID = 1211216;
/** PETSc's VEC_FILE_CLASSID (petscvec.h). */
export const PETSC_VEC_CLASSID = 1211214;

/** PETSc's MATRIX_BINARY_FORMAT_DENSE: the nnz field of a dense matrix's header. */
const DENSE_FORMAT = -1;
/** PETSc's file classids (REAL 1211213, VEC, MAT, IS 1211218, BAG, DM, PC, KSP, SNES, TS, ...). */
const CLASSID_MIN = 1211211;
const CLASSID_MAX = 1211230;

/** Bytes of the staging buffer (writing) and of one read (reading). Multiple of 8. */
const CHUNK_BYTES = 1 << 20;

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Options of {@link writePetscBinary}. */
export interface WritePetscBinaryOptions {
  /** Cancels the write between chunks: the promise rejects with an AbortError and the partial file is removed. */
  signal?: AbortSignal;
}

/** Options of {@link readPetscBinary} and {@link readPetscBinarySync}. */
export interface ReadPetscBinaryOptions {
  /**
   * Reject a matrix with NaN or infinite values (default true) with ERR_PARSE naming the entry;
   * `false` reads them as they are. Vectors are read as they are either way (a diverged solve's x
   * may hold them).
   */
  finite?: boolean;
  /** Cancels the read between chunks (Promise form only): the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

type Form = { name: string; sync: boolean; takes: readonly string[]; asyncOnly: readonly string[] };

const WRITE: Form = {
  name: 'writePetscBinary',
  sync: false,
  takes: ['signal'],
  asyncOnly: ['signal'],
};
const WRITE_SYNC: Form = { ...WRITE, name: 'writePetscBinarySync', sync: true };
const READ: Form = {
  name: 'readPetscBinary',
  sync: false,
  takes: ['finite', 'signal'],
  asyncOnly: ['signal'],
};
const READ_SYNC: Form = { ...READ, name: 'readPetscBinarySync', sync: true };

/** The options object, its keys checked against the form (ERR_INVALID_ARGUMENT naming a bad key). */
function checkKeys<T extends object>(form: Form, options: unknown): Partial<T> {
  const o = v.options<T>('options', options) as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (o[key] === undefined) continue;
    const asyncForm = form.name.replace(/Sync$/, '');
    if (form.sync && form.asyncOnly.includes(key))
      throw new ItersolveError(
        'ERR_INVALID_ARGUMENT',
        `${key}: not an option of ${form.name} (the Promise form ${asyncForm} takes it)`,
        { argument: key },
      );
    if (!form.takes.includes(key)) {
      const guess = closest(key, form.takes);
      throw new ItersolveError(
        'ERR_INVALID_ARGUMENT',
        `${key}: unknown option of ${asyncForm}` + (guess ? ` (did you mean '${guess}'?)` : ''),
        { argument: key },
      );
    }
  }
  if (o.signal !== undefined && !v.isAbortSignal(o.signal))
    throw v.invalid('signal', 'an AbortSignal', o.signal);
  if (o.finite !== undefined) v.bool('options.finite', o.finite);
  return o as Partial<T>;
}

function ioError(path: string, what: string, e: unknown): ItersolveError {
  const err = e as NodeJS.ErrnoException;
  return new ItersolveError(
    'ERR_IO',
    `${path}: cannot ${what}: ${err && err.message ? err.message : String(e)}`,
    { argument: 'path', cause: e },
  );
}

function parseError(path: string, message: string): ItersolveError {
  return new ItersolveError('ERR_PARSE', `${path}: ${message}`, { argument: 'path' });
}

function unsupported(path: string, message: string): ItersolveError {
  return new ItersolveError('ERR_UNSUPPORTED', `${path}: ${message}`, { argument: 'path' });
}

/** In-place byte swap of `bytes` (a multiple of `width` long) to or from big-endian. */
function toBigEndian(bytes: Uint8Array, width: 4 | 8): void {
  if (!LITTLE_ENDIAN || bytes.length === 0) return;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (width === 4) b.swap32();
  else b.swap64();
}

function bytesOf(a: Int32Array | Float64Array, start: number, count: number): Uint8Array {
  const w = a.BYTES_PER_ELEMENT;
  return new Uint8Array(a.buffer, a.byteOffset + start * w, count * w);
}

// ---------------------------------------------------------------------------------------------
// Writing: a generator fills the staging buffer and yields each full chunk; a sync or async
// driver writes it before asking for the next one (so one buffer serves the whole file).

function checkWriteData(data: unknown): CsrMatrix | Float64Array {
  if (data instanceof CsrMatrix) return data;
  if (data instanceof Float64Array) return v.f64('data', data);
  throw v.invalid('data', 'a CsrMatrix or a Float64Array', data);
}

/** The file's size in bytes. */
function fileBytes(data: CsrMatrix | Float64Array): number {
  if (data instanceof Float64Array) return 8 + 8 * data.length;
  return 16 + 4 * data.rows + 12 * data.nnz;
}

/** Where {@link scanColumns} is: the row of the next entry, that row's end, its last column. */
interface ColumnScan {
  row: number;
  end: number;
  prev: number;
}

/**
 * Scans colIdx[s, e) row by row (rows from rowPtr, the position carried in `at` across chunks):
 * the first entry k out of [0, cols) or not above its row's previous column, or −1 when none.
 * With `unsorted`, an entry not above its predecessor (but in range) records its row there
 * instead of stopping the scan.
 */
function scanColumns(
  rowPtr: Int32Array,
  colIdx: Int32Array,
  cols: number,
  s: number,
  e: number,
  at: ColumnScan,
  unsorted?: number[],
): number {
  let { row, end, prev } = at;
  for (let k = s; k < e; k++) {
    if (k >= end) {
      do row++;
      while (rowPtr[row + 1] <= k);
      end = rowPtr[row + 1];
      prev = -1;
    }
    const c = colIdx[k];
    if (c <= prev || c >= cols) {
      if (unsorted === undefined || c < 0 || c >= cols) {
        at.row = row;
        at.end = end;
        at.prev = prev;
        return k;
      }
      if (unsorted[unsorted.length - 1] !== row) unsorted.push(row);
    }
    prev = c;
  }
  at.row = row;
  at.end = end;
  at.prev = prev;
  return -1;
}

function* writeChunks(data: CsrMatrix | Float64Array, buf: Buffer): Generator<Uint8Array> {
  const cap = buf.length;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  // Row lengths rowPtr[i + 1] − rowPtr[i], as int32s swapped in place (pos stays a multiple of
  // 4 up to the values, and the buffer starts an ArrayBuffer: the Int32Array view is aligned).
  const words = new Int32Array(buf.buffer, buf.byteOffset, cap >> 2);
  function* rowLengths(rowPtr: Int32Array, rows: number): Generator<Uint8Array> {
    for (let i = 0; i < rows;) {
      if (pos + 4 > cap) {
        yield buf.subarray(0, pos);
        pos = 0;
      }
      const k = Math.min(rows - i, (cap - pos) >> 2);
      const w0 = pos >> 2;
      let min = 0;
      for (let j = 0; j < k; j++) {
        const len = rowPtr[i + j + 1] - rowPtr[i + j];
        words[w0 + j] = len;
        min = Math.min(min, len);
      }
      if (min < 0) {
        let r = i;
        while (rowPtr[r + 1] >= rowPtr[r]) r++;
        throw new ItersolveError(
          'ERR_INVALID_MATRIX',
          `data: expected a non-decreasing rowPtr, received rowPtr[${r + 1}] = ${rowPtr[r + 1]} < rowPtr[${r}] = ${rowPtr[r]}`,
          { argument: 'data', row: r },
        );
      }
      toBigEndian(buf.subarray(pos, pos + 4 * k), 4);
      pos += 4 * k;
      i += k;
    }
  }
  // Copies `count` elements of `a` from `start` as bytes, swapped in the staging buffer; `check`
  // sees each source range before it is copied.
  function* copied(
    a: Int32Array | Float64Array,
    check?: (start: number, end: number) => void,
  ): Generator<Uint8Array> {
    const w = a.BYTES_PER_ELEMENT as 4 | 8;
    for (let i = 0; i < a.length;) {
      if (pos + w > cap) {
        yield buf.subarray(0, pos);
        pos = 0;
      }
      const k = Math.min(a.length - i, Math.floor((cap - pos) / w));
      if (check) check(i, i + k);
      buf.set(bytesOf(a, i, k), pos);
      toBigEndian(buf.subarray(pos, pos + k * w), w);
      pos += k * w;
      i += k;
    }
  }
  if (data instanceof Float64Array) {
    dv.setInt32(0, PETSC_VEC_CLASSID, false);
    dv.setInt32(4, data.length, false);
    pos = 8;
    yield* copied(data);
  } else {
    const { rows, cols, rowPtr, colIdx, values } = data;
    const nnz = data.nnz;
    dv.setInt32(0, PETSC_MAT_CLASSID, false);
    dv.setInt32(4, rows, false);
    dv.setInt32(8, cols, false);
    dv.setInt32(12, nnz, false);
    pos = 16;
    // A matrix built with { validate: false } was not checked: never write a file PETSc cannot
    // load (negative row lengths, columns out of range).
    yield* rowLengths(rowPtr, rows);
    // Sorted rows too: PETSc's one-rank MatLoad keeps a row's order as written, and its AIJ
    // kernels (MatSetValues, factorisations) assume sorted, duplicate-free rows.
    const at = { row: 0, end: rowPtr[1] ?? 0, prev: -1 };
    yield* copied(colIdx.subarray(0, nnz), (s, e) => {
      const k = scanColumns(rowPtr, colIdx, cols, s, e, at);
      if (k < 0) return;
      const c = colIdx[k];
      if (c < 0 || c >= cols)
        throw new ItersolveError(
          'ERR_INVALID_MATRIX',
          `data: expected column indices in [0, ${cols}), received colIdx[${k}] = ${c} in row ${at.row}`,
          { argument: 'data', row: at.row },
        );
      throw new ItersolveError(
        'ERR_INVALID_MATRIX',
        `data: expected strictly increasing column indices in each row (PETSc's AIJ format), ` +
          `received ${colIdx[k - 1]} then ${c} in row ${at.row} ` +
          '(CsrMatrix.fromCoo sorts rows and sums duplicates)',
        { argument: 'data', row: at.row },
      );
    });
    yield* copied(values.subarray(0, nnz));
  }
  if (pos > 0) yield buf.subarray(0, pos);
}

function stagingFor(data: CsrMatrix | Float64Array): Buffer {
  // Small files get a small buffer (a multiple of 8, at least the 16-byte header).
  const n = Math.min(CHUNK_BYTES, Math.max(16, (fileBytes(data) + 7) & ~7));
  return Buffer.allocUnsafeSlow(n);
}

/** Removes what a failed write left, when it is a regular file (never a device such as /dev/full). */
function removePartial(path: string, regular: boolean): void {
  if (!regular) return;
  try {
    fs.unlinkSync(path);
  } catch {
    // already gone or never created: nothing to clean up
  }
}

/**
 * Writes a CsrMatrix (PETSc Mat, AIJ layout) or a Float64Array (PETSc Vec) to `path` in PETSc's
 * binary format (big-endian, 32-bit indices, double values), replacing the file. The arrays are
 * streamed through a staging buffer of at most 1 MiB; the bytes are those PETSc's own MatView /
 * VecView write (PETSc 3.18 loads such a file and writes it back identical, on 1 and 2 ranks).
 * Errors: ERR_IO with the system error as `cause`; a matrix built with `{ validate: false }` whose
 * structure is broken (rowPtr decreasing, a column out of range, a row not strictly increasing,
 * which PETSc's AIJ format requires) is ERR_INVALID_MATRIX naming the row. No partial file is
 * left behind after an error.
 */
export function writePetscBinarySync(
  data: CsrMatrix | Float64Array,
  path: string,
  options?: Omit<WritePetscBinaryOptions, 'signal'>,
): void {
  const d = checkWriteData(data);
  v.str('path', path);
  checkKeys(WRITE_SYNC, options);
  const buf = stagingFor(d);
  let fd: number;
  try {
    fd = fs.openSync(path, 'w');
  } catch (e) {
    throw ioError(path, 'open for writing', e);
  }
  let regular = false;
  try {
    regular = fs.fstatSync(fd).isFile();
    for (const chunk of writeChunks(d, buf)) {
      let off = 0;
      while (off < chunk.length) {
        try {
          off += fs.writeSync(fd, chunk, off, chunk.length - off);
        } catch (e) {
          throw ioError(path, 'write', e);
        }
      }
    }
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {
      // the write already failed: that error is the one to report
    }
    removePartial(path, regular);
    throw e;
  }
  try {
    fs.closeSync(fd);
  } catch (e) {
    removePartial(path, regular);
    throw ioError(path, 'close', e);
  }
}

/**
 * Promise form of {@link writePetscBinarySync}: the chunks are written with a FileHandle, and
 * `signal` is checked between chunks (abort: AbortError, the partial file removed).
 */
export async function writePetscBinary(
  data: CsrMatrix | Float64Array,
  path: string,
  options?: WritePetscBinaryOptions,
): Promise<void> {
  const d = checkWriteData(data);
  v.str('path', path);
  const o = checkKeys<WritePetscBinaryOptions>(WRITE, options);
  const signal = o.signal;
  if (signal?.aborted) throw abortError(signal);
  const buf = stagingFor(d);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(path, 'w');
  } catch (e) {
    throw ioError(path, 'open for writing', e);
  }
  let regular = false;
  try {
    regular = (await fh.stat()).isFile();
    for (const chunk of writeChunks(d, buf)) {
      if (signal?.aborted) throw abortError(signal);
      let off = 0;
      while (off < chunk.length) {
        try {
          off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
        } catch (e) {
          throw ioError(path, 'write', e);
        }
      }
    }
    if (signal?.aborted) throw abortError(signal);
  } catch (e) {
    await fh.close().catch(() => undefined);
    removePartial(path, regular);
    throw e;
  }
  try {
    await fh.close();
  } catch (e) {
    removePartial(path, regular);
    throw ioError(path, 'close', e);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading: a generator asks for byte ranges (straight into the result's arrays, at most one chunk
// each) and checks what arrives; a sync or async driver does the reads.

/** A read the driver performs: fill `into` from file offset `position`; answer the bytes read. */
interface ReadRequest {
  into: Uint8Array;
  position: number;
}

type ReadPlan = Generator<ReadRequest, CsrMatrix | Float64Array, number>;

function describeSize(bytes: number): string {
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}

/**
 * What a file that does not fit the 32-bit-index real-double layout might be instead (64-bit
 * PetscInt, complex scalars, or both), recognised when that layout accounts for the file's size
 * exactly.
 */
function otherBuild(
  classid: number,
  words: Int32Array,
  words64: number[],
  size: number,
): string | undefined {
  const builds: { what: string; intBytes: number; scalarBytes: number }[] = [
    { what: '64-bit indices (PetscInt = int64)', intBytes: 8, scalarBytes: 8 },
    { what: 'complex scalars', intBytes: 4, scalarBytes: 16 },
    { what: '64-bit indices and complex scalars', intBytes: 8, scalarBytes: 16 },
  ];
  for (const b of builds) {
    const h = b.intBytes === 8 ? words64 : Array.from(words);
    if (classid === PETSC_VEC_CLASSID) {
      const n = h[0];
      if (n >= 0 && 4 + b.intBytes + b.scalarBytes * n === size) return b.what;
    } else {
      const [rows, cols, nnz] = h;
      if (rows >= 0 && cols >= 0 && nnz >= 0) {
        const total = 4 + 3 * b.intBytes + b.intBytes * (rows + nnz) + b.scalarBytes * nnz;
        if (total === size) return b.what;
      }
    }
  }
  return undefined;
}

/** Sorts row [s, e) of (colIdx, values) by column, in place. */
function sortRow(colIdx: Int32Array, values: Float64Array, s: number, e: number): void {
  const n = e - s;
  if (n <= 32) {
    for (let i = s + 1; i < e; i++) {
      const c = colIdx[i];
      const x = values[i];
      let j = i - 1;
      while (j >= s && colIdx[j] > c) {
        colIdx[j + 1] = colIdx[j];
        values[j + 1] = values[j];
        j--;
      }
      colIdx[j + 1] = c;
      values[j + 1] = x;
    }
    return;
  }
  const order = Array.from({ length: n }, (_, k) => k).sort(
    (a, b) => colIdx[s + a] - colIdx[s + b] || a - b,
  );
  const c = colIdx.slice(s, e);
  const x = values.slice(s, e);
  for (let k = 0; k < n; k++) {
    colIdx[s + k] = c[order[k]];
    values[s + k] = x[order[k]];
  }
}

function* readPlan(path: string, size: number, finite: boolean): ReadPlan {
  const head = new Uint8Array(16);
  const got = yield { into: head.subarray(0, Math.min(16, size)), position: 0 };
  if (got < 8)
    throw parseError(
      path,
      `expected a PETSc binary file (at least an 8-byte header), found a file of ${describeSize(got)}`,
    );
  const hv = new DataView(head.buffer);
  const classid = hv.getInt32(0, false);
  const word = (k: number): number => hv.getInt32(4 + 4 * k, false);
  if (classid !== PETSC_MAT_CLASSID && classid !== PETSC_VEC_CLASSID) {
    const le = hv.getInt32(0, true);
    throw parseError(
      path,
      `expected PETSc's Mat classid ${PETSC_MAT_CLASSID} or Vec classid ${PETSC_VEC_CLASSID} ` +
        `(big-endian int32) at offset 0, found ${classid}` +
        (le === PETSC_MAT_CLASSID || le === PETSC_VEC_CLASSID
          ? ' (the classid is little-endian: not a PETSc binary file, which is big-endian)'
          : ''),
    );
  }
  const isMat = classid === PETSC_MAT_CLASSID;
  const headerBytes = isMat ? 16 : 8;
  if (got < headerBytes)
    throw parseError(
      path,
      `truncated: expected a ${headerBytes}-byte Mat header, found a file of ${describeSize(size)}`,
    );

  // The sizes, also as a 64-bit-index file would hold them (for recognising one).
  const words = isMat ? Int32Array.of(word(0), word(1), word(2)) : Int32Array.of(word(0));
  const words64: number[] = [];
  // A 64-bit-index header: int32 classid, then int64 sizes (4 + 8 * 3 or 4 + 8 bytes).
  const need64 = isMat ? 28 : 12;
  if (size >= need64) {
    const more = new Uint8Array(need64);
    if ((yield { into: more, position: 0 }) === need64) {
      const mv = new DataView(more.buffer);
      for (let k = 0; k < (isMat ? 3 : 1); k++)
        words64.push(mv.getInt32(4 + 8 * k, false) * 2 ** 32 + mv.getUint32(8 + 8 * k, false));
    }
  }

  let expected: number;
  if (isMat) {
    const [rows, cols, nnz] = words;
    if (nnz === DENSE_FORMAT)
      throw unsupported(
        path,
        'a dense-format Mat (header nnz = -1, MATRIX_BINARY_FORMAT_DENSE) is not supported: ' +
          'expected a sparse (AIJ) Mat',
      );
    if (rows < 0 || cols < 0 || nnz < 0)
      throw parseError(
        path,
        `expected non-negative Mat sizes, found rows = ${rows}, cols = ${cols}, nnz = ${nnz}`,
      );
    expected = 16 + 4 * rows + 12 * nnz;
  } else {
    const n = words[0];
    if (n < 0) throw parseError(path, `expected a non-negative Vec length, found ${n}`);
    expected = 8 + 8 * n;
  }
  if (expected !== size) {
    // Trailing data is fine when another PETSc object follows; otherwise see whether another
    // PETSc build's layout explains the size.
    let followedByObject = false;
    if (expected + 4 <= size) {
      const next = new Uint8Array(4);
      if ((yield { into: next, position: expected }) === 4) {
        const id = new DataView(next.buffer).getInt32(0, false);
        followedByObject = id >= CLASSID_MIN && id <= CLASSID_MAX;
      }
    }
    if (!followedByObject) {
      const other = otherBuild(classid, words, words64, size);
      if (other !== undefined)
        throw unsupported(
          path,
          `the file's size (${size} bytes) fits a PETSc ${isMat ? 'Mat' : 'Vec'} written with ${other}; ` +
            'expected 32-bit indices and real double scalars (the PETSc build itersolve reads and writes)',
        );
    }
    if (expected > size) {
      const shape = isMat
        ? `a ${words[0]}×${words[1]} Mat with ${words[2]} entries`
        : `a Vec of length ${words[0]}`;
      throw parseError(
        path,
        `truncated: expected ${describeSize(expected)} for ${shape}, found a file of ${describeSize(size)}`,
      );
    }
  }

  let position = headerBytes;
  // Reads `count` elements into `a` from `start` in chunks, byte-swapped in place; `check` sees
  // each chunk's element range.
  function* fill(
    a: Int32Array | Float64Array,
    start: number,
    count: number,
    what: string,
    check?: (s: number, e: number) => void,
  ): Generator<ReadRequest, void, number> {
    const w = a.BYTES_PER_ELEMENT as 4 | 8;
    const per = CHUNK_BYTES / w;
    for (let i = start; i < start + count;) {
      const k = Math.min(per, start + count - i);
      const into = bytesOf(a, i, k);
      const n = yield { into, position };
      if (n !== into.length)
        throw parseError(
          path,
          `truncated: expected ${describeSize(into.length)} of ${what} at offset ${position}, found ${describeSize(n)}`,
        );
      toBigEndian(into, w);
      if (check) check(i, i + k);
      position += into.length;
      i += k;
    }
  }

  if (!isMat) {
    const x = new Float64Array(words[0]);
    yield* fill(x, 0, x.length, 'Vec values');
    return x;
  }

  const [rows, cols, nnz] = words;
  const rowPtr = new Int32Array(rows + 1);
  // Row lengths land in rowPtr[1..rows] and become offsets chunk by chunk.
  let sum = 0;
  yield* fill(rowPtr, 1, rows, 'row lengths', (s, e) => {
    for (let i = s; i < e; i++) {
      const len = rowPtr[i];
      if (len < 0)
        throw parseError(path, `expected non-negative row lengths, found ${len} for row ${i - 1}`);
      if (len > cols)
        throw parseError(
          path,
          `expected row lengths of at most cols = ${cols}, found ${len} for row ${i - 1}`,
        );
      sum += len;
      if (sum > nnz)
        throw parseError(
          path,
          `the row lengths sum past the header's nnz = ${nnz} (at row ${i - 1})`,
        );
      rowPtr[i] = sum;
    }
  });
  if (sum !== nnz)
    throw parseError(
      path,
      `expected row lengths summing to the header's nnz = ${nnz}, found a sum of ${sum}`,
    );

  const colIdx = new Int32Array(nnz);
  const unsorted: number[] = [];
  const at: ColumnScan = { row: 0, end: rowPtr[1] ?? 0, prev: -1 };
  yield* fill(colIdx, 0, nnz, 'column indices', (s, e) => {
    const k = scanColumns(rowPtr, colIdx, cols, s, e, at, unsorted);
    if (k >= 0)
      throw parseError(
        path,
        `expected column indices in [0, ${cols}), found ${colIdx[k]} in row ${at.row} (entry ${k})`,
      );
  });

  const values = new Float64Array(nnz);
  yield* fill(values, 0, nnz, 'values', (s, e) => {
    if (!finite) return;
    for (let k = s; k < e; k++) {
      if (!Number.isFinite(values[k])) {
        let r = 0;
        while (rowPtr[r + 1] <= k) r++;
        throw parseError(
          path,
          `non-finite value ${values[k]} at row ${r}, column ${colIdx[k]} (entry ${k}); ` +
            'NaN and infinite values are not accepted (pass { finite: false } to read them)',
        );
      }
    }
  });

  // PETSc's MatView writes rows sorted; other writers may not: sort those rows (PETSc's MatLoad
  // accepts them), and reject a column repeated within a row (no single matrix it stands for).
  for (const r of unsorted) {
    const s = rowPtr[r];
    const e = rowPtr[r + 1];
    sortRow(colIdx, values, s, e);
    for (let k = s + 1; k < e; k++)
      if (colIdx[k] === colIdx[k - 1])
        throw parseError(
          path,
          `expected each column at most once per row, found column ${colIdx[k]} twice in row ${r}`,
        );
  }
  // Structure, order and values were checked above.
  return new CsrMatrix(rows, cols, rowPtr, colIdx, values, { validate: false });
}

function readReadOptions(form: Form, path: unknown, options: unknown): ReadPetscBinaryOptions {
  v.str('path', path);
  return checkKeys<ReadPetscBinaryOptions>(form, options);
}

/**
 * Reads the first object of a PETSc binary file: a Mat as a CsrMatrix (sorted rows; a dense-format
 * Mat is ERR_UNSUPPORTED) or a Vec as a Float64Array. Streamed: each chunk is read straight into
 * the result's arrays. Errors: ERR_IO (cannot open / read, with `cause`), ERR_PARSE (not a Mat or
 * Vec classid, truncated, negative sizes, row lengths not summing to nnz, a column out of range or
 * repeated in a row, a non-finite matrix value unless `finite: false`), ERR_UNSUPPORTED (a file
 * whose size fits 64-bit indices or complex scalars instead).
 */
export function readPetscBinarySync(
  path: string,
  options?: Omit<ReadPetscBinaryOptions, 'signal'>,
): CsrMatrix | Float64Array {
  const o = readReadOptions(READ_SYNC, path, options);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw ioError(path, 'open for reading', e);
  }
  try {
    let size: number;
    try {
      size = fs.fstatSync(fd).size;
    } catch (e) {
      throw ioError(path, 'stat', e);
    }
    const plan = readPlan(path, size, o.finite !== false);
    let step = plan.next();
    while (!step.done) {
      const { into, position } = step.value;
      let n = 0;
      while (n < into.length) {
        let r: number;
        try {
          r = fs.readSync(fd, into, n, into.length - n, position + n);
        } catch (e) {
          throw ioError(path, 'read', e);
        }
        if (r === 0) break;
        n += r;
      }
      step = plan.next(n);
    }
    return step.value;
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // read-only descriptor: nothing was lost
    }
  }
}

/** Promise form of {@link readPetscBinarySync}, with `signal` checked between chunks. */
export async function readPetscBinary(
  path: string,
  options?: ReadPetscBinaryOptions,
): Promise<CsrMatrix | Float64Array> {
  const o = readReadOptions(READ, path, options);
  const signal = o.signal;
  if (signal?.aborted) throw abortError(signal);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(path, 'r');
  } catch (e) {
    throw ioError(path, 'open for reading', e);
  }
  try {
    let size: number;
    try {
      size = (await fh.stat()).size;
    } catch (e) {
      throw ioError(path, 'stat', e);
    }
    const plan = readPlan(path, size, o.finite !== false);
    let step = plan.next();
    while (!step.done) {
      if (signal?.aborted) throw abortError(signal);
      const { into, position } = step.value;
      let n = 0;
      while (n < into.length) {
        let r: number;
        try {
          r = (await fh.read(into, n, into.length - n, position + n)).bytesRead;
        } catch (e) {
          throw ioError(path, 'read', e);
        }
        if (r === 0) break;
        n += r;
      }
      step = plan.next(n);
    }
    if (signal?.aborted) throw abortError(signal);
    return step.value;
  } finally {
    await fh.close().catch(() => undefined);
  }
}
