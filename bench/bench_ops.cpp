// Micro-benchmarks of the tensor core against libtorch in the same run (same thread count):
// elementwise add and exp on 16M floats, full sum, softmax-sized row reductions, batch norm (training mode), layer
// norm, matmul 256/1024/2048 and rectangular, conv3d layers, and SGD / Adam steps over the Fashion-MNIST CNN's
// parameters. Usage: bench/run (sets the thread count and the BLAS environment) or build/bench/bench_ops directly.
#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>
#include <torch/torch.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "bench_common.h"
#include "bench_libs.h"
#include "tessera/autograd/engine.h"
#include "tessera/tessera.h"

namespace {

using tessera::bench::configure;
using tessera::bench::set_bytes;
using tessera::bench::TesseraLib;
using tessera::bench::TorchLib;

constexpr int64_t kElems = 16 << 20;  // 16M float32 = 64 MiB per tensor

void set_flops(benchmark::State& s, double flops) {
  s.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// ---- Elementwise --------------------------------------------------------------------------------
void tessera_add(benchmark::State& s) {
  auto a = tessera::rand({kElems}), b = tessera::rand({kElems});
  for (auto _ : s) benchmark::DoNotOptimize(a + b);
  set_bytes(s, 3 * kElems * 4);
}
void torch_add(benchmark::State& s) {
  auto a = torch::rand({kElems}), b = torch::rand({kElems});
  for (auto _ : s) benchmark::DoNotOptimize(a + b);
  set_bytes(s, 3 * kElems * 4);
}
void tessera_exp(benchmark::State& s) {
  auto a = tessera::rand({kElems});
  for (auto _ : s) benchmark::DoNotOptimize(a.exp());
  set_bytes(s, 2 * kElems * 4);
}
void torch_exp(benchmark::State& s) {
  auto a = torch::rand({kElems});
  for (auto _ : s) benchmark::DoNotOptimize(a.exp());
  set_bytes(s, 2 * kElems * 4);
}

// ---- Reductions ---------------------------------------------------------------------------------
void tessera_sum(benchmark::State& s) {
  auto a = tessera::rand({kElems});
  for (auto _ : s) benchmark::DoNotOptimize(a.sum());
  set_bytes(s, kElems * 4);
}
void torch_sum(benchmark::State& s) {
  auto a = torch::rand({kElems});
  for (auto _ : s) benchmark::DoNotOptimize(a.sum());
  set_bytes(s, kElems * 4);
}
// Softmax-sized: [4096, 1000] logits, max and sum over the last dim (the two reductions of a softmax).
void tessera_rowmax(benchmark::State& s) {
  auto a = tessera::rand({4096, 1000});
  for (auto _ : s) benchmark::DoNotOptimize(a.amax({-1}));
  set_bytes(s, 4096 * 1000 * 4);
}
void torch_rowmax(benchmark::State& s) {
  auto a = torch::rand({4096, 1000});
  for (auto _ : s) benchmark::DoNotOptimize(a.amax({-1}));
  set_bytes(s, 4096 * 1000 * 4);
}
void tessera_rowsum(benchmark::State& s) {
  auto a = tessera::rand({4096, 1000});
  for (auto _ : s) benchmark::DoNotOptimize(a.sum({-1}));
  set_bytes(s, 4096 * 1000 * 4);
}
void torch_rowsum(benchmark::State& s) {
  auto a = torch::rand({4096, 1000});
  for (auto _ : s) benchmark::DoNotOptimize(a.sum({-1}));
  set_bytes(s, 4096 * 1000 * 4);
}

// ---- Normalization: batch norm in training mode on a ResNet-sized activation, layer norm over the last dim of a
// transformer-sized one; forward, and forward + backward for a dense output gradient (no .grad accumulation).
// "onednn" runs oneDNN's own primitives on the same plain (NCHW) buffers: the alternative to our kernels.
constexpr int64_t kBnN = 32, kBnC = 64, kBnHW = 56;
constexpr int64_t kLnN = 32, kLnT = 128, kLnD = 512;

template <class Lib, class Norm>
void run_norm(benchmark::State& s, std::vector<int64_t> shape, int64_t params, const Norm& norm) {
  const bool backward = s.range(0) != 0;
  auto x = Lib::randn(shape).requires_grad_(backward), dy = Lib::randn(shape);
  auto w = Lib::ones({params}).requires_grad_(backward), b = Lib::zeros({params}).requires_grad_(backward);
  for (auto _ : s) {
    auto y = norm(x, w, b);
    if (backward) benchmark::DoNotOptimize(Lib::grad(y, {x, w, b}, dy));
    benchmark::DoNotOptimize(y);
  }
  int64_t bytes = 4;
  for (int64_t d : shape) bytes *= d;
  set_bytes(s, bytes);
}
void tessera_batch_norm(benchmark::State& s) {
  auto rm = tessera::zeros({kBnC}), rv = tessera::ones({kBnC});
  run_norm<TesseraLib>(s, {kBnN, kBnC, kBnHW, kBnHW}, kBnC, [&](const auto& x, const auto& w, const auto& b) {
    return tessera::nn::functional::batch_norm(x, rm, rv, w, b, /*training=*/true);
  });
}
void torch_batch_norm(benchmark::State& s) {
  auto rm = torch::zeros({kBnC}), rv = torch::ones({kBnC});
  run_norm<TorchLib>(s, {kBnN, kBnC, kBnHW, kBnHW}, kBnC, [&](const auto& x, const auto& w, const auto& b) {
    return torch::batch_norm(x, w, b, rm, rv, /*training=*/true, 0.1, 1e-5, /*cudnn_enabled=*/false);
  });
}
void tessera_layer_norm(benchmark::State& s) {
  run_norm<TesseraLib>(s, {kLnN, kLnT, kLnD}, kLnD, [](const auto& x, const auto& w, const auto& b) {
    return tessera::nn::functional::layer_norm(x, {kLnD}, w, b);
  });
}
void torch_layer_norm(benchmark::State& s) {
  run_norm<TorchLib>(s, {kLnN, kLnT, kLnD}, kLnD,
                     [](const auto& x, const auto& w, const auto& b) { return torch::layer_norm(x, {kLnD}, w, b); });
}

// oneDNN's normalization primitives (forward training, then backward with scale and shift) on plain buffers.
template <class Fwd, class Bwd>
void onednn_norm(benchmark::State& s, const dnnl::memory::dims& shape, const dnnl::memory::desc& stat) {
  using tag = dnnl::memory::format_tag;
  const bool backward = s.range(0) != 0;
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  const auto md = dnnl::memory::desc(shape, dnnl::memory::data_type::f32, shape.size() == 4 ? tag::nchw : tag::tnc);
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  const typename Fwd::primitive_desc fpd({dnnl::prop_kind::forward_training, md, 1e-5f, flags}, eng);
  const typename Bwd::primitive_desc bpd({dnnl::prop_kind::backward, md, md, 1e-5f, flags}, eng, fpd);
  auto mem = [&](const dnnl::memory::desc& d) { return dnnl::memory(d, eng); };
  const dnnl::memory x = mem(md), y = mem(md), dy = mem(md), dx = mem(md), mean = mem(fpd.mean_desc()),
                     var = mem(fpd.variance_desc()), w = mem(stat), b = mem(stat), dw = mem(stat), db = mem(stat);
  for (const dnnl::memory& m : {x, dy, w, b}) {
    float* p = static_cast<float*>(m.get_data_handle());
    const size_t n = m.get_desc().get_size() / sizeof(float);
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<float>((i * 7919 % 1000) / 500.0 - 1.0);
  }
  const Fwd fwd(fpd);
  const Bwd bwd(bpd);
  for (auto _ : s) {
    fwd.execute(strm, {{DNNL_ARG_SRC, x},
                       {DNNL_ARG_DST, y},
                       {DNNL_ARG_MEAN, mean},
                       {DNNL_ARG_VARIANCE, var},
                       {DNNL_ARG_SCALE, w},
                       {DNNL_ARG_SHIFT, b}});
    if (backward) {
      bwd.execute(strm, {{DNNL_ARG_SRC, x},
                         {DNNL_ARG_DIFF_DST, dy},
                         {DNNL_ARG_MEAN, mean},
                         {DNNL_ARG_VARIANCE, var},
                         {DNNL_ARG_SCALE, w},
                         {DNNL_ARG_SHIFT, b},
                         {DNNL_ARG_DIFF_SRC, dx},
                         {DNNL_ARG_DIFF_SCALE, dw},
                         {DNNL_ARG_DIFF_SHIFT, db}});
    }
    strm.wait();
  }
}
void onednn_batch_norm(benchmark::State& s) {
  onednn_norm<dnnl::batch_normalization_forward, dnnl::batch_normalization_backward>(
      s, {kBnN, kBnC, kBnHW, kBnHW}, {{kBnC}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a});
}
void onednn_layer_norm(benchmark::State& s) {
  onednn_norm<dnnl::layer_normalization_forward, dnnl::layer_normalization_backward>(
      s, {kLnT, kLnN, kLnD}, {{kLnD}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a});
}

// ---- Matmul ---------------------------------------------------------------------------------------
// C[m, n] = op(A) B with A transposed when `ta`: square n x n x n products (args: n), and rectangular ones (args:
// m, n, k, ta): the Fashion CNN's 3136 -> 128 layer at batch 64 (forward x W^T is B transposed and runs through the
// square rows' code path; its input gradient gy [64, 128] x W [128, 3136] and weight gradient gy^T x) and a wide
// product with m = 512, which oneDNN wins (Note [GEMM choice]).
struct Rect {
  int64_t m, n, k;
  bool ta;
};
Rect square(const benchmark::State& s) { return {s.range(0), s.range(0), s.range(0), false}; }
Rect rect(const benchmark::State& s) { return {s.range(0), s.range(1), s.range(2), s.range(3) != 0}; }

void tessera_product(benchmark::State& s, Rect r) {
  auto a = r.ta ? tessera::rand({r.k, r.m}).t() : tessera::rand({r.m, r.k}), b = tessera::rand({r.k, r.n});
  for (auto _ : s) benchmark::DoNotOptimize(a.matmul(b));
  set_flops(s, 2.0 * r.m * r.n * r.k);
}
void torch_product(benchmark::State& s, Rect r) {
  auto a = r.ta ? torch::rand({r.k, r.m}).t() : torch::rand({r.m, r.k}), b = torch::rand({r.k, r.n});
  for (auto _ : s) benchmark::DoNotOptimize(a.matmul(b));
  set_flops(s, 2.0 * r.m * r.n * r.k);
}
// The BLAS (OpenBLAS, or oneDNN's sgemm with kDnnl) called directly: the bars for tessera's matmul.
template <bool kDnnl>
void direct_product(benchmark::State& s, Rect r) {
  auto a = tessera::rand({r.ta ? r.k : r.m, r.ta ? r.m : r.k}), b = tessera::rand({r.k, r.n});
  auto c = tessera::empty({r.m, r.n});
  const int m = static_cast<int>(r.m), n = static_cast<int>(r.n), k = static_cast<int>(r.k), lda = r.ta ? m : k;
  for (auto _ : s) {
    if constexpr (kDnnl) {
      if (dnnl_sgemm(r.ta ? 'T' : 'N', 'N', m, n, k, 1.0f, a.data_ptr<float>(), lda, b.data_ptr<float>(), n, 0.0f,
                     c.data_ptr<float>(), n) != dnnl_success) {
        s.SkipWithError("dnnl_sgemm failed");
        break;
      }
    } else {
      cblas_sgemm(CblasRowMajor, r.ta ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data_ptr<float>(),
                  lda, b.data_ptr<float>(), n, 0.0f, c.data_ptr<float>(), n);
    }
    benchmark::ClobberMemory();
  }
  set_flops(s, 2.0 * r.m * r.n * r.k);
}

void tessera_matmul(benchmark::State& s) { tessera_product(s, square(s)); }
void torch_matmul(benchmark::State& s) { torch_product(s, square(s)); }
void blas_matmul(benchmark::State& s) { direct_product<false>(s, square(s)); }
void onednn_matmul(benchmark::State& s) { direct_product<true>(s, square(s)); }
void tessera_matmul_rect(benchmark::State& s) { tessera_product(s, rect(s)); }
void torch_matmul_rect(benchmark::State& s) { torch_product(s, rect(s)); }
void blas_matmul_rect(benchmark::State& s) { direct_product<false>(s, rect(s)); }
void onednn_matmul_rect(benchmark::State& s) { direct_product<true>(s, rect(s)); }

// ---- conv3d: a first layer (3 -> 64), a wide 3x3x3 layer (64 -> 128), a strided one and a 1x1x1 one, batch 4, as in
// 3-d CNNs for video (C3D); forward, and forward + backward (input and weight gradients) for a dense output gradient.
struct Conv3dLayer {
  std::vector<int64_t> x, w;
  int64_t stride, padding;
};
const Conv3dLayer kConv3dLayers[] = {{{4, 3, 16, 56, 56}, {64, 3, 3, 3, 3}, 1, 1},
                                     {{4, 64, 8, 28, 28}, {128, 64, 3, 3, 3}, 1, 1},
                                     {{4, 32, 16, 32, 32}, {64, 32, 3, 3, 3}, 2, 1},
                                     {{4, 64, 8, 28, 28}, {128, 64, 1, 1, 1}, 1, 0}};

template <class Lib, class Conv>
void run_conv3d(benchmark::State& s, const Conv& conv) {
  const Conv3dLayer& l = kConv3dLayers[s.range(0)];
  const bool backward = s.range(1) != 0;
  auto x = Lib::randn(l.x).requires_grad_(backward), w = (Lib::randn(l.w) * 0.1).requires_grad_(backward);
  const auto shape = Lib::shape(conv(x, w, l.stride, l.padding));
  auto dy = Lib::randn(shape);
  for (auto _ : s) {
    auto y = conv(x, w, l.stride, l.padding);
    if (backward) benchmark::DoNotOptimize(Lib::grad(y, {x, w}, dy));
    benchmark::DoNotOptimize(y);
  }
  double macs = 1;
  for (int64_t d : shape) macs *= static_cast<double>(d);
  for (size_t i = 1; i < l.w.size(); ++i) macs *= static_cast<double>(l.w[i]);
  set_flops(s, 2 * macs * (backward ? 3 : 1));
}

void tessera_conv3d(benchmark::State& s) {
  run_conv3d<TesseraLib>(s, [](const tessera::Tensor& x, const tessera::Tensor& w, int64_t stride, int64_t pad) {
    return tessera::conv3d(x, w, {}, {stride, stride, stride}, {pad, pad, pad});
  });
}
void torch_conv3d(benchmark::State& s) {
  run_conv3d<TorchLib>(s, [](const torch::Tensor& x, const torch::Tensor& w, int64_t stride, int64_t pad) {
    return torch::conv3d(x, w, {}, stride, pad);
  });
}

void conv3d_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "bwd"});
  for (int64_t layer = 0; layer < std::ssize(kConv3dLayers); ++layer) b->Args({layer, 0})->Args({layer, 1});
}

// ---- Optimizer steps ---------------------------------------------------------------------------
// One step over the Fashion-MNIST CNN's parameters (421,642 floats in 8 tensors) with fixed gradients: SGD with
// momentum 0.9 (arg 0) or Adam (arg 1), each library's own optimizer class.
const std::vector<std::vector<int64_t>> kFashionCnnParams = {{32, 1, 3, 3}, {32},  {64, 32, 3, 3}, {64},
                                                             {128, 3136},   {128}, {10, 128},      {10}};

void tessera_optimizer_step(benchmark::State& s) {
  std::vector<tessera::Tensor> params;
  for (const auto& shape : kFashionCnnParams) {
    params.push_back(tessera::randn(shape).requires_grad_());
    params.back().set_grad(tessera::randn(shape) * 0.01);
  }
  std::unique_ptr<tessera::optim::Optimizer> opt;
  if (s.range(0) == 1) {
    opt = std::make_unique<tessera::optim::Adam>(params);
  } else {
    opt = std::make_unique<tessera::optim::SGD>(params, tessera::optim::SGDOptions{.lr = 0.01, .momentum = 0.9});
  }
  for (auto _ : s) opt->step();
}
void torch_optimizer_step(benchmark::State& s) {
  std::vector<torch::Tensor> params;
  for (const auto& shape : kFashionCnnParams) {
    params.push_back(torch::randn(shape, torch::requires_grad()));
    params.back().mutable_grad() = torch::randn(shape) * 0.01;
  }
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (s.range(0) == 1) {
    opt = std::make_unique<torch::optim::Adam>(params);
  } else {
    opt = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(0.01).momentum(0.9));
  }
  for (auto _ : s) opt->step();
}

void rect_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "ta"});
  b->Args({64, 3136, 128, 0})->Args({128, 3136, 64, 1})->Args({512, 3136, 128, 0});
}

}  // namespace

BENCHMARK(tessera_add)->Name("tessera/add_16M")->Apply(configure);
BENCHMARK(torch_add)->Name("torch/add_16M")->Apply(configure);
BENCHMARK(tessera_exp)->Name("tessera/exp_16M")->Apply(configure);
BENCHMARK(torch_exp)->Name("torch/exp_16M")->Apply(configure);
BENCHMARK(tessera_sum)->Name("tessera/sum_16M")->Apply(configure);
BENCHMARK(torch_sum)->Name("torch/sum_16M")->Apply(configure);
BENCHMARK(tessera_rowmax)->Name("tessera/amax_4096x1000_dim1")->Apply(configure);
BENCHMARK(torch_rowmax)->Name("torch/amax_4096x1000_dim1")->Apply(configure);
BENCHMARK(tessera_rowsum)->Name("tessera/sum_4096x1000_dim1")->Apply(configure);
BENCHMARK(torch_rowsum)->Name("torch/sum_4096x1000_dim1")->Apply(configure);
BENCHMARK(tessera_batch_norm)->Name("tessera/batch_norm_32x64x56x56")->ArgName("bwd")->Arg(0)->Arg(1)->Apply(configure);
BENCHMARK(torch_batch_norm)->Name("torch/batch_norm_32x64x56x56")->ArgName("bwd")->Arg(0)->Arg(1)->Apply(configure);
BENCHMARK(tessera_layer_norm)->Name("tessera/layer_norm_32x128x512")->ArgName("bwd")->Arg(0)->Arg(1)->Apply(configure);
BENCHMARK(torch_layer_norm)->Name("torch/layer_norm_32x128x512")->ArgName("bwd")->Arg(0)->Arg(1)->Apply(configure);
BENCHMARK(onednn_batch_norm)->Name("onednn/batch_norm_32x64x56x56")->ArgName("bwd")->Arg(0)->Arg(1)->Apply(configure);
BENCHMARK(onednn_layer_norm)->Name("onednn/layer_norm_32x128x512")->ArgName("bwd")->Arg(0)->Arg(1)->Apply(configure);
BENCHMARK(tessera_matmul)->Name("tessera/matmul")->Arg(256)->Arg(1024)->Arg(2048)->Apply(configure);
BENCHMARK(torch_matmul)->Name("torch/matmul")->Arg(256)->Arg(1024)->Arg(2048)->Apply(configure);
BENCHMARK(blas_matmul)->Name("blas/matmul")->Arg(256)->Arg(1024)->Arg(2048)->Apply(configure);
BENCHMARK(onednn_matmul)->Name("onednn/matmul")->Arg(256)->Arg(1024)->Arg(2048)->Apply(configure);
BENCHMARK(tessera_matmul_rect)->Name("tessera/matmul_rect")->Apply(rect_shapes)->Apply(configure);
BENCHMARK(torch_matmul_rect)->Name("torch/matmul_rect")->Apply(rect_shapes)->Apply(configure);
BENCHMARK(blas_matmul_rect)->Name("blas/matmul_rect")->Apply(rect_shapes)->Apply(configure);
BENCHMARK(onednn_matmul_rect)->Name("onednn/matmul_rect")->Apply(rect_shapes)->Apply(configure);
BENCHMARK(tessera_conv3d)->Name("tessera/conv3d")->Apply(conv3d_args)->Apply(configure);
BENCHMARK(torch_conv3d)->Name("torch/conv3d")->Apply(conv3d_args)->Apply(configure);
BENCHMARK(tessera_optimizer_step)
    ->Name("tessera/optimizer_step_fashion_cnn")
    ->ArgName("adam")
    ->Arg(0)
    ->Arg(1)
    ->Apply(configure);
BENCHMARK(torch_optimizer_step)
    ->Name("torch/optimizer_step_fashion_cnn")
    ->ArgName("adam")
    ->Arg(0)
    ->Arg(1)
    ->Apply(configure);

int main(int argc, char** argv) {
  int threads = tessera::num_threads();
  torch::set_num_threads(threads);
  std::printf("threads: %d (tessera and libtorch)\n", threads);
  return tessera::bench::run_with_ratios(argc, argv);
}
