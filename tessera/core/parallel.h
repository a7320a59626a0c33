#pragma once
// The one intra-op thread pool: OpenMP (GCC's libgomp), shared with oneDNN and the OpenMP build of OpenBLAS so
// the process never runs more compute threads than cores. TESSERA_NUM_THREADS overrides the default.
#include <algorithm>
#include <cstdint>

namespace tessera {

/// Threads used by parallel kernels: TESSERA_NUM_THREADS if set, else the number of physical cores.
int num_threads();
/// Sets the thread count for Tessera's kernels and the BLAS (>= 1).
void set_num_threads(int n);
/// Sets the thread count of the calling thread's kernels and BLAS calls only (0: back to the process-wide
/// setting). For helper threads such as data-loader workers, which run beside the compute threads: PyTorch's
/// DataLoader workers likewise call torch.set_num_threads(1). ValueError for n < 0.
void set_thread_num_threads(int n);
/// True inside a parallel region (nested parallel_for calls then run serially).
bool in_parallel_region();

/// Calls `f(begin_i, end_i)` on disjoint chunks covering [begin, end). Runs serially when the range is at
/// most `grain` elements, so small tensors pay no threading cost. Chunks depend only on the range and the
/// thread count, so results of order-sensitive kernels are reproducible for a given thread count.
template <class F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& f);

}  // namespace tessera

#include "tessera/core/parallel_impl.h"
