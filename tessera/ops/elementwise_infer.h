#pragma once
// Shape/dtype rules shared by the elementwise families (unary.cpp, binary.cpp, compare.cpp).
#include <span>

#include "tessera/ops/op.h"

namespace tessera {

/// The result of an elementwise op over `in`: PyTorch's promoted dtype (result_type) and the NumPy broadcast of
/// all shapes. ShapeError naming `op` and the shapes when they do not broadcast.
TensorType broadcast_result(const char* op, std::span<const TensorType> in);
/// The dtype of `tensor op number` for a tensor of dtype `t` (result_type(Tensor, Scalar) on types): the
/// number's default dtype when it is of a higher category (bool < integer < float), else t.
DType promote_with_number(DType t, const Scalar& s);
/// DTypeError naming `op` when `d` is bool.
void check_not_bool(const char* op, DType d);
/// DTypeError naming `op` when `d` is not a floating dtype.
void check_floating(const char* op, DType d);
/// The dtype float-valued math gives for input dtype `d`: d when floating, else the default float (torch.exp on
/// an int64 tensor is float32).
DType float_result(DType d);

}  // namespace tessera
