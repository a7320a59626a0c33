#include "tessera/graph/passes/pass_util.h"

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

}  // namespace tessera::graph
