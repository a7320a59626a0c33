#include "tessera/nn/conv.h"

#include <cmath>

#include "tessera/nn/conv3d.h"
#include "tessera/nn/conv_detail.h"
#include "tessera/nn/init.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/conv3d.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/pad.h"

namespace tessera::nn {
namespace detail {

void check_conv_channels(const char* layer, int64_t in, int64_t out, int64_t groups) {
  check<ValueError>(in > 0 && out > 0, layer, ": channel counts must be positive, got ", in, " and ", out);
  check<ValueError>(groups >= 1 && in % groups == 0 && out % groups == 0, layer, "(", in, ", ", out,
                    "): in_channels and out_channels must be divisible by groups=", groups);
}

void conv_default_init(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(init::fan_in_and_fan_out(weight).first));
    init::uniform_(bias, -bound, bound);
  }
}

void check_conv_input(const char* layer, int64_t in, int64_t out, const Tensor& x, int64_t spatial) {
  const int64_t rank = x.dim();
  const bool ok = (rank == spatial + 2 || rank == spatial + 1) && x.size(rank - spatial - 1) == in;
  if (ok) return;
  const char* dims = spatial == 3 ? ", D, H, W]" : spatial == 2 ? ", H, W]" : ", L]";
  throw ShapeError(cat(layer, "(", in, ", ", out, "): expected input [N, ", in, dims, ", got ", shape_of(x)));
}

void check_padding_mode(const char* layer, const std::string& padding_mode) {
  check<ValueError>(
      padding_mode == "zeros" || padding_mode == "reflect" || padding_mode == "replicate" || padding_mode == "circular",
      layer, ": padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular', got '", padding_mode, "'");
}

std::vector<int64_t> explicit_pads(std::span<const int64_t> padding, std::span<const int64_t> kernel,
                                   std::span<const int64_t> dilation, const std::string& preset) {
  std::vector<int64_t> pads;
  for (size_t i = padding.size(); i-- > 0;) {
    if (preset == "same") {
      const int64_t total = dilation[i] * (kernel[i] - 1);
      pads.push_back(total / 2);
      pads.push_back(total - total / 2);
    } else {
      const int64_t p = preset == "valid" ? 0 : padding[i];
      pads.push_back(p);
      pads.push_back(p);
    }
  }
  return pads;
}

std::string tuple_str(std::span<const int64_t> v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += cat(i ? ", " : "", v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

}  // namespace detail

namespace {

using namespace detail;

// Validates the options shared by Conv1d and Conv2d.
template <class Options>
void check_options(const char* layer, int64_t in, int64_t out, const Options& o) {
  check_conv_channels(layer, in, out, o.groups);
  check_padding_mode(layer, o.padding_mode);
  if (!o.padding_preset.empty()) padding_mode(o.padding_preset, layer);  // validates the string
}

// padding_mode != "zeros": pad explicitly with that mode (the input's last dims), then convolve unpadded.
template <size_t N>
Tensor pad_input(const char* layer, const Tensor& x, const std::string& mode, const std::array<int64_t, N>& padding,
                 const std::array<int64_t, N>& kernel, const std::array<int64_t, N>& stride,
                 const std::array<int64_t, N>& dilation, const std::string& preset) {
  for (int64_t s : stride) {
    check<ValueError>(preset != "same" || s == 1, layer, ": padding=\"same\" needs stride 1, got ", tuple_str(stride));
  }
  return pad(x, explicit_pads(padding, kernel, dilation, preset), pad_mode_from(mode, layer));
}

std::string conv_repr(int64_t in, int64_t out, std::span<const int64_t> kernel, std::span<const int64_t> stride,
                      std::span<const int64_t> padding, const std::string& preset, std::span<const int64_t> dilation,
                      int64_t groups, bool bias, const std::string& padding_mode) {
  const auto all = [](std::span<const int64_t> v, int64_t x) {
    for (int64_t e : v) {
      if (e != x) return false;
    }
    return true;
  };
  std::string s = cat(in, ", ", out, ", kernel_size=", tuple_str(kernel), ", stride=", tuple_str(stride));
  if (!preset.empty()) {
    s += cat(", padding=", preset);
  } else if (!all(padding, 0)) {
    s += cat(", padding=", tuple_str(padding));
  }
  if (!all(dilation, 1)) s += cat(", dilation=", tuple_str(dilation));
  if (groups != 1) s += cat(", groups=", groups);
  if (!bias) s += ", bias=False";
  if (padding_mode != "zeros") s += cat(", padding_mode=", padding_mode);
  return s;
}

}  // namespace

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size, Conv2dOptions options)
    : in_channels(in_channels), out_channels(out_channels), kernel_size(kernel_size), options(std::move(options)) {
  const Conv2dOptions& o = this->options;
  check_options("Conv2d", in_channels, out_channels, o);
  weight = register_parameter("weight",
                              empty({out_channels, in_channels / o.groups, kernel_size[0], kernel_size[1]}, o.dtype));
  if (o.bias) bias = register_parameter("bias", empty({out_channels}, o.dtype));
  reset_parameters();
}

void Conv2d::reset_parameters() { conv_default_init(weight, bias); }

Tensor Conv2d::forward(const Tensor& input) {
  check_conv_input("Conv2d", in_channels, out_channels, input, 2);
  const Conv2dOptions& o = options;
  if (o.padding_mode != "zeros") {
    const Tensor x =
        pad_input("Conv2d", input, o.padding_mode, o.padding, kernel_size, o.stride, o.dilation, o.padding_preset);
    return conv2d(x, weight, bias, o.stride, {0, 0}, o.dilation, o.groups);
  }
  if (!o.padding_preset.empty()) {
    return conv2d(input, weight, bias, o.stride, padding_mode(o.padding_preset, "Conv2d"), o.dilation, o.groups);
  }
  return conv2d(input, weight, bias, o.stride, o.padding, o.dilation, o.groups);
}

std::string Conv2d::extra_repr() const {
  const Conv2dOptions& o = options;
  return conv_repr(in_channels, out_channels, kernel_size, o.stride, o.padding, o.padding_preset, o.dilation, o.groups,
                   o.bias, o.padding_mode);
}

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv1dOptions options)
    : in_channels(in_channels), out_channels(out_channels), kernel_size(kernel_size), options(std::move(options)) {
  const Conv1dOptions& o = this->options;
  check_options("Conv1d", in_channels, out_channels, o);
  weight = register_parameter("weight", empty({out_channels, in_channels / o.groups, kernel_size}, o.dtype));
  if (o.bias) bias = register_parameter("bias", empty({out_channels}, o.dtype));
  conv_default_init(weight, bias);
}

Tensor Conv1d::forward(const Tensor& input) {
  check_conv_input("Conv1d", in_channels, out_channels, input, 1);
  const Conv1dOptions& o = options;
  const std::array<int64_t, 1> padding{o.padding}, kernel{kernel_size}, stride{o.stride}, dilation{o.dilation};
  if (o.padding_mode == "zeros" && o.padding_preset.empty()) {
    return conv1d(input, weight, bias, o.stride, o.padding, o.dilation, o.groups);
  }
  // "same"/"valid" or another padding mode: explicit (possibly asymmetric) padding, then no padding.
  const std::string mode = o.padding_mode == "zeros" ? "constant" : o.padding_mode;
  const Tensor x = pad_input("Conv1d", input, mode, padding, kernel, stride, dilation, o.padding_preset);
  return conv1d(x, weight, bias, o.stride, 0, o.dilation, o.groups);
}

std::string Conv1d::extra_repr() const {
  const Conv1dOptions& o = options;
  return conv_repr(in_channels, out_channels, std::array<int64_t, 1>{kernel_size}, std::array<int64_t, 1>{o.stride},
                   std::array<int64_t, 1>{o.padding}, o.padding_preset, std::array<int64_t, 1>{o.dilation}, o.groups,
                   o.bias, o.padding_mode);
}

Conv3d::Conv3d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 3> kernel_size, Conv3dOptions options)
    : in_channels(in_channels), out_channels(out_channels), kernel_size(kernel_size), options(std::move(options)) {
  const Conv3dOptions& o = this->options;
  check_options("Conv3d", in_channels, out_channels, o);
  weight = register_parameter(
      "weight", empty({out_channels, in_channels / o.groups, kernel_size[0], kernel_size[1], kernel_size[2]}, o.dtype));
  if (o.bias) bias = register_parameter("bias", empty({out_channels}, o.dtype));
  conv_default_init(weight, bias);
}

Tensor Conv3d::forward(const Tensor& input) {
  check_conv_input("Conv3d", in_channels, out_channels, input, 3);
  const Conv3dOptions& o = options;
  if (o.padding_mode == "zeros" && o.padding_preset.empty()) {
    return conv3d(input, weight, bias, o.stride, o.padding, o.dilation, o.groups);
  }
  const std::string mode = o.padding_mode == "zeros" ? "constant" : o.padding_mode;
  const Tensor x = pad_input("Conv3d", input, mode, o.padding, kernel_size, o.stride, o.dilation, o.padding_preset);
  return conv3d(x, weight, bias, o.stride, {0, 0, 0}, o.dilation, o.groups);
}

std::string Conv3d::extra_repr() const {
  const Conv3dOptions& o = options;
  return conv_repr(in_channels, out_channels, kernel_size, o.stride, o.padding, o.padding_preset, o.dilation, o.groups,
                   o.bias, o.padding_mode);
}

}  // namespace tessera::nn
