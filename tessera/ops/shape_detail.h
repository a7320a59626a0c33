#pragma once
// Private to the shape family (ops/shape*.cpp): the registration of its parts and its gradient rules.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tessera/ops/shape.h"

namespace tessera {
class Registry;
namespace shape_detail {
void register_view_ops(Registry& r);  // ops/shape.cpp
void register_join_ops(Registry& r);  // ops/shape_join.cpp
void register_copy_ops(Registry& r);  // ops/shape_copies.cpp: flip, slice_scatter

/// The shape of t.slice(s.dim, s.start, s.end, s.step), validated; errors name `op`.
Shape sliced_shape(const TensorType& t, const SliceAttrs& s, const char* op);

/// The slice attributes the samples of slice and slice_scatter share.
inline std::shared_ptr<SliceAttrs> slice_attrs(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
                                               int64_t step) {
  auto a = std::make_shared<SliceAttrs>();
  a->dim = dim;
  a->start = start;
  a->end = end;
  a->step = step;
  return a;
}

/// An op of this family whose gradient rule reads only the call's types and attributes (the tape keeps no
/// tensors for it).
inline OpDef shape_op(std::string name, InferFn infer, VjpFn vjp, SampleFn samples, bool is_view) {
  return {.name = std::move(name),
          .infer = infer,
          .vjp = vjp,
          .is_view = is_view,
          .vjp_needs_inputs = false,
          .vjp_needs_outputs = false,
          .samples = samples};
}

// Gradient rules (ops/shape_grad.cpp). All but as_strided_vjp read only the call's types and attributes.
using Grads = std::vector<Tensor>;
Grads reshape_vjp(const OpCall& c, std::span<const Tensor> g);  // view and reshape
Grads permute_vjp(const OpCall& c, std::span<const Tensor> g);
Grads slice_vjp(const OpCall& c, std::span<const Tensor> g);
Grads select_vjp(const OpCall& c, std::span<const Tensor> g);
Grads expand_vjp(const OpCall& c, std::span<const Tensor> g);
Grads as_strided_vjp(const OpCall& c, std::span<const Tensor> g);  // reads input 0's strides
Grads cat_vjp(const OpCall& c, std::span<const Tensor> g);
Grads split_vjp(const OpCall& c, std::span<const Tensor> g);
Grads unbind_vjp(const OpCall& c, std::span<const Tensor> g);
Grads flip_vjp(const OpCall& c, std::span<const Tensor> g);
Grads slice_scatter_vjp(const OpCall& c, std::span<const Tensor> g);
}  // namespace shape_detail
}  // namespace tessera
