#pragma once
// Random ops inside graphs: found by their attribute types, and given a new stream on every run (a traced
// dropout draws a new mask each step, as the eager op does on each call).
#include <memory>

#include "tessera/ops/op.h"

namespace tessera::graph {

/// True for the attributes of uniform, normal, randint, randperm and bernoulli.
bool is_random_attrs(const Attrs& a);
/// A copy of random attributes with a stream reserved from the default generator for output type `out`.
std::shared_ptr<const Attrs> with_fresh_stream(const std::shared_ptr<const Attrs>& attrs, const TensorType& out);

}  // namespace tessera::graph
