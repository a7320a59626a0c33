#include "tessera/nn/pooling.h"

#include "tessera/ops/pool.h"

namespace tessera::nn {
namespace {
std::string pair_str(const std::array<int64_t, 2>& a) { return cat("(", a[0], ", ", a[1], ")"); }

void check_input(const std::string& layer, const Tensor& x) {
  check<ShapeError>(x.dim() == 3 || x.dim() == 4, layer, ": expected input [N, C, H, W] or [C, H, W], got ",
                    shape_of(x));
}
}  // namespace

Tensor MaxPool2d::forward(const Tensor& input) { return forward_with_indices(input).first; }

std::pair<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& input) {
  check_input("MaxPool2d" + pair_str(kernel_size), input);
  const MaxPool2dOptions& o = options;
  return max_pool2d_with_indices(input, kernel_size, o.stride, o.padding, o.dilation, o.ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  const MaxPool2dOptions& o = options;
  return cat("kernel_size=", pair_str(kernel_size), ", stride=", pair_str(o.stride.value_or(kernel_size)),
             ", padding=", pair_str(o.padding), ", dilation=", pair_str(o.dilation),
             ", ceil_mode=", o.ceil_mode ? "True" : "False");
}

Tensor AvgPool2d::forward(const Tensor& input) {
  check_input("AvgPool2d" + pair_str(kernel_size), input);
  const AvgPool2dOptions& o = options;
  return avg_pool2d(input, kernel_size, o.stride, o.padding, o.ceil_mode, o.count_include_pad);
}

std::string AvgPool2d::extra_repr() const {
  const AvgPool2dOptions& o = options;
  return cat("kernel_size=", pair_str(kernel_size), ", stride=", pair_str(o.stride.value_or(kernel_size)),
             ", padding=", pair_str(o.padding));
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) { return adaptive_avg_pool2d(input, output_size); }

std::string AdaptiveAvgPool2d::extra_repr() const { return cat("output_size=", pair_str(output_size)); }

}  // namespace tessera::nn
