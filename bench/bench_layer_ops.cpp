// Pooling and softmax against libtorch and against oneDNN's own primitives, the alternative to our kernels (issue 6
// takes oneDNN's where they are faster): max pooling 2x2 stride 2 at VGG11's first pooling ([8, 64, 224, 224]) and
// 3x3 stride 2 at AlexNet's first ([16, 64, 55, 55]), average pooling 2x2 stride 2 on VGG11's shape, and softmax and
// log_softmax over 1000 classes ([4096, 1000]); forward ("bwd:0"), and forward + backward for a dense output gradient
// ("bwd:1"). oneDNN runs on the same plain (NCHW, row-major) buffers, in training mode (max pooling keeps its
// workspace). Usage: bench/run, or build/bench/bench_layer_ops directly.
#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <oneapi/dnnl/dnnl.hpp>

#include "bench_common.h"
#include "bench_libs.h"

namespace {

using tessera::bench::configure;
using tessera::bench::set_bytes;
using tessera::bench::TesseraLib;
using tessera::bench::TorchLib;

// ---- Pooling --------------------------------------------------------------------------------------------------
struct PoolCase {
  int64_t n, c, hw, kernel, stride;
  bool max;
};
constexpr PoolCase kPools[] = {
    {8, 64, 224, 2, 2, true},   // VGG11's first max pooling
    {16, 64, 55, 3, 2, true},   // AlexNet's first max pooling
    {8, 64, 224, 2, 2, false},  // 2x2 average pooling on VGG11's shape
};

int64_t pool_out(const PoolCase& p) { return (p.hw - p.kernel) / p.stride + 1; }
void set_pool_bytes(benchmark::State& s, const PoolCase& p) {
  set_bytes(s, 4 * p.n * p.c * (p.hw * p.hw + pool_out(p) * pool_out(p)));  // read x, write y (forward)
}

// One pooling (and its gradient) per iteration through either library (bench_libs.h).
template <class Lib, class Pool>
void run_pool(benchmark::State& s, const Pool& pool) {
  const PoolCase& p = kPools[s.range(0)];
  const bool backward = s.range(1) != 0;
  auto x = Lib::randn({p.n, p.c, p.hw, p.hw}).requires_grad_(backward);
  auto dy = Lib::randn({p.n, p.c, pool_out(p), pool_out(p)});
  for (auto _ : s) {
    auto y = pool(x, p);
    if (backward) benchmark::DoNotOptimize(Lib::grad(y, {x}, dy));
    benchmark::DoNotOptimize(y);
  }
  set_pool_bytes(s, p);
}
void tessera_pool(benchmark::State& s) {
  run_pool<TesseraLib>(s, [](const tessera::Tensor& x, const PoolCase& p) {
    const std::array<int64_t, 2> kernel{p.kernel, p.kernel}, stride{p.stride, p.stride};
    return p.max ? tessera::max_pool2d(x, kernel, stride) : tessera::avg_pool2d(x, kernel, stride);
  });
}
void torch_pool(benchmark::State& s) {
  run_pool<TorchLib>(s, [](const torch::Tensor& x, const PoolCase& p) {
    return p.max ? torch::max_pool2d(x, {p.kernel, p.kernel}, {p.stride, p.stride})
                 : torch::avg_pool2d(x, {p.kernel, p.kernel}, {p.stride, p.stride});
  });
}

// oneDNN memory of `md` filled with values in [-1, 1).
dnnl::memory filled(const dnnl::memory::desc& md, const dnnl::engine& eng) {
  dnnl::memory m(md, eng);
  float* v = static_cast<float*>(m.get_data_handle());
  const size_t n = md.get_size() / sizeof(float);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>((i * 7919 % 1000) / 500.0 - 1.0);
  return m;
}

void onednn_pool(benchmark::State& s) {
  using dnnl::algorithm;
  const PoolCase& p = kPools[s.range(0)];
  const bool backward = s.range(1) != 0;
  const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  auto plain = [](const dnnl::memory::dims& d) {
    return dnnl::memory::desc(d, dnnl::memory::data_type::f32, dnnl::memory::format_tag::nchw);
  };
  const auto xd = plain({p.n, p.c, p.hw, p.hw}), yd = plain({p.n, p.c, pool_out(p), pool_out(p)});
  const algorithm alg = p.max ? algorithm::pooling_max : algorithm::pooling_avg_include_padding;
  const dnnl::memory::dims stride{p.stride, p.stride}, kernel{p.kernel, p.kernel}, none{0, 0};
  const dnnl::pooling_v2_forward::primitive_desc fpd(
      {dnnl::prop_kind::forward_training, alg, xd, yd, stride, kernel, none, none, none}, eng);
  const dnnl::pooling_v2_backward::primitive_desc bpd({alg, xd, yd, stride, kernel, none, none, none}, eng, fpd);
  const dnnl::memory x = filled(xd, eng), dy = filled(yd, eng), y(yd, eng), dx(xd, eng), ws(fpd.workspace_desc(), eng);
  const dnnl::pooling_v2_forward fwd(fpd);
  const dnnl::pooling_v2_backward bwd(bpd);
  for (auto _ : s) {
    fwd.execute(strm, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}, {DNNL_ARG_WORKSPACE, ws}});
    if (backward) bwd.execute(strm, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}, {DNNL_ARG_WORKSPACE, ws}});
    strm.wait();
  }
  set_pool_bytes(s, p);
}

// ---- Softmax over the last dim of [4096, 1000] ------------------------------------------------------------------
constexpr int64_t kRows = 4096, kClasses = 1000;

// One softmax or log_softmax (and its gradient) per iteration through either library.
template <class Lib, class Softmax, class LogSoftmax>
void run_softmax(benchmark::State& s, const Softmax& softmax, const LogSoftmax& log_softmax) {
  const bool log = s.range(0) != 0, backward = s.range(1) != 0;
  auto x = Lib::randn({kRows, kClasses}).requires_grad_(backward), dy = Lib::randn({kRows, kClasses});
  for (auto _ : s) {
    auto y = log ? log_softmax(x) : softmax(x);
    if (backward) benchmark::DoNotOptimize(Lib::grad(y, {x}, dy));
    benchmark::DoNotOptimize(y);
  }
  set_bytes(s, 2 * 4 * kRows * kClasses);
}
void tessera_softmax(benchmark::State& s) {
  run_softmax<TesseraLib>(
      s, [](const tessera::Tensor& x) { return tessera::softmax(x, 1); },
      [](const tessera::Tensor& x) { return tessera::log_softmax(x, 1); });
}
void torch_softmax(benchmark::State& s) {
  run_softmax<TorchLib>(
      s, [](const torch::Tensor& x) { return torch::softmax(x, 1); },
      [](const torch::Tensor& x) { return torch::log_softmax(x, 1); });
}

void onednn_softmax(benchmark::State& s) {
  using dnnl::algorithm;
  const bool log = s.range(0) != 0, backward = s.range(1) != 0;
  const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  const dnnl::memory::desc md({kRows, kClasses}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
  const algorithm alg = log ? algorithm::softmax_log : algorithm::softmax_accurate;
  const dnnl::softmax_v2_forward::primitive_desc fpd({dnnl::prop_kind::forward_training, alg, md, md, 1}, eng);
  const dnnl::softmax_v2_backward::primitive_desc bpd({alg, md, md, md, 1}, eng, fpd);
  const dnnl::memory x = filled(md, eng), dy = filled(md, eng), y(md, eng), dx(md, eng);
  const dnnl::softmax_v2_forward fwd(fpd);
  const dnnl::softmax_v2_backward bwd(bpd);
  for (auto _ : s) {
    fwd.execute(strm, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
    if (backward) bwd.execute(strm, {{DNNL_ARG_DST, y}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
    strm.wait();
  }
  set_bytes(s, 2 * 4 * kRows * kClasses);
}

void pool_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "bwd"});
  for (int64_t layer = 0; layer < 3; ++layer) b->Args({layer, 0})->Args({layer, 1});
}
void softmax_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"log", "bwd"})->Args({0, 0})->Args({0, 1})->Args({1, 0})->Args({1, 1});
}

}  // namespace

BENCHMARK(tessera_pool)->Name("tessera/pool2d")->Apply(pool_args)->Apply(configure);
BENCHMARK(torch_pool)->Name("torch/pool2d")->Apply(pool_args)->Apply(configure);
BENCHMARK(onednn_pool)->Name("onednn/pool2d")->Apply(pool_args)->Apply(configure);
BENCHMARK(tessera_softmax)->Name("tessera/softmax_4096x1000")->Apply(softmax_args)->Apply(configure);
BENCHMARK(torch_softmax)->Name("torch/softmax_4096x1000")->Apply(softmax_args)->Apply(configure);
BENCHMARK(onednn_softmax)->Name("onednn/softmax_4096x1000")->Apply(softmax_args)->Apply(configure);

int main(int argc, char** argv) {
  const int threads = tessera::num_threads();
  torch::set_num_threads(threads);
  std::printf("threads: %d (tessera, libtorch and oneDNN)\n", threads);
  return tessera::bench::run_with_ratios(argc, argv);
}
