#include "tessera/train/metrics.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace tessera::train {
namespace {
void check_classification(const char* metric, const Tensor& logits, const Tensor& target) {
  check<ShapeError>(logits.dim() == 2 && target.dim() == 1 && target.size(0) == logits.size(0), metric,
                    ": expected logits [N, C] and target [N], got ", fmt_shape(logits.shape()), " and ",
                    fmt_shape(target.shape()));
}
}  // namespace

int64_t correct_count(const Tensor& logits, const Tensor& target, int64_t k) {
  check_classification("accuracy", logits, target);
  const int64_t n = logits.size(0), c = logits.size(1);
  check<ValueError>(k >= 1 && k <= c, "accuracy: k must be in [1, ", c, "], got ", k);
  const Tensor l = logits.detach().to(kFloat64).contiguous(), t = target.to(kInt64).contiguous();
  const double* lp = l.data_ptr<const double>();
  const int64_t* tp = t.data_ptr<const int64_t>();
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double* row = lp + i * c;
    const int64_t truth = tp[i];
    if (truth < 0 || truth >= c) continue;
    // Top-k: the target is among the k largest when fewer than k logits beat it (ties go to the lower index).
    int64_t better = 0;
    for (int64_t j = 0; j < c && better < k; ++j) {
      better += row[j] > row[truth] || (row[j] == row[truth] && j < truth);
    }
    correct += better < k;
  }
  return correct;
}

double accuracy(const Tensor& logits, const Tensor& target, int64_t k) {
  const int64_t n = logits.dim() >= 1 ? logits.size(0) : 0;
  const int64_t c = correct_count(logits, target, k);
  return n == 0 ? 0.0 : double(c) / double(n);
}

ConfusionMatrix::ConfusionMatrix(int64_t num_classes) : n_(num_classes), counts_(num_classes * num_classes, 0) {
  check<ValueError>(num_classes >= 1, "ConfusionMatrix: num_classes must be >= 1, got ", num_classes);
}

void ConfusionMatrix::update(const Tensor& logits, const Tensor& target) {
  check_classification("ConfusionMatrix", logits, target);
  check<ShapeError>(logits.size(1) == n_, "ConfusionMatrix(", n_, "): logits have ", logits.size(1), " classes");
  const Tensor pred = logits.detach().argmax(1).contiguous(), t = target.to(kInt64).contiguous();
  const int64_t* pp = pred.data_ptr<const int64_t>();
  const int64_t* tp = t.data_ptr<const int64_t>();
  for (int64_t i = 0; i < pred.numel(); ++i) {
    check<IndexError>(tp[i] >= 0 && tp[i] < n_, "ConfusionMatrix: target ", tp[i], " out of range for ", n_,
                      " classes");
    ++counts_[tp[i] * n_ + pp[i]];
  }
}

std::vector<double> ConfusionMatrix::per_class_accuracy() const {
  std::vector<double> out(n_);
  for (int64_t i = 0; i < n_; ++i) {
    int64_t row = 0;
    for (int64_t j = 0; j < n_; ++j) row += at(i, j);
    out[i] = row ? double(at(i, i)) / double(row) : 0.0;
  }
  return out;
}

std::string ConfusionMatrix::to_string(const std::vector<std::string>& names) const {
  std::ostringstream s;
  size_t label = 5;
  for (const auto& n : names) label = std::max(label, n.size());
  s << std::setw(static_cast<int>(label)) << ""
    << " |";
  for (int64_t j = 0; j < n_; ++j) s << std::setw(6) << j;
  s << "\n";
  for (int64_t i = 0; i < n_; ++i) {
    const std::string name = i < static_cast<int64_t>(names.size()) ? names[i] : std::to_string(i);
    s << std::setw(static_cast<int>(label)) << name << " |";
    for (int64_t j = 0; j < n_; ++j) s << std::setw(6) << at(i, j);
    s << "\n";
  }
  return s.str();
}

}  // namespace tessera::train
