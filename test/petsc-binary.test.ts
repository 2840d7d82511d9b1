// PETSc binary format (lib/petsc/binary.ts): byte-exact layout against hand-built buffers, round
// trips (empty rows, 0×0, rectangular, larger than several 1 MiB staging chunks), Sync = Promise,
// abort, and every error path. No PETSc needed: test/fixtures/petsc/*.bin were written by PETSc
// 3.18's own MatView / VecView (2 ranks) from the matrix and vector built below.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t, { Test } from 'tap';
import { CsrMatrix } from '../lib/csr';
import { AbortError, ItersolveError } from '../lib/errors';
import {
  PETSC_MAT_CLASSID,
  PETSC_VEC_CLASSID,
  readPetscBinary,
  readPetscBinarySync,
  writePetscBinary,
  writePetscBinarySync,
} from '../lib/petsc/binary';
import { rng } from '../lib/problems';
import { randomCsr, randomVector } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-petsc-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const tmpFile = (name = 'f') => path.join(tmp, `${name}-${fileNo++}.bin`);
const fixtures = path.join(__dirname, 'fixtures', 'petsc');

/** Big-endian bytes from a list of ['i', int32] / ['d', float64] items. */
function be(items: (['i', number] | ['d', number])[]): Buffer {
  const b = Buffer.alloc(items.reduce((s, [k]) => s + (k === 'i' ? 4 : 8), 0));
  let p = 0;
  for (const [k, x] of items) {
    if (k === 'i') p = b.writeInt32BE(x, p);
    else p = b.writeDoubleBE(x, p);
  }
  return b;
}

function matBytes(
  rows: number,
  cols: number,
  lens: number[],
  colIdx: number[],
  values: number[],
  nnz = colIdx.length,
): Buffer {
  return be([
    ['i', PETSC_MAT_CLASSID],
    ['i', rows],
    ['i', cols],
    ['i', nnz],
    ...lens.map((x): ['i', number] => ['i', x]),
    ...colIdx.map((x): ['i', number] => ['i', x]),
    ...values.map((x): ['d', number] => ['d', x]),
  ]);
}

function vecBytes(values: number[], n = values.length): Buffer {
  return be([['i', PETSC_VEC_CLASSID], ['i', n], ...values.map((x): ['d', number] => ['d', x])]);
}

function bytesOf(a: Int32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function sameMatrix(t: Test, got: unknown, want: CsrMatrix, msg: string): void {
  t.ok(got instanceof CsrMatrix, `${msg}: a CsrMatrix`);
  const m = got as CsrMatrix;
  t.same([m.rows, m.cols, m.nnz], [want.rows, want.cols, want.nnz], `${msg}: shape`);
  t.ok(bytesOf(m.rowPtr).equals(bytesOf(want.rowPtr)), `${msg}: rowPtr`);
  t.ok(bytesOf(m.colIdx).equals(bytesOf(want.colIdx)), `${msg}: colIdx`);
  t.ok(bytesOf(m.values).equals(bytesOf(want.values)), `${msg}: values bitwise`);
}

/** Seeded sparse matrix, sorted rows of about `perRow` entries, about 10 % of rows empty (O(nnz)). */
function sparse(rows: number, cols: number, perRow: number, seed: number): CsrMatrix {
  const rand = rng(seed);
  const rowPtr = new Int32Array(rows + 1);
  const colIdx = new Int32Array(Math.ceil(rows * perRow * 1.2) + cols);
  const values = new Float64Array(colIdx.length);
  const gap = Math.max(1, Math.floor((2 * cols) / perRow));
  let nnz = 0;
  for (let i = 0; i < rows; i++) {
    if (rand() >= 0.1) {
      // random gaps keep the columns sorted and distinct
      for (
        let c = Math.floor(rand() * gap);
        c < cols && nnz < colIdx.length;
        c += 1 + Math.floor(rand() * gap)
      ) {
        colIdx[nnz] = c;
        values[nnz++] = rand() * 2 - 1;
      }
    }
    rowPtr[i + 1] = nnz;
  }
  return new CsrMatrix(rows, cols, rowPtr, colIdx.slice(0, nnz), values.slice(0, nnz), {
    validate: false,
  });
}

let bigCache: CsrMatrix | undefined;
/** ~600k entries: row lengths 0.1 MB, columns 2.4 MB, values 4.8 MB (several 1 MiB chunks). */
const big = () => (bigCache ??= sparse(20011, 15013, 30, 7));

// 5×6, rectangular, row 1 empty: the matrix of the PETSc-written fixture.
const small = new CsrMatrix(
  5,
  6,
  Int32Array.of(0, 2, 2, 5, 6, 8),
  Int32Array.of(0, 5, 1, 2, 3, 4, 0, 5),
  Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8),
);
const smallBytes = matBytes(
  5,
  6,
  [2, 0, 3, 1, 2],
  [0, 5, 1, 2, 3, 4, 0, 5],
  [1, 2, 3, 4, 5, 6, 7, 8],
);
const vec = Float64Array.of(1, -2, 3.25);

/** Expects `f` to throw (or reject with) an ItersolveError with these fields. */
async function rejects(
  t: Test,
  f: () => unknown,
  code: string,
  fields: { argument?: string; row?: number; message?: RegExp },
  msg: string,
): Promise<ItersolveError> {
  let err: unknown;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof ItersolveError, `${msg}: an ItersolveError (${String(err)})`);
  const e = err as ItersolveError;
  t.equal(e.code, code, `${msg}: code`);
  if (fields.argument !== undefined) t.equal(e.argument, fields.argument, `${msg}: argument`);
  if (fields.row !== undefined) t.equal(e.row, fields.row, `${msg}: row`);
  if (fields.message) t.match(e.message, fields.message, `${msg}: message`);
  return e;
}

t.test(
  'layout: byte-exact Mat and Vec against hand-built buffers and PETSc 3.18 output',
  async (t) => {
    const f = tmpFile();
    writePetscBinarySync(small, f);
    t.ok(fs.readFileSync(f).equals(smallBytes), 'Mat bytes (Sync)');
    t.ok(
      fs.readFileSync(path.join(fixtures, 'mat-5x6-matview.bin')).equals(smallBytes),
      "PETSc's MatView wrote the same bytes",
    );
    const g = tmpFile();
    await writePetscBinary(small, g);
    t.ok(fs.readFileSync(g).equals(smallBytes), 'Mat bytes (Promise)');

    const fv = tmpFile();
    writePetscBinarySync(vec, fv);
    t.ok(fs.readFileSync(fv).equals(vecBytes([1, -2, 3.25])), 'Vec bytes (Sync)');
    t.ok(
      fs.readFileSync(path.join(fixtures, 'vec-3-vecview.bin')).equals(vecBytes([1, -2, 3.25])),
      "PETSc's VecView wrote the same bytes",
    );
    const gv = tmpFile();
    await writePetscBinary(vec, gv);
    t.ok(fs.readFileSync(gv).equals(fs.readFileSync(fv)), 'Vec bytes (Promise)');

    sameMatrix(
      t,
      readPetscBinarySync(path.join(fixtures, 'mat-5x6-matview.bin')),
      small,
      'PETSc Mat',
    );
    t.same(await readPetscBinary(path.join(fixtures, 'vec-3-vecview.bin')), vec, 'PETSc Vec');

    // Views at odd offsets into larger buffers (subarrays) write the view only.
    const big = new ArrayBuffer(8 * 20);
    const view = new Float64Array(big, 8 * 3, 3);
    view.set(vec);
    const fo = tmpFile();
    writePetscBinarySync(view, fo);
    t.ok(fs.readFileSync(fo).equals(fs.readFileSync(fv)), 'Vec from a subarray view');
    const colBuf = new Int32Array(11);
    colBuf.set(small.colIdx, 3);
    const sub = new CsrMatrix(
      5,
      6,
      small.rowPtr,
      colBuf.subarray(3, 11),
      new Float64Array(small.values),
    );
    const fs2 = tmpFile();
    writePetscBinarySync(sub, fs2);
    t.ok(fs.readFileSync(fs2).equals(smallBytes), 'Mat whose colIdx is a subarray view');
  },
);

t.test('round trips: random, empty rows, 0×0, rectangular, special values', async (t) => {
  const cases: [string, CsrMatrix][] = [
    ['0×0', new CsrMatrix(0, 0, Int32Array.of(0), new Int32Array(0), new Float64Array(0))],
    ['0×7', new CsrMatrix(0, 7, Int32Array.of(0), new Int32Array(0), new Float64Array(0))],
    ['4×0', new CsrMatrix(4, 0, new Int32Array(5), new Int32Array(0), new Float64Array(0))],
    ['3×3 zero', new CsrMatrix(3, 3, new Int32Array(4), new Int32Array(0), new Float64Array(0))],
    ['37×23 random', randomCsr(37, 23, 11, { density: 0.2, emptyRowFraction: 0.2 })],
    ['23×37 random', randomCsr(23, 37, 12, { density: 0.3, longRow: 5 })],
    ['200×200 random', randomCsr(200, 200, 13, { density: 0.05 })],
  ];
  for (const [name, A] of cases) {
    const f = tmpFile();
    writePetscBinarySync(A, f);
    t.equal(fs.statSync(f).size, 16 + 4 * A.rows + 12 * A.nnz, `${name}: file size`);
    sameMatrix(t, readPetscBinarySync(f), A, `${name} (Sync)`);
    sameMatrix(t, await readPetscBinary(f), A, `${name} (Promise)`);
    const g = tmpFile();
    await writePetscBinary(A, g);
    t.ok(fs.readFileSync(g).equals(fs.readFileSync(f)), `${name}: Promise bytes = Sync bytes`);
  }
  // Vectors: empty, random, and the values that must survive bit for bit.
  const special = Float64Array.of(
    -0,
    0,
    5e-324,
    -Number.MAX_VALUE,
    1 / 3,
    NaN,
    Infinity,
    -Infinity,
  );
  for (const [name, x] of [
    ['empty', new Float64Array(0)],
    ['random', randomVector(1001, 5)],
    ['special', special],
  ] as [string, Float64Array][]) {
    const f = tmpFile();
    writePetscBinarySync(x, f);
    const y = readPetscBinarySync(f) as Float64Array;
    t.ok(y instanceof Float64Array && bytesOf(y).equals(bytesOf(x)), `${name} Vec bitwise`);
    const z = (await readPetscBinary(f)) as Float64Array;
    t.ok(bytesOf(z).equals(bytesOf(x)), `${name} Vec bitwise (Promise)`);
  }
  // A matrix with non-finite values is written as it is; reading checks unless finite: false.
  const nf = new CsrMatrix(
    2,
    2,
    Int32Array.of(0, 1, 2),
    Int32Array.of(0, 1),
    Float64Array.of(1, NaN),
    {
      validate: false,
    },
  );
  const f = tmpFile();
  writePetscBinarySync(nf, f);
  await rejects(
    t,
    () => readPetscBinarySync(f),
    'ERR_PARSE',
    { argument: 'path', message: /non-finite value NaN at row 1, column 1 .*finite: false/ },
    'non-finite Mat value (Sync)',
  );
  await rejects(t, () => readPetscBinary(f), 'ERR_PARSE', {}, 'non-finite Mat value (Promise)');
  sameMatrix(t, readPetscBinarySync(f, { finite: false }), nf, 'finite: false');
  sameMatrix(t, await readPetscBinary(f, { finite: false }), nf, 'finite: false (Promise)');
});

t.test('streamed: a matrix and a vector several 1 MiB chunks long', async (t) => {
  // chunk boundaries fall inside every section and inside rows
  const A = big();
  t.ok(A.nnz > 500_000, `nnz ${A.nnz}`);
  const f = tmpFile('big');
  writePetscBinarySync(A, f);
  const g = tmpFile('big');
  await writePetscBinary(A, g);
  const bytes = fs.readFileSync(f);
  t.ok(bytes.equals(fs.readFileSync(g)), 'Sync bytes = Promise bytes');
  // independent check of the layout: decode with DataView
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  t.same(
    [0, 4, 8, 12].map((o) => dv.getInt32(o, false)),
    [PETSC_MAT_CLASSID, A.rows, A.cols, A.nnz],
  );
  let ok = true;
  for (let i = 0; i < A.rows && ok; i++)
    ok = dv.getInt32(16 + 4 * i, false) === A.rowPtr[i + 1] - A.rowPtr[i];
  const c0 = 16 + 4 * A.rows;
  const v0 = c0 + 4 * A.nnz;
  for (let k = 0; k < A.nnz && ok; k++)
    ok =
      dv.getInt32(c0 + 4 * k, false) === A.colIdx[k] &&
      Object.is(dv.getFloat64(v0 + 8 * k, false), A.values[k]);
  t.ok(ok, 'every row length, column and value at its big-endian place');
  sameMatrix(t, readPetscBinarySync(f), A, 'big (Sync)');
  sameMatrix(t, await readPetscBinary(f), A, 'big (Promise)');

  const x = randomVector(400_000, 8); // 3.2 MB
  const fv = tmpFile('bigv');
  await writePetscBinary(x, fv);
  const y = readPetscBinarySync(fv) as Float64Array;
  t.ok(bytesOf(y).equals(bytesOf(x)), 'big Vec round trip');
});

t.test('abort: before the start and between chunks (write and read)', async (t) => {
  const A = big();
  const pre = new AbortController();
  pre.abort(new Error('stop'));
  const f = tmpFile('abort');
  const e = await rejects(
    t,
    () => writePetscBinary(A, f, { signal: pre.signal }),
    'ABORT_ERR',
    {},
    'pre-aborted write',
  );
  t.ok(e instanceof AbortError && e.name === 'AbortError', 'an AbortError');
  t.equal((e.cause as Error).message, 'stop', 'cause: the signal reason');
  t.notOk(fs.existsSync(f), 'no file created');

  // A signal that turns aborted after a few checks: deterministic "abort between chunks".
  // after(Infinity) counts the checks of a whole run; after(n) aborts at check n + 1.
  let calls = 0;
  const after = (n: number) => {
    calls = 0;
    return {
      get aborted() {
        return ++calls > n;
      },
      reason: 'late',
      addEventListener() {},
      removeEventListener() {},
    } as unknown as AbortSignal;
  };
  await writePetscBinary(A, f, { signal: after(Infinity) });
  const writeChecks = calls;
  t.ok(writeChecks >= 8, `the write checks the signal between chunks (${writeChecks} checks)`);
  await readPetscBinary(f, { signal: after(Infinity) });
  const readChecks = calls;
  t.ok(readChecks >= 8, `the read checks the signal between chunks (${readChecks} checks)`);
  fs.writeFileSync(f, 'old content');
  await rejects(
    t,
    () => writePetscBinary(A, f, { signal: after(3) }),
    'ABORT_ERR',
    {},
    'write aborted mid-way',
  );
  t.notOk(fs.existsSync(f), 'partial file removed');
  await rejects(
    t,
    () => writePetscBinary(A, f, { signal: after(writeChecks - 1) }),
    'ABORT_ERR',
    {},
    'aborted after the last chunk',
  );
  t.notOk(fs.existsSync(f), 'complete-but-aborted file removed');

  writePetscBinarySync(A, f);
  await rejects(
    t,
    () => readPetscBinary(f, { signal: pre.signal }),
    'ABORT_ERR',
    {},
    'pre-aborted read',
  );
  await rejects(
    t,
    () => readPetscBinary(f, { signal: after(4) }),
    'ABORT_ERR',
    {},
    'read aborted mid-way',
  );
  await rejects(
    t,
    () => readPetscBinary(f, { signal: after(readChecks - 1) }),
    'ABORT_ERR',
    {},
    'read aborted at the end',
  );
  const ac = new AbortController();
  sameMatrix(t, await readPetscBinary(f, { signal: ac.signal }), A, 'a live signal reads it all');
  t.ok(fs.existsSync(f), 'reading never removes the file');
});

t.test('argument errors', async (t) => {
  const f = tmpFile();
  for (const bad of [new Float32Array(2), [1, 2], { rows: 1 }, null])
    await rejects(
      t,
      () => writePetscBinarySync(bad as never, f),
      'ERR_INVALID_ARGUMENT',
      { argument: 'data', message: /CsrMatrix or a Float64Array/ },
      `data ${String(bad)}`,
    );
  await rejects(
    t,
    () => writePetscBinary(new Int32Array(2) as never, f),
    'ERR_INVALID_ARGUMENT',
    { argument: 'data' },
    'data (Promise)',
  );
  await rejects(
    t,
    () => writePetscBinarySync(vec, 3 as never),
    'ERR_INVALID_ARGUMENT',
    { argument: 'path' },
    'write path',
  );
  await rejects(
    t,
    () => readPetscBinarySync(undefined as never),
    'ERR_INVALID_ARGUMENT',
    { argument: 'path' },
    'read path',
  );
  await rejects(
    t,
    () => readPetscBinary({} as never),
    'ERR_INVALID_ARGUMENT',
    { argument: 'path' },
    'read path (Promise)',
  );
  await rejects(
    t,
    () => writePetscBinary(vec, f, { signl: 1 } as never),
    'ERR_INVALID_ARGUMENT',
    {
      argument: 'signl',
      message: /unknown option of writePetscBinary \(did you mean 'signal'\?\)/,
    },
    'unknown key',
  );
  await rejects(
    t,
    () => readPetscBinarySync(f, { zzz: 1 } as never),
    'ERR_INVALID_ARGUMENT',
    { argument: 'zzz', message: /^zzz: unknown option of readPetscBinary$/ },
    'unknown key, no guess',
  );
  await rejects(
    t,
    () => writePetscBinarySync(vec, f, { signal: new AbortController().signal } as never),
    'ERR_INVALID_ARGUMENT',
    {
      argument: 'signal',
      message:
        /not an option of writePetscBinarySync \(the Promise form writePetscBinary takes it\)/,
    },
    'signal given to the Sync form',
  );
  await rejects(
    t,
    () => readPetscBinarySync(f, { signal: new AbortController().signal } as never),
    'ERR_INVALID_ARGUMENT',
    { argument: 'signal', message: /readPetscBinarySync/ },
    'signal given to readPetscBinarySync',
  );
  await rejects(
    t,
    () => writePetscBinary(vec, f, { signal: {} } as never),
    'ERR_INVALID_ARGUMENT',
    { argument: 'signal', message: /AbortSignal/ },
    'signal not an AbortSignal',
  );
  await rejects(
    t,
    () => readPetscBinarySync(f, { finite: 1 } as never),
    'ERR_INVALID_ARGUMENT',
    { argument: 'options.finite' },
    'finite not a boolean',
  );
  await rejects(
    t,
    () => writePetscBinarySync(vec, f, 5 as never),
    'ERR_INVALID_ARGUMENT',
    { argument: 'options' },
    'options not an object',
  );
  // undefined values are like absent keys
  writePetscBinarySync(vec, f, { signal: undefined } as never);
  t.same(
    readPetscBinarySync(f, { finite: undefined, signal: undefined }),
    vec,
    'undefined keys ignored',
  );
});

t.test(
  'unchecked matrices PETSc could not load are ERR_INVALID_MATRIX, no file left',
  async (t) => {
    const mk = (rowPtr: number[], colIdx: number[], cols = 4) =>
      new CsrMatrix(
        rowPtr.length - 1,
        cols,
        Int32Array.from(rowPtr),
        Int32Array.from(colIdx),
        new Float64Array(colIdx.length),
        { validate: false },
      );
    const cases: [string, CsrMatrix, number, RegExp][] = [
      [
        'decreasing rowPtr',
        mk([0, 2, 1, 3], [0, 1, 2]),
        1,
        /non-decreasing rowPtr, received rowPtr\[2\] = 1 < rowPtr\[1\] = 2/,
      ],
      [
        'column out of range',
        mk([0, 1, 3], [0, 1, 4]),
        1,
        /column indices in \[0, 4\), received colIdx\[2\] = 4 in row 1/,
      ],
      ['negative column', mk([0, 1, 3], [-1, 1, 2]), 0, /received colIdx\[0\] = -1/],
      [
        'unsorted row',
        mk([0, 1, 1, 3], [0, 3, 2]),
        2,
        /strictly increasing .* received 3 then 2 in row 2/,
      ],
      ['duplicate column', mk([0, 2], [1, 1]), 0, /received 1 then 1 in row 0/],
    ];
    for (const [name, A, row, message] of cases) {
      const f = tmpFile();
      await rejects(
        t,
        () => writePetscBinarySync(A, f),
        'ERR_INVALID_MATRIX',
        { argument: 'data', row, message },
        `${name} (Sync)`,
      );
      t.notOk(fs.existsSync(f), `${name}: no file left (Sync)`);
      await rejects(
        t,
        () => writePetscBinary(A, f),
        'ERR_INVALID_MATRIX',
        { argument: 'data', row },
        `${name} (Promise)`,
      );
      t.notOk(fs.existsSync(f), `${name}: no file left (Promise)`);
    }
  },
);

t.test('ERR_IO: open, read and write failures carry the system error', async (t) => {
  const missing = path.join(tmp, 'no-such-dir', 'a.bin');
  let e = await rejects(
    t,
    () => writePetscBinarySync(vec, missing),
    'ERR_IO',
    { argument: 'path', message: /cannot open for writing/ },
    'write into a missing directory',
  );
  t.equal((e.cause as NodeJS.ErrnoException).code, 'ENOENT', 'cause ENOENT');
  e = await rejects(
    t,
    () => writePetscBinary(vec, missing),
    'ERR_IO',
    {},
    'write into a missing directory (Promise)',
  );
  t.equal((e.cause as NodeJS.ErrnoException).code, 'ENOENT', 'cause ENOENT (Promise)');
  e = await rejects(
    t,
    () => readPetscBinarySync(missing),
    'ERR_IO',
    { argument: 'path', message: /cannot open for reading/ },
    'read a missing file',
  );
  t.equal((e.cause as NodeJS.ErrnoException).code, 'ENOENT');
  await rejects(t, () => readPetscBinary(missing), 'ERR_IO', {}, 'read a missing file (Promise)');
  e = await rejects(
    t,
    () => readPetscBinarySync(tmp),
    'ERR_IO',
    { message: /cannot read/ },
    'read a directory',
  );
  t.equal((e.cause as NodeJS.ErrnoException).code, 'EISDIR');
  await rejects(
    t,
    () => readPetscBinary(tmp),
    'ERR_IO',
    { message: /cannot read/ },
    'read a directory (Promise)',
  );
  // /dev/full: every write fails with ENOSPC; the device is not a regular file, so it is not removed.
  e = await rejects(
    t,
    () => writePetscBinarySync(small, '/dev/full'),
    'ERR_IO',
    { message: /cannot write/ },
    'write to /dev/full',
  );
  t.equal((e.cause as NodeJS.ErrnoException).code, 'ENOSPC');
  await rejects(
    t,
    () => writePetscBinary(small, '/dev/full'),
    'ERR_IO',
    { message: /cannot write/ },
    'write to /dev/full (Promise)',
  );
  t.ok(fs.existsSync('/dev/full'), '/dev/full left in place');
});

t.test('ERR_PARSE / ERR_UNSUPPORTED: malformed and foreign files', async (t) => {
  const check = async (
    name: string,
    bytes: Buffer,
    code: 'ERR_PARSE' | 'ERR_UNSUPPORTED',
    message: RegExp,
  ) => {
    const f = tmpFile('bad');
    fs.writeFileSync(f, bytes);
    await rejects(
      t,
      () => readPetscBinarySync(f),
      code,
      { argument: 'path', message },
      `${name} (Sync)`,
    );
    await rejects(t, () => readPetscBinary(f), code, { message }, `${name} (Promise)`);
  };
  const M = PETSC_MAT_CLASSID;
  const V = PETSC_VEC_CLASSID;
  await check('empty file', Buffer.alloc(0), 'ERR_PARSE', /at least an 8-byte header.*0 bytes/);
  await check('4 bytes', be([['i', M]]), 'ERR_PARSE', /at least an 8-byte header.*4 bytes/);
  await check(
    'text file',
    Buffer.from('%%MatrixMarket matrix coordinate real general\n'),
    'ERR_PARSE',
    /classid 1211216 or Vec classid 1211214 .* found 623201633/,
  );
  await check(
    'IS classid',
    be([
      ['i', 1211218],
      ['i', 0],
    ]),
    'ERR_PARSE',
    /found 1211218$/,
  );
  const le = Buffer.alloc(16);
  le.writeInt32LE(M, 0);
  await check('little-endian', le, 'ERR_PARSE', /little-endian/);
  await check(
    'Mat header cut',
    be([
      ['i', M],
      ['i', 1],
      ['i', 1],
    ]),
    'ERR_PARSE',
    /16-byte Mat header, found a file of 12 bytes/,
  );
  await check(
    'negative rows',
    matBytes(-1, 2, [], [], [], 0),
    'ERR_PARSE',
    /non-negative Mat sizes, found rows = -1, cols = 2, nnz = 0/,
  );
  await check('negative cols', matBytes(1, -3, [0], [], [], 0), 'ERR_PARSE', /cols = -3/);
  await check('negative nnz', matBytes(1, 1, [0], [], [], -2), 'ERR_PARSE', /nnz = -2/);
  await check(
    'dense Mat',
    be([
      ['i', M],
      ['i', 1],
      ['i', 1],
      ['i', -1],
      ['d', 5],
    ]),
    'ERR_UNSUPPORTED',
    /dense-format Mat \(header nnz = -1/,
  );
  await check(
    'negative Vec length',
    vecBytes([], -1),
    'ERR_PARSE',
    /non-negative Vec length, found -1/,
  );
  await check(
    'Vec truncated',
    vecBytes([1, 2], 3),
    'ERR_PARSE',
    /truncated: expected 32 bytes for a Vec of length 3, found a file of 24 bytes/,
  );
  await check(
    'Mat truncated',
    smallBytes.subarray(0, smallBytes.length - 1),
    'ERR_PARSE',
    /truncated: expected 132 bytes for a 5×6 Mat with 8 entries, found a file of 131 bytes/,
  );
  await check(
    'huge nnz in a small file',
    matBytes(1, 1, [1], [0], [1], 2 ** 31 - 1),
    'ERR_PARSE',
    /truncated: expected \d+ bytes for a 1×1 Mat with 2147483647 entries/,
  );
  await check(
    'negative row length',
    matBytes(2, 3, [-1, 2], [0, 1], [1, 2], 1),
    'ERR_PARSE',
    /non-negative row lengths, found -1 for row 0/,
  );
  await check(
    'row longer than cols',
    matBytes(2, 1, [0, 2], [0, 0], [1, 2]),
    'ERR_PARSE',
    /at most cols = 1, found 2 for row 1/,
  );
  await check(
    'row lengths past nnz',
    matBytes(2, 3, [2, 1], [0, 1], [1, 2]),
    'ERR_PARSE',
    /sum past the header's nnz = 2 \(at row 1\)/,
  );
  await check(
    'row lengths short of nnz',
    matBytes(2, 3, [1, 0], [0, 1], [1, 2]),
    'ERR_PARSE',
    /summing to the header's nnz = 2, found a sum of 1/,
  );
  await check(
    'column out of range',
    matBytes(2, 3, [1, 1], [0, 3], [1, 2]),
    'ERR_PARSE',
    /column indices in \[0, 3\), found 3 in row 1 \(entry 1\)/,
  );
  await check(
    'negative column',
    matBytes(2, 3, [0, 1], [-4], [1]),
    'ERR_PARSE',
    /found -4 in row 1/,
  );
  await check(
    'duplicate column',
    matBytes(1, 3, [3], [2, 0, 2], [1, 2, 3]),
    'ERR_PARSE',
    /column 2 twice in row 0/,
  );
  await check(
    'infinite value',
    matBytes(1, 3, [1], [2], [-Infinity]),
    'ERR_PARSE',
    /non-finite value -Infinity at row 0, column 2/,
  );

  // Other PETSc builds: 64-bit PetscInt (int64 sizes/indices) and complex scalars.
  const mat64 = (cplx: boolean) => {
    const items: (['i', number] | ['d', number])[] = [['i', M]];
    const i64 = (x: number) => items.push(['i', 0], ['i', x]);
    [3, 4, 2].forEach(i64); // rows, cols, nnz
    [1, 0, 1].forEach(i64); // row lengths
    [2, 0].forEach(i64); // columns
    for (const x of [1.5, -2]) items.push(['d', x], ...(cplx ? [['d', 0] as ['d', number]] : []));
    return be(items);
  };
  await check(
    'Mat, 64-bit indices',
    mat64(false),
    'ERR_UNSUPPORTED',
    /fits a PETSc Mat written with 64-bit indices \(PetscInt = int64\)/,
  );
  await check(
    'Mat, 64-bit indices + complex',
    mat64(true),
    'ERR_UNSUPPORTED',
    /64-bit indices and complex scalars/,
  );
  await check(
    'Vec, 64-bit indices',
    be([
      ['i', V],
      ['i', 0],
      ['i', 2],
      ['d', 1],
      ['d', 2],
    ]),
    'ERR_UNSUPPORTED',
    /Vec written with 64-bit indices/,
  );
  await check(
    'Vec, complex',
    vecBytes([1, 0, 2, 0], 2),
    'ERR_UNSUPPORTED',
    /Vec written with complex scalars/,
  );
  await check(
    'Mat, complex',
    matBytes(2, 2, [1, 1], [0, 1], [1, 0, 2, 0], 2),
    'ERR_UNSUPPORTED',
    /Mat written with complex scalars/,
  );
});

t.test('foreign but valid files: several objects, trailing bytes, unsorted rows', async (t) => {
  const f = tmpFile('multi');
  fs.writeFileSync(f, Buffer.concat([smallBytes, vecBytes([1, 2])]));
  sameMatrix(t, readPetscBinarySync(f), small, 'the first of two objects (Mat, then Vec)');
  const g = tmpFile('multi');
  fs.writeFileSync(g, Buffer.concat([vecBytes([1, 2]), smallBytes]));
  t.same(
    await readPetscBinary(g),
    Float64Array.of(1, 2),
    'the first of two objects (Vec, then Mat)',
  );
  const h = tmpFile('trail');
  fs.writeFileSync(h, Buffer.concat([vecBytes([4]), Buffer.from('trailing bytes')]));
  t.same(
    readPetscBinarySync(h),
    Float64Array.of(4),
    'trailing bytes that fit no other layout are ignored',
  );

  // Unsorted rows (other writers, e.g. from an unsorted SciPy CSR) are sorted on reading:
  // a short row (insertion sort) and a row longer than 32 entries.
  const long = Array.from({ length: 40 }, (_, k) => (k * 17) % 40);
  const u = tmpFile('unsorted');
  fs.writeFileSync(
    u,
    matBytes(3, 40, [3, 0, 40], [5, 1, 3, ...long], [50, 10, 30, ...long.map((c) => c + 0.5)]),
  );
  const want = new CsrMatrix(
    3,
    40,
    Int32Array.of(0, 3, 3, 43),
    Int32Array.from([1, 3, 5, ...Array.from({ length: 40 }, (_, k) => k)]),
    Float64Array.from([10, 30, 50, ...Array.from({ length: 40 }, (_, k) => k + 0.5)]),
  );
  sameMatrix(t, readPetscBinarySync(u), want, 'unsorted rows sorted (Sync)');
  sameMatrix(t, await readPetscBinary(u), want, 'unsorted rows sorted (Promise)');
  const d = tmpFile('dup');
  fs.writeFileSync(
    d,
    matBytes(1, 40, [40], [...long.slice(0, 39), long[3]], new Array(40).fill(1)),
  );
  await rejects(
    t,
    () => readPetscBinarySync(d),
    'ERR_PARSE',
    { message: new RegExp(`column ${long[3]} twice in row 0`) },
    'duplicate in a long unsorted row',
  );
});
