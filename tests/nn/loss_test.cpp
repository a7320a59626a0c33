// Loss functions vs PyTorch 1.13: the value and the input gradient(s) (of the loss, or of sum(loss * g) for
// reduction none) for the same float64 inputs (reference_values.h, written by tests/nn/make_reference.py), and every
// error path.
#include "tessera/nn/loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "nn_testing.h"
#include "reference_values.h"
#include "sequence_testing.h"
#include "tessera/ops/softmax.h"

namespace tessera {
namespace {

using nn::CrossEntropyOptions;
using nn::Reduction;
using testing::expect_error;
using testing::input_wave;
using testing::NnReference;
using testing::target_wave;

const NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::nn_reference::losses(), name);
}

using LossFn = std::function<Tensor(const Tensor&)>;

// The value of loss(x) and the gradient of loss(x) (or of sum(loss(x) * g) when unreduced) against `name`.
void expect_loss(const std::string& name, const Tensor& x_value, const LossFn& loss) {
  SCOPED_TRACE(name);
  const Tensor x = x_value.detach().clone().requires_grad_();
  const Tensor y = loss(x);
  y.dim() > 0 ? y.backward(testing::grad_wave(y.shape())) : y.backward();
  testing::expect_reference({y.detach(), x.grad()}, ref(name));
}

Tensor labels(const std::vector<int64_t>& v, Shape shape = {}) {
  return testing::make<int64_t>(v, shape.empty() ? Shape{static_cast<int64_t>(v.size())} : shape);
}

const std::vector<std::pair<const char*, Reduction>> kReductions{
    {"mean", Reduction::kMean}, {"sum", Reduction::kSum}, {"none", Reduction::kNone}};

// The inputs shared with make_reference.py's losses().
Tensor logits() { return input_wave({4, 5}, 2.0); }
Tensor class_weight() { return tensor({0.2, 1.0, 0.5, 2.0, 1.5}, kFloat64); }
Tensor target() { return labels({1, 0, 4, 2}); }
Tensor ignored_target() { return labels({1, -100, 4, 2}); }
Tensor probs() { return softmax(target_wave({4, 5}) * 2.0, 1); }

TEST(CrossEntropy, ClassIndices) {
  for (const auto& [r, red] : kReductions) {
    expect_loss(std::string("ce_") + r, logits(),
                [&](const Tensor& x) { return nn::cross_entropy(x, target(), {.reduction = red}); });
    expect_loss(std::string("ce_weight_") + r, logits(), [&](const Tensor& x) {
      return nn::cross_entropy(x, target(), {.weight = class_weight(), .reduction = red});
    });
  }
  expect_loss("ce_ignore_index", logits(), [](const Tensor& x) { return nn::cross_entropy(x, ignored_target()); });
  expect_loss("ce_ignore_index_2_weight", logits(), [](const Tensor& x) {
    return nn::cross_entropy(x, target(), {.weight = class_weight(), .ignore_index = 2});
  });
  expect_loss("ce_1d_input", input_wave({5}, 2.0),
              [](const Tensor& x) { return nn::cross_entropy(x, testing::make<int64_t>({3}, Shape{})); });
}

TEST(CrossEntropy, LabelSmoothing) {
  expect_loss("ce_smoothing", logits(),
              [](const Tensor& x) { return nn::cross_entropy(x, target(), {.label_smoothing = 0.1}); });
  expect_loss("ce_smoothing_sum", logits(), [](const Tensor& x) {
    return nn::cross_entropy(x, target(), {.reduction = Reduction::kSum, .label_smoothing = 0.1});
  });
  expect_loss("ce_smoothing_weight", logits(), [](const Tensor& x) {
    return nn::cross_entropy(x, target(), {.weight = class_weight(), .label_smoothing = 0.1});
  });
  expect_loss("ce_smoothing_weight_ignore", logits(), [](const Tensor& x) {
    return nn::cross_entropy(x, ignored_target(), {.weight = class_weight(), .label_smoothing = 0.1});
  });
  expect_loss("ce_smoothing_weight_none", logits(), [](const Tensor& x) {
    return nn::cross_entropy(x, ignored_target(),
                             {.weight = class_weight(), .reduction = Reduction::kNone, .label_smoothing = 0.1});
  });
}

TEST(CrossEntropy, SpatialInput) {
  const Tensor x = input_wave({2, 3, 4}, 2.0), t = labels({0, 2, 1, 1, 2, 0, 0, 1}, {2, 4});
  const Tensor w = tensor({0.5, 2.0, 1.0}, kFloat64);
  expect_loss("ce_nd_mean", x, [&](const Tensor& v) { return nn::cross_entropy(v, t); });
  expect_loss("ce_nd_weight_none", x,
              [&](const Tensor& v) { return nn::cross_entropy(v, t, {.weight = w, .reduction = Reduction::kNone}); });
  expect_loss("ce_nd_weight_mean", x, [&](const Tensor& v) { return nn::cross_entropy(v, t, {.weight = w}); });
}

TEST(CrossEntropy, ProbabilityTargets) {
  expect_loss("ce_probs", logits(), [](const Tensor& x) { return nn::cross_entropy(x, probs()); });
  expect_loss("ce_probs_smoothing", logits(),
              [](const Tensor& x) { return nn::cross_entropy(x, probs(), {.label_smoothing = 0.1}); });
  expect_loss("ce_probs_weight_sum", logits(), [](const Tensor& x) {
    return nn::cross_entropy(x, probs(), {.weight = class_weight(), .reduction = Reduction::kSum});
  });
  expect_loss("ce_probs_nd_none", input_wave({2, 3, 4}, 2.0), [](const Tensor& x) {
    return nn::cross_entropy(x, softmax(target_wave({2, 3, 4}), 1), {.reduction = Reduction::kNone});
  });
}

TEST(CrossEntropy, StableForLargeLogits) {
  const Tensor x = tensor({{1000.0, 0.0, -1000.0}}, kFloat64);
  testing::expect_near(nn::cross_entropy(x, labels({0})), {0.0});
  testing::expect_near(nn::cross_entropy(x, labels({1})), {1000.0});
}

TEST(CrossEntropy, AllTargetsIgnoredIsNaN) {
  // PyTorch's weighted mean divides 0 by a zero total weight.
  EXPECT_TRUE(std::isnan(nn::cross_entropy(logits(), labels({-100, -100, -100, -100})).item<double>()));
  testing::expect_near(nn::cross_entropy(logits(), labels({-100, -100, -100, -100}), {.reduction = Reduction::kSum}),
                       {0.0});
}

TEST(CrossEntropy, Errors) {
  const Tensor x = zeros({4, 5}, kFloat64);
  EXPECT_EQ(testing::error_of([&] {
              nn::cross_entropy(x, labels({1, 2, 3}));
            }),
            "cross_entropy: input [4, 5] expects target [4], got [3]");
  EXPECT_THROW(nn::cross_entropy(x, labels({1, 2, 3})), ShapeError);
  expect_error<ShapeError>(
      [&] {
        nn::cross_entropy(zeros({2, 3, 4}), labels({0, 1, 2, 0}, {2, 2}));
      },
      "cross_entropy: input [2, 3, 4] expects target [2, 4], got [2, 2]");
  expect_error<IndexError>(
      [&] {
        nn::cross_entropy(x, labels({1, 5, 0, 0}));
      },
      "cross_entropy: target 5 is out of bounds for 5 classes");
  expect_error<IndexError>([&] { nn::cross_entropy(x, labels({1, -1, 0, 0})); }, "target -1 is out of bounds");
  expect_error<ShapeError>(
      [&] {
        nn::cross_entropy(x, zeros({4, 4}, kFloat64));
      },
      "cross_entropy: probability target [4, 4] must have the input's shape [4, 5]");
  expect_error<ValueError>([&] { nn::cross_entropy(x, target(), {.label_smoothing = 1.5}); }, "label_smoothing");
  // The docstring promises a ShapeError naming cross_entropy and the weight's shape.
  expect_error<ShapeError>([&] { nn::cross_entropy(x, target(), {.weight = ones({3}, kFloat64)}); },
                           {"cross_entropy", "weight", "[3]"});
  expect_error<ShapeError>([&] { nn::nll_loss(x, target(), ones({3}, kFloat64)); }, {"nll_loss", "weight", "[3]"});
  expect_error<ShapeError>([&] { nn::cross_entropy(zeros({}), labels({0})); }, "cross_entropy");
}

TEST(NllLoss, MatchesPyTorch) {
  expect_loss("nll_weight_ignore", logits(), [](const Tensor& x) {
    return nn::nll_loss(x, labels({1, 3, 4, 3}), class_weight(), 3);
  });
  expect_loss("nll_none", logits(),
              [](const Tensor& x) { return nn::nll_loss(x, target(), {}, -100, Reduction::kNone); });
  expect_error<DTypeError>([] { nn::nll_loss(zeros({4, 5}), zeros({4})); }, "nll_loss");
  expect_error<IndexError>([] { nn::nll_loss(zeros({4, 5}), labels({0, 0, 9, 0})); }, "nll_loss: target 9");
}

TEST(RegressionLosses, MatchPyTorch) {
  const Tensor x = input_wave({3, 4}, 2.0), t = target_wave({3, 4});
  for (const auto& [r, red] : kReductions) {
    const std::string s(r);
    expect_loss("mse_" + s, x, [&](const Tensor& v) { return nn::mse_loss(v, t, red); });
    expect_loss("l1_" + s, x, [&](const Tensor& v) { return nn::l1_loss(v, t, red); });
    expect_loss("smooth_l1_beta05_" + s, x, [&](const Tensor& v) { return nn::smooth_l1_loss(v, t, red, 0.5); });
    expect_loss("huber_delta07_" + s, x, [&](const Tensor& v) { return nn::huber_loss(v, t, red, 0.7); });
  }
  expect_loss("smooth_l1_beta0", x, [&](const Tensor& v) { return nn::smooth_l1_loss(v, t, Reduction::kMean, 0.0); });
}

TEST(RegressionLosses, BroadcastAndErrors) {
  const Tensor x = input_wave({3, 4}), t = tensor({0.1, -0.2, 0.3, 0.4}, kFloat64);
  testing::expect_near(nn::mse_loss(x, t), testing::doubles(nn::mse_loss(x, t.expand({3, 4}))));
  expect_error<ShapeError>([&] { nn::mse_loss(x, zeros({3})); }, "mse_loss");
  expect_error<ShapeError>([&] { nn::l1_loss(x, zeros({2, 4})); }, "l1_loss");
  expect_error<ValueError>([&] { nn::smooth_l1_loss(x, x, Reduction::kMean, -1.0); }, "smooth_l1_loss: beta");
  expect_error<ValueError>([&] { nn::huber_loss(x, x, Reduction::kMean, 0.0); }, "huber_loss: delta");
}

TEST(BinaryCrossEntropy, MatchesPyTorch) {
  const Tensor p = input_wave({3, 4}, 0.45) + 0.5, soft = target_wave({3, 4}) * 0.5 + 0.5;
  const Tensor w = testing::wave({3, 4}, 0.7, 0.0, 0.5, testing::cosine) + 1.0;
  expect_loss("bce_weight", p, [&](const Tensor& x) { return nn::binary_cross_entropy(x, soft, w); });
  expect_loss("bce_none", p, [&](const Tensor& x) { return nn::binary_cross_entropy(x, soft, {}, Reduction::kNone); });
  expect_error<ShapeError>(
      [&] {
        nn::binary_cross_entropy(p, zeros({4, 3}));
      },
      "binary_cross_entropy: input [3, 4] and target [4, 3] must have the same shape");
}

TEST(BinaryCrossEntropy, ExactZeroAndOneClampTheLogs) {
  // A confident wrong answer costs 100 (log clamped at -100), a confident right one 0. PyTorch's gradient divides
  // by max(x (1 - x), 1e-12): 0 where the answer is exactly right, -+1e12 where it is exactly wrong.
  const Tensor x = tensor({0.0, 1.0, 0.3, 0.0, 1.0, 0.6}, kFloat64);
  const Tensor t = tensor({0.0, 1.0, 1.0, 1.0, 0.0, 0.5}, kFloat64);
  testing::expect_near(nn::binary_cross_entropy(x, t, {}, Reduction::kNone).slice(0, 0, 2), {0.0, 0.0});
  expect_loss("bce_edges_sum", x, [&](const Tensor& v) { return nn::binary_cross_entropy(v, t, {}, Reduction::kSum); });
}

TEST(BinaryCrossEntropyWithLogits, MatchesPyTorch) {
  const Tensor x = input_wave({3, 4}, 2.0), soft = target_wave({3, 4}) * 0.5 + 0.5;
  const Tensor w = testing::wave({3, 4}, 0.7, 0.0, 0.5, testing::cosine) + 1.0;
  const Tensor pos = tensor({0.5, 2.0, 1.5, 3.0}, kFloat64);
  expect_loss("bce_logits_pos_weight", x,
              [&](const Tensor& v) { return nn::binary_cross_entropy_with_logits(v, soft, w, pos); });
  expect_loss("bce_logits_none", x,
              [&](const Tensor& v) { return nn::binary_cross_entropy_with_logits(v, soft, {}, {}, Reduction::kNone); });
  expect_error<ShapeError>([&] { nn::binary_cross_entropy_with_logits(x, zeros({12})); },
                           "binary_cross_entropy_with_logits");
}

TEST(BinaryCrossEntropyWithLogits, StableForLargeLogits) {
  const Tensor x = tensor({100.0, -100.0, 50.0, -50.0, 0.3, -100.0}, kFloat64);
  const Tensor t = tensor({0.0, 1.0, 1.0, 0.0, 0.5, 0.0}, kFloat64);
  expect_loss("bce_logits_large", x, [&](const Tensor& v) {
    return nn::binary_cross_entropy_with_logits(v, t, {}, tensor({2.0}, kFloat64), Reduction::kSum);
  });
  const Tensor per = nn::binary_cross_entropy_with_logits(x.to(kFloat32), t.to(kFloat32), {}, {}, Reduction::kNone);
  for (double v : testing::doubles(per)) EXPECT_TRUE(std::isfinite(v)) << v;
}

TEST(KlDiv, MatchesPyTorch) {
  const Tensor logp = log_softmax(input_wave({3, 4}, 2.0), 1);
  Tensor q = softmax(target_wave({3, 4}) * 2.0, 1).contiguous();
  q.data_ptr<double>()[1] = 0.0;  // a zero target contributes 0 (and no NaN)
  for (const auto& [r, red] : kReductions) {
    expect_loss(std::string("kl_div_") + r, logp, [&](const Tensor& x) { return nn::kl_div(x, q, red); });
  }
  const Tensor log_q = log_softmax(target_wave({3, 4}), 1);
  expect_loss("kl_div_log_target_sum", logp,
              [&](const Tensor& x) { return nn::kl_div(x, log_q, Reduction::kSum, true); });
  expect_loss("kl_div_log_target_none", logp,
              [&](const Tensor& x) { return nn::kl_div(x, log_q, Reduction::kNone, true); });
}

// ---- margin_ranking_loss and cosine_embedding_loss: [loss, dx1, dx2] ------------------------------------------

using Loss2Fn = std::function<Tensor(const Tensor&, const Tensor&)>;

void expect_loss2(const std::string& name, const Tensor& a, const Tensor& b, const Loss2Fn& loss) {
  SCOPED_TRACE(name);
  const Tensor x1 = a.detach().clone().requires_grad_(), x2 = b.detach().clone().requires_grad_();
  const Tensor y = loss(x1, x2);
  y.dim() > 0 ? y.backward(testing::grad_wave(y.shape())) : y.backward();
  testing::expect_all({y.detach(), x1.grad(), x2.grad()},
                      testing::find_reference(testing::nn_reference::extra_losses(), name));
}

TEST(MarginRankingLoss, MatchesPyTorch) {
  const Tensor t = tensor({1.0, -1.0, 1.0, 1.0, -1.0, -1.0}, kFloat64);
  for (const auto& [r, red] : kReductions) {
    expect_loss2(std::string("margin_ranking_") + r, input_wave({6}, 2.0), input_wave({6}, 2.0, 1.0),
                 [&](const Tensor& a, const Tensor& b) { return nn::margin_ranking_loss(a, b, t, 0.3, red); });
  }
  const Tensor sign = where(target_wave({3, 4}) > 0.0, 1.0, -1.0).to(kFloat64);
  expect_loss2(
      "margin_ranking_broadcast", input_wave({3, 1}), input_wave({1, 4}, 1.0, 2.0),
      [&](const Tensor& a, const Tensor& b) { return nn::margin_ranking_loss(a, b, sign, 0.0, Reduction::kNone); });
}

TEST(CosineEmbeddingLoss, MatchesPyTorch) {
  const Tensor t = tensor({1.0, -1.0, -1.0, 1.0}, kFloat64);
  const Tensor u = input_wave({4, 5}), v = input_wave({4, 5}, 1.0, 0.7);
  for (const auto& [r, red] : kReductions) {
    expect_loss2(std::string("cosine_embedding_") + r, u, v,
                 [&](const Tensor& a, const Tensor& b) { return nn::cosine_embedding_loss(a, b, t, 0.2, red); });
  }
  expect_loss2("cosine_embedding_margin_neg", u, v,
               [&](const Tensor& a, const Tensor& b) { return nn::cosine_embedding_loss(a, b, -t, -0.5); });
  expect_loss2("cosine_embedding_1d", input_wave({5}), input_wave({5}, 1.0, 0.7), [](const Tensor& a, const Tensor& b) {
    return nn::cosine_embedding_loss(a, b, scalar_tensor(-1.0), 0.0, Reduction::kSum);
  });
  // Integer targets work as well; targets other than 1 and -1 contribute 0.
  const Tensor other = nn::cosine_embedding_loss(u, v, tensor({1, 0, 2, -1}), 0.0, Reduction::kNone);
  EXPECT_EQ(testing::doubles(other)[1], 0.0);
  EXPECT_EQ(testing::doubles(other)[2], 0.0);
}

TEST(RankingLosses, Errors) {
  expect_error<ShapeError>(
      [] {
        nn::margin_ranking_loss(zeros({3}), zeros({3}), zeros({1, 3}));
      },
      {"margin_ranking_loss", "[3]", "[1, 3]"});
  expect_error<ShapeError>([] { nn::margin_ranking_loss(zeros({3}), zeros({4}), zeros({3})); }, "margin_ranking_loss");
  expect_error<ShapeError>(
      [] {
        nn::cosine_embedding_loss(zeros({4, 5}), zeros({4, 6}), zeros({4}));
      },
      {"cosine_embedding_loss", "[4, 5]", "[4, 6]"});
  expect_error<ShapeError>(
      [] {
        nn::cosine_embedding_loss(zeros({4, 5}), zeros({4, 5}), zeros({3}));
      },
      {"cosine_embedding_loss", "[3]"});
  expect_error<ShapeError>(
      [] {
        nn::cosine_embedding_loss(zeros({4, 5}), zeros({4, 5}), zeros({}));
      },
      "cosine_embedding_loss");
  expect_error<ShapeError>(
      [] {
        nn::cosine_embedding_loss(zeros({2, 4, 5}), zeros({2, 4, 5}), zeros({2, 4}));
      },
      "cosine_embedding_loss");
}

}  // namespace
}  // namespace tessera
