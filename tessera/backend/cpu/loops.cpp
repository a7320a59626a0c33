#include "tessera/backend/cpu/loops.h"

namespace tessera::cpu {

Operand operand(const Tensor& t, const Shape& shape) {
  const int64_t nd = static_cast<int64_t>(shape.size()), td = t.dim();
  check<ShapeError>(td <= nd, "operand: tensor of shape ", fmt_shape(t.shape()), " does not broadcast to ",
                    fmt_shape(shape));
  Operand op{static_cast<char*>(t.raw_data()), Strides(nd, 0)};
  const int64_t isz = static_cast<int64_t>(t.element_size());
  for (int64_t d = 0; d < td; ++d) {
    int64_t sd = nd - td + d;
    int64_t ts = t.shape()[d];
    check<ShapeError>(ts == shape[sd] || ts == 1, "operand: tensor of shape ", fmt_shape(t.shape()),
                      " does not broadcast to ", fmt_shape(shape));
    op.byte_strides[sd] = ts == 1 ? 0 : t.strides()[d] * isz;
  }
  return op;
}

}  // namespace tessera::cpu
