#pragma once
// softmax and log_softmax along one dim, computed stably (the row max is subtracted first), as single ops so
// that cross_entropy does not round-trip through exp/log.
#include <optional>
#include <string>

#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of softmax and log_softmax: the normalized dim (negative counts from the end).
struct SoftmaxAttrs final : AttrsOf<SoftmaxAttrs> {
  int64_t dim = -1;
  std::string repr() const override;
};

/// exp(x) / sum(exp(x), dim) (torch.softmax): same shape as x; float32/float64 (DTypeError otherwise, and
/// IndexError naming softmax for a bad dim). A 0-d input is its own single-element row.
Tensor softmax(const Tensor& x, int64_t dim);
/// x - logsumexp(x, dim) (torch.log_softmax), stable for large |x|; as softmax otherwise.
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace tessera
