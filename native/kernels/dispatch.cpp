// Runtime ISA detection and kernel-table selection. Baseline code only.
#include <cstring>

#include "kernels.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace itersolve {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
void cpuid(unsigned leaf, unsigned sub, unsigned r[4]) {
#if defined(_MSC_VER)
  int regs[4];
  __cpuidex(regs, static_cast<int>(leaf), static_cast<int>(sub));
  for (int i = 0; i < 4; ++i) r[i] = static_cast<unsigned>(regs[i]);
#else
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#endif
}

unsigned long long xgetbv0() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<unsigned long long>(hi) << 32) | lo;
#endif
}

struct X86Features {
  bool avx2fma = false;
  bool avx512 = false;
};

X86Features probe() {
  X86Features f;
  unsigned r[4];
  cpuid(0, 0, r);
  const unsigned maxLeaf = r[0];
  if (maxLeaf < 7) return f;
  cpuid(1, 0, r);
  const bool osxsave = (r[2] >> 27) & 1u;
  const bool avx = (r[2] >> 28) & 1u;
  const bool fma = (r[2] >> 12) & 1u;
  if (!osxsave || !avx) return f;
  const unsigned long long xcr0 = xgetbv0();
  const bool ymmState = (xcr0 & 0x6) == 0x6;           // SSE + AVX state saved by the OS
  const bool zmmState = (xcr0 & 0xE6) == 0xE6;         // + opmask, ZMM_Hi256, Hi16_ZMM
  cpuid(7, 0, r);
  const bool avx2 = (r[1] >> 5) & 1u;
  const bool avx512f = (r[1] >> 16) & 1u;
  const bool avx512dq = (r[1] >> 17) & 1u;
  const bool avx512vl = (r[1] >> 31) & 1u;
  f.avx2fma = ymmState && avx2 && fma;
  f.avx512 = f.avx2fma && zmmState && avx512f && avx512dq && avx512vl;
  return f;
}
#endif

}  // namespace

SimdLevel detect_simd() {
#if defined(__x86_64__) || defined(_M_X64)
  const X86Features f = probe();
  if (f.avx512) return SimdLevel::Avx512;
  if (f.avx2fma) return SimdLevel::Avx2;
  return SimdLevel::Scalar;
#elif defined(__aarch64__)
  return SimdLevel::Neon;
#else
  return SimdLevel::Scalar;
#endif
}

bool simd_supported(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar: return true;
#if defined(__x86_64__) || defined(_M_X64)
    case SimdLevel::Avx2: {
      const SimdLevel d = detect_simd();
      return d == SimdLevel::Avx2 || d == SimdLevel::Avx512;
    }
    case SimdLevel::Avx512: return detect_simd() == SimdLevel::Avx512;
#endif
#if defined(__aarch64__)
    case SimdLevel::Neon: return true;
#endif
    default: return false;
  }
}

const Kernels* kernels_for(SimdLevel level) {
  if (!simd_supported(level)) return nullptr;
  switch (level) {
#if defined(__x86_64__) || defined(_M_X64)
    case SimdLevel::Avx2: return kernels_avx2();
    case SimdLevel::Avx512: return kernels_avx512();
#endif
#if defined(__aarch64__)
    case SimdLevel::Neon: return kernels_neon();
#endif
    default: return kernels_scalar();
  }
}

const char* simd_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::Avx2: return "avx2";
    case SimdLevel::Avx512: return "avx512";
    case SimdLevel::Neon: return "neon";
    default: return "scalar";
  }
}

bool parse_simd(const char* s, SimdLevel* out) {
  if (s == nullptr) return false;
  if (std::strcmp(s, "scalar") == 0) {
    *out = SimdLevel::Scalar;
    return true;
  }
  if (std::strcmp(s, "avx2") == 0) {
    *out = SimdLevel::Avx2;
    return true;
  }
  if (std::strcmp(s, "avx512") == 0) {
    *out = SimdLevel::Avx512;
    return true;
  }
  if (std::strcmp(s, "neon") == 0) {
    *out = SimdLevel::Neon;
    return true;
  }
  return false;
}

}  // namespace itersolve
