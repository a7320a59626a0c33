// set_thread_num_threads: a per-thread thread count for helper threads (data-loader workers), which leaves the
// process-wide setting alone.
#include "tessera/core/parallel.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <thread>
#include <utility>
#include <vector>

#include "tessera/core/error.h"

namespace tessera {
namespace {

TEST(Parallel, ThreadNumThreadsAppliesToTheCallingThreadOnly) {
  const int process = num_threads();
  ASSERT_GE(process, 2) << "ctest runs with TESSERA_NUM_THREADS=2";
  int seen = -1, seen_omp = -1, back = -1;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  std::thread worker([&] {
    set_thread_num_threads(1);
    seen = num_threads();
    seen_omp = omp_get_max_threads();  // what oneDNN and OpenBLAS ask for
    parallel_for(0, 1000, 1, [&](int64_t b, int64_t e) { chunks.emplace_back(b, e); });
    set_thread_num_threads(0);
    back = num_threads();
  });
  worker.join();
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(seen_omp, 1);
  EXPECT_EQ(chunks, (std::vector<std::pair<int64_t, int64_t>>{{0, 1000}}));  // one chunk, run inline
  EXPECT_EQ(back, process);
  EXPECT_EQ(num_threads(), process);
  EXPECT_EQ(omp_get_max_threads(), process);
  EXPECT_THROW(set_thread_num_threads(-1), ValueError);
}

}  // namespace
}  // namespace tessera
