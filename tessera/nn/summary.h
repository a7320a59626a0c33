#pragma once
// nn::summary: a Keras model.summary()-style table of a model: one row per layer with its name, type, output
// shape and parameter count, then the totals.
//
// It runs one forward pass with a forward hook on every module (nn::Module::register_forward_hook) and lists, in
// call order, the called modules none of whose descendants was called through operator() (the leaves of what
// ran); a composite that uses its children's weights directly (MultiheadAttention's out_proj) is one row.
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
