#pragma once
// The feed-forward networks of bench_models (Fashion-MNIST CNN, convnet-benchmarks AlexNet, VGG-A), written once
// as a list of layers and built from that list both as a Tessera nn::Sequential and as a torch::nn::Sequential,
// so the two libraries run the very same architecture (PyTorch's parameter order and layout in both).
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/tessera.h"

namespace tessera::bench {

struct Layer {
  enum Kind { kConv, kReLU, kMaxPool, kFlatten, kLinear } kind;
  int64_t in = 0, out = 0;                  ///< Channels (conv) or features (linear).
  int64_t kernel = 0, stride = 1, pad = 0;  ///< Conv and max-pool (pool stride defaults to the kernel).
};

struct NetSpec {
  std::vector<Layer> layers;
  std::array<int64_t, 3> input;  ///< [C, H, W] of one image.
  int64_t classes;
};

inline Layer conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
  return {Layer::kConv, in, out, k, stride, pad};
}
inline Layer relu_layer() { return {Layer::kReLU}; }
inline Layer max_pool(int64_t k, int64_t stride) { return {Layer::kMaxPool, 0, 0, k, stride}; }
inline Layer flatten_layer() { return {Layer::kFlatten}; }
inline Layer linear(int64_t in, int64_t out) { return {Layer::kLinear, in, out}; }

/// conv 1->32 3x3 pad 1, ReLU, max-pool 2; conv 32->64 3x3 pad 1, ReLU, max-pool 2; linear 3136->128, ReLU;
/// linear 128->10 (tessera::models::fashion_cnn).
inline NetSpec fashion_cnn_spec() {
  return {{conv(1, 32, 3, 1, 1), relu_layer(), max_pool(2, 2), conv(32, 64, 3, 1, 1), relu_layer(), max_pool(2, 2),
           flatten_layer(), linear(3136, 128), relu_layer(), linear(128, 10)},
          {1, 28, 28},
          10};
}

/// convnet-benchmarks' AlexNet (One weird trick, Krizhevsky 2014: 64/192/384/256/256 channels), 224x224 input.
inline NetSpec alexnet_spec() {
  return {{conv(3, 64, 11, 4, 2), relu_layer(), max_pool(3, 2), conv(64, 192, 5, 1, 2), relu_layer(), max_pool(3, 2),
           conv(192, 384, 3, 1, 1), relu_layer(), conv(384, 256, 3, 1, 1), relu_layer(), conv(256, 256, 3, 1, 1),
           relu_layer(), max_pool(3, 2), flatten_layer(), linear(9216, 4096), relu_layer(), linear(4096, 4096),
           relu_layer(), linear(4096, 1000)},
          {3, 224, 224},
          1000};
}

/// VGG-A (VGG11, Simonyan & Zisserman 2014): 3x3 pad 1 convs 64,M,128,M,256,256,M,512,512,M,512,512,M (M:
/// max-pool 2), then fc 25088->4096->4096->1000 with ReLU; no dropout (convnet-benchmarks times it without).
inline NetSpec vgg_a_spec() {
  NetSpec s{{}, {3, 224, 224}, 1000};
  int64_t in = 3;
  for (int64_t c : {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0}) {
    if (c == 0) {
      s.layers.push_back(max_pool(2, 2));
      continue;
    }
    s.layers.insert(s.layers.end(), {conv(in, c, 3, 1, 1), relu_layer()});
    in = c;
  }
  s.layers.insert(s.layers.end(), {flatten_layer(), linear(25088, 4096), relu_layer(), linear(4096, 4096), relu_layer(),
                                   linear(4096, 1000)});
  return s;
}

/// Multiply-adds x 2 of one image's forward pass through the convolutions and linear layers.
inline double forward_flops(const NetSpec& s) {
  int64_t h = s.input[1], w = s.input[2];
  double flops = 0;
  for (const Layer& l : s.layers) {
    if (l.kind == Layer::kConv || l.kind == Layer::kMaxPool) {
      h = (h + 2 * l.pad - l.kernel) / l.stride + 1;
      w = (w + 2 * l.pad - l.kernel) / l.stride + 1;
    }
    if (l.kind == Layer::kConv) flops += 2.0 * l.out * h * w * l.in * l.kernel * l.kernel;
    if (l.kind == Layer::kLinear) flops += 2.0 * l.in * l.out;
  }
  return flops;
}

inline nn::ModulePtr make_tessera_net(const NetSpec& s) {
  auto net = nn::make<nn::Sequential>();
  for (const Layer& l : s.layers) {
    switch (l.kind) {
      case Layer::kConv:
        net->push_back(nn::make<nn::Conv2d>(
            l.in, l.out, l.kernel, nn::Conv2dOptions{.stride = {l.stride, l.stride}, .padding = {l.pad, l.pad}}));
        break;
      case Layer::kReLU:
        net->push_back(nn::make<nn::ReLU>());
        break;
      case Layer::kMaxPool:
        net->push_back(nn::make<nn::MaxPool2d>(
            l.kernel, nn::MaxPool2dOptions{.stride = std::array<int64_t, 2>{l.stride, l.stride}}));
        break;
      case Layer::kFlatten:
        net->push_back(nn::make<nn::Flatten>());
        break;
      case Layer::kLinear:
        net->push_back(nn::make<nn::Linear>(l.in, l.out));
        break;
    }
  }
  return net;
}

inline torch::nn::Sequential make_torch_net(const NetSpec& s) {
  torch::nn::Sequential net;
  for (const Layer& l : s.layers) {
    switch (l.kind) {
      case Layer::kConv:
        net->push_back(
            torch::nn::Conv2d(torch::nn::Conv2dOptions(l.in, l.out, l.kernel).stride(l.stride).padding(l.pad)));
        break;
      case Layer::kReLU:
        net->push_back(torch::nn::ReLU());
        break;
      case Layer::kMaxPool:
        net->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(l.kernel).stride(l.stride)));
        break;
      case Layer::kFlatten:
        net->push_back(torch::nn::Flatten());
        break;
      case Layer::kLinear:
        net->push_back(torch::nn::Linear(l.in, l.out));
        break;
    }
  }
  return net;
}

}  // namespace tessera::bench
