// The assertion macro the pure C++ test programs share: counts checks, reports a failed one with
// its file and line, and lets the program go on (main returns failures != 0).
#pragma once
#include <cstdio>

static int failures = 0;
static int checks = 0;
#define CHECK(cond)                                                                 \
  do {                                                                              \
    ++checks;                                                                       \
    if (!(cond)) {                                                                  \
      ++failures;                                                                   \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                               \
  } while (0)
