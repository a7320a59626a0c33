#pragma once
// Padding (torch.nn.functional.pad): constant, reflect, replicate and circular padding of the trailing dims.
//
// Note [Padding as an index map]
// Every mode maps each output position, dim by dim, to one input position (or to the fill value): with `left`
// and `right` the pads of a dim of size n and i = o - left,
//   constant   i if 0 <= i < n, else the fill value (negative pads crop)
//   reflect    |i| reflected at both ends without repeating the edge: -1 -> 1, n -> n - 2
//   replicate  i clamped into [0, n - 1]
//   circular   negative pads crop first; positive ones then wrap around the cropped dim (PyTorch's order)
// So pad is linear, and its adjoint pad_backward sums each output gradient into the input position it came
// from. The adjoint of pad_backward is pad again (with a zero fill), so both are differentiable to any order.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera {

enum class PadMode : uint8_t { kConstant, kReflect, kReplicate, kCircular };

/// Parses "constant", "reflect", "replicate" or "circular" (NotImplementedError naming `op` otherwise).
PadMode pad_mode_from(const std::string& mode, const char* op);
/// The PyTorch name of a mode ("reflect").
const char* pad_mode_name(PadMode mode);

/// Attributes of pad and pad_backward. `pad` is in PyTorch's order, last dim first: (left, right) of the last
/// dim, then (top, bottom) of the one before, ... pad_backward needs no input size: it is the gradient's size
/// minus the pads (so nothing here depends on the batch size when a graph is traced).
struct PadAttrs final : AttrsOf<PadAttrs> {
  std::vector<int64_t> pad;
  PadMode mode = PadMode::kConstant;
  double value = 0.0;
  std::string repr() const override;
};

/// The input position that output position `o` of a dim of size `n` with pads (left, right) reads, or -1 for
/// the fill value (Note [Padding as an index map]). The pads must be valid for the mode.
int64_t pad_source_index(PadMode mode, int64_t o, int64_t n, int64_t left, int64_t right);

/// Pads the trailing dims of `input` (torch.nn.functional.pad): `pad` holds 2k sizes, (left, right) of the last
/// dim first, for the last k dims; the output is input's shape with size + left + right on those dims.
/// "constant" (the default) fills with `value` (0 when absent), pads any number of dims of any dtype and crops on
/// negative pads. "reflect", "replicate" and "circular" pad the last 1, 2 or 3 dims of an input with one or two
/// more (batch, channel) dims, like PyTorch; reflect pads must be smaller than the dim, circular pads at most
/// the dim. Errors: ValueError for an odd pad length or a `value` with another mode; NotImplementedError for an
/// unknown mode; ShapeError naming pad, the input shape and the pads for too many pads, a wrong rank, a negative
/// result, an empty padded dim or pads too large for the mode.
Tensor pad(const Tensor& input, std::vector<int64_t> pad, const std::string& mode = "constant",
           std::optional<double> value = {});
/// pad with a parsed mode.
Tensor pad(const Tensor& input, std::vector<int64_t> pad, PadMode mode, double value = 0.0);
/// The gradient of pad: sums each element of grad_output into the input position it was read from; the result
/// has grad_output's shape less the pads (floating dtypes). Errors as pad, for that input shape.
Tensor pad_backward(const Tensor& grad_output, std::vector<int64_t> pad, PadMode mode);

}  // namespace tessera
