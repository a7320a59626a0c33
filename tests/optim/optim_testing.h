#pragma once
// Shared setup of the optim tests: the two parameters and per-step gradients of make_reference.py, and a
// factory for every optimizer variant it lists.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "optim/reference_values.h"
#include "tessera/optim/optim.h"
#include "testing.h"

namespace tessera::optim::testing {

using tessera::testing::doubles;

inline const std::vector<double> kP1 = {0.5, -1.2, 0.3, 2.0, -0.7, 1.1};  // [2, 3]
inline const std::vector<double> kP2 = {0.4, -0.25, 1.5};                 // [3]
inline const std::vector<double> kG1 = {0.3, -0.8, 0.5, -0.2, 0.9, -0.4};
inline const std::vector<double> kG2 = {0.6, -0.1, 0.25};

/// `v` repeated `copies` times.
inline std::vector<double> tiled(const std::vector<double>& v, int64_t copies) {
  std::vector<double> out;
  for (int64_t c = 0; c < copies; ++c) out.insert(out.end(), v.begin(), v.end());
  return out;
}

/// The [2, 3] and [3] parameters of make_reference.py, or `copies` of each stacked ([2 copies, 3] and [3 copies]):
/// every update is elementwise, so each copy must follow the reference.
struct Params {
  Tensor a, b;
  explicit Params(DType dtype = kFloat64, int64_t copies = 1)
      : a(from_vector(tiled(kP1, copies), Shape{2 * copies, 3}, dtype).requires_grad_()),
        b(from_vector(tiled(kP2, copies), Shape{3 * copies}, dtype).requires_grad_()) {}
  /// a and b flattened and concatenated, as the reference rows are.
  std::vector<double> values() const {
    std::vector<double> v = doubles(a), w = doubles(b);
    v.insert(v.end(), w.begin(), w.end());
    return v;
  }
};

/// make_reference.py's gradients at step k: G1 * (1 + 0.3k) + 0.05k and G2 * (1 - 0.2k) - 0.03k.
inline void set_grads(Params& p, int k, bool skip_b = false) {
  std::vector<double> g1, g2;
  for (double g : kG1) g1.push_back(g * (1 + 0.3 * k) + 0.05 * k);
  for (double g : kG2) g2.push_back(g * (1 - 0.2 * k) - 0.03 * k);
  const int64_t copies = p.b.numel() / 3;
  p.a.set_grad(from_vector(tiled(g1, copies), p.a.shape(), p.a.dtype()));
  p.b.set_grad(skip_b ? Tensor() : from_vector(tiled(g2, copies), p.b.shape(), p.b.dtype()));
}

using Factory = std::function<std::unique_ptr<Optimizer>(Params&)>;

template <class Opt, class Options>
Factory make(Options o) {
  return [o](Params& p) { return std::make_unique<Opt>(std::vector<Tensor>{p.a, p.b}, o); };
}

/// One factory per entry of reference::kOptimizerSteps (same names and settings as make_reference.py).
inline const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> f = {
      {"sgd", make<SGD>(SGDOptions{.lr = 0.1})},
      {"sgd_momentum", make<SGD>(SGDOptions{.lr = 0.1, .momentum = 0.9})},
      {"sgd_dampening_wd", make<SGD>(SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01})},
      {"sgd_nesterov_wd", make<SGD>(SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.05, .nesterov = true})},
      {"sgd_maximize", make<SGD>(SGDOptions{.lr = 0.1, .momentum = 0.5, .maximize = true})},
      {"sgd_groups",
       [](Params& p) {
         return std::make_unique<SGD>(std::vector<ParamGroup>{{{p.a}, {}}, {{p.b}, {{"lr", 0.01}, {"momentum", 0.5}}}},
                                      SGDOptions{.lr = 0.1, .momentum = 0.9});
       }},
      {"adam", make<Adam>(AdamOptions{.lr = 0.1})},
      {"adam_wd", make<Adam>(AdamOptions{.lr = 0.1, .weight_decay = 0.1})},
      {"adam_amsgrad", make<Adam>(AdamOptions{.lr = 0.1, .betas = {0.8, 0.5}, .amsgrad = true})},
      {"adam_maximize", make<Adam>(AdamOptions{.lr = 0.1, .eps = 1e-3, .maximize = true})},
      {"adam_skip", make<Adam>(AdamOptions{.lr = 0.1})},
      {"adamw", make<AdamW>(AdamWOptions{.lr = 0.1})},
      {"adamw_amsgrad",
       make<AdamW>(AdamWOptions{.lr = 0.1, .betas = {0.8, 0.5}, .weight_decay = 0.1, .amsgrad = true})},
      {"rmsprop", make<RMSprop>(RMSpropOptions{})},
      {"rmsprop_centered", make<RMSprop>(RMSpropOptions{.lr = 0.01, .centered = true})},
      {"rmsprop_momentum", make<RMSprop>(RMSpropOptions{.lr = 0.01, .momentum = 0.9})},
      {"rmsprop_all",
       make<RMSprop>(RMSpropOptions{
           .lr = 0.02, .alpha = 0.9, .eps = 1e-4, .weight_decay = 0.1, .momentum = 0.5, .centered = true})},
      {"rmsprop_maximize", make<RMSprop>(RMSpropOptions{.lr = 0.01, .maximize = true})},
      {"adagrad", make<Adagrad>(AdagradOptions{.lr = 0.1})},
      {"adagrad_all",
       make<Adagrad>(AdagradOptions{
           .lr = 0.1, .lr_decay = 0.1, .weight_decay = 0.1, .initial_accumulator_value = 0.5, .eps = 1e-6})},
      {"adagrad_maximize", make<Adagrad>(AdagradOptions{.lr = 0.1, .maximize = true})},
      {"adadelta", make<Adadelta>(AdadeltaOptions{})},
      {"adadelta_all", make<Adadelta>(AdadeltaOptions{.lr = 0.5, .rho = 0.5, .eps = 1e-4, .weight_decay = 0.1})},
      {"adadelta_maximize", make<Adadelta>(AdadeltaOptions{.maximize = true})},
      {"adamax", make<Adamax>(AdamaxOptions{.lr = 0.1})},
      {"adamax_all", make<Adamax>(AdamaxOptions{.lr = 0.1, .betas = {0.8, 0.5}, .weight_decay = 0.1})},
      {"adamax_maximize", make<Adamax>(AdamaxOptions{.lr = 0.1, .maximize = true})},
      {"nadam", make<NAdam>(NAdamOptions{.lr = 0.1})},
      {"nadam_all",
       make<NAdam>(NAdamOptions{.lr = 0.1, .betas = {0.8, 0.5}, .weight_decay = 0.1, .momentum_decay = 0.01})},
  };
  return f;
}

/// Steps at which make_reference.py gives b no gradient, per variant.
inline std::set<int> skipped_steps(const std::string& name) {
  return name == "adam_skip" ? std::set<int>{1} : std::set<int>{};
}

/// Runs `steps` steps (from step `first`) of `opt` on `p`, with the variant's gradients.
inline void run_steps(Optimizer& opt, Params& p, const std::string& name, int first, int steps) {
  for (int k = first; k < first + steps; ++k) {
    set_grads(p, k, skipped_steps(name).count(k) != 0);
    opt.step();
  }
}

}  // namespace tessera::optim::testing
