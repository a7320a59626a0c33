#include "tessera/nn/conv_transpose.h"

#include <span>
#include <vector>

#include "tessera/nn/conv_detail.h"
#include "tessera/ops/creation.h"

namespace tessera::nn {
namespace {

using detail::tuple_str;

template <class Options>
void check_options(const char* layer, int64_t in, int64_t out, const Options& o) {
  detail::check_conv_channels(layer, in, out, o.groups);
  check<ValueError>(o.padding_mode == "zeros", layer, ": only padding_mode 'zeros' is supported, got '", o.padding_mode,
                    "'");
}

// PyTorch's _ConvTransposeNd._output_padding: the output_padding that gives `output_size` (the spatial sizes,
// or a full shape ending in them), each within [minimum, minimum + stride - 1].
std::vector<int64_t> output_padding_for(const char* layer, const Tensor& x, const Shape& output_size,
                                        std::span<const int64_t> kernel, std::span<const int64_t> stride,
                                        std::span<const int64_t> padding, std::span<const int64_t> dilation) {
  const size_t k = kernel.size();
  const size_t rank = static_cast<size_t>(x.dim());
  check<ValueError>(output_size.size() == k || output_size.size() == rank, layer, ": for ", rank,
                    "-d input, output_size must have ", k, " or ", rank, " elements, got ", shape_str(output_size));
  const size_t leading = output_size.size() - k;
  std::vector<int64_t> out;
  for (size_t d = 0; d < k; ++d) {
    const int64_t in = x.size(x.dim() - static_cast<int64_t>(k - d));
    const int64_t lo = conv_transpose_output_size(in, kernel[d], stride[d], padding[d], 0, dilation[d]);
    const int64_t want = output_size[leading + d];
    check<ValueError>(want >= lo && want <= lo + stride[d] - 1, layer, ": requested an output size of ",
                      shape_str(output_size), ", but valid sizes of dim ", d, " range from ", lo, " to ",
                      lo + stride[d] - 1, " (for an input of ", shape_of(x), ")");
    out.push_back(want - lo);
  }
  return out;
}

std::string transpose_repr(int64_t in, int64_t out, std::span<const int64_t> kernel, std::span<const int64_t> stride,
                           std::span<const int64_t> padding, std::span<const int64_t> output_padding,
                           std::span<const int64_t> dilation, int64_t groups, bool bias) {
  const auto nonzero = [](std::span<const int64_t> v, int64_t x) {
    for (int64_t e : v) {
      if (e != x) return true;
    }
    return false;
  };
  std::string s = cat(in, ", ", out, ", kernel_size=", tuple_str(kernel), ", stride=", tuple_str(stride));
  if (nonzero(padding, 0)) s += cat(", padding=", tuple_str(padding));
  if (nonzero(dilation, 1)) s += cat(", dilation=", tuple_str(dilation));
  if (nonzero(output_padding, 0)) s += cat(", output_padding=", tuple_str(output_padding));
  if (groups != 1) s += cat(", groups=", groups);
  if (!bias) s += ", bias=False";
  return s;
}

}  // namespace

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size,
                                 ConvTranspose2dOptions options)
    : in_channels(in_channels), out_channels(out_channels), kernel_size(kernel_size), options(std::move(options)) {
  const ConvTranspose2dOptions& o = this->options;
  check_options("ConvTranspose2d", in_channels, out_channels, o);
  weight = register_parameter("weight",
                              empty({in_channels, out_channels / o.groups, kernel_size[0], kernel_size[1]}, o.dtype));
  if (o.bias) bias = register_parameter("bias", empty({out_channels}, o.dtype));
  detail::conv_default_init(weight, bias);
}

Tensor ConvTranspose2d::forward(const Tensor& input) {
  detail::check_conv_input("ConvTranspose2d", in_channels, out_channels, input, 2);
  const ConvTranspose2dOptions& o = options;
  return conv_transpose2d(input, weight, bias, o.stride, o.padding, o.output_padding, o.groups, o.dilation);
}

Tensor ConvTranspose2d::forward(const Tensor& input, const Shape& output_size) {
  detail::check_conv_input("ConvTranspose2d", in_channels, out_channels, input, 2);
  const ConvTranspose2dOptions& o = options;
  const std::vector<int64_t> op =
      output_padding_for("ConvTranspose2d", input, output_size, kernel_size, o.stride, o.padding, o.dilation);
  return conv_transpose2d(input, weight, bias, o.stride, o.padding, {op[0], op[1]}, o.groups, o.dilation);
}

std::string ConvTranspose2d::extra_repr() const {
  const ConvTranspose2dOptions& o = options;
  return transpose_repr(in_channels, out_channels, kernel_size, o.stride, o.padding, o.output_padding, o.dilation,
                        o.groups, o.bias);
}

ConvTranspose1d::ConvTranspose1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                 ConvTranspose1dOptions options)
    : in_channels(in_channels), out_channels(out_channels), kernel_size(kernel_size), options(std::move(options)) {
  const ConvTranspose1dOptions& o = this->options;
  check_options("ConvTranspose1d", in_channels, out_channels, o);
  weight = register_parameter("weight", empty({in_channels, out_channels / o.groups, kernel_size}, o.dtype));
  if (o.bias) bias = register_parameter("bias", empty({out_channels}, o.dtype));
  detail::conv_default_init(weight, bias);
}

Tensor ConvTranspose1d::forward(const Tensor& input) {
  detail::check_conv_input("ConvTranspose1d", in_channels, out_channels, input, 1);
  const ConvTranspose1dOptions& o = options;
  return conv_transpose1d(input, weight, bias, o.stride, o.padding, o.output_padding, o.groups, o.dilation);
}

Tensor ConvTranspose1d::forward(const Tensor& input, const Shape& output_size) {
  detail::check_conv_input("ConvTranspose1d", in_channels, out_channels, input, 1);
  const ConvTranspose1dOptions& o = options;
  const std::array<int64_t, 1> k{kernel_size}, s{o.stride}, p{o.padding}, d{o.dilation};
  const std::vector<int64_t> op = output_padding_for("ConvTranspose1d", input, output_size, k, s, p, d);
  return conv_transpose1d(input, weight, bias, o.stride, o.padding, op[0], o.groups, o.dilation);
}

std::string ConvTranspose1d::extra_repr() const {
  const ConvTranspose1dOptions& o = options;
  using One = std::array<int64_t, 1>;
  return transpose_repr(in_channels, out_channels, One{kernel_size}, One{o.stride}, One{o.padding},
                        One{o.output_padding}, One{o.dilation}, o.groups, o.bias);
}

}  // namespace tessera::nn
