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

}  // namespace tessera::nn
