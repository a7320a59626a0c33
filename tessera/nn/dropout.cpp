#include "tessera/nn/dropout.h"

#include "tessera/nn/functional.h"

namespace tessera::nn {

Dropout::Dropout(double p) : p(p) {
  check<ValueError>(p >= 0.0 && p <= 1.0, "Dropout: probability has to be between 0 and 1, but got ", p);
}
Tensor Dropout::forward(const Tensor& input) { return functional::dropout(input, p, is_training(), generator); }

Dropout2d::Dropout2d(double p) : p(p) {
  check<ValueError>(p >= 0.0 && p <= 1.0, "Dropout2d: probability has to be between 0 and 1, but got ", p);
}
Tensor Dropout2d::forward(const Tensor& input) { return functional::dropout2d(input, p, is_training(), generator); }

Dropout1d::Dropout1d(double p) : p(p) {
  check<ValueError>(p >= 0.0 && p <= 1.0, "Dropout1d: probability has to be between 0 and 1, but got ", p);
}
Tensor Dropout1d::forward(const Tensor& input) { return functional::dropout1d(input, p, is_training(), generator); }

Tensor functional::dropout1d(const Tensor& input, double p, bool training, Generator* gen) {
  check<ValueError>(p >= 0.0 && p <= 1.0, "dropout1d: probability has to be between 0 and 1, but got ", p);
  check<ShapeError>(input.dim() == 2 || input.dim() == 3, "dropout1d: expected input [N, C, L] or [C, L], got ",
                    fmt_shape(input.shape()));
  // A trailing unit dim makes [N, C, L] a [N, C, L, 1] image (and [C, L] an unbatched [C, L, 1] one), whose
  // channels dropout2d drops.
  return dropout2d(input.unsqueeze(-1), p, training, gen).squeeze(-1);
}

}  // namespace tessera::nn
