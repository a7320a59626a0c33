#pragma once
// Template body of parallel_for (kept out of parallel.h so the interface reads on its own).
#include <omp.h>

namespace tessera {

template <class F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& f) {
  int64_t n = end - begin;
  if (n <= 0) return;
  int threads = num_threads();
  if (n <= grain || threads == 1 || in_parallel_region()) {
    f(begin, end);
    return;
  }
  int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / std::max<int64_t>(grain, 1));
#pragma omp parallel num_threads(static_cast <int>(chunks))
  {
    int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t per = (n + nt - 1) / nt;
    int64_t b = begin + t * per, e = std::min(end, b + per);
    if (b < e) f(b, e);
  }
}

}  // namespace tessera
