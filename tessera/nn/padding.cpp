#include "tessera/nn/padding.h"

#include "tessera/nn/conv_detail.h"

namespace tessera::nn {

PadNd::PadNd(int64_t spatial, PadMode mode, std::vector<int64_t> padding, double value)
    : padding(std::move(padding)), mode(mode), value(value), spatial_(spatial) {}

Tensor PadNd::forward(const Tensor& input) {
  if (input.dim() != spatial_ + 1 && input.dim() != spatial_ + 2) {
    static constexpr const char* kDims[] = {"", "L", "H, W", "D, H, W"};
    throw ShapeError(cat(type_name(), "(", detail::tuple_str(padding), "): expected input [N, C, ", kDims[spatial_],
                         "] or [C, ", kDims[spatial_], "], got ", shape_of(input)));
  }
  return pad(input, padding, mode, value);
}

std::string PadNd::extra_repr() const {
  if (mode == PadMode::kConstant) return cat("padding=", detail::tuple_str(padding), ", value=", value);
  return detail::tuple_str(padding);
}

std::string ZeroPad2d::extra_repr() const { return detail::tuple_str(padding); }

}  // namespace tessera::nn
