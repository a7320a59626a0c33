// Times float32 conv2d, conv3d and their gradient ops under each CPU algorithm (im2col + OpenBLAS, oneDNN on NCHW,
// oneDNN blocked, F(2x2, 3x3) and F(2x2, 5x5) Winograd where they apply (im2col elsewhere), and the automatic choice of
// Note [Convolution dispatch]) at the layer shapes of the Fashion-MNIST CNN (batch 64), AlexNet (batch 16), VGG11
// (batch 8), a few depthwise / grouped / 1x1 layers and 3-d layers (c3d_*). Algorithms alternate within each
// repetition, so a busy machine slows them alike; it prints the median (and the minimum) in ms as a markdown table, and
// the largest difference from im2col's result.
//   TESSERA_NUM_THREADS=2 build/bench/bench_conv_algorithms [name filter] [ms per shape and pass]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "tessera/backend/cpu/conv_algorithm.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/conv3d.h"
#include "tessera/tessera.h"

namespace {

using tessera::Shape;
using tessera::Tensor;
using tessera::cpu::ConvAlgorithm;

struct Layer {
  const char* name;
  Shape x, w;
  int64_t stride, padding, groups;
};

const std::vector<Layer>& layers() {
  static const auto* l = new std::vector<Layer>{
      {"fmnist1", {64, 1, 28, 28}, {32, 1, 3, 3}, 1, 1, 1},
      {"fmnist2", {64, 32, 14, 14}, {64, 32, 3, 3}, 1, 1, 1},
      {"alex1", {16, 3, 224, 224}, {64, 3, 11, 11}, 4, 2, 1},
      {"alex2", {16, 64, 27, 27}, {192, 64, 5, 5}, 1, 2, 1},
      // other nets' first layers: ResNet and GoogLeNet (7x7 stride 2), MobileNet (3x3 stride 2), a CIFAR net (5x5),
      // ViT-B/16's patch embedding (16x16 stride 16)
      {"resnet1", {16, 3, 224, 224}, {64, 3, 7, 7}, 2, 3, 1},
      {"mobilenet1", {16, 3, 224, 224}, {32, 3, 3, 3}, 2, 1, 1},
      {"cifar1", {64, 3, 32, 32}, {64, 3, 5, 5}, 1, 2, 1},
      {"vit1", {16, 3, 224, 224}, {768, 3, 16, 16}, 16, 0, 1},
      {"alex3", {16, 192, 13, 13}, {384, 192, 3, 3}, 1, 1, 1},
      {"alex4", {16, 384, 13, 13}, {256, 384, 3, 3}, 1, 1, 1},
      {"alex5", {16, 256, 13, 13}, {256, 256, 3, 3}, 1, 1, 1},
      {"vgg1", {8, 3, 224, 224}, {64, 3, 3, 3}, 1, 1, 1},
      {"vgg2", {8, 64, 112, 112}, {128, 64, 3, 3}, 1, 1, 1},
      {"vgg3", {8, 128, 56, 56}, {256, 128, 3, 3}, 1, 1, 1},
      {"vgg4", {8, 256, 56, 56}, {256, 256, 3, 3}, 1, 1, 1},
      {"vgg5", {8, 256, 28, 28}, {512, 256, 3, 3}, 1, 1, 1},
      {"vgg6", {8, 512, 28, 28}, {512, 512, 3, 3}, 1, 1, 1},
      {"vgg7", {8, 512, 14, 14}, {512, 512, 3, 3}, 1, 1, 1},
      {"depthwise1", {16, 64, 56, 56}, {64, 1, 3, 3}, 1, 1, 64},
      {"depthwise2", {16, 256, 14, 14}, {256, 1, 3, 3}, 2, 1, 256},
      {"groups2", {16, 64, 28, 28}, {128, 32, 3, 3}, 1, 1, 2},
      {"pointwise", {16, 128, 28, 28}, {256, 128, 1, 1}, 1, 0, 1},
      // conv3d (im2col and Winograd mean the depth taps over conv2d's passes run by that algorithm)
      {"c3d_first", {4, 3, 16, 56, 56}, {64, 3, 3, 3, 3}, 1, 1, 1},
      {"c3d_wide", {4, 64, 8, 28, 28}, {128, 64, 3, 3, 3}, 1, 1, 1},
      {"c3d_deep", {4, 256, 4, 14, 14}, {256, 256, 3, 3, 3}, 1, 1, 1},
      {"c3d_narrow", {4, 32, 16, 28, 28}, {32, 32, 3, 3, 3}, 1, 1, 1},
      {"c3d_stride2", {4, 32, 16, 32, 32}, {64, 32, 3, 3, 3}, 2, 1, 1},
      {"c3d_pointwise", {4, 64, 8, 28, 28}, {128, 64, 1, 1, 1}, 1, 0, 1},
      {"c3d_depthwise", {4, 64, 8, 28, 28}, {64, 1, 3, 3, 3}, 1, 1, 64},
  };
  return *l;
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

constexpr ConvAlgorithm kAlgorithms[] = {ConvAlgorithm::kIm2col, ConvAlgorithm::kDnnlPlain, ConvAlgorithm::kDnnlBlocked,
                                         ConvAlgorithm::kWinograd, ConvAlgorithm::kAuto};
constexpr const char* kPasses[] = {"forward", "input grad", "weight grad"};

// Runs pass 0/1/2 of layer l on (x, w, gy).
Tensor run_pass(const Layer& l, int pass, const Tensor& x, const Tensor& w, const Tensor& gy) {
  if (l.x.size() == 5) {
    const std::array<int64_t, 3> s{l.stride, l.stride, l.stride}, p{l.padding, l.padding, l.padding}, d{1, 1, 1};
    if (pass == 0) return tessera::conv3d(x, w, {}, s, p, d, l.groups);
    if (pass == 1) return tessera::conv3d_input_grad(gy, w, l.x, s, p, d, l.groups);
    return tessera::conv3d_weight_grad(x, gy, l.w, s, p, d, l.groups);
  }
  const std::array<int64_t, 2> s{l.stride, l.stride}, p{l.padding, l.padding}, d{1, 1};
  if (pass == 0) return tessera::conv2d(x, w, {}, s, p, d, l.groups);
  if (pass == 1) return tessera::conv2d_input_grad(gy, w, l.x, s, p, d, l.groups);
  return tessera::conv2d_weight_grad(x, gy, l.w, s, p, d, l.groups);
}

void bench_layer(const Layer& l, double budget_ms) {
  const Tensor x = tessera::randn(l.x), w = tessera::randn(l.w) * 0.1;
  const Tensor gy = tessera::randn(run_pass(l, 0, x, w, {}).shape());
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<Tensor> results;
    for (ConvAlgorithm a : kAlgorithms) {  // also warms up (primitive creation)
      tessera::cpu::set_conv_algorithm(a);
      results.push_back(run_pass(l, pass, x, w, gy));
    }
    tessera::cpu::set_conv_algorithm(ConvAlgorithm::kIm2col);
    const double start = now_ms();
    run_pass(l, pass, x, w, gy);
    const double once = std::max(now_ms() - start, 0.01);
    const int reps = std::clamp(static_cast<int>(budget_ms / (4 * once)), 3, 200);
    std::vector<std::vector<double>> times(std::size(kAlgorithms));
    for (int r = 0; r < reps; ++r) {
      for (size_t i = 0; i < times.size(); ++i) {
        tessera::cpu::set_conv_algorithm(kAlgorithms[i]);
        const double t0 = now_ms();
        run_pass(l, pass, x, w, gy);
        times[i].push_back(now_ms() - t0);
      }
    }
    double diff = 0;
    for (size_t i = 1; i < results.size(); ++i) {
      diff = std::max(diff, (results[i] - results[0]).abs().amax().item<double>());
    }
    std::printf("| %s | %s |", l.name, kPasses[pass]);
    for (auto& t : times) {
      std::sort(t.begin(), t.end());
      std::printf(" %.3f (%.3f) |", t[t.size() / 2], t[0]);
    }
    std::printf(" %.2g |\n", diff);
    std::fflush(stdout);
  }
  tessera::cpu::set_conv_algorithm(ConvAlgorithm::kAuto);
}

}  // namespace

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : "";
  const double budget_ms = argc > 2 ? std::atof(argv[2]) : 1500;
  std::printf("threads: %d; ms, median (min)\n\n", tessera::num_threads());
  std::printf("| layer | pass | im2col | oneDNN NCHW | oneDNN blocked | Winograd | auto | max abs diff |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const Layer& l : layers()) {
    if (std::strstr(l.name, filter)) bench_layer(l, budget_ms);
  }
}
