// Driver for fuzz targets when libFuzzer is not available (e.g. g++ builds).
//
//   fuzz_target [options] FILE_OR_DIR...
//
// Runs LLVMFuzzerTestOneInput once over every file given (directories are walked recursively).
// Options (libFuzzer spelling, so fuzz/build.sh passes the same flags to both builds):
//   -max_total_time=S  after the replay, keep mutating the inputs for S seconds (random byte
//                      edits, splices and dictionary tokens); 0 (default) = replay only
//   -runs=N            stop the mutation phase after N executions
//   -seed=N            PRNG seed (default 1)
//   -artifact_prefix=P where a crashing input is saved before it runs (default ./)
// Other '-' options are ignored. A crash aborts the process (sanitizers print the report); the
// input being executed is saved as P + "crash-current" first.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

std::vector<std::string> collect(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (const auto& a : args) {
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      for (fs::recursive_directory_iterator it(a, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec)) files.push_back(it->path().string());
    } else {
      files.push_back(a);
    }
  }
  return files;
}

bool read_all(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

uint64_t rng_state = 1;
uint64_t rnd() {  // splitmix64
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
size_t below(size_t n) { return n ? static_cast<size_t>(rnd() % n) : 0; }

const char* const kTokens[] = {"%%MatrixMarket",
                               "matrix",
                               "coordinate",
                               "array",
                               "real",
                               "integer",
                               "pattern",
                               "complex",
                               "general",
                               "symmetric",
                               "skew-symmetric",
                               "hermitian",
                               "%",
                               "\n",
                               "\r\n",
                               " ",
                               "\t",
                               "0",
                               "1",
                               "-1",
                               "+",
                               "-",
                               ".",
                               "e",
                               "E",
                               "D",
                               "nan",
                               "inf",
                               "-inf",
                               "1e308",
                               "1e-400",
                               "4.9e-324",
                               "2147483647",
                               "2147483648",
                               "4294967296",
                               "99999999999999999999",
                               "0.5",
                               "-0",
                               "\xEF\xBB\xBF"};

void mutate(std::string& s, const std::vector<std::string>& pool) {
  const int n = 1 + static_cast<int>(below(6));
  for (int m = 0; m < n; ++m) {
    switch (below(8)) {
      case 0:  // overwrite a byte
        if (!s.empty()) s[below(s.size())] = static_cast<char>(rnd());
        break;
      case 1: {  // overwrite with a "interesting" char
        static const char kChars[] = "0123456789 \n\r\t%.-+eE";
        if (!s.empty()) s[below(s.size())] = kChars[below(sizeof(kChars) - 1)];
        break;
      }
      case 2:
      case 3: {  // insert a token
        const char* t = kTokens[below(sizeof(kTokens) / sizeof(kTokens[0]))];
        s.insert(below(s.size() + 1), t);
        break;
      }
      case 4:  // erase a range
        if (!s.empty()) {
          const size_t at = below(s.size());
          s.erase(at, 1 + below(std::min<size_t>(16, s.size() - at)));
        }
        break;
      case 5:  // duplicate a range
        if (!s.empty()) {
          const size_t at = below(s.size());
          const size_t len = 1 + below(std::min<size_t>(64, s.size() - at));
          s.insert(below(s.size() + 1), s.substr(at, len));
        }
        break;
      case 6:  // splice with another input
        if (!pool.empty()) {
          const std::string& o = pool[below(pool.size())];
          const size_t a = below(o.size() + 1);
          s = s.substr(0, below(s.size() + 1)) + o.substr(a, below(o.size() - a + 1));
        }
        break;
      default:  // change a digit run
        if (!s.empty()) {
          const size_t at = below(s.size());
          if (s[at] >= '0' && s[at] <= '9') s[at] = static_cast<char>('0' + below(10));
        }
        break;
    }
  }
  if (s.size() > 65536) s.resize(65536);
}

std::string artifact_prefix = "./";

void run_one(const std::string& s, bool save) {
  if (save) {  // keep the input on disk in case it crashes the process
    std::FILE* f = std::fopen((artifact_prefix + "crash-current").c_str(), "wb");
    if (f) {
      std::fwrite(s.data(), 1, s.size(), f);
      std::fclose(f);
    }
  }
  // Copy into an exactly-sized heap buffer so ASan catches reads past the end.
  uint8_t* buf = static_cast<uint8_t*>(std::malloc(s.size() ? s.size() : 1));
  if (!s.empty()) std::memcpy(buf, s.data(), s.size());
  LLVMFuzzerTestOneInput(buf, s.size());
  std::free(buf);
}

}  // namespace

int main(int argc, char** argv) {
  double max_time = 0;
  long long runs = -1;
  std::vector<std::string> paths;
  for (int k = 1; k < argc; ++k) {
    const char* a = argv[k];
    if (std::strncmp(a, "-max_total_time=", 16) == 0) max_time = std::atof(a + 16);
    else if (std::strncmp(a, "-runs=", 6) == 0) runs = std::atoll(a + 6);
    else if (std::strncmp(a, "-seed=", 6) == 0) rng_state = std::strtoull(a + 6, nullptr, 10);
    else if (std::strncmp(a, "-artifact_prefix=", 17) == 0) artifact_prefix = a + 17;
    else if (a[0] == '-') continue;
    else paths.push_back(a);
  }
  const std::vector<std::string> files = collect(paths);
  std::vector<std::string> pool;
  for (const auto& f : files) {
    std::string s;
    if (!read_all(f, s)) {
      std::fprintf(stderr, "cannot read %s\n", f.c_str());
      return 1;
    }
    std::fprintf(stderr, "running %s (%zu bytes)\n", f.c_str(), s.size());
    run_one(s, false);
    pool.push_back(std::move(s));
  }
  std::fprintf(stderr, "replayed %zu inputs\n", pool.size());
  if (max_time <= 0 && runs < 0) return 0;
  if (pool.empty()) pool.emplace_back("");
  const auto t0 = std::chrono::steady_clock::now();
  long long n = 0;
  for (;; ++n) {
    if (runs >= 0 && n >= runs) break;
    if ((n & 63) == 0 && max_time > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >= max_time)
      break;
    std::string s = pool[below(pool.size())];
    mutate(s, pool);
    run_one(s, true);
    // Keep a few mutants as new seeds (no coverage feedback; just broadens the walk).
    if (below(16) == 0) {
      if (pool.size() < 4096) pool.push_back(std::move(s));
      else pool[below(pool.size())] = std::move(s);
    }
  }
  std::remove((artifact_prefix + "crash-current").c_str());
  std::fprintf(stderr, "mutation phase: %lld executions, no crash\n", n);
  return 0;
}
