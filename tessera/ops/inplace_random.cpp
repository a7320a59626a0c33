// The in-place random methods declared in core/tensor.h: sample a fresh tensor, then copy_ it in (which
// converts, writes through views and bumps the version counter like every in-place op).
#include "tessera/ops/copy.h"
#include "tessera/ops/random.h"

namespace tessera {

Tensor& Tensor::uniform_(double from, double to, Generator* gen) {
  return copy_(uniform(shape(), from, to, options(), gen));
}

Tensor& Tensor::normal_(double mean, double std, Generator* gen) {
  return copy_(normal(mean, std, shape(), options(), gen));
}

}  // namespace tessera
