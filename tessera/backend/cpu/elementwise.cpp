#include "tessera/backend/cpu/elementwise.h"

#include <algorithm>

namespace tessera::cpu {

Tensor cast_to(const Tensor& t, DType d) {
  if (t.dtype() == d) return t;
  Tensor out = empty(t.shape(), TensorOptions(d).device(t.device()));
  copy_into(out, t);
  return out;
}

void check_no_zero_divisor(const Tensor& divisor, const char* op) {
  Tensor c = as_contiguous(divisor);
  bool zero = visit_dtype(c.dtype(), [&]<class T>() {
    const T* p = c.data_ptr<T>();
    return std::any_of(p, p + c.numel(), [](T v) { return static_cast<float>(v) == 0.0f; });
  });
  check<ValueError>(!zero, op, ": ZeroDivisionError (integer division by zero)");
}

}  // namespace tessera::cpu
