// Eager vs graph mode on whole training steps (forward, cross_entropy, gradients, SGD update) of the MLP and the
// Fashion-MNIST CNN at batch 64, plus elementwise fusion on a long chain. Both modes run in this process on the
// same threads; medians of --reps runs after warm-up. Peak memory is the allocator's peak during one step.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tessera/core/allocator.h"
#include "tessera/core/parallel.h"
#include "tessera/graph/graph_mode.h"
#include "tessera/models/zoo.h"
#include "tessera/nn/loss.h"
#include "tessera/nn/trace.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/random.h"
#include "tessera/ops/unary.h"
#include "tessera/optim/sgd.h"

namespace tessera::bench {
namespace {

template <class F>
double median_ms(int reps, const F& f) {
  for (int i = 0; i < 3; ++i) f();  // warm-up
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

template <class F>
double peak_mib(const F& f) {
  f();
  cpu_allocator().reset_peak();
  const int64_t before = cpu_allocator().stats().current_bytes;
  f();
  return double(cpu_allocator().stats().peak_bytes - before) / (1024.0 * 1024.0);
}

struct StepGraphs {
  graph::Function plain, optimized, fused;
};

// The traced train step: loss, gradients of every parameter, and `p <- p - lr g` as updates of the graph.
StepGraphs trace_step(nn::Module& m, double lr) {
  std::vector<Tensor> params = m.parameters();
  auto step = [&](const std::vector<Tensor>& in) {
    Tensor loss = nn::cross_entropy(m.forward(in[0]), in[1]);
    std::vector<Tensor> grads = graph::grad(loss, params);
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(params[i] - lr * grads[i]);
    return std::vector<Tensor>{loss};
  };
  graph::Function f =
      graph::trace(step, {{"x", {graph::Dim("N"), 1, 28, 28}, kFloat32}, {"y", {graph::Dim("N")}, kInt64}},
                   {.capture_names = nn::capture_names(m), .output_names = {"loss"}});
  graph::Graph opt = graph::optimize(f.graph());
  graph::Graph fused = graph::fuse_elementwise(graph::fuse_conv2d(opt));
  return {f, graph::Function(opt), graph::Function(fused)};
}

void model_case(const std::string& name, int reps) {
  manual_seed(0);
  nn::ModulePtr m = models::make_model(name);
  m->eval();  // dropout off in both modes, so both compute the same step
  const Tensor x = randn({64, 1, 28, 28}), y = randint(0, 10, {64});
  optim::SGDOptions o;
  o.lr = 0.01;
  optim::SGD sgd(m->parameters(), o);
  auto eager = [&] {
    sgd.zero_grad();
    nn::cross_entropy(m->forward(x), y).backward();
    sgd.step();
  };
  StepGraphs g = trace_step(*m, 0.01);
  auto run = [&](const graph::Function& f) { return [&f, &x, &y] { f({x, y}); }; };
  const double te = median_ms(reps, eager), tg = median_ms(reps, run(g.plain)), to = median_ms(reps, run(g.optimized)),
               tf = median_ms(reps, run(g.fused));
  const double pe = peak_mib(eager), pg = peak_mib(run(g.plain)), pf = peak_mib(run(g.fused));
  graph::MemoryPlan plan = graph::plan_memory(g.fused.graph(), {64});
  std::printf("%-6s %9.2f %9.2f %9.2f %9.2f %7.2fx %6zu/%-5zu %8.1f %8.1f %8.1f %8.1f %10.1f\n", name.c_str(), te, tg,
              to, tf, te / tf, g.plain.graph().num_nodes(), g.fused.graph().num_nodes(), pe, pg, pf,
              double(plan.arena_bytes) / (1 << 20), double(plan.unplanned_bytes) / (1 << 20));
}

// A chain of 5 or 6 elementwise ops on 4M float32 elements: eager (one pass and one buffer per op), the traced
// graph, and the graph after fuse_elementwise (one pass).
template <class Chain>
void fusion_case(const char* label, Chain chain, int reps) {
  const int64_t n = int64_t{1} << 22;
  const Tensor x = randn({n}), y = randn({n});
  graph::Function f =
      graph::trace([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{chain(in[0], in[1])}; },
                   {{"x", {n}, kFloat32}, {"y", {n}, kFloat32}});
  graph::Function fused(graph::fuse_elementwise(f.graph()));
  const double te = median_ms(reps, [&] { chain(x, y); }),
               tg = median_ms(reps,
                              [&] {
                                f({x, y});
                              }),
               tf = median_ms(reps, [&] {
                 fused({x, y});
               });
  const double pe = peak_mib([&] { chain(x, y); }), pf = peak_mib([&] { fused({x, y}); });
  std::printf(
      "%-28s eager %6.2f ms, graph %6.2f ms, fused %6.2f ms (%.2fx vs eager); peak %5.1f MiB eager, %5.1f MiB fused\n",
      label, te, tg, tf, te / tf, pe, pf);
}

// Convolution fusion on an inference graph: two conv(3x3, pad 1) + bias + ReLU layers of VGG's first block
// (3 -> 64 -> 64 channels, 56x56, batch 16), the optimized graph against the same after fuse_conv2d (oneDNN
// applies bias and ReLU inside the convolution).
void conv_fusion_case(int reps) {
  manual_seed(0);
  const Tensor w1 = randn({64, 3, 3, 3}) * 0.2, b1 = randn({64}), w2 = randn({64, 64, 3, 3}) * 0.05, b2 = randn({64});
  const Tensor x = randn({16, 3, 56, 56});
  auto net = [&](const std::vector<Tensor>& in) {
    Tensor h = relu(conv2d(in[0], w1, b1, {1, 1}, {1, 1}));
    return std::vector<Tensor>{relu(conv2d(h, w2, b2, {1, 1}, {1, 1}))};
  };
  graph::Function f = graph::trace(net, {{"x", {16, 3, 56, 56}, kFloat32}});
  graph::Function opt(graph::optimize(f.graph())), fused(graph::fuse_conv2d(opt.graph()));
  const double te = median_ms(reps, [&] { net({x}); }), to = median_ms(reps, [&] { opt({x}); }),
               tf = median_ms(reps, [&] { fused({x}); });
  std::printf("conv+bias+relu x2, [16, 3, 56, 56]: eager %6.2f ms, graph %6.2f ms, fused %6.2f ms (%.2fx vs graph)\n",
              te, to, tf, to / tf);
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) {
  int reps = 20;  // --reps=N; Google Benchmark's flags from bench/run are ignored
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--reps=", 0) == 0) reps = std::max(1, std::atoi(argv[i] + 7));
  }
  std::printf("bench_graph: %d threads, median of %d steps, batch 64, float32\n", tessera::num_threads(), reps);
  std::printf("%-6s %9s %9s %9s %9s %8s %12s %8s %8s %8s %8s %10s\n", "model", "eager ms", "graph ms", "+passes",
              "+fusion", "speedup", "nodes", "peak MiB", "graph", "fused", "plan MiB", "unplanned");
  tessera::bench::model_case("mlp", reps);
  tessera::bench::model_case("cnn", reps);
  std::printf("\nconvolution fusion, float32:\n");
  tessera::bench::conv_fusion_case(reps);
  using tessera::Tensor;
  std::printf("\nelementwise fusion, 4M float32:\n");
  tessera::bench::fusion_case(
      "(x*2+1)*y-x*0.5", [](const Tensor& a, const Tensor& b) { return (a * 2 + 1) * b - a * 0.5; }, reps);
  tessera::bench::fusion_case(
      "sigmoid(tanh(x*2+1)*y-x)", [](const Tensor& a, const Tensor& b) { return sigmoid(tanh(a * 2 + 1) * b - a); },
      reps);
  return 0;
}
