#pragma once
// Histograms as TensorBoard stores them (HistogramProto), computed from tensors the way
// torch.utils.tensorboard does.
//
// Note [Histogram buckets]: make_histogram counts the values into bins like numpy.histogram (bin i holds
// edges[i] <= v < edges[i + 1], the last bin also holds v == edges.back(); values outside the edges and NaN
// are not counted), then keeps PyTorch's layout (torch/utils/tensorboard/summary.py, make_histogram): only the
// span from the first to the last non-empty bin, each bucket labelled by its right edge, preceded by one empty
// bucket whose limit is the span's left edge (TensorBoard reads only right limits). Empty bins inside the span
// are kept. min, max, num, sum and sum_squares cover every value, counted or not.
#include <cstdint>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera::io {

/// TensorBoard's HistogramProto: bucket[i] counts the values between bucket_limit[i - 1] and bucket_limit[i].
struct Histogram {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit;
  std::vector<double> bucket;
};

/// The default bin edges (`bins="tensorflow"`): TensorFlow's exponential buckets
/// (tensorflow/core/lib/histogram/histogram.cc, and PyTorch's SummaryWriter.default_bins): the limits
/// v = 1e-12 * 1.1^k below 1e20, their negatives, and 0, in increasing order (1549 edges). Fine near zero and
/// 10% wide everywhere else, so one layout fits weights, gradients and activations of any scale.
const std::vector<double>& tensorflow_bin_edges();

/// The histogram of `values` (any shape and layout; bool, integer or floating dtype, converted to float64)
/// over increasing bin `edges` (Note [Histogram buckets]).
/// Errors: ValueError naming add_histogram when `values` has no elements or is symbolic, or when edges has
/// fewer than two entries or is not increasing.
Histogram make_histogram(const Tensor& values, const std::vector<double>& edges);
/// The histogram over `bins` equal-width bins from the smallest to the largest value (numpy.histogram's
/// `bins=int`; a range of width 0 becomes [v - 0.5, v + 0.5]). ValueError for bins < 1 or no elements; a
/// value range that is not finite (NaN or infinity among the values) is a ValueError too, as in numpy.
Histogram make_histogram(const Tensor& values, int64_t bins);

}  // namespace tessera::io
