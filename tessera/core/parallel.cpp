#include "tessera/core/parallel.h"

#include <omp.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "tessera/core/error.h"

extern "C" void openblas_set_num_threads(int);  // from libopenblas; a no-op with its OpenMP build

namespace tessera {
namespace {

// Physical cores: distinct (package, core id) pairs in /proc/cpuinfo; falls back to hardware threads.
int physical_cores() {
  std::ifstream in("/proc/cpuinfo");
  std::set<std::pair<int, int>> cores;
  std::string line;
  int phys = 0;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (line.rfind("physical id", 0) == 0) phys = std::atoi(line.c_str() + colon + 1);
    if (line.rfind("core id", 0) == 0) cores.emplace(phys, std::atoi(line.c_str() + colon + 1));
  }
  int n = static_cast<int>(cores.size());
  if (n == 0) n = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(n, 1);
}

int initial_threads() {
  if (const char* env = std::getenv("TESSERA_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return n;
  }
  return physical_cores();
}

std::atomic<int>& thread_setting() {
  static std::atomic<int> n{[] {
    int t = initial_threads();
    omp_set_num_threads(t);
    openblas_set_num_threads(t);
    return t;
  }()};
  return n;
}

thread_local int this_thread_threads = 0;  // set_thread_num_threads; 0: the process-wide setting

}  // namespace

int num_threads() {
  return this_thread_threads > 0 ? this_thread_threads : thread_setting().load(std::memory_order_relaxed);
}

void set_thread_num_threads(int n) {
  check<ValueError>(n >= 0, "set_thread_num_threads: expected 0 or more threads, got ", n);
  this_thread_threads = n;
  // libgomp keeps omp_set_num_threads per thread outside parallel regions, so oneDNN's and OpenBLAS's OpenMP
  // regions started from this thread follow; the OpenMP build of OpenBLAS asks OpenMP for its count.
  omp_set_num_threads(n > 0 ? n : thread_setting().load(std::memory_order_relaxed));
}

void set_num_threads(int n) {
  check<ValueError>(n >= 1, "set_num_threads: expected at least 1 thread, got ", n);
  thread_setting().store(n);
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

bool in_parallel_region() { return omp_in_parallel() != 0; }

}  // namespace tessera
