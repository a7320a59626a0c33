// 1-d pooling as 2-d pooling of height-1 inputs (pool1d.h).
#include "tessera/ops/pool1d.h"

#include <array>

#include "tessera/ops/adaptive_pool.h"
#include "tessera/ops/pool.h"

namespace tessera {
namespace {

using Pair = std::array<int64_t, 2>;

// [N, C, L] -> [N, C, 1, L] (and [C, L] -> [C, 1, L]) after checking the rank.
Tensor lift(const Tensor& x, const char* op) {
  check<ShapeError>(x.dim() == 2 || x.dim() == 3, op, ": expected input [N, C, L] or [C, L], got ",
                    fmt_shape(x.shape()));
  return x.unsqueeze(-2);
}
Tensor lower(const Tensor& y) { return y.squeeze(-2); }
std::pair<Tensor, Tensor> lower(const std::pair<Tensor, Tensor>& y) { return {lower(y.first), lower(y.second)}; }

std::optional<Pair> stride2d(std::optional<int64_t> stride) {
  return stride ? std::optional<Pair>(Pair{1, *stride}) : std::nullopt;
}

}  // namespace

std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, int64_t kernel_size,
                                                  std::optional<int64_t> stride, int64_t padding, int64_t dilation,
                                                  bool ceil_mode) {
  const Tensor x = lift(input, "max_pool1d");
  const std::optional<Pair> s = stride2d(stride.value_or(kernel_size));
  return lower(max_pool2d_with_indices(x, {1, kernel_size}, s, {0, padding}, {1, dilation}, ceil_mode));
}

Tensor max_pool1d(const Tensor& input, int64_t kernel_size, std::optional<int64_t> stride, int64_t padding,
                  int64_t dilation, bool ceil_mode) {
  return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode).first;
}

Tensor avg_pool1d(const Tensor& input, int64_t kernel_size, std::optional<int64_t> stride, int64_t padding,
                  bool ceil_mode, bool count_include_pad) {
  const Tensor x = lift(input, "avg_pool1d");
  const std::optional<Pair> s = stride2d(stride.value_or(kernel_size));
  return lower(avg_pool2d(x, {1, kernel_size}, s, {0, padding}, ceil_mode, count_include_pad));
}

Tensor adaptive_avg_pool1d(const Tensor& input, int64_t output_size) {
  return lower(adaptive_avg_pool2d(lift(input, "adaptive_avg_pool1d"), {1, output_size}));
}

std::pair<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, int64_t output_size) {
  return lower(adaptive_max_pool2d_with_indices(lift(input, "adaptive_max_pool1d"), {1, output_size}));
}

Tensor adaptive_max_pool1d(const Tensor& input, int64_t output_size) {
  return adaptive_max_pool1d_with_indices(input, output_size).first;
}

}  // namespace tessera
