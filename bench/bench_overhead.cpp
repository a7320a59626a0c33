// Per-op overhead on tiny tensors against libtorch eager, in the same run, both on ONE thread (set in main, whatever
// TESSERA_NUM_THREADS / OMP_NUM_THREADS say): with so little data the time is dispatch, shape rule, allocation and
// autograd bookkeeping, not arithmetic, and threads would only add noise.
//   add_1elem            a + b on 1-element float32 tensors, no grad
//   mul_chain100_nograd  y = y * c, 100 times, 64-element float32, under a no-grad guard (dispatch + kernel only)
//   mul_chain100_fwd     the same chain from an x that requires grad: recorded, no backward
//   mul_chain100_step    the recorded chain, then y.backward(ones): one whole training-like step
// The "op" counter is the time per op: the case's time over its ops (100 muls; a step also counts its 100 backward
// nodes). Times are thread CPU times: every case is single-threaded, and CPU time is what stays meaningful when
// other work shares the cores (the wall time is printed too, in the console table).
// Usage: bench/run (TESSERA_BUILD_DIR=build-bench) or build-bench/bench/bench_overhead directly.
#include <torch/torch.h>

#include <exception>
#include <string>

#include "bench_common.h"
#include "tessera/autograd/engine.h"
#include "tessera/autograd/grad_mode.h"
#include "tessera/tessera.h"

namespace {

constexpr int kChain = 100;
constexpr int64_t kChainElems = 64;
constexpr float kFactor = 1.0001f;  // keeps the chained product near 1 (no overflow, no denormals)

/// Reports the time per op as the counter "op" (an inverted rate: seconds per op).
void set_per_op(benchmark::State& s, int ops) {
  s.counters["op"] =
      benchmark::Counter(ops, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// ---- (a) one-element add, no grad -------------------------------------------------------------------
void tessera_add_1elem(benchmark::State& s) {
  auto a = tessera::rand({1}), b = tessera::rand({1});
  for (auto _ : s) benchmark::DoNotOptimize(a + b);
  set_per_op(s, 1);
}
void torch_add_1elem(benchmark::State& s) {
  auto a = torch::rand({1}), b = torch::rand({1});
  for (auto _ : s) benchmark::DoNotOptimize(a + b);
  set_per_op(s, 1);
}

// ---- (b) chain of 100 muls on 64 elements -------------------------------------------------------------
template <class T>
T chain(const T& x, const T& c) {
  T y = x;
  for (int i = 0; i < kChain; ++i) y = y * c;
  return y;
}

void tessera_chain_nograd(benchmark::State& s) {
  auto x = tessera::rand({kChainElems}), c = tessera::full({kChainElems}, kFactor);
  tessera::NoGradGuard no_grad;
  for (auto _ : s) benchmark::DoNotOptimize(chain(x, c));
  set_per_op(s, kChain);
}
void torch_chain_nograd(benchmark::State& s) {
  auto x = torch::rand({kChainElems}), c = torch::full({kChainElems}, kFactor);
  torch::NoGradGuard no_grad;
  for (auto _ : s) benchmark::DoNotOptimize(chain(x, c));
  set_per_op(s, kChain);
}

void tessera_chain_fwd(benchmark::State& s) {
  auto x = tessera::rand({kChainElems}).requires_grad_(), c = tessera::full({kChainElems}, kFactor);
  for (auto _ : s) benchmark::DoNotOptimize(chain(x, c));
  set_per_op(s, kChain);
}
void torch_chain_fwd(benchmark::State& s) {
  auto x = torch::rand({kChainElems}).requires_grad_(), c = torch::full({kChainElems}, kFactor);
  for (auto _ : s) benchmark::DoNotOptimize(chain(x, c));
  set_per_op(s, kChain);
}

// Backward needs the gradient rule of mul; until it lands the case is reported as skipped, not as a crash.
void tessera_chain_step(benchmark::State& s) {
  auto x = tessera::rand({kChainElems}).requires_grad_(), c = tessera::full({kChainElems}, kFactor);
  auto seed = tessera::ones({kChainElems});
  try {
    chain(x, c).backward(seed);
  } catch (const std::exception& e) {
    s.SkipWithError(("backward failed: " + std::string(e.what())).c_str());
    return;
  }
  for (auto _ : s) {
    x.set_grad({});  // each step accumulates into a fresh .grad, as after zero_grad(set_to_none)
    chain(x, c).backward(seed);
    benchmark::DoNotOptimize(x.grad());
  }
  set_per_op(s, 2 * kChain);
}
void torch_chain_step(benchmark::State& s) {
  auto x = torch::rand({kChainElems}).requires_grad_(), c = torch::full({kChainElems}, kFactor);
  auto seed = torch::ones({kChainElems});
  for (auto _ : s) {
    x.mutable_grad().reset();
    chain(x, c).backward(seed);
    benchmark::DoNotOptimize(x.grad());
  }
  set_per_op(s, 2 * kChain);
}

void configure(benchmark::internal::Benchmark* b) {
  b->Unit(benchmark::kMicrosecond)->Repetitions(10)->ReportAggregatesOnly(true);
  tessera::bench::add_min_max(b);
}

}  // namespace

BENCHMARK(tessera_add_1elem)->Name("tessera/add_1elem")->Apply(configure);
BENCHMARK(torch_add_1elem)->Name("torch/add_1elem")->Apply(configure);
BENCHMARK(tessera_chain_nograd)->Name("tessera/mul_chain100_nograd")->Apply(configure);
BENCHMARK(torch_chain_nograd)->Name("torch/mul_chain100_nograd")->Apply(configure);
BENCHMARK(tessera_chain_fwd)->Name("tessera/mul_chain100_fwd")->Apply(configure);
BENCHMARK(torch_chain_fwd)->Name("torch/mul_chain100_fwd")->Apply(configure);
BENCHMARK(tessera_chain_step)->Name("tessera/mul_chain100_step")->Apply(configure);
BENCHMARK(torch_chain_step)->Name("torch/mul_chain100_step")->Apply(configure);

int main(int argc, char** argv) {
  tessera::set_num_threads(1);
  torch::set_num_threads(1);
  // Install Tessera's autograd recorder up front (as in any program that trains), so every case runs through it
  // whatever --benchmark_filter selects; libtorch's autograd dispatch is likewise always in its path.
  tessera::rand({1}).requires_grad_();
  std::printf("threads: 1 for tessera and libtorch (fixed by this benchmark)\n");
  return tessera::bench::run_with_ratios(argc, argv);
}
