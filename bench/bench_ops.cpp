// Micro-benchmarks of the tensor core against libtorch in the same run (same thread count):
// elementwise add and exp on 16M floats, full sum, softmax-sized row reductions, batch norm (training mode), layer
// norm, and matmul 256/1024/2048. Usage: bench/run (sets the thread count and the BLAS environment) or
// build/bench/bench_ops directly.
#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>
#include <torch/torch.h>

#include "bench_common.h"
#include "tessera/tessera.h"

namespace {

constexpr int64_t kElems = 16 << 20;  // 16M float32 = 64 MiB per tensor

void set_bytes(benchmark::State& s, int64_t bytes) {
  s.counters["GB/s"] =
      benchmark::Counter(static_cast<double>(bytes) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
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

// ---- Normalization: batch norm in training mode, forward and forward + backward, on a ResNet-sized activation ----
constexpr int64_t kBnN = 32, kBnC = 64, kBnHW = 56;

void tessera_batch_norm(benchmark::State& s) {
  const bool backward = s.range(0) != 0;
  auto x = tessera::randn({kBnN, kBnC, kBnHW, kBnHW}).requires_grad_(backward);
  auto rm = tessera::zeros({kBnC}), rv = tessera::ones({kBnC});
  auto w = tessera::ones({kBnC}).requires_grad_(backward), b = tessera::zeros({kBnC}).requires_grad_(backward);
  for (auto _ : s) {
    auto y = tessera::nn::functional::batch_norm(x, rm, rv, w, b, /*training=*/true);
    if (backward) y.sum().backward();
    benchmark::DoNotOptimize(y);
  }
  set_bytes(s, kBnN * kBnC * kBnHW * kBnHW * 4);
}
void torch_batch_norm(benchmark::State& s) {
  const bool backward = s.range(0) != 0;
  auto x = torch::randn({kBnN, kBnC, kBnHW, kBnHW}).requires_grad_(backward);
  auto rm = torch::zeros({kBnC}), rv = torch::ones({kBnC});
  auto w = torch::ones({kBnC}).requires_grad_(backward), b = torch::zeros({kBnC}).requires_grad_(backward);
  for (auto _ : s) {
    auto y = torch::batch_norm(x, w, b, rm, rv, /*training=*/true, 0.1, 1e-5, /*cudnn_enabled=*/false);
    if (backward) y.sum().backward();
    benchmark::DoNotOptimize(y);
  }
}

// ---- Normalization: layer norm over the last dim of a transformer-sized activation ------------------------------
constexpr int64_t kLnN = 32, kLnT = 128, kLnD = 512;

void tessera_layer_norm(benchmark::State& s) {
  const bool backward = s.range(0) != 0;
  auto x = tessera::randn({kLnN, kLnT, kLnD}).requires_grad_(backward);
  auto w = tessera::ones({kLnD}).requires_grad_(backward), b = tessera::zeros({kLnD}).requires_grad_(backward);
  for (auto _ : s) {
    auto y = tessera::nn::functional::layer_norm(x, {kLnD}, w, b);
    if (backward) y.sum().backward();
    benchmark::DoNotOptimize(y);
  }
  set_bytes(s, kLnN * kLnT * kLnD * 4);
}
void torch_layer_norm(benchmark::State& s) {
  const bool backward = s.range(0) != 0;
  auto x = torch::randn({kLnN, kLnT, kLnD}).requires_grad_(backward);
  auto w = torch::ones({kLnD}).requires_grad_(backward), b = torch::zeros({kLnD}).requires_grad_(backward);
  for (auto _ : s) {
    auto y = torch::layer_norm(x, {kLnD}, w, b);
    if (backward) y.sum().backward();
    benchmark::DoNotOptimize(y);
  }
}

// ---- Matmul ---------------------------------------------------------------------------------------
void tessera_matmul(benchmark::State& s) {
  int64_t n = s.range(0);
  auto a = tessera::rand({n, n}), b = tessera::rand({n, n});
  for (auto _ : s) benchmark::DoNotOptimize(a.matmul(b));
  set_flops(s, 2.0 * n * n * n);
}
void torch_matmul(benchmark::State& s) {
  int64_t n = s.range(0);
  auto a = torch::rand({n, n}), b = torch::rand({n, n});
  for (auto _ : s) benchmark::DoNotOptimize(a.matmul(b));
  set_flops(s, 2.0 * n * n * n);
}

void blas_matmul(benchmark::State& s) {  // the BLAS called directly: the bar for tessera's matmul overhead
  int n = static_cast<int>(s.range(0));
  auto a = tessera::rand({n, n}), b = tessera::rand({n, n}), c = tessera::empty({n, n});
  for (auto _ : s) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data_ptr<float>(), n, b.data_ptr<float>(),
                n, 0.0f, c.data_ptr<float>(), n);
    benchmark::ClobberMemory();
  }
  set_flops(s, 2.0 * n * n * n);
}

void onednn_matmul(benchmark::State& s) {  // oneDNN's GEMM called directly: the other bar
  int n = static_cast<int>(s.range(0));
  auto a = tessera::rand({n, n}), b = tessera::rand({n, n}), c = tessera::empty({n, n});
  for (auto _ : s) {
    if (dnnl_sgemm('N', 'N', n, n, n, 1.0f, a.data_ptr<float>(), n, b.data_ptr<float>(), n, 0.0f, c.data_ptr<float>(),
                   n) != dnnl_success) {
      s.SkipWithError("dnnl_sgemm failed");
      break;
    }
    benchmark::ClobberMemory();
  }
  set_flops(s, 2.0 * n * n * n);
}

void configure(benchmark::internal::Benchmark* b) {
  b->Unit(benchmark::kMillisecond)->Repetitions(10)->ReportAggregatesOnly(true)->UseRealTime();
  tessera::bench::add_min_max(b);
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
BENCHMARK(tessera_matmul)->Name("tessera/matmul")->Arg(256)->Arg(1024)->Arg(2048)->Apply(configure);
BENCHMARK(torch_matmul)->Name("torch/matmul")->Arg(256)->Arg(1024)->Arg(2048)->Apply(configure);
BENCHMARK(blas_matmul)->Name("blas/matmul")->Arg(256)->Arg(1024)->Arg(2048)->Apply(configure);
BENCHMARK(onednn_matmul)->Name("onednn/matmul")->Arg(256)->Arg(1024)->Arg(2048)->Apply(configure);

int main(int argc, char** argv) {
  int threads = tessera::num_threads();
  torch::set_num_threads(threads);
  std::printf("threads: %d (tessera and libtorch)\n", threads);
  return tessera::bench::run_with_ratios(argc, argv);
}
