#pragma once
// A small model zoo for 28x28 grey images in 10 classes (MNIST, Fashion-MNIST): what `tessera train --model`
// offers and what the benchmarks run side by side with libtorch. Inputs are [N, 1, 28, 28] float32.
#include <string>
#include <vector>

#include "tessera/nn/module.h"

namespace tessera::models {

/// Flatten, Linear(784, 256), ReLU, Linear(256, 10).
nn::ModulePtr mlp();
/// LeNet-5 (LeCun et al. 1998) with ReLU and max pooling: conv 1->6 5x5 pad 2, pool, conv 6->16 5x5, pool,
/// 400 -> 120 -> 84 -> 10.
nn::ModulePtr lenet5();
/// The Fashion-MNIST CNN: conv 1->32 3x3 pad 1, ReLU, max-pool 2; conv 32->64 3x3 pad 1, ReLU, max-pool 2;
/// linear 3136->128, ReLU; linear 128->10 (logits).
nn::ModulePtr fashion_cnn();
/// A small ResNet (He et al. 2016): conv 1->16 3x3, three stages of two basic blocks (16, 32, 64 channels,
/// stride 2 between stages, batch norm), global average pooling, linear 64->10.
nn::ModulePtr resnet_small();

/// The zoo's model names, in the order above.
const std::vector<std::string>& model_names();
/// The model of that name; KeyError listing the names otherwise.
nn::ModulePtr make_model(const std::string& name);

}  // namespace tessera::models
