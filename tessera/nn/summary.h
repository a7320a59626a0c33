#pragma once
// nn::summary: a Keras model.summary()-style table of a model: one row per layer with its name, type, output
// shape and parameter count, then the totals.
//
// nn::Module has no forward hooks, so the layers whose outputs can be observed are those a Sequential applies
// in turn: summary walks nested Sequentials down to their leaves and runs each layer itself. Any other module
// (a leaf, or a composite with its own forward such as TransformerEncoderLayer) is one row for the whole module.
#include <string>

#include "tessera/nn/module.h"

namespace tessera::nn {

/// The summary of `model` for one forward pass on `example` (its shape includes the batch dim). The pass runs
/// in eval mode without gradients (so batch norm statistics and dropout are untouched) and every module's
/// training flag is restored afterwards. Rows are named by their dotted path ("features.0"); parameter counts
/// include descendants; the totals count model.parameters() (trainable: requires_grad). Errors are those of the
/// model's forward.
std::string summary(Module& model, const Tensor& example);
/// The summary for zeros of `input_shape`, in the dtype of the model's first floating-point parameter
/// (float32 when it has none).
std::string summary(Module& model, const Shape& input_shape);

}  // namespace tessera::nn
