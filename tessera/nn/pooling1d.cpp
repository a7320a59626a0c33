// 1-d and adaptive pooling layers (pooling1d.h, adaptive_pooling.h): rank checks naming the layer, then the ops.
#include "tessera/nn/pooling1d.h"

#include "tessera/nn/adaptive_pooling.h"

namespace tessera::nn {
namespace {

// "MaxPool1d(3): expected input [N, C, L] or [C, L], got [5]".
void check_rank(const std::string& layer, const Tensor& x, int64_t spatial) {
  if (x.dim() == spatial + 1 || x.dim() == spatial + 2) return;
  const char* dims = spatial == 1 ? "L" : "H, W";
  throw ShapeError(cat(layer, ": expected input [N, C, ", dims, "] or [C, ", dims, "], got ", shape_of(x)));
}

std::string pair_str(const std::array<int64_t, 2>& a) { return cat("(", a[0], ", ", a[1], ")"); }

}  // namespace

Tensor MaxPool1d::forward(const Tensor& input) { return forward_with_indices(input).first; }

std::pair<Tensor, Tensor> MaxPool1d::forward_with_indices(const Tensor& input) {
  check_rank(cat("MaxPool1d(", kernel_size, ")"), input, 1);
  const MaxPool1dOptions& o = options;
  return max_pool1d_with_indices(input, kernel_size, o.stride, o.padding, o.dilation, o.ceil_mode);
}

std::string MaxPool1d::extra_repr() const {
  const MaxPool1dOptions& o = options;
  return cat("kernel_size=", kernel_size, ", stride=", o.stride.value_or(kernel_size), ", padding=", o.padding,
             ", dilation=", o.dilation, ", ceil_mode=", o.ceil_mode ? "True" : "False");
}

Tensor AvgPool1d::forward(const Tensor& input) {
  check_rank(cat("AvgPool1d(", kernel_size, ")"), input, 1);
  const AvgPool1dOptions& o = options;
  return avg_pool1d(input, kernel_size, o.stride, o.padding, o.ceil_mode, o.count_include_pad);
}

std::string AvgPool1d::extra_repr() const {
  return cat("kernel_size=(", kernel_size, ",), stride=(", options.stride.value_or(kernel_size), ",), padding=(",
             options.padding, ",)");
}

Tensor AdaptiveAvgPool1d::forward(const Tensor& input) {
  check_rank(cat("AdaptiveAvgPool1d(", output_size, ")"), input, 1);
  return adaptive_avg_pool1d(input, output_size);
}

Tensor AdaptiveMaxPool1d::forward(const Tensor& input) { return forward_with_indices(input).first; }

std::pair<Tensor, Tensor> AdaptiveMaxPool1d::forward_with_indices(const Tensor& input) {
  check_rank(cat("AdaptiveMaxPool1d(", output_size, ")"), input, 1);
  return adaptive_max_pool1d_with_indices(input, output_size);
}

Tensor AdaptiveMaxPool2d::forward(const Tensor& input) { return forward_with_indices(input).first; }

std::pair<Tensor, Tensor> AdaptiveMaxPool2d::forward_with_indices(const Tensor& input) {
  check_rank(cat("AdaptiveMaxPool2d(", pair_str(output_size), ")"), input, 2);
  return adaptive_max_pool2d_with_indices(input, output_size);
}

std::string AdaptiveMaxPool2d::extra_repr() const { return cat("output_size=", pair_str(output_size)); }

}  // namespace tessera::nn
