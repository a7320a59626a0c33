#include "tessera/graph/passes/memory_plan.h"

#include <algorithm>

namespace tessera::graph {
namespace {

constexpr int64_t kAlign = 64;

struct Buffer {
  ValueId value;
  int64_t bytes;
  int first, last;  // node steps during which it is alive
};

}  // namespace

MemoryPlan plan_memory(const Graph& g, const Bindings& sizes) {
  const size_t nv = g.values().size();
  const int steps = static_cast<int>(g.num_nodes());
  MemoryPlan plan;
  plan.offset.assign(nv, -1);
  std::vector<ValueId> root(nv);  // the value whose buffer a value lives in (itself, or a view's base)
  std::vector<int> first(nv, -1), last(nv, -1);
  for (size_t v = 0; v < nv; ++v) root[v] = static_cast<ValueId>(v);
  for (const Node& n : g.nodes()) {
    for (ValueId in : n.inputs) {
      const auto r = static_cast<size_t>(root[static_cast<size_t>(in)]);
      last[r] = std::max(last[r], n.id);
    }
    for (ValueId o : n.outputs) {
      const auto u = static_cast<size_t>(o);
      if (n.def->is_view && !n.inputs.empty()) {
        root[u] = root[static_cast<size_t>(n.inputs[0])];
      } else {
        first[u] = last[u] = n.id;
      }
    }
  }
  for (ValueId o : g.outputs()) last[static_cast<size_t>(root[static_cast<size_t>(o)])] = steps;
  std::vector<Buffer> buffers;
  for (const Value& v : g.values()) {
    const auto u = static_cast<size_t>(v.id);
    if (v.kind != ValueKind::kNodeOutput || root[u] != v.id) continue;
    const int64_t raw =
        numel(resolve_shape(g.symbols(), sizes, v.type.shape)) * static_cast<int64_t>(itemsize(v.type.dtype));
    const int64_t bytes = (raw + kAlign - 1) / kAlign * kAlign;
    buffers.push_back({v.id, bytes, first[u], last[u]});
    plan.unplanned_bytes += bytes;
  }
  for (int t = 0; t <= steps; ++t) {
    int64_t live = 0;
    for (const Buffer& b : buffers) live += (b.first <= t && t <= b.last) ? b.bytes : 0;
    plan.live_peak_bytes = std::max(plan.live_peak_bytes, live);
  }
  // Largest first; each takes the lowest offset that overlaps no placed buffer alive at the same time.
  std::vector<size_t> order(buffers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });
  std::vector<size_t> placed;
  for (size_t i : order) {
    const Buffer& b = buffers[i];
    std::vector<std::pair<int64_t, int64_t>> busy;  // [offset, end) of time-overlapping placed buffers
    for (size_t j : placed) {
      const Buffer& o = buffers[j];
      if (o.first <= b.last && b.first <= o.last) {
        const int64_t off = plan.offset[static_cast<size_t>(o.value)];
        busy.emplace_back(off, off + o.bytes);
      }
    }
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (const auto& [lo, hi] : busy) {
      if (at + b.bytes <= lo) break;
      at = std::max(at, hi);
    }
    plan.offset[static_cast<size_t>(b.value)] = at;
    plan.arena_bytes = std::max(plan.arena_bytes, at + b.bytes);
    placed.push_back(i);
  }
  for (size_t v = 0; v < nv; ++v) {
    if (root[v] != static_cast<ValueId>(v) && g.value(static_cast<ValueId>(v)).kind == ValueKind::kNodeOutput)
      plan.offset[v] = -1;
  }
  return plan;
}

}  // namespace tessera::graph
