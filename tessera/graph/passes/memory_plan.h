#pragma once
// Memory planning: where each intermediate buffer of a graph would live in one arena, reusing memory by liveness
// (TFLite's arena planner: greedy by size, first fit in time-disjoint gaps). The executor frees each value after
// its last reader, so the allocator can reuse memory the same way; the plan states the bound that reuse achieves.
#include <vector>

#include "tessera/graph/dynamic_shape.h"
#include "tessera/graph/graph.h"

namespace tessera::graph {

struct MemoryPlan {
  /// Per value: byte offset of its buffer in the arena; -1 for inputs, captures, constants and views (a view
  /// lives in its base's buffer).
  std::vector<int64_t> offset;
  int64_t arena_bytes = 0;      ///< Planned peak: the arena size.
  int64_t live_peak_bytes = 0;  ///< Lower bound: the most bytes alive at one step.
  int64_t unplanned_bytes = 0;  ///< Every intermediate in its own buffer, none freed.
};

/// Plans the buffers of all node outputs for the sizes bound to the graph's dynamic dims (`sizes`, one per symbol).
/// The graph's outputs live to the end. Buffers are 64-byte aligned, like the allocator's.
MemoryPlan plan_memory(const Graph& g, const Bindings& sizes = {});

}  // namespace tessera::graph
