// Classification metrics: top-k counts with ties, accuracy, the confusion matrix.
#include "tessera/train/metrics.h"

#include <gtest/gtest.h>

#include "testing.h"

namespace tessera::train {
namespace {

using testing::make;

// Three rows, four classes; hand-counted.
Tensor logits() {
  return make<float>({0.1f, 0.9f, 0.3f, 0.2f,   // argmax 1
                      0.5f, 0.5f, 0.1f, 0.0f,   // tie between 0 and 1: the lower index ranks first
                      0.0f, 0.1f, 0.2f, 0.3f},  // argmax 3, then 2
                     Shape{3, 4});
}

TEST(Metrics, TopOneAndTopK) {
  const Tensor target = make<int64_t>({1, 1, 2}, Shape{3});
  EXPECT_EQ(correct_count(logits(), target, 1), 1);  // row 0 only (row 1's tie goes to class 0)
  EXPECT_EQ(correct_count(logits(), target, 2), 3);
  EXPECT_DOUBLE_EQ(accuracy(logits(), target), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(accuracy(logits(), target, 4), 1.0);
}

TEST(Metrics, ConfusionMatrixCountsTruthByPrediction) {
  ConfusionMatrix m(4);
  m.update(logits(), make<int64_t>({1, 1, 2}, Shape{3}));
  EXPECT_EQ(m.at(1, 1), 1);
  EXPECT_EQ(m.at(1, 0), 1);
  EXPECT_EQ(m.at(2, 3), 1);
  const auto per_class = m.per_class_accuracy();
  EXPECT_DOUBLE_EQ(per_class[1], 0.5);
  EXPECT_DOUBLE_EQ(per_class[2], 0.0);
  EXPECT_NE(m.to_string({"a", "b", "c", "d"}).find("b |"), std::string::npos);
}

TEST(Metrics, BadInputNamesTheMetric) {
  testing::expect_error<ShapeError>(
      [] {
        correct_count(logits(), make<int64_t>({1, 1}, Shape{2}));
      },
      "accuracy: expected logits [N, C] and target [N], got [3, 4] and [2]");
  testing::expect_error<ValueError>(
      [] {
        correct_count(logits(), make<int64_t>({1, 1, 1}, Shape{3}), 5);
      },
      "k must be in [1, 4]");
  ConfusionMatrix m(4);
  testing::expect_error<IndexError>([&] { m.update(logits(), make<int64_t>({1, 7, 1}, Shape{3})); }, "target 7");
}

}  // namespace
}  // namespace tessera::train
