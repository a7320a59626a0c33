#pragma once
// Shapes and strides (in elements), and the rules on them that many ops share.
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace tessera {

/// Sizes of a tensor's dimensions, outermost first. A 0-d tensor (scalar) has an empty shape.
using Shape = std::vector<int64_t>;
/// Element strides per dimension; may be 0 (broadcast) and need not be contiguous.
using Strides = std::vector<int64_t>;
using IntList = std::span<const int64_t>;

/// Product of the sizes (1 for a 0-d shape).
int64_t numel(IntList shape);
/// Row-major (C-order) strides for a shape.
Strides contiguous_strides(IntList shape);
/// "[3, 4]".
std::string shape_str(IntList shape);

/// A shape to print lazily: `check(ok, "op: shape ", fmt_shape(s))` formats only when the check fails, unlike
/// shape_str, which builds its string on every call (a measurable cost on the per-op hot path).
struct ShapeFmt {
  IntList shape;
};
inline ShapeFmt fmt_shape(IntList shape) { return {shape}; }
std::ostream& operator<<(std::ostream& os, ShapeFmt s);

/// NumPy broadcasting of two shapes; throws ShapeError naming `op` and both shapes when they do not broadcast.
Shape broadcast_shapes(IntList a, IntList b, const char* op);

/// Wraps a possibly negative dimension into [0, ndim); throws IndexError naming `op`, the dim and the range.
/// A 0-d tensor accepts dims 0 and -1, like PyTorch.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
/// Wraps a list of dims and checks that none repeats. An empty list means "all dims" only where the caller says so.
std::vector<int64_t> wrap_dims(IntList dims, int64_t ndim, const char* op);

}  // namespace tessera
