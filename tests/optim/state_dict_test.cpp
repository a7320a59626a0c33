// Optimizer::load_state_dict's checks: every mismatch is a ValueError listing the offending keys, and a
// rejected dict leaves the optimizer unchanged.
#include <gtest/gtest.h>

#include "optim/optim_testing.h"

namespace tessera::optim {
namespace {

using namespace tessera::optim::testing;
using tessera::testing::expect_error;

/// Adam's state after two steps on the reference parameters.
StateDict saved_adam() {
  Params p;
  Adam opt({p.a, p.b}, {.lr = 0.1});
  run_steps(opt, p, "adam", 0, 2);
  return opt.state_dict();
}

/// `sd` without `drop` and with `extra` added.
StateDict edited(const StateDict& sd, const std::string& drop, const std::vector<StateDict::Item>& extra = {}) {
  StateDict out;
  for (const auto& [k, v] : sd) {
    if (k != drop) out.set(k, v);
  }
  for (const auto& [k, v] : extra) out.set(k, v);
  return out;
}

TEST(LoadStateDict, GroupCountMismatch) {
  Params p;
  Adam two(std::vector<ParamGroup>{{{p.a}, {}}, {{p.b}, {}}});
  expect_error<ValueError>([&] { two.load_state_dict(saved_adam()); },
                           {"Adam.load_state_dict", "1 parameter groups", "has 2"});
}

TEST(LoadStateDict, GroupSizeMismatch) {
  Params p;
  Adam one({p.a});
  expect_error<ValueError>([&] { one.load_state_dict(saved_adam()); },
                           {"param_groups.0.params (2 params saved, the group has 1)"});
}

TEST(LoadStateDict, ShapeMismatchListsEveryOffendingKey) {
  StateDict sd = edited(saved_adam(), "",
                        {{"state.0.exp_avg", zeros({3}, kFloat64)},
                         {"state.1.exp_avg_sq", zeros({2, 3}, kFloat64)},
                         {"state.1.step", zeros({2}, kFloat64)}});
  Params p;
  Adam opt({p.a, p.b}, {.lr = 0.7});
  expect_error<ValueError>(
      [&] { opt.load_state_dict(sd); },
      {"Adam.load_state_dict", "state.0.exp_avg (shape [3], parameter has [2, 3])",
       "state.1.exp_avg_sq (shape [2, 3], parameter has [3])", "state.1.step (expected one value"});
  EXPECT_EQ(opt.param_groups()[0].lr(), 0.7);  // unchanged
  EXPECT_TRUE(opt.state(p.a).empty());
}

TEST(LoadStateDict, UnknownKeys) {
  Params p;
  Adam opt({p.a, p.b});
  StateDict sd = edited(saved_adam(), "",
                        {{"state.7.exp_avg", zeros({3}, kFloat64)},
                         {"state.x", zeros({}, kFloat64)},
                         {"param_groups.3.lr", zeros({}, kFloat64)},
                         {"epoch", zeros({}, kFloat64)}});
  expect_error<ValueError>([&] { opt.load_state_dict(sd); },
                           {"state.7.exp_avg (no such parameter)", "state.x (no such parameter)",
                            "param_groups.3.lr (no such parameter group)", "epoch (unexpected key)"});
}

TEST(LoadStateDict, BadHyperparameterAndMissingParams) {
  Params p;
  Adam opt({p.a, p.b});
  StateDict bad_lr = edited(saved_adam(), "param_groups.0.lr", {{"param_groups.0.lr", full({}, -1.0, kFloat64)}});
  expect_error<ValueError>([&] { opt.load_state_dict(bad_lr); }, {"Adam", "lr"});
  expect_error<ValueError>([&] { opt.load_state_dict(edited(saved_adam(), "param_groups.0.params")); },
                           "0 parameter groups");
}

TEST(LoadStateDict, CastsStateToTheParameterDtypeAndCopies) {
  StateDict sd = saved_adam();
  Params p(kFloat32);
  Adam opt({p.a, p.b});
  opt.load_state_dict(sd);
  const Tensor& m = opt.state(p.a).at("exp_avg");
  EXPECT_EQ(m.dtype(), kFloat32);
  EXPECT_EQ(opt.state(p.a).at("step").dtype(), kFloat64);
  EXPECT_FALSE(opt.state(p.b).at("exp_avg").storage() == sd.at("state.1.exp_avg").storage());
}

}  // namespace
}  // namespace tessera::optim
