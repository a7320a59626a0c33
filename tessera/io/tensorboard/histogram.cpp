#include "tessera/io/tensorboard/histogram.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "tessera/backend/cpu/copy.h"

namespace tessera::io {
namespace {

std::vector<double> as_doubles(const Tensor& values) {
  check<ValueError>(values.defined() && !values.is_symbolic(), "add_histogram: expected a concrete tensor");
  check<ValueError>(values.numel() > 0, "add_histogram: the tensor has no elements (shape ", fmt_shape(values.shape()),
                    ")");
  const Tensor c = cpu::as_contiguous(values, kFloat64);
  const double* p = c.data_ptr<const double>();
  return std::vector<double>(p, p + c.numel());
}

// The statistics of every value; NaN propagates to min and max as in numpy.
Histogram stats(const std::vector<double>& v) {
  Histogram h;
  h.num = static_cast<double>(v.size());
  h.min = std::numeric_limits<double>::infinity();
  h.max = -h.min;
  bool nan = false;
  for (double x : v) {
    nan |= std::isnan(x);
    h.min = std::min(h.min, x);
    h.max = std::max(h.max, x);
    h.sum += x;
    h.sum_squares += x * x;
  }
  if (nan) h.min = h.max = std::numeric_limits<double>::quiet_NaN();
  return h;
}

Histogram histogram_over(const std::vector<double>& v, const std::vector<double>& edges) {
  Histogram h = stats(v);
  const size_t nbins = edges.size() - 1;
  std::vector<double> counts(nbins, 0.0);
  for (double x : v) {
    if (!(x >= edges.front() && x <= edges.back())) continue;  // also drops NaN
    size_t bin = static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin()) - 1;
    counts[std::min(bin, nbins - 1)] += 1;  // the last bin is closed on the right
  }
  const auto first = std::find_if(counts.begin(), counts.end(), [](double c) { return c > 0; });
  if (first == counts.end()) return h;
  const auto start = static_cast<size_t>(first - counts.begin());
  const size_t end =
      nbins - static_cast<size_t>(std::find_if(counts.rbegin(), counts.rend(), [](double c) { return c > 0; }) -
                                  counts.rbegin());
  h.bucket_limit.assign(edges.begin() + static_cast<ptrdiff_t>(start), edges.begin() + static_cast<ptrdiff_t>(end) + 1);
  h.bucket.push_back(0.0);
  h.bucket.insert(h.bucket.end(), counts.begin() + static_cast<ptrdiff_t>(start),
                  counts.begin() + static_cast<ptrdiff_t>(end));
  return h;
}

}  // namespace

const std::vector<double>& tensorflow_bin_edges() {
  static const std::vector<double> edges = [] {
    std::vector<double> pos;
    for (double v = 1e-12; v < 1e20; v *= 1.1) pos.push_back(v);
    std::vector<double> e;
    e.reserve(2 * pos.size() + 1);
    for (auto it = pos.rbegin(); it != pos.rend(); ++it) e.push_back(-*it);
    e.push_back(0.0);
    e.insert(e.end(), pos.begin(), pos.end());
    return e;
  }();
  return edges;
}

Histogram make_histogram(const Tensor& values, const std::vector<double>& edges) {
  check<ValueError>(edges.size() >= 2, "add_histogram: expected at least two bin edges, got ", edges.size());
  check<ValueError>(std::adjacent_find(edges.begin(), edges.end(), std::greater_equal<>()) == edges.end(),
                    "add_histogram: bin edges must increase");
  return histogram_over(as_doubles(values), edges);
}

Histogram make_histogram(const Tensor& values, int64_t bins) {
  check<ValueError>(bins >= 1, "add_histogram: bins must be >= 1, got ", bins);
  const std::vector<double> v = as_doubles(values);
  const Histogram s = stats(v);
  check<ValueError>(std::isfinite(s.min) && std::isfinite(s.max), "add_histogram: the value range [", s.min, ", ",
                    s.max, "] is not finite");
  double lo = s.min, hi = s.max;
  if (lo == hi) lo -= 0.5, hi += 0.5;
  std::vector<double> edges(static_cast<size_t>(bins) + 1);
  const double step = (hi - lo) / double(bins);  // numpy.linspace's arithmetic, for the same edges
  for (int64_t i = 0; i <= bins; ++i) edges[static_cast<size_t>(i)] = double(i) * step + lo;
  edges.back() = hi;
  return histogram_over(v, edges);
}

}  // namespace tessera::io
