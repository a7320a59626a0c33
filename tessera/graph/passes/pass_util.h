#pragma once
// Small predicates the passes share.
#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::graph {

/// A node drawing random numbers (never merged, folded or removed as a duplicate).
bool is_random_node(const Node& n);
/// The constant tensor a value holds, or an undefined tensor when it is not a constant.
Tensor constant_of(const Graph& g, ValueId v);
/// True when `t` is a defined constant all of whose elements equal `value`.
bool all_equal(const Tensor& t, double value);

/// How many nodes read each value (a node reading a value twice counts once); a graph output counts as two
/// readers, so a value with one reader is never an output. Indexed by ValueId.
std::vector<int> count_readers(const Graph& g);

}  // namespace tessera::graph
