// `tessera time`: Caffe's `caffe time` for the zoo models. Times each layer's forward and backward pass
// separately (median of --iterations runs after warm-up) at a batch size, then the whole training step.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "tessera/core/parallel.h"
#include "tessera/core/rng.h"
#include "tessera/models/zoo.h"
#include "tessera/nn/container.h"
#include "tessera/nn/loss.h"
#include "tessera/ops/random.h"
#include "tessera/ops/reduce.h"

namespace tessera::cli {
namespace {

struct TimeArgs {
  std::string model = "cnn";
  int64_t batch_size = 64;
  int iterations = 20;
  int threads = 0;
};

template <class F>
double median_ms(int iterations, const F& f) {
  f();  // warm-up: first-touch allocations, BLAS buffers
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

void run_time(const TimeArgs& a) {
  if (a.threads > 0) set_num_threads(a.threads);
  manual_seed(0);
  nn::ModulePtr model = models::make_model(a.model);
  auto* seq = dynamic_cast<nn::Sequential*>(model.get());
  check<ValueError>(seq != nullptr, "time: model '", a.model, "' is not a Sequential");
  std::printf("tessera time: model %s, batch %lld, %d iterations, %d threads\n", a.model.c_str(),
              static_cast<long long>(a.batch_size), a.iterations, num_threads());
  std::printf("%-24s %-20s %12s %12s\n", "layer", "output", "forward ms", "backward ms");
  Tensor x = randn({a.batch_size, 1, 28, 28});
  double total_fwd = 0, total_bwd = 0;
  for (const auto& [name, layer] : seq->named_children()) {
    Tensor in = x.detach().requires_grad_(true);
    Tensor out;
    const double fwd = median_ms(a.iterations, [&] { out = layer->forward(in); });
    const Tensor g = randn(out.shape());
    const double bwd = median_ms(a.iterations,
                                 [&] {
                                   in.set_grad({});
                                   layer->zero_grad();
                                   layer->forward(in).backward(g);
                                 }) -
                       fwd;  // the backward timing includes a forward
    total_fwd += fwd, total_bwd += bwd;
    std::printf("%-24s %-20s %12.3f %12.3f\n", (name + " " + layer->type_name()).c_str(),
                shape_str(out.shape()).c_str(), fwd, std::max(bwd, 0.0));
    x = out.detach();
  }
  std::printf("%-24s %-20s %12.3f %12.3f\n", "sum of layers", "", total_fwd, total_bwd);
  const Tensor input = randn({a.batch_size, 1, 28, 28});
  const Tensor target = randint(0, 10, {a.batch_size});
  const double step = median_ms(a.iterations, [&] {
    model->zero_grad();
    nn::cross_entropy(model->forward(input), target).backward();
  });
  std::printf("forward + backward of the whole model with cross_entropy: %.3f ms (%.0f images/s)\n", step,
              1000.0 * double(a.batch_size) / step);
}

}  // namespace

void add_time_command(CLI::App& app) {
  auto args = std::make_shared<TimeArgs>();
  CLI::App* t = app.add_subcommand("time", "Per-layer forward and backward time of a zoo model (like caffe time)");
  t->add_option("--model", args->model, "mlp, lenet5, cnn or resnet")
      ->capture_default_str()
      ->check(CLI::IsMember({"mlp", "lenet5", "cnn", "resnet"}));
  t->add_option("--batch-size", args->batch_size, "Images per batch")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  t->add_option("--iterations", args->iterations, "Timed runs per measurement (the median is shown)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  t->add_option("--threads", args->threads, "Compute threads (0: one per core)")->capture_default_str();
  t->callback([args] { run_time(*args); });
}

}  // namespace tessera::cli
