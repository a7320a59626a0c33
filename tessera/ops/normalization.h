#pragma once
// Fused normalization ops: batch_norm_training (batch normalization with the batch's own statistics, the
// training mode of nn::functional::batch_norm) and layer_norm, each with its fused backward.
//
// Note [The fused batch norm]
// Written with tensor ops, batch norm in training mode is a mean, a centred square, another mean and two
// broadcast passes forward, and about a dozen reductions and broadcasts backward: 1.2x libtorch's forward time
// and 1.9x its forward + backward on [32, 64, 56, 56] (docs/performance.md, stop 15). As one op the CPU kernel
// takes a block of channels at a time, small enough to stay in cache between its passes: the sum, the sum of
// squared deviations from the mean (two passes, exact for data far from zero) and the normalization; the
// backward is one pass for the sums of dy and dy (x - mean) and one for dx. The gradient rule uses the fused
// backward op when it is not itself differentiated (plain eager backward) and writes the same backward with tensor
// ops under create_graph and in graph mode, so gradients of any order hold (the pattern of Note [The fused
// LSTM]). Formulas are PyTorch's: with M values per channel, mean and biased variance var over (N, *),
//   y = (x - mean) / sqrt(var + eps) * weight + bias
//   dbias = sum dy;  dweight = sum dy xhat;  dx = weight / sqrt(var + eps) (dy - dbias / M - xhat dweight / M)
// where xhat = (x - mean) / sqrt(var + eps).
#include "tessera/core/tensor.h"
#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of batch_norm_training, layer_norm and their backward ops.
struct NormalizationAttrs final : AttrsOf<NormalizationAttrs> {
  explicit NormalizationAttrs(double eps = 1e-5) : eps(eps) {}
  double eps;  ///< added to the variance before the square root
  std::string repr() const override;
};

/// The outputs of batch_norm_training.
struct BatchNormTraining {
  Tensor y;     ///< [N, C, *]: the normalized, scaled and shifted input.
  Tensor mean;  ///< [C]: the batch mean of each channel.
  Tensor var;   ///< [C]: the biased batch variance of each channel (divided by M, not M - 1).
};

/// Normalizes `input` [N, C, *] per channel with its batch statistics over N and all trailing dims (Note [The
/// fused batch norm]), then scales by `weight` [C] and shifts by `bias` [C] (pass ones and zeros for none).
/// float32 or float64, all of one dtype. Throws ShapeError for an input with fewer than 2 dims or parameters that
/// are not [C], ValueError when a channel has at most 1 value (no batch variance), DTypeError for other dtypes.
/// Reference: torch.nn.functional.batch_norm with training=True (torch.native_batch_norm).
BatchNormTraining batch_norm_training(const Tensor& input, const Tensor& weight, const Tensor& bias, double eps = 1e-5);

// Note [The fused layer norm]
// Layer norm normalizes each row of D = numel(normalized_shape) trailing values. Written with tensor ops it was
// a mean, a centred square, another mean and three broadcast passes; as one op each row is summed twice
// (mean, then squared deviations: exact far from zero) and normalized while it is in cache. The backward takes
// two passes per row (both row sums, then dx, four rows at a time); the weight's and bias's gradients are column sums
// over the rows, added per fixed block of rows and then over the blocks in order, so results do not depend on the
// thread count. The gradient rule switches between the fused backward and tensor ops as in Note [The fused batch norm].
// With rstd = 1 / sqrt(var + eps), xhat = (x - mean) rstd and g = dy weight:
//   y = xhat weight + bias;  dx = rstd (g - mean(g) - xhat mean(g xhat));  dweight = sum dy xhat;  dbias = sum dy

/// The outputs of layer_norm_with_stats.
struct LayerNormResult {
  Tensor y;     ///< [*, normalized_shape]: the normalized, scaled and shifted input.
  Tensor mean;  ///< [*, 1, ..., 1] (one 1 per normalized dim): the mean of each row.
  Tensor var;   ///< [*, 1, ..., 1]: the biased variance of each row.
};

/// Layer normalization (Ba et al. 2016) of `input` [*, normalized_shape] over its trailing weight.dim() dims, as
/// one op (Note [The fused layer norm]): `weight` and `bias` have shape normalized_shape (pass ones and zeros for
/// none). float32 or float64, all of one dtype. Throws ShapeError naming layer_norm and both shapes when the
/// input does not end in normalized_shape or the bias's shape differs from the weight's, DTypeError for other
/// dtypes. Reference: torch.native_layer_norm (which returns 1 / sqrt(var + eps) where this returns var).
LayerNormResult layer_norm_with_stats(const Tensor& input, const Tensor& weight, const Tensor& bias, double eps = 1e-5);

}  // namespace tessera
