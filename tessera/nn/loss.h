#pragma once
// Loss functions (torch.nn.functional losses), written with Tessera ops so they differentiate to any order and
// trace into graphs. Every one takes `reduction`: kNone (per element), kMean (default) or kSum.
#include <optional>

#include "tessera/core/tensor.h"

namespace tessera::nn {

enum class Reduction { kNone, kMean, kSum };

struct CrossEntropyOptions {
  Tensor weight{};              ///< [C] per-class weights (optional).
  int64_t ignore_index = -100;  ///< Targets equal to it add nothing (class-index targets only).
  Reduction reduction = Reduction::kMean;
  double label_smoothing = 0.0;  ///< In [0, 1]: the target mixes with the uniform distribution.
};

/// Cross entropy between logits and targets (torch.nn.functional.cross_entropy): input [N, C] (or [N, C, d...],
/// or [C]) and either class indices (int64 [N] / [N, d...], values in [0, C) or ignore_index) or class
/// probabilities (float, input's shape). Computed from log_softmax (stable for large logits). The weighted
/// mean divides by the summed weights of the non-ignored targets, as PyTorch does. Errors: ShapeError naming
/// cross_entropy and both shapes; IndexError for a class index out of range; ValueError for label_smoothing
/// outside [0, 1].
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& options = {});
/// Negative log likelihood of log-probabilities (torch.nn.functional.nll_loss): input [N, C] (or [N, C, d...]),
/// class-index target; weight, ignore_index and reduction as cross_entropy.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {}, int64_t ignore_index = -100,
                Reduction reduction = Reduction::kMean);
/// (input - target)^2; shapes broadcast (as PyTorch, which warns; ShapeError when they cannot).
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::kMean);
/// |input - target|.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::kMean);
/// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (torch's smooth_l1_loss; beta = 0 is l1_loss).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::kMean,
                      double beta = 1.0);
/// 0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta) (torch's huber_loss).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::kMean,
                  double delta = 1.0);
/// -w [t log(x) + (1 - t) log(1 - x)] with the logs clamped at -100, as PyTorch; input in [0, 1].
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            Reduction reduction = Reduction::kMean);
/// binary_cross_entropy of sigmoid(input), computed stably: (1 - t) x + (1 + (p - 1) t) softplus(-x) with
/// p = pos_weight (broadcast over the last dim).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                                        const Tensor& pos_weight = {}, Reduction reduction = Reduction::kMean);
/// KL divergence with input as log-probabilities: target (log target when log_target) * (log target - input).
/// kMean averages over all elements, as PyTorch's reduction="mean" (use kSum / N for "batchmean").
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::kMean,
              bool log_target = false);

/// max(0, -target (input1 - input2) + margin) (torch.nn.functional.margin_ranking_loss): target holds 1 (input1
/// should rank higher) or -1; the three shapes broadcast. ShapeError naming margin_ranking_loss when their
/// numbers of dims differ (as PyTorch) or they do not broadcast.
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = 0.0,
                           Reduction reduction = Reduction::kMean);
/// 1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1, 0 for other targets
/// (torch.nn.functional.cosine_embedding_loss), with cos = <x1, x2> / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12)) as
/// PyTorch. input1, input2 [N, D] with target [N], or [D] with a 0-d target; the loss has the target's shape
/// before reduction. ShapeError naming cosine_embedding_loss for other shapes.
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = 0.0,
                             Reduction reduction = Reduction::kMean);

/// Applies a reduction to per-element losses.
Tensor reduce_loss(const Tensor& loss, Reduction reduction);

}  // namespace tessera::nn
