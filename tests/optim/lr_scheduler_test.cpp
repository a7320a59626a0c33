// Learning-rate schedulers against PyTorch 1.13: 50-step sequences (reference_values.h, from
// make_reference.py) to 1e-12, state_dict round trips, step(epoch), and the errors.
#include <gtest/gtest.h>

#include <cmath>

#include "optim/optim_testing.h"

namespace tessera::optim {
namespace {

using namespace tessera::optim::testing;
using tessera::testing::expect_error;

/// The optimizer of make_reference.py's sgd2() / adam2(): two groups with lr 0.1 and 0.02.
std::unique_ptr<Optimizer> two_groups(Params& p, bool adam = false) {
  std::vector<ParamGroup> groups{{{p.a}, {}}, {{p.b}, {{"lr", 0.02}}}};
  if (adam) return std::make_unique<Adam>(groups, AdamOptions{.lr = 0.1});
  return std::make_unique<SGD>(groups, SGDOptions{.lr = 0.1, .momentum = 0.9});
}

double plateau_metric(int k) { return k < 10 ? 1.0 / (1 + k) : 0.1 + 0.001 * ((k * 7) % 5); }

/// A scheduler over `opt`, or (for ReduceLROnPlateau) a plateau scheduler.
struct Scheduler {
  std::shared_ptr<LRScheduler> epoch;
  std::shared_ptr<ReduceLROnPlateau> plateau;
  void step(int k) { epoch ? epoch->step() : plateau->step(plateau_metric(k)); }
  StateDict state_dict() const { return epoch ? epoch->state_dict() : plateau->state_dict(); }
  void load_state_dict(const StateDict& sd) { epoch ? epoch->load_state_dict(sd) : plateau->load_state_dict(sd); }
};

struct Case {
  bool adam;
  std::function<Scheduler(Optimizer&)> make;
};

template <class S, class... A>
std::function<Scheduler(Optimizer&)> epoch_case(A... args) {
  return [=](Optimizer& o) { return Scheduler{std::make_shared<S>(o, args...), nullptr}; };
}

const std::map<std::string, Case>& cases() {
  static const std::map<std::string, Case> c = {
      {"step", {false, epoch_case<StepLR>(int64_t{7}, 0.5)}},
      {"multistep", {false, epoch_case<MultiStepLR>(std::vector<int64_t>{5, 12, 12, 30}, 0.3)}},
      {"exponential", {false, epoch_case<ExponentialLR>(0.93)}},
      {"cosine", {false, epoch_case<CosineAnnealingLR>(int64_t{10}, 0.001)}},
      {"cosine_resumed",
       {false,
        [](Optimizer& o) {
          for (auto& g : o.param_groups()) g.options["initial_lr"] = g.lr();
          return Scheduler{std::make_shared<CosineAnnealingLR>(o, 10, 0.001, 4), nullptr};
        }}},
      {"warm_restarts", {false, epoch_case<CosineAnnealingWarmRestarts>(int64_t{5}, int64_t{2}, 0.01)}},
      {"warm_restarts_mult1", {false, epoch_case<CosineAnnealingWarmRestarts>(int64_t{7})}},
      {"one_cycle_cos", {false, epoch_case<OneCycleLR>(OneCycleLROptions{.max_lr = {1.0, 0.5}, .total_steps = 50})}},
      {"one_cycle_linear3",
       {true, epoch_case<OneCycleLR>(OneCycleLROptions{.max_lr = {0.8},
                                                       .total_steps = 50,
                                                       .pct_start = 0.25,
                                                       .anneal_strategy = "linear",
                                                       .div_factor = 10.0,
                                                       .final_div_factor = 100.0,
                                                       .three_phase = true})}},
      {"one_cycle_no_momentum",
       {false, epoch_case<OneCycleLR>(
                   OneCycleLROptions{.max_lr = {0.3}, .epochs = 5, .steps_per_epoch = 10, .cycle_momentum = false})}},
      {"linear", {false, epoch_case<LinearLR>(0.25, 0.9, int64_t{8})}},
      {"lambda", {false, epoch_case<LambdaLR>(LambdaLR::Lambda([](int64_t e) { return std::pow(0.95, e); }))}},
      {"lambda_per_group",
       {false, epoch_case<LambdaLR>(std::vector<LambdaLR::Lambda>{
                   [](int64_t e) { return 1.0 / (1 + e); }, [](int64_t e) { return std::pow(0.9, e / 3); }})}},
      {"sequential",
       {false,
        [](Optimizer& o) {
          std::vector<std::shared_ptr<LRScheduler>> s{std::make_shared<LinearLR>(o, 0.1, 1.0, 5),
                                                      std::make_shared<ExponentialLR>(o, 0.9)};
          return Scheduler{std::make_shared<SequentialLR>(o, s, std::vector<int64_t>{5}), nullptr};
        }}},
      {"sequential_cosine",
       {false,
        [](Optimizer& o) {
          std::vector<std::shared_ptr<LRScheduler>> s{std::make_shared<LinearLR>(o, 0.5, 1.0, 10),
                                                      std::make_shared<CosineAnnealingLR>(o, 20)};
          return Scheduler{std::make_shared<SequentialLR>(o, s, std::vector<int64_t>{10}), nullptr};
        }}},
      {"plateau_min",
       {false,
        [](Optimizer& o) {
          return Scheduler{nullptr, std::make_shared<ReduceLROnPlateau>(
                                        o, ReduceLROnPlateauOptions{
                                               .factor = 0.5, .patience = 3, .cooldown = 2, .min_lr = {0.01}})};
        }}},
      {"plateau_max_abs",
       {false,
        [](Optimizer& o) {
          return Scheduler{nullptr, std::make_shared<ReduceLROnPlateau>(o, ReduceLROnPlateauOptions{
                                                                               .mode = "max",
                                                                               .factor = 0.3,
                                                                               .patience = 2,
                                                                               .threshold = 0.01,
                                                                               .threshold_mode = "abs",
                                                                               .min_lr = {0.001, 0.005}})};
        }}},
  };
  return c;
}

std::vector<double> lrs(const Optimizer& o) {
  std::vector<double> v;
  for (const auto& g : o.param_groups()) v.push_back(g.lr());
  return v;
}

double momentum(const Optimizer& o) {
  const ParamGroup& g = o.param_groups()[0];
  return g.has("betas0") ? g.at("betas0") : g.at("momentum");
}

void expect_lrs(const std::vector<double>& got, const std::vector<double>& want, int k) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "step " << k << " group " << i;
}

TEST(LRScheduler, EveryReferenceHasACase) {
  for (const auto& [name, rows] : reference::kSchedulerLrs) EXPECT_TRUE(cases().count(name)) << name;
  EXPECT_EQ(cases().size(), reference::kSchedulerLrs.size());
}

TEST(LRScheduler, FiftyStepsMatchPyTorch) {
  for (const auto& [name, c] : cases()) {
    SCOPED_TRACE(name);
    const auto& want = reference::kSchedulerLrs.at(name);
    auto mom = reference::kSchedulerMomenta.find(name);
    Params p;
    auto opt = two_groups(p, c.adam);
    Scheduler s = c.make(*opt);
    expect_lrs(lrs(*opt), want[0], 0);
    if (s.epoch) expect_lrs(s.epoch->get_last_lr(), want[0], 0);
    for (int k = 0; k < 50; ++k) {
      s.step(k);
      expect_lrs(s.epoch ? s.epoch->get_last_lr() : s.plateau->get_last_lr(), want[k + 1], k + 1);
      expect_lrs(lrs(*opt), want[k + 1], k + 1);
      if (mom != reference::kSchedulerMomenta.end()) {
        EXPECT_NEAR(momentum(*opt), mom->second[k + 1], 1e-12) << k;
      }
    }
  }
}

TEST(LRScheduler, StateDictRoundTripResumesExactly) {
  for (const auto& [name, c] : cases()) {
    SCOPED_TRACE(name);
    Params p, q;
    auto straight_opt = two_groups(p, c.adam);
    Scheduler straight = c.make(*straight_opt);
    for (int k = 0; k < 20; ++k) straight.step(k);
    StateDict opt_sd = straight_opt->state_dict(), sched_sd = straight.state_dict();

    auto resumed_opt = two_groups(q, c.adam);
    Scheduler resumed = c.make(*resumed_opt);
    resumed_opt->load_state_dict(opt_sd);
    resumed.load_state_dict(sched_sd);
    for (int k = 20; k < 50; ++k) {
      straight.step(k);
      resumed.step(k);
      ASSERT_EQ(lrs(*resumed_opt), lrs(*straight_opt)) << k;
      ASSERT_EQ(momentum(*resumed_opt), momentum(*straight_opt)) << k;
    }
  }
}

TEST(LRScheduler, StepToEpochUsesTheClosedForm) {
  Params p;
  auto opt = two_groups(p);
  StepLR step(*opt, 7, 0.5);
  step.step(15.0);
  expect_lrs(step.get_last_lr(), {0.1 * 0.25, 0.02 * 0.25}, 15);
  EXPECT_EQ(step.last_epoch(), 15);
  MultiStepLR multi(*opt, {3, 3, 9}, 0.1);
  multi.step(4.0);
  expect_lrs(multi.get_last_lr(), {0.1 * 0.1 * 0.1, 0.02 * 0.1 * 0.1}, 4);
  expect_error<ValueError>([&] { multi.step(2.5); }, {"MultiStepLR.step", "whole number"});
}

TEST(LRScheduler, WarmRestartsFractionalEpochsMatchPyTorch) {
  for (const auto& row : reference::kWarmRestartEpochs) {
    Params p;
    auto opt = two_groups(p);
    CosineAnnealingWarmRestarts s(*opt, 5, static_cast<int64_t>(row[0]), 0.01);
    s.step(row[1]);
    EXPECT_NEAR(s.get_last_lr()[0], row[2], 1e-12) << "T_mult " << row[0] << " epoch " << row[1];
    EXPECT_EQ(s.last_epoch(), static_cast<int64_t>(std::floor(row[1])));
  }
}

TEST(LRScheduler, Errors) {
  Params p, q;
  auto opt = two_groups(p);
  auto other = two_groups(q);
  expect_error<ValueError>([&] { StepLR(*opt, 0); }, {"StepLR", "step_size"});
  expect_error<ValueError>([&] { CosineAnnealingLR(*opt, 0); }, {"CosineAnnealingLR", "T_max"});
  expect_error<ValueError>([&] { CosineAnnealingWarmRestarts(*opt, 0); }, {"CosineAnnealingWarmRestarts", "T_0"});
  expect_error<ValueError>([&] { CosineAnnealingWarmRestarts(*opt, 5, 0); }, "T_mult");
  expect_error<ValueError>([&] { CosineAnnealingWarmRestarts(*opt, 5).step(-1.0); }, "non-negative epoch");
  expect_error<ValueError>([&] { LinearLR(*opt, 0.0); }, {"LinearLR", "start_factor"});
  expect_error<ValueError>([&] { LinearLR(*opt, 0.5, 1.5); }, {"LinearLR", "end_factor"});
  expect_error<ValueError>([&] { LinearLR(*opt, 0.5, 1.0, 0); }, {"LinearLR", "total_iters"});
  expect_error<ValueError>([&] { LambdaLR(*opt, std::vector<LambdaLR::Lambda>{[](int64_t) { return 1.0; }}); },
                           {"LambdaLR", "expected 2 lr_lambdas, but got 1"});
  auto a = std::make_shared<ExponentialLR>(*opt, 0.9);
  auto b = std::make_shared<ExponentialLR>(*other, 0.9);
  expect_error<ValueError>([&] { SequentialLR(*opt, {a, b}, {3}); }, {"SequentialLR", "same optimizer"});
  expect_error<ValueError>([&] { SequentialLR(*opt, {a, a}, {3, 4}); }, {"SequentialLR", "milestones"});
  expect_error<ValueError>([&] { SequentialLR(*opt, {a}, {}).step(3.0); }, "SequentialLR.step");
  Params r;
  auto fresh = two_groups(r);
  expect_error<KeyError>([&] { StepLR(*fresh, 3, 0.1, 5); }, {"StepLR", "initial_lr", "param_groups[0]"});
}

TEST(LRScheduler, OneCycleErrors) {
  Params p;
  auto opt = two_groups(p);
  expect_error<ValueError>([&] { OneCycleLR(*opt, {.max_lr = {1.0}}); }, {"OneCycleLR", "total_steps"});
  expect_error<ValueError>([&] { OneCycleLR(*opt, {.max_lr = {1.0}, .total_steps = -3}); }, "total_steps");
  expect_error<ValueError>([&] { OneCycleLR(*opt, {.max_lr = {1.0}, .epochs = 3}); }, "steps_per_epoch");
  expect_error<ValueError>([&] { OneCycleLR(*opt, {.max_lr = {1.0}, .total_steps = 9, .pct_start = 1.5}); },
                           "pct_start");
  expect_error<ValueError>([&] { OneCycleLR(*opt, {.max_lr = {1.0}, .total_steps = 9, .anneal_strategy = "exp"}); },
                           "anneal_strategy");
  expect_error<ValueError>(
      [&] {
        OneCycleLR(*opt, {.max_lr = {1.0, 2.0, 3.0}, .total_steps = 9});
      },
      {"OneCycleLR", "expected 2 values for max_lr, got 3"});
  expect_error<ValueError>([&] { OneCycleLR(*opt, {.max_lr = {}, .total_steps = 9}); }, "max_lr is required");
  Adagrad no_momentum({p.a});
  expect_error<ValueError>([&] { OneCycleLR(no_momentum, {.max_lr = {1.0}, .total_steps = 9}); }, "momentum");
  OneCycleLR s(*opt, {.max_lr = {1.0}, .total_steps = 3});
  for (int i = 0; i < 3; ++i) s.step();
  expect_error<ValueError>([&] { s.step(); }, {"OneCycleLR", "tried to step 5 times", "total steps is 3"});
}

TEST(ReduceLROnPlateau, ErrorsAndState) {
  Params p;
  auto opt = two_groups(p);
  expect_error<ValueError>([&] { ReduceLROnPlateau(*opt, {.factor = 1.0}); }, "factor");
  expect_error<ValueError>([&] { ReduceLROnPlateau(*opt, {.mode = "avg"}); }, "mode avg is unknown");
  expect_error<ValueError>([&] { ReduceLROnPlateau(*opt, {.threshold_mode = "pct"}); }, "threshold mode pct");
  expect_error<ValueError>([&] { ReduceLROnPlateau(*opt, {.min_lr = {0.1, 0.2, 0.3}}); }, "min_lr");
  ReduceLROnPlateau s(*opt, {.patience = 0});
  s.step(1.0);
  EXPECT_EQ(s.best(), 1.0);
  s.step(2.0);  // worse: one bad epoch > patience 0
  expect_lrs(s.get_last_lr(), {0.01, 0.002}, 2);
  EXPECT_EQ(s.num_bad_epochs(), 0);
  expect_error<KeyError>([&] { s.load_state_dict(StateDict()); }, "best");
}

TEST(LRScheduler, LoadStateDictChecksGroups) {
  Params p, q;
  auto opt = two_groups(p);
  ExponentialLR s(*opt, 0.9);
  SGD one({q.a}, {.lr = 0.1});
  ExponentialLR t(one, 0.9);
  expect_error<ValueError>([&] { t.load_state_dict(s.state_dict()); }, {"ExponentialLR.load_state_dict", "2 base_lrs"});
  StateDict partial;
  partial.set("base_lrs.0", f64_scalar(0.1));
  partial.set("last_lr.0", f64_scalar(0.1));
  expect_error<KeyError>([&] { t.load_state_dict(partial); }, "last_epoch");
}

}  // namespace
}  // namespace tessera::optim
