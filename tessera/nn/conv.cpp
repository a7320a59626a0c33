#include "tessera/nn/conv.h"

#include <cmath>

#include "tessera/nn/init.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/creation.h"

namespace tessera::nn {
namespace {

void check_channels(const char* layer, int64_t in, int64_t out, int64_t groups) {
  check<ValueError>(in > 0 && out > 0, layer, ": channel counts must be positive, got ", in, " and ", out);
  check<ValueError>(groups >= 1 && in % groups == 0 && out % groups == 0, layer, "(", in, ", ", out,
                    "): in_channels and out_channels must be divisible by groups=", groups);
}

// PyTorch's default: kaiming_uniform(a = sqrt(5)) for the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias.
void default_init(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(init::fan_in_and_fan_out(weight).first));
    init::uniform_(bias, -bound, bound);
  }
}

// "Conv2d(3, 16): expected input [N, 3, H, W], got [8, 1, 28, 28]"
void check_input(const char* layer, int64_t in, int64_t out, const Tensor& x, int64_t spatial) {
  const int64_t rank = x.dim();
  const bool ok = (rank == spatial + 2 || rank == spatial + 1) && x.size(rank - spatial - 1) == in;
  if (ok) return;
  const char* dims = spatial == 2 ? ", H, W]" : ", L]";
  throw ShapeError(cat(layer, "(", in, ", ", out, "): expected input [N, ", in, dims, ", got ", shape_of(x)));
}

std::string pair_str(const std::array<int64_t, 2>& a) { return cat("(", a[0], ", ", a[1], ")"); }

}  // namespace

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size, Conv2dOptions options)
    : in_channels(in_channels), out_channels(out_channels), kernel_size(kernel_size), options(std::move(options)) {
  const Conv2dOptions& o = this->options;
  check_channels("Conv2d", in_channels, out_channels, o.groups);
  check<NotImplementedError>(o.padding_mode == "zeros", "Conv2d: padding_mode '", o.padding_mode,
                             "' is not supported yet (only 'zeros')");
  if (!o.padding_preset.empty()) padding_mode(o.padding_preset, "Conv2d");  // validates the string
  weight = register_parameter("weight",
                              empty({out_channels, in_channels / o.groups, kernel_size[0], kernel_size[1]}, o.dtype));
  if (o.bias) bias = register_parameter("bias", empty({out_channels}, o.dtype));
  reset_parameters();
}

void Conv2d::reset_parameters() { default_init(weight, bias); }

Tensor Conv2d::forward(const Tensor& input) {
  check_input("Conv2d", in_channels, out_channels, input, 2);
  const Conv2dOptions& o = options;
  if (!o.padding_preset.empty()) {
    return conv2d(input, weight, bias, o.stride, padding_mode(o.padding_preset, "Conv2d"), o.dilation, o.groups);
  }
  return conv2d(input, weight, bias, o.stride, o.padding, o.dilation, o.groups);
}

std::string Conv2d::extra_repr() const {
  const Conv2dOptions& o = options;
  std::string s =
      cat(in_channels, ", ", out_channels, ", kernel_size=", pair_str(kernel_size), ", stride=", pair_str(o.stride));
  if (!o.padding_preset.empty()) {
    s += cat(", padding=", o.padding_preset);
  } else if (o.padding != std::array<int64_t, 2>{0, 0}) {
    s += cat(", padding=", pair_str(o.padding));
  }
  if (o.dilation != std::array<int64_t, 2>{1, 1}) s += cat(", dilation=", pair_str(o.dilation));
  if (o.groups != 1) s += cat(", groups=", o.groups);
  if (!o.bias) s += ", bias=False";
  return s;
}

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv1dOptions options)
    : in_channels(in_channels), out_channels(out_channels), kernel_size(kernel_size), options(options) {
  check_channels("Conv1d", in_channels, out_channels, options.groups);
  weight =
      register_parameter("weight", empty({out_channels, in_channels / options.groups, kernel_size}, options.dtype));
  if (options.bias) bias = register_parameter("bias", empty({out_channels}, options.dtype));
  default_init(weight, bias);
}

Tensor Conv1d::forward(const Tensor& input) {
  check_input("Conv1d", in_channels, out_channels, input, 1);
  const Conv1dOptions& o = options;
  return conv1d(input, weight, bias, o.stride, o.padding, o.dilation, o.groups);
}

std::string Conv1d::extra_repr() const {
  return cat(in_channels, ", ", out_channels, ", kernel_size=(", kernel_size, ",), stride=(", options.stride,
             ",), padding=(", options.padding, ",)");
}

}  // namespace tessera::nn
