/*
 * itersolve-petsc: the MPI program behind itersolve's petscSolve (lib/petsc/solve.ts).
 *
 *   mpiexec -n R itersolve-petsc -A a.bin -b b.bin -x x.bin [-x0 x0.bin] [PETSc options]
 *
 * Loads A (MatLoad into MATAIJ: PETSc splits the rows into one contiguous block per rank and, with
 * MPI-IO, each rank reads its own block, so the matrix never has to fit on one rank) and b
 * (VecLoad, laid out like A's rows), and x0 when given (then KSPSetInitialGuessNonzero). The
 * solver is whatever the options say: -ksp_type, -pc_type, -ksp_rtol, -ksp_atol, -ksp_max_it and
 * any other PETSc option (KSPSetFromOptions, MatSetFromOptions). After KSPSolve it computes the
 * true residual ‖b − A x‖₂, writes x with VecView (PETSc binary format, no .info file) and rank 0
 * prints one line on stdout:
 *
 *   ITERSOLVE-PETSC {"reason":2,"reasonName":"KSP_CONVERGED_RTOL","iterations":11,...}
 *
 * with reason (KSPConvergedReason), reasonName, iterations, residualNorm (true, 2-norm),
 * kspResidualNorm (the norm PETSc's convergence test saw), ksp, pc, ranks, rows, loadMs, setupMs
 * (KSPSetUp: the preconditioner build), solveMs (KSPSolve).
 *
 * Failures exit non-zero, rank 0 printing one line on stderr (besides PETSc's own messages):
 *   ITERSOLVE-PETSC-ERROR {"kind":"unknown-type","option":"ksp_type","value":"foo"}
 *   ITERSOLVE-PETSC-ERROR {"kind":"unused-options","options":["ksp_foo"]}
 *   ITERSOLVE-PETSC-ERROR {"kind":"petsc","code":66,"message":"..."}
 * An option that was set but never read by the run is an error (the semantics of PETSc's
 * -options_left): a misspelt option must not be silently ignored. An error on some ranks only
 * (a file one rank cannot read) ends the whole job with MPI_Abort, never a hang.
 *
 * Exit status: 0 success, 2 unknown ksp/pc type, 3 unused options, 1 other PETSc errors.
 */
#include <petscksp.h>
#include <stdio.h>
#include <string.h>

static const char help[] =
    "itersolve-petsc: solves A x = b (PETSc binary files) with a KSP.\n"
    "  -A <file> -b <file> -x <file> [-x0 <file>] [PETSc options]\n";

#define EXIT_UNKNOWN_TYPE 2
#define EXIT_UNUSED_OPTIONS 3

/* Writes s as a JSON string (quoted, escaped) to f. */
static void json_string(FILE* f, const char* s) {
  fputc('"', f);
  for (const unsigned char* p = (const unsigned char*)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p == '\t') fputs("\\t", f);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

/* A finite double as JSON (17 significant digits: exact round trip), else null. */
static void json_number(FILE* f, double x) {
  if (PetscIsInfOrNanReal(x)) fputs("null", f);
  else fprintf(f, "%.17g", x);
}

/* Opens a binary viewer on path: no .info side file, MPI-IO (each rank reads / writes its part). */
static PetscErrorCode open_binary(const char* path, PetscFileMode mode, PetscViewer* viewer) {
  PetscFunctionBeginUser;
  PetscCall(PetscViewerCreate(PETSC_COMM_WORLD, viewer));
  PetscCall(PetscViewerSetType(*viewer, PETSCVIEWERBINARY));
  PetscCall(PetscViewerBinarySetSkipInfo(*viewer, PETSC_TRUE));
  PetscCall(PetscViewerBinarySetUseMPIIO(*viewer, PETSC_TRUE));
  PetscCall(PetscViewerFileSetMode(*viewer, mode));
  PetscCall(PetscViewerFileSetName(*viewer, path));
  PetscFunctionReturn(0);
}

/* Loads the vector in `path` into v (laid out as A's rows) and checks it has `rows` entries. */
static PetscErrorCode load_vec(const char* path, const char* what, Vec v, PetscInt rows) {
  PetscViewer viewer;
  PetscInt n;
  PetscFunctionBeginUser;
  PetscCall(open_binary(path, FILE_MODE_READ, &viewer));
  PetscCall(VecLoad(v, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscCall(VecGetSize(v, &n));
  PetscCheck(n == rows, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ,
             "%s has %" PetscInt_FMT " entries, A %" PetscInt_FMT " rows", what, n, rows);
  PetscFunctionReturn(0);
}

/*
 * Checks that the type named by option `name` (e.g. -ksp_type), when set, is a registered type:
 * set_type is KSPSetType / PCSetType on obj. PETSc's own check (in KSPSetFromOptions) fails with
 * PETSC_ERR_ARG_UNKNOWN_TYPE without saying which option held the name; this one reports it.
 * Returns *bad = PETSC_TRUE after printing the error line.
 */
static PetscErrorCode check_type(const char* name, PetscObject obj,
                                 PetscErrorCode (*set_type)(PetscObject, const char*),
                                 PetscBool* bad) {
  char value[256];
  PetscBool set;
  PetscErrorCode ierr;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  *bad = PETSC_FALSE;
  PetscCall(PetscOptionsGetString(NULL, NULL, name, value, sizeof value, &set));
  if (!set) PetscFunctionReturn(0);
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = set_type(obj, value);
  PetscCall(PetscPopErrorHandler());
  if (ierr == PETSC_ERR_ARG_UNKNOWN_TYPE) {
    PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    if (rank == 0) {
      fputs("ITERSOLVE-PETSC-ERROR {\"kind\":\"unknown-type\",\"option\":", stderr);
      json_string(stderr, name + 1);
      fputs(",\"value\":", stderr);
      json_string(stderr, value);
      fputs("}\n", stderr);
      fflush(stderr);
    }
    *bad = PETSC_TRUE;
  } else PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode ksp_set_type(PetscObject o, const char* t) { return KSPSetType((KSP)o, t); }
static PetscErrorCode pc_set_type(PetscObject o, const char* t) { return PCSetType((PC)o, t); }

/* Reports the options that were set but never read (exit EXIT_UNUSED_OPTIONS). */
static PetscErrorCode check_unused(PetscBool* bad) {
  PetscInt n;
  char **names, **values;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  *bad = n > 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (n > 0 && rank == 0) {
    fputs("ITERSOLVE-PETSC-ERROR {\"kind\":\"unused-options\",\"options\":[", stderr);
    for (PetscInt i = 0; i < n; i++) {
      if (i) fputc(',', stderr);
      json_string(stderr, names[i]);
    }
    fputs("]}\n", stderr);
    fflush(stderr);
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(0);
}

static PetscErrorCode run(int* status) {
  char path_a[PETSC_MAX_PATH_LEN], path_b[PETSC_MAX_PATH_LEN], path_x[PETSC_MAX_PATH_LEN];
  char path_x0[PETSC_MAX_PATH_LEN];
  PetscBool has_a, has_b, has_x, has_x0, bad, flag;
  PetscViewer viewer;
  Mat A;
  Vec b, x, r;
  KSP ksp;
  PC pc;
  PetscInt rows, cols, iterations;
  PetscReal residual, ksp_residual;
  KSPConvergedReason reason;
  KSPType ksp_type;
  PCType pc_type;
  PetscMPIInt rank, size;
  PetscLogDouble t0, t1, t2, t3;

  PetscFunctionBeginUser;
  *status = 0;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-A", path_a, sizeof path_a, &has_a));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-b", path_b, sizeof path_b, &has_b));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-x", path_x, sizeof path_x, &has_x));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-x0", path_x0, sizeof path_x0, &has_x0));
  PetscCheck(has_a && has_b && has_x, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
             "usage: itersolve-petsc -A <file> -b <file> -x <file> [-x0 <file>] [PETSc options]");

  /* Load: A's rows in one contiguous block per rank (PETSc's split), b and x laid out alike. */
  PetscCall(PetscTime(&t0));
  PetscCall(MatCreate(PETSC_COMM_WORLD, &A));
  PetscCall(MatSetType(A, MATAIJ));
  PetscCall(MatSetFromOptions(A));
  PetscCall(open_binary(path_a, FILE_MODE_READ, &viewer));
  PetscCall(MatLoad(A, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscCall(MatGetSize(A, &rows, &cols));
  PetscCheck(rows == cols, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ,
             "A must be square: %" PetscInt_FMT " x %" PetscInt_FMT, rows, cols);
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(load_vec(path_b, "b", b, rows));
  if (has_x0) PetscCall(load_vec(path_x0, "x0", x, rows));
  PetscCall(PetscTime(&t1));

  /* The solver from the options; unknown type names reported with the option that held them. */
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(check_type("-ksp_type", (PetscObject)ksp, ksp_set_type, &bad));
  if (!bad) PetscCall(check_type("-pc_type", (PetscObject)pc, pc_set_type, &bad));
  if (bad) {
    *status = EXIT_UNKNOWN_TYPE;
  } else {
    if (has_x0) PetscCall(KSPSetInitialGuessNonzero(ksp, PETSC_TRUE));
    PetscCall(KSPSetFromOptions(ksp));
    /* KSPPREONLY skips the tolerance options: they count as read (the caller's rtol / atol still
       judge its result on the true residual). */
    PetscCall(PetscOptionsHasName(NULL, NULL, "-ksp_rtol", &flag));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-ksp_atol", &flag));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-ksp_max_it", &flag));
    PetscCall(KSPSetUp(ksp));
    PetscCall(PetscTime(&t2));
    PetscCall(KSPSolve(ksp, b, x));
    PetscCall(PetscTime(&t3));

    PetscCall(KSPGetConvergedReason(ksp, &reason));
    PetscCall(KSPGetIterationNumber(ksp, &iterations));
    PetscCall(KSPGetResidualNorm(ksp, &ksp_residual));
    PetscCall(KSPGetType(ksp, &ksp_type));
    PetscCall(PCGetType(pc, &pc_type));
    PetscCall(VecDuplicate(b, &r));
    PetscCall(MatMult(A, x, r));
    PetscCall(VecAYPX(r, -1.0, b)); /* r = b − A x */
    PetscCall(VecNorm(r, NORM_2, &residual));
    PetscCall(VecDestroy(&r));

    PetscCall(check_unused(&bad));
    if (bad) {
      *status = EXIT_UNUSED_OPTIONS;
    } else {
      PetscCall(open_binary(path_x, FILE_MODE_WRITE, &viewer));
      PetscCall(VecView(x, viewer));
      PetscCall(PetscViewerDestroy(&viewer));
      if (rank == 0) {
        printf("ITERSOLVE-PETSC {\"reason\":%d,\"reasonName\":", (int)reason);
        {
          char name[64];
          PetscCall(PetscSNPrintf(name, sizeof name, "KSP_%s", KSPConvergedReasons[reason]));
          json_string(stdout, name);
        }
        printf(",\"iterations\":%" PetscInt_FMT ",\"residualNorm\":", iterations);
        json_number(stdout, (double)residual);
        fputs(",\"kspResidualNorm\":", stdout);
        json_number(stdout, (double)ksp_residual);
        fputs(",\"ksp\":", stdout);
        json_string(stdout, ksp_type);
        fputs(",\"pc\":", stdout);
        json_string(stdout, pc_type);
        printf(",\"ranks\":%d,\"rows\":%" PetscInt_FMT ",\"loadMs\":", (int)size, rows);
        json_number(stdout, (t1 - t0) * 1e3);
        fputs(",\"setupMs\":", stdout);
        json_number(stdout, (t2 - t1) * 1e3);
        fputs(",\"solveMs\":", stdout);
        json_number(stdout, (t3 - t2) * 1e3);
        fputs("}\n", stdout);
        fflush(stdout);
      }
    }
  }
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

int main(int argc, char** argv) {
  PetscErrorCode ierr;
  int status = 0;

  /* Line-buffered stderr: each line goes out in one write(), so mpiexec's own messages on the
     same pipe cannot land inside an ITERSOLVE-PETSC-ERROR line (stderr is unbuffered by default:
     one write per fputs). */
  setvbuf(stderr, NULL, _IOLBF, 1 << 16);
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  ierr = run(&status);
  if (ierr) {
    /* PETSc's traceback is on stderr already; add the machine-readable line and end the whole
       job (other ranks may wait in a collective the failing rank never reaches). */
    const char* text = NULL;
    char* specific = NULL;
    PetscMPIInt rank = 0;
    PetscErrorMessage(ierr, &text, &specific);
    MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
    fprintf(stderr,
            "ITERSOLVE-PETSC-ERROR {\"kind\":\"petsc\",\"rank\":%d,\"code\":%d,\"message\":",
            (int)rank, (int)ierr);
    json_string(stderr, specific && *specific ? specific : text);
    fputs("}\n", stderr);
    fflush(stderr);
    MPI_Abort(PETSC_COMM_WORLD, 1);
    return 1;
  }
  PetscCall(PetscFinalize());
  return status;
}
