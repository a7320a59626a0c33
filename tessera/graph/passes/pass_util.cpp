#include "tessera/graph/passes/pass_util.h"

#include <algorithm>

#include "tessera/core/dtype_dispatch.h"
#include "tessera/graph/random_nodes.h"

namespace tessera::graph {

bool is_random_node(const Node& n) { return is_random_attrs(*n.attrs); }

Tensor constant_of(const Graph& g, ValueId v) {
  const Value& val = g.value(v);
  return val.kind == ValueKind::kConstant ? val.tensor : Tensor();
}

bool all_equal(const Tensor& t, double value) {
  if (!t.defined() || t.numel() == 0) return false;
  const Tensor c = t.contiguous();
  return visit_dtype(c.dtype(), [&]<class T>() {
    const T* p = c.data_ptr<T>();
    for (int64_t i = 0; i < c.numel(); ++i) {
      if (static_cast<double>(p[i]) != value) return false;
    }
    return true;
  });
}

std::vector<int> count_readers(const Graph& g) {
  std::vector<int> readers(g.values().size(), 0);
  for (const Node& n : g.nodes()) {
    std::vector<ValueId> distinct = n.inputs;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    for (ValueId v : distinct) ++readers[static_cast<size_t>(v)];
  }
  for (ValueId v : g.outputs()) readers[static_cast<size_t>(v)] += 2;
  return readers;
}

}  // namespace tessera::graph
