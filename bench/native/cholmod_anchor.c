/* CHOLMOD anchor for bench/direct.js: SuiteSparse CHOLMOD (supernodal, its default ordering choice:
 * AMD, then METIS/NESDIS when AMD's fill is poor) on the 2D 5-point (4 on the diagonal) or 3D
 * 7-point (6) Poisson matrix, the same matrices as itersolve's poisson2d / poisson3d, stored as the
 * lower triangle (stype −1), b = ones.
 *
 *   build: cc -O3 -march=native -o cholmod_anchor cholmod_anchor.c -I/usr/include/suitesparse \
 *            -lcholmod -lm                                   (Debian: libsuitesparse-dev)
 *   run:   cholmod_anchor N D REPS   (unset OPENBLAS_CORETYPE for this process only)
 *
 * Each repetition times cholmod_analyze, cholmod_factorize and cholmod_solve on a fresh factor,
 * then a second cholmod_factorize on the same factor (numeric only: CHOLMOD's refactorisation).
 * Prints one line of JSON: the best time of each phase over REPS (seconds), the best total
 * (analyse + factorise + solve of one repetition), nnz(L), the ordering CHOLMOD chose and
 * ‖b − A x‖ / ‖b‖. */
#include <cholmod.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double best(double a, double b) { return b < a ? b : a; }

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: cholmod_anchor N D [REPS]\n");
    return 2;
  }
  const long N = atol(argv[1]);
  const int dim = atoi(argv[2]);
  const int reps = argc > 3 ? atoi(argv[3]) : 3;
  if (N < 1 || (dim != 2 && dim != 3) || reps < 1) {
    fprintf(stderr, "cholmod_anchor: N >= 1, D in {2, 3}, REPS >= 1\n");
    return 2;
  }
  const long n = dim == 2 ? N * N : N * N * N;
  cholmod_common cm;
  cholmod_start(&cm);
  cholmod_triplet* T = cholmod_allocate_triplet(n, n, (size_t)n * (dim + 1), -1, CHOLMOD_REAL, &cm);
  int* ti = (int*)T->i;
  int* tj = (int*)T->j;
  double* tx = (double*)T->x;
  long k = 0;
  const long stride[3] = {1, N, N * N};
  for (long r = 0; r < n; r++) {
    ti[k] = (int)r;
    tj[k] = (int)r;
    tx[k++] = 2.0 * dim;
    for (int a = 0; a < dim; a++) {
      if ((r / stride[a]) % N > 0) { /* the neighbour below along axis a */
        ti[k] = (int)r;
        tj[k] = (int)(r - stride[a]);
        tx[k++] = -1.0;
      }
    }
  }
  T->nnz = (size_t)k;
  cholmod_sparse* A = cholmod_triplet_to_sparse(T, (size_t)k, &cm);
  cholmod_dense* b = cholmod_ones((size_t)n, 1, CHOLMOD_REAL, &cm);

  double tA = INFINITY, tF = INFINITY, tS = INFINITY, tTotal = INFINITY, tRe = INFINITY;
  double relres = NAN, lnz = 0;
  int ordering = -1;
  for (int rep = 0; rep < reps; rep++) {
    const double t0 = seconds();
    cholmod_factor* L = cholmod_analyze(A, &cm);
    const double t1 = seconds();
    cholmod_factorize(A, L, &cm);
    const double t2 = seconds();
    cholmod_dense* x = cholmod_solve(CHOLMOD_A, L, b, &cm);
    const double t3 = seconds();
    cholmod_factorize(A, L, &cm);
    const double t4 = seconds();
    if (cm.status != CHOLMOD_OK || x == NULL) {
      fprintf(stderr, "cholmod_anchor: CHOLMOD failed (status %d)\n", cm.status);
      return 1;
    }
    tA = best(tA, t1 - t0);
    tF = best(tF, t2 - t1);
    tS = best(tS, t3 - t2);
    tTotal = best(tTotal, t3 - t0);
    tRe = best(tRe, t4 - t3);
    lnz = cm.lnz;
    ordering = L->ordering;
    double one[2] = {1, 0}, minus[2] = {-1, 0};
    cholmod_dense* r = cholmod_copy_dense(b, &cm);
    cholmod_sdmult(A, 0, minus, one, x, r, &cm);
    relres = cholmod_norm_dense(r, 2, &cm) / cholmod_norm_dense(b, 2, &cm);
    cholmod_free_dense(&r, &cm);
    cholmod_free_dense(&x, &cm);
    cholmod_free_factor(&L, &cm);
  }
  static const char* names[] = {"natural", "given",  "amd",        "metis",
                                "nesdis",  "colamd", "postordered"};
  printf(
      "{\"n\":%ld,\"dim\":%d,\"N\":%ld,\"analyse\":%.6f,\"factorise\":%.6f,\"solve\":%.6f,"
      "\"total\":%.6f,\"refactor\":%.6f,\"nnzL\":%.0f,\"ordering\":\"%s\",\"relres\":%.3e,"
      "\"version\":\"%d.%d.%d\"}\n",
      n, dim, N, tA, tF, tS, tTotal, tRe, lnz,
      ordering >= 0 && ordering <= 6 ? names[ordering] : "other", relres, CHOLMOD_MAIN_VERSION,
      CHOLMOD_SUB_VERSION, CHOLMOD_SUBSUB_VERSION);
  cholmod_free_dense(&b, &cm);
  cholmod_free_sparse(&A, &cm);
  cholmod_free_triplet(&T, &cm);
  cholmod_finish(&cm);
  return 0;
}
