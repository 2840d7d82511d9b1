// The fuzz targets' input reader: takes fixed-size values from the fuzzer's bytes, zero-padded
// once the bytes run out (every input decodes to something).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fuzz {
struct Reader {
  const uint8_t* p;
  size_t n;
  template <class T>
  T take() {
    T v{};
    const size_t k = n < sizeof(T) ? n : sizeof(T);
    std::memcpy(&v, p, k);
    p += k;
    n -= k;
    return v;
  }
};
}  // namespace fuzz
