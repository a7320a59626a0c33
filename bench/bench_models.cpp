// Model benchmarks against libtorch (issues 6 and 9), both libraries in this program run, same thread count
// (TESSERA_NUM_THREADS, passed to torch::set_num_threads), same weights and inputs:
//   fashion_cnn_train_b64   Fashion-MNIST CNN, batch 64: forward, cross_entropy, backward, SGD step (images/s)
//   alexnet_fwd_b16         convnet-benchmarks AlexNet, batch 16, 224x224: forward
//   alexnet_fwdbwd_b16      forward + cross_entropy + backward (no optimizer step, as convnet-benchmarks)
//   vgg_a_fwd_b8            VGG-A (VGG11), batch 8: forward
//   vgg_a_fwdbwd_b8         forward + cross_entropy + backward
//   lstm_fwd                LSTM(512, 512), 1 layer, input [100, 64, 512] (seq-first), zero initial states: forward
//   lstm_fwdbwd             forward + backward of output.sum() to every parameter
// "fwd" cases run under a no-grad guard (inference) in both libraries; the other cases set every gradient to
// none before the step (zero_grad(set_to_none)), so neither library accumulates. Weights are Tessera's
// initialization copied into the torch modules, inputs are copied too; once per model the two forward outputs
// are compared (printed to stderr). Each case is built and warmed up once, then timed over Iterations(N) x
// Repetitions(R); the ratio table gives medians, min-max and Tessera / libtorch (bench_common.h). Rates:
// images/s for the CNN, GFLOP/s elsewhere (2 x multiply-adds of convolutions, linear layers or LSTM matmuls;
// backward counted as twice the forward).
//
// Peak memory (the second table): for each model's training step (the non-"fwd" case) and each library, the
// program starts itself again (`--peak_child=LIB:CASE`) so every measurement has a fresh process that has loaded
// the same binary and nothing else. The child reads its resident set size (/proc/self/statm) at start, builds the
// model and its inputs with that library only, runs a warm-up step and one more step, and reports its peak RSS
// (getrusage ru_maxrss) minus the RSS at start minus the bytes of the parameters and inputs (equal in both):
// the memory the training step needs beyond them (gradients, saved activations, workspaces, what malloc keeps),
// measured the same way for both. (Subtracting the RSS just before the step instead would credit a library for
// memory that model construction freed but malloc kept resident, which the step then reuses.) For information it
// also prints Tessera's allocator peaks (core/allocator.h: live tensors; large blocks live or cached) and both
// libraries' minor page faults during the second step.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <string>

#include "bench_common.h"
#include "models_nets.h"
#include "tessera/core/allocator_cache.h"

namespace tessera::bench {
namespace {

enum class Lib { kTessera, kTorch };
enum class Mode { kForward, kForwardBackward, kTrain };

struct Case {
  std::string name, model;  // model: "fashion_cnn", "alexnet", "vgg_a" or "lstm"
  int64_t batch;
  Mode mode;
  int iterations, repetitions, warmup;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"fashion_cnn_train_b64", "fashion_cnn", 64, Mode::kTrain, 10, 10, 5},
      {"alexnet_fwd_b16", "alexnet", 16, Mode::kForward, 2, 10, 1},
      {"alexnet_fwdbwd_b16", "alexnet", 16, Mode::kForwardBackward, 1, 10, 1},
      {"vgg_a_fwd_b8", "vgg_a", 8, Mode::kForward, 1, 10, 1},
      {"vgg_a_fwdbwd_b8", "vgg_a", 8, Mode::kForwardBackward, 1, 10, 1},
      {"lstm_fwd", "lstm", 64, Mode::kForward, 1, 10, 1},
      {"lstm_fwdbwd", "lstm", 64, Mode::kForwardBackward, 1, 10, 1},
  };
  return all;
}

constexpr int64_t kSeq = 100, kLstmIn = 512, kLstmHidden = 512;

NetSpec spec_of(const std::string& model) {
  return model == "fashion_cnn" ? fashion_cnn_spec() : model == "alexnet" ? alexnet_spec() : vgg_a_spec();
}

/// Floating-point operations of one step of the case (see the header comment).
double step_flops(const Case& c) {
  const double fwd = c.model == "lstm" ? 2.0 * kSeq * c.batch * 4 * kLstmHidden * (kLstmIn + kLstmHidden)
                                       : c.batch * forward_flops(spec_of(c.model));
  return c.mode == Mode::kForward ? fwd : 3 * fwd;
}

torch::Tensor to_torch(const Tensor& t) {
  const Tensor c = t.contiguous();
  const auto dtype = c.dtype() == kInt64 ? torch::kLong : torch::kFloat;
  return torch::from_blob(c.raw_data(), std::vector<int64_t>(c.shape().begin(), c.shape().end()), dtype).clone();
}

struct TesseraModel {
  nn::ModulePtr net;
  Tensor x, y;  // y undefined for the LSTM (its loss is output.sum())
};

// Seeded, so the torch twin of a case can rebuild the same weights and inputs.
TesseraModel make_tessera_model(const Case& c) {
  manual_seed(0);
  TesseraModel m;
  if (c.model == "lstm") {
    m.net = nn::make<nn::LSTM>(kLstmIn, kLstmHidden);
    m.x = randn({kSeq, c.batch, kLstmIn});
    return m;
  }
  const NetSpec s = spec_of(c.model);
  m.net = make_tessera_net(s);
  m.x = randn({c.batch, s.input[0], s.input[1], s.input[2]});
  m.y = randint(0, s.classes, {c.batch});
  return m;
}

struct ForwardCheck {
  double max_abs_diff;
  bool agree;
};
/// Per model: how far the torch twin's forward output is from Tessera's on the same weights and input.
std::map<std::string, ForwardCheck>& forward_checks() {
  static std::map<std::string, ForwardCheck> checks;
  return checks;
}

void print_forward_checks() {
  std::printf("\nsame weights and inputs in both libraries; forward outputs, max |tessera - libtorch|:");
  for (const auto& [model, check] : forward_checks()) {
    std::printf(" %s %.2g%s", model.c_str(), check.max_abs_diff, check.agree ? "" : " (DIFFER)");
  }
  std::printf("\n");
}

class Step {
 public:
  virtual ~Step() = default;
  virtual void run() = 0;
  /// Bytes of the parameters and inputs (the same in both libraries).
  virtual int64_t data_bytes() const = 0;
};

class TesseraStep final : public Step {
 public:
  TesseraStep(TesseraModel m, Mode mode) : m_(std::move(m)), mode_(mode) {
    if (mode == Mode::kTrain) sgd_ = std::make_unique<optim::SGD>(m_.net->parameters(), optim::SGDOptions{.lr = 0.01});
  }
  void run() override {
    if (mode_ == Mode::kForward) {
      NoGradGuard no_grad;
      benchmark::DoNotOptimize(m_.net->forward(m_.x));
      return;
    }
    m_.net->zero_grad(/*set_to_none=*/true);
    const Tensor out = m_.net->forward(m_.x);
    (m_.y.defined() ? nn::cross_entropy(out, m_.y) : out.sum()).backward();
    if (sgd_) sgd_->step();
  }
  int64_t data_bytes() const override {
    int64_t bytes = m_.x.numel() * 4 + (m_.y.defined() ? m_.y.numel() * 8 : 0);
    for (const Tensor& p : m_.net->parameters()) bytes += p.numel() * int64_t(p.element_size());
    return bytes;
  }

 private:
  TesseraModel m_;
  Mode mode_;
  std::unique_ptr<optim::SGD> sgd_;
};

class TorchStep final : public Step {
 public:
  TorchStep(const Case& c, bool same_as_tessera) : mode_(c.mode) {
    if (c.model == "lstm") {
      torch::nn::LSTM lstm(torch::nn::LSTMOptions(kLstmIn, kLstmHidden));
      module_ = lstm.ptr();
      forward_ = [lstm](const torch::Tensor& x) mutable { return std::get<0>(lstm->forward(x)); };
      x_ = torch::randn({kSeq, c.batch, kLstmIn});
    } else {
      const NetSpec s = spec_of(c.model);
      torch::nn::Sequential net = make_torch_net(s);
      module_ = net.ptr();
      forward_ = [net](const torch::Tensor& x) mutable { return net->forward(x); };
      x_ = torch::randn({c.batch, s.input[0], s.input[1], s.input[2]});
      y_ = torch::randint(s.classes, {c.batch}, torch::kLong);
    }
    if (same_as_tessera) copy_from_tessera(c);
    if (mode_ == Mode::kTrain)
      sgd_ = std::make_unique<torch::optim::SGD>(module_->parameters(), torch::optim::SGDOptions(0.01));
  }
  void run() override {
    if (mode_ == Mode::kForward) {
      torch::NoGradGuard no_grad;
      benchmark::DoNotOptimize(forward_(x_));
      return;
    }
    module_->zero_grad(/*set_to_none=*/true);
    const torch::Tensor out = forward_(x_);
    (y_.defined() ? torch::nn::functional::cross_entropy(out, y_) : out.sum()).backward();
    if (sgd_) sgd_->step();
  }
  int64_t data_bytes() const override {
    int64_t bytes = x_.nbytes() + (y_.defined() ? y_.nbytes() : 0);
    for (const torch::Tensor& p : module_->parameters()) bytes += p.nbytes();
    return bytes;
  }

 private:
  // Tessera's weights and inputs for this case, and (once per model) a check that both forwards agree.
  void copy_from_tessera(const Case& c) {
    TesseraModel t = make_tessera_model(c);
    const std::vector<Tensor> ours = t.net->parameters();
    std::vector<torch::Tensor> theirs = module_->parameters();
    TORCH_CHECK(ours.size() == theirs.size(), "bench_models: parameter lists differ for ", c.model);
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < ours.size(); ++i) theirs[i].copy_(to_torch(ours[i]));
    x_ = to_torch(t.x);
    if (t.y.defined()) y_ = to_torch(t.y);
    if (forward_checks().contains(c.model)) return;
    NoGradGuard no_grad_ours;
    const torch::Tensor expected = to_torch(t.net->forward(t.x)), found = forward_(x_);
    const double diff = (expected - found).abs().max().item<double>();
    const double scale = std::max(1.0, expected.abs().max().item<double>());
    forward_checks()[c.model] = {diff, diff <= 1e-3 * scale};
  }

  Mode mode_;
  std::shared_ptr<torch::nn::Module> module_;
  std::function<torch::Tensor(const torch::Tensor&)> forward_;
  torch::Tensor x_, y_;
  std::unique_ptr<torch::optim::SGD> sgd_;
};

std::unique_ptr<Step> make_step(const Case& c, Lib lib, bool same_inputs) {
  if (lib == Lib::kTessera) return std::make_unique<TesseraStep>(make_tessera_model(c), c.mode);
  return std::make_unique<TorchStep>(c, same_inputs);
}

const char* lib_name(Lib lib) { return lib == Lib::kTessera ? "tessera" : "torch"; }

// Repetitions of a case run back to back: the case is built and warmed up once, and the previous case's model is
// freed first (the big models do not all fit comfortably at once).
Step& current_step(const Case& c, Lib lib) {
  static std::string key;
  static std::unique_ptr<Step> step;
  const std::string k = std::string(lib_name(lib)) + "/" + c.name;
  if (k != key) {
    step.reset();
    step = make_step(c, lib, /*same_inputs=*/true);
    for (int i = 0; i < c.warmup; ++i) step->run();
    key = k;
  }
  return *step;
}

void run_case(benchmark::State& s, const Case& c, Lib lib) {
  Step& step = current_step(c, lib);
  for (auto _ : s) step.run();
  if (c.model == "fashion_cnn") {
    s.counters["images/s"] = benchmark::Counter(double(c.batch), benchmark::Counter::kIsIterationInvariantRate);
  } else {
    s.counters["GFLOP/s"] = benchmark::Counter(step_flops(c) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  }
}

void register_cases() {
  for (const Case& c : cases()) {
    for (Lib lib : {Lib::kTessera, Lib::kTorch}) {
      auto* b = benchmark::RegisterBenchmark((std::string(lib_name(lib)) + "/" + c.name).c_str(),
                                             [&c, lib](benchmark::State& s) { run_case(s, c, lib); });
      b->Unit(benchmark::kMillisecond)->Iterations(c.iterations)->Repetitions(c.repetitions);
      b->ReportAggregatesOnly(true)->UseRealTime();
      add_min_max(b);
    }
  }
}

// ---- Peak memory -------------------------------------------------------------------------------------------

double current_rss_kib() {
  long pages_total = 0, pages_resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f) {
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
    std::fclose(f);
  }
  return double(pages_resident) * double(sysconf(_SC_PAGESIZE)) / 1024.0;
}

/// The child's side: one line "start_kib peak_kib data_bytes allocator_peak_bytes allocator_before_bytes
/// reserved_peak_bytes step_faults".
int peak_child(const std::string& lib_case) {
  const double start = current_rss_kib();
  const auto colon = lib_case.find(':');
  const Lib lib = lib_case.substr(0, colon) == "tessera" ? Lib::kTessera : Lib::kTorch;
  for (const Case& c : cases()) {
    if (c.name != lib_case.substr(colon + 1)) continue;
    std::unique_ptr<Step> step = make_step(c, lib, /*same_inputs=*/false);
    const int64_t alloc_before = cpu_allocator().stats().current_bytes;
    cpu_allocator().reset_peak();
    step->run();  // warm-up
    rusage before{}, after{};
    getrusage(RUSAGE_SELF, &before);
    step->run();
    getrusage(RUSAGE_SELF, &after);
    std::printf("%.0f %ld %lld %lld %lld %lld %ld\n", start, after.ru_maxrss,
                static_cast<long long>(step->data_bytes()), static_cast<long long>(cpu_allocator().stats().peak_bytes),
                static_cast<long long>(alloc_before), static_cast<long long>(cpu_peak_reserved_bytes()),
                after.ru_minflt - before.ru_minflt);
    return 0;
  }
  return 1;
}

struct Peak {
  double increase_mib = -1, process_mib = -1, alloc_peak_mib = -1, alloc_increase_mib = -1, reserved_mib = -1;
  long faults = -1;
};

Peak measure_in_child(const std::string& exe, Lib lib, const Case& c) {
  const std::string cmd = "'" + exe + "' --peak_child=" + lib_name(lib) + ":" + c.name;
  Peak p;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return p;
  double start = 0, peak = 0, data = 0, alloc_peak = 0, alloc_before = 0, reserved = 0;
  long faults = 0;
  if (std::fscanf(pipe, "%lf %lf %lf %lf %lf %lf %ld", &start, &peak, &data, &alloc_peak, &alloc_before, &reserved,
                  &faults) == 7) {
    constexpr double kMiB = 1 << 20;
    p = {(peak - start) / 1024 - data / kMiB, peak / 1024,     alloc_peak / kMiB,
         (alloc_peak - alloc_before) / kMiB,  reserved / kMiB, faults};
  }
  pclose(pipe);
  return p;
}

void print_peak_memory(const std::string& filter) {
  char exe[4096] = {};
  if (readlink("/proc/self/exe", exe, sizeof exe - 1) <= 0) return;
  const std::regex pattern(filter.empty() || filter == "all" ? "." : filter);
  std::printf(
      "\npeak memory of one training step (MiB): peak RSS of a fresh process - its RSS at start - parameters and "
      "inputs\n");
  std::printf("%-30s %10s %10s %6s %14s %14s %24s %16s\n", "step", "tessera", "libtorch", "ratio", "tessera RSS",
              "libtorch RSS", "tessera live / reserved", "faults per step");
  for (const Case& c : cases()) {
    if (c.mode == Mode::kForward) continue;
    if (!std::regex_search("tessera/" + c.name, pattern) && !std::regex_search("torch/" + c.name, pattern)) continue;
    const Peak ours = measure_in_child(exe, Lib::kTessera, c), theirs = measure_in_child(exe, Lib::kTorch, c);
    char ratio[16] = "-", alloc[48], faults[48];
    if (ours.increase_mib >= 0 && theirs.increase_mib > 0) {
      std::snprintf(ratio, sizeof ratio, "%.2f", ours.increase_mib / theirs.increase_mib);
    }
    std::snprintf(alloc, sizeof alloc, "%.1f / %.1f (+%.1f)", ours.alloc_peak_mib, ours.reserved_mib,
                  ours.alloc_increase_mib);
    std::snprintf(faults, sizeof faults, "%ld / %ld", ours.faults, theirs.faults);
    std::printf("%-30s %10.1f %10.1f %6s %14.1f %14.1f %24s %16s\n", c.name.c_str(), ours.increase_mib,
                theirs.increase_mib, ratio, ours.process_mib, theirs.process_mib, alloc, faults);
  }
  std::printf(
      "(tessera RSS / libtorch RSS: the child's whole peak RSS, libraries and parameters included; tessera live / "
      "reserved: the allocator's peak bytes of live tensors / of large blocks live or cached (+ live above the "
      "parameters and input); faults per step: minor page faults of the second step, tessera / libtorch)\n");
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) {
  using namespace tessera::bench;
  const int threads = tessera::num_threads();
  torch::set_num_threads(threads);
  std::string filter;
  bool peak_memory = true;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--peak_child=", 0) == 0) return peak_child(a.substr(13));
    if (a == "--peak_memory=false" || a == "--peak_memory=0") {
      peak_memory = false;
      continue;
    }
    if (a.rfind("--benchmark_filter=", 0) == 0) filter = a.substr(19);
    args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  std::printf("threads: %d (tessera and libtorch); --peak_memory=false skips the memory table\n", threads);
  register_cases();
  run_with_ratios(n, args.data());
  print_forward_checks();
  if (peak_memory) print_peak_memory(filter);
  return 0;
}
