// Optimizers against PyTorch 1.13 (tests/optim/reference_values.h, from make_reference.py): every variant for
// three steps in float64, state_dict round trips, other dtypes and layouts, skipped parameters, zero_grad and
// the hyperparameter errors.
#include <gtest/gtest.h>

#include "optim/optim_testing.h"

namespace tessera::optim {
namespace {

using namespace tessera::optim::testing;
using tessera::testing::expect_close;
using tessera::testing::expect_error;

TEST(Optimizer, EveryVariantHasAFactory) {
  for (const auto& [name, rows] : reference::kOptimizerSteps) EXPECT_TRUE(factories().count(name)) << name;
  EXPECT_EQ(factories().size(), reference::kOptimizerSteps.size());
}

TEST(Optimizer, MatchesPyTorchStepByStep) {
  for (const auto& [name, rows] : reference::kOptimizerSteps) {
    SCOPED_TRACE(name);
    Params p;
    auto opt = factories().at(name)(p);
    for (int k = 0; k < static_cast<int>(rows.size()); ++k) {
      run_steps(*opt, p, name, k, 1);
      expect_close(p.values(), rows[k], 1e-10, 1e-12);
    }
  }
}

TEST(Optimizer, StateDictRoundTripResumesBitIdentically) {
  for (const auto& [name, factory] : factories()) {
    SCOPED_TRACE(name);
    Params straight;
    auto a = factory(straight);
    run_steps(*a, straight, name, 0, 3);

    Params first;
    auto b = factory(first);
    run_steps(*b, first, name, 0, 2);
    StateDict sd = b->state_dict();
    Params resumed;
    resumed.a.detach().copy_(first.a);
    resumed.b.detach().copy_(first.b);
    auto c = factory(resumed);
    c->load_state_dict(sd);
    run_steps(*c, resumed, name, 2, 1);
    EXPECT_EQ(resumed.values(), straight.values());  // bit-identical
  }
}

TEST(Optimizer, StateDictLayout) {
  Params p;
  Adam opt(std::vector<ParamGroup>{{{p.a}, {}}, {{p.b}, {{"lr", 0.5}}}}, {.lr = 0.1, .amsgrad = true});
  run_steps(opt, p, "adam", 0, 2);
  StateDict sd = opt.state_dict();
  EXPECT_EQ(sd.at("state.0.step").dtype(), kFloat64);
  EXPECT_EQ(sd.at("state.0.step").dim(), 0);
  EXPECT_EQ(sd.at("state.1.step").item<double>(), 2.0);
  EXPECT_EQ(sd.at("state.0.exp_avg").shape(), (Shape{2, 3}));
  EXPECT_EQ(sd.at("state.1.max_exp_avg_sq").shape(), (Shape{3}));
  EXPECT_EQ(sd.at("param_groups.0.lr").item<double>(), 0.1);
  EXPECT_EQ(sd.at("param_groups.1.lr").item<double>(), 0.5);
  EXPECT_EQ(sd.at("param_groups.1.betas1").item<double>(), 0.999);
  EXPECT_EQ(sd.at("param_groups.1.amsgrad").item<double>(), 1.0);
  EXPECT_EQ(sd.at("param_groups.0.params").dtype(), kInt64);
  EXPECT_EQ(tessera::testing::ivalues(sd.at("param_groups.1.params")), (std::vector<int64_t>{1}));
  EXPECT_FALSE(sd.contains("state.0.momentum_buffer"));
}

TEST(Optimizer, LoadStateDictRestoresHyperparameters) {
  Params p, q;
  SGD saved({p.a, p.b}, {.lr = 0.1, .momentum = 0.9});
  SGD loaded({q.a, q.b}, {.lr = 0.5});
  loaded.load_state_dict(saved.state_dict());
  EXPECT_EQ(loaded.param_groups()[0].lr(), 0.1);
  EXPECT_EQ(loaded.param_groups()[0].at("momentum"), 0.9);
}

TEST(Optimizer, SkipsParametersWithoutGradient) {
  Params p;
  Adam opt({p.a, p.b}, {.lr = 0.1});
  run_steps(opt, p, "adam_skip", 0, 3);
  EXPECT_EQ(opt.state(p.a).at("step").item<double>(), 3.0);
  EXPECT_EQ(opt.state(p.b).at("step").item<double>(), 2.0);
  Params fresh;
  Adam untouched({fresh.a, fresh.b});
  fresh.a.set_grad(ones_like(fresh.a));
  untouched.step();
  EXPECT_TRUE(untouched.state(fresh.b).empty());
  EXPECT_EQ(doubles(fresh.b), kP2);
}

TEST(Optimizer, Float32MatchesFloat64Reference) {
  // (adamax_all is left out: its weight decay cancels a gradient exactly in float64 but not in float32.)
  for (const char* name :
       {"adam_amsgrad", "adamw", "rmsprop_all", "nadam", "sgd_nesterov_wd", "adamax", "adagrad_all", "adadelta_all"}) {
    SCOPED_TRACE(name);
    Params p(kFloat32);
    auto opt = factories().at(name)(p);
    run_steps(*opt, p, name, 0, 3);
    for (const auto& [key, t] : opt->state(p.a)) EXPECT_EQ(t.dtype(), t.dim() == 0 ? kFloat64 : kFloat32) << key;
    expect_close(p.values(), reference::kOptimizerSteps.at(name)[2], 1e-5, 1e-6);
  }
}

// The reference parameters have 6 and 3 elements, too few for the fused loop's vector body and its split across
// threads. Stacked 6,000 times (36,000 elements in a, above the loop's grain of 32,768), every copy must still
// give PyTorch's values, in float64 for every variant and in float32 for the variants above.
TEST(Optimizer, EveryCopyOfStackedParametersMatchesPyTorch) {
  constexpr int64_t kCopies = 6000;
  auto check = [&](const std::string& name, DType dt, double atol, double rtol) {
    SCOPED_TRACE(cat(name, ", ", dt));
    Params p(dt, kCopies);
    auto opt = factories().at(name)(p);
    const auto& rows = reference::kOptimizerSteps.at(name);
    run_steps(*opt, p, name, 0, static_cast<int>(rows.size()));
    const std::vector<double> a = doubles(p.a), b = doubles(p.b), &want = rows.back();
    int64_t wrong = 0;
    for (int64_t c = 0; c < kCopies; ++c) {
      for (size_t i = 0; i < 6; ++i) wrong += std::abs(a[c * 6 + i] - want[i]) > atol + rtol * std::abs(want[i]);
      for (size_t i = 0; i < 3; ++i)
        wrong += std::abs(b[c * 3 + i] - want[6 + i]) > atol + rtol * std::abs(want[6 + i]);
    }
    EXPECT_EQ(wrong, 0);
  };
  for (const auto& [name, rows] : reference::kOptimizerSteps) check(name, kFloat64, 1e-12, 1e-10);
  for (const char* name :
       {"adam_amsgrad", "adamw", "rmsprop_all", "nadam", "sgd_nesterov_wd", "adamax", "adagrad_all", "adadelta_all"}) {
    check(name, kFloat32, 1e-6, 1e-5);
  }
}

TEST(Optimizer, HalfPrecisionParametersGoThroughFloat32) {
  for (DType dt : {kFloat16, kBFloat16}) {
    Tensor w = from_vector(std::vector<double>{1.0, 2.0}, Shape{2}, dt).requires_grad_();
    SGD opt({w}, {.lr = 0.5, .momentum = 0.9});
    w.set_grad(from_vector(std::vector<double>{0.5, -0.25}, Shape{2}, dt));
    opt.step();
    opt.step();  // buffer 0.5 -> 0.95 (times the gradient)
    EXPECT_EQ(w.dtype(), dt);
    EXPECT_EQ(opt.state(w).at("momentum_buffer").dtype(), dt);
    expect_close(doubles(w), {1.0 - 0.25 - 0.475, 2.0 + 0.125 + 0.2375}, 1e-2, 1e-2);
  }
}

TEST(Optimizer, NonContiguousParameterAndGradientUpdatedInPlace) {
  Tensor base = from_vector(kP1, Shape{2, 3});
  Tensor w = tessera::testing::transposed(base).requires_grad_();  // [3, 2] view, a leaf
  ASSERT_FALSE(w.is_contiguous());
  Tensor g = tessera::testing::transposed(from_vector(kG1, Shape{2, 3}));
  w.set_grad(g);
  SGD opt({w}, {.lr = 0.1});
  opt.step();
  std::vector<double> want;
  for (size_t i = 0; i < kP1.size(); ++i) want.push_back(kP1[i] - 0.1 * kG1[i]);
  expect_close(doubles(base), want, 0, 1e-15);  // written through the view into its storage
}

TEST(Optimizer, LargeParameterSplitAcrossThreads) {
  const int64_t n = 100000;  // above the fused loop's grain, so parallel_for splits it
  Tensor w = arange(n, kFloat64).requires_grad_();
  SGD opt({w}, {.lr = 0.5, .momentum = 0.9});
  w.set_grad(full({n}, 0.5, kFloat64));
  opt.step();
  opt.step();
  std::vector<double> v = doubles(w);
  for (int64_t i = 0; i < n; i += 9973) EXPECT_EQ(v[i], static_cast<double>(i) - 0.25 - 0.475) << i;
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(w.requires_grad());
  EXPECT_EQ(w.grad_fn_name(), "");
}

/// A user-defined optimizer: signSGD (Bernstein et al. 2018), p <- p - lr * sign(g), through the public base.
class SignSGD final : public Optimizer {
 public:
  SignSGD(std::vector<Tensor> params, double lr)
      : Optimizer("SignSGD", std::move(params), {{"lr", lr}},
                  [](const Options& o) { check_common_options("SignSGD", o); }) {}

 protected:
  void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) override {
    state_scalar(state, "step") += 1;
    param.copy_(param - group.lr() * sign(grad));
  }
};

TEST(Optimizer, UserDefinedSubclass) {
  Params p;
  SignSGD opt({p.a, p.b}, 0.1);
  set_grads(p, 0);
  opt.step();
  expect_close(doubles(p.b), {0.3, -0.15, 1.4}, 0, 1e-15);
  EXPECT_EQ(opt.state_dict().at("state.1.step").item<double>(), 1.0);
  expect_error<ValueError>([&] { SignSGD({p.a}, -1.0); }, {"SignSGD", "lr"});
}

TEST(Optimizer, ZeroGrad) {
  Params p;
  SGD opt({p.a, p.b}, {.lr = 0.1});
  set_grads(p, 1);
  opt.zero_grad(/*set_to_none=*/false);
  EXPECT_EQ(doubles(p.a.grad()), std::vector<double>(6, 0.0));
  opt.zero_grad();
  EXPECT_FALSE(p.a.grad().defined());
  EXPECT_FALSE(p.b.grad().defined());
}

TEST(Optimizer, ParamGroups) {
  Params p;
  Tensor c = zeros({2}, kFloat64).requires_grad_();
  SGD opt({p.a}, {.lr = 0.1, .momentum = 0.9});
  opt.add_param_group({{p.b, c}, {{"lr", 0.01}}});
  ASSERT_EQ(opt.param_groups().size(), 2u);
  EXPECT_EQ(opt.param_groups()[1].lr(), 0.01);
  EXPECT_EQ(opt.param_groups()[1].at("momentum"), 0.9);  // from the defaults
  opt.param_groups()[0].lr() = 0.2;
  EXPECT_EQ(opt.param_groups()[0].at("lr"), 0.2);
  EXPECT_THROW(opt.param_groups()[0].at("betas0"), KeyError);
  EXPECT_EQ(opt.name(), "SGD");
}

TEST(Optimizer, HyperparameterErrorsNameTheOptimizerAndArgument) {
  Params p;
  std::vector<Tensor> ps{p.a, p.b};
  expect_error<ValueError>([&] { SGD({p.a}, SGDOptions{}); }, {"SGD", "lr is required"});
  expect_error<ValueError>([&] { SGD(ps, {.lr = -0.1}); }, {"SGD", "invalid lr value: -0.1"});
  expect_error<ValueError>([&] { SGD(ps, {.lr = 0.1, .momentum = -1}); }, {"SGD", "momentum"});
  expect_error<ValueError>([&] { SGD(ps, {.lr = 0.1, .weight_decay = -1}); }, {"SGD", "weight_decay"});
  expect_error<ValueError>([&] { SGD(ps, {.lr = 0.1, .nesterov = true}); }, {"SGD", "nesterov"});
  expect_error<ValueError>([&] { SGD(ps, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}); },
                           {"SGD", "nesterov", "zero dampening"});
  expect_error<ValueError>([&] { Adam(ps, {.betas = {1.0, 0.9}}); }, {"Adam", "betas0"});
  expect_error<ValueError>([&] { Adam(ps, {.betas = {0.9, -0.1}}); }, {"Adam", "betas1"});
  expect_error<ValueError>([&] { AdamW(ps, {.eps = -1e-8}); }, {"AdamW", "eps"});
  expect_error<ValueError>([&] { AdamW(ps, {.lr = -1}); }, {"AdamW", "lr"});
  expect_error<ValueError>([&] { RMSprop(ps, {.alpha = -0.5}); }, {"RMSprop", "alpha"});
  expect_error<ValueError>([&] { RMSprop(ps, {.momentum = -0.5}); }, {"RMSprop", "momentum"});
  expect_error<ValueError>([&] { Adagrad(ps, {.lr_decay = -1}); }, {"Adagrad", "lr_decay"});
  expect_error<ValueError>([&] { Adagrad(ps, {.initial_accumulator_value = -1}); },
                           {"Adagrad", "initial_accumulator_value"});
  expect_error<ValueError>([&] { Adadelta(ps, {.rho = 1.5}); }, {"Adadelta", "rho"});
  expect_error<ValueError>([&] { Adamax(ps, {.weight_decay = -1}); }, {"Adamax", "weight_decay"});
  expect_error<ValueError>([&] { NAdam(ps, {.momentum_decay = -1}); }, {"NAdam", "momentum_decay"});
  // Group overrides are checked too.
  expect_error<ValueError>([&] { SGD(std::vector<ParamGroup>{{ps, {{"lr", -1.0}}}}, {.lr = 0.1}); }, {"SGD", "lr"});
}

TEST(Optimizer, ParameterErrors) {
  Params p;
  expect_error<ValueError>([&] { SGD(std::vector<Tensor>{}, {.lr = 0.1}); }, {"SGD", "empty parameter list"});
  expect_error<ValueError>([&] { Adam({p.a * 2.0}); }, {"Adam", "non-leaf"});
  expect_error<ValueError>([&] { Adam({p.a, p.a}); }, {"Adam", "more than once"});
  expect_error<ValueError>([&] { Adam(std::vector<ParamGroup>{{{p.a}, {}}, {{p.b, p.a}, {}}}); }, "more than once");
  expect_error<ValueError>([&] { Adam({Tensor()}); }, "undefined");
  expect_error<DTypeError>([&] { Adam({zeros({2}, kInt64)}); }, {"Adam", "floating point"});
  expect_error<KeyError>(
      [&] {
        Adam(std::vector<ParamGroup>{{{p.a}, {{"momentum", 0.9}}}});
      },
      {"Adam", "unknown option 'momentum'", "betas0"});
  Adam opt({p.a});
  expect_error<ValueError>([&] { opt.add_param_group({{p.a}, {}}); }, "more than once");
  expect_error<KeyError>([&] { opt.state(p.b); }, "not a parameter");
}

}  // namespace
}  // namespace tessera::optim
