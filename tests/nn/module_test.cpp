// nn::Module and the containers: registration and dotted names, traversal, modes, dtype conversion, apply,
// repr (PyTorch 1.13's print format), state_dict keys and order (as PyTorch's), and load_state_dict's strict and
// non-strict behaviour with its error messages.
#include "tessera/nn/module.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "nn_testing.h"
#include "tessera/nn/activation.h"
#include "tessera/nn/container.h"
#include "tessera/nn/conv.h"
#include "tessera/nn/dropout.h"
#include "tessera/nn/linear.h"
#include "tessera/nn/normalization.h"
#include "tessera/nn/pooling.h"

namespace tessera {
namespace {

using nn::make;
using testing::expect_error;

std::vector<std::string> names(const nn::NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& [n, t] : named) out.push_back(n);
  return out;
}
std::vector<std::string> keys(const StateDict& state) {
  std::vector<std::string> out;
  for (const auto& [k, t] : state) out.push_back(k);
  return out;
}

// Sequential(features: Sequential(Linear(3, 4), ReLU, Linear(4, 2)), Linear(2, 1)): the second child is "1".
struct Nested {
  std::shared_ptr<nn::Linear> a = make<nn::Linear>(3, 4), b = make<nn::Linear>(4, 2), c = make<nn::Linear>(2, 1);
  std::shared_ptr<nn::Sequential> features = make<nn::Sequential>(std::vector<nn::ModulePtr>{a, make<nn::ReLU>(), b});
  nn::Sequential net;
  Nested() { net.push_back("features", features).push_back(c); }
};

// Sequential(Conv2d(1, 2, 3), BatchNorm2d(2), Flatten, Linear(8, 3)) for [N, 1, 4, 4] inputs.
std::shared_ptr<nn::Sequential> conv_net() {
  return make<nn::Sequential>(std::vector<nn::ModulePtr>{make<nn::Conv2d>(1, 2, 3), make<nn::BatchNorm2d>(2),
                                                         make<nn::Flatten>(), make<nn::Linear>(8, 3)});
}

TEST(Module, NamedParametersUseDottedNames) {
  nn::Sequential flat({make<nn::Linear>(3, 4), make<nn::ReLU>(), make<nn::Linear>(4, 2)});
  EXPECT_EQ(names(flat.named_parameters()), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));

  Nested n;
  EXPECT_EQ(names(n.net.named_parameters()),
            (std::vector<std::string>{"features.0.weight", "features.0.bias", "features.2.weight", "features.2.bias",
                                      "1.weight", "1.bias"}));
  // parameters() is the same order, and the registered handles are the layers' members.
  const std::vector<Tensor> ps = n.net.parameters();
  const std::vector<Tensor> members{n.a->weight, n.a->bias, n.b->weight, n.b->bias, n.c->weight, n.c->bias};
  ASSERT_EQ(ps.size(), members.size());
  for (size_t i = 0; i < ps.size(); ++i) EXPECT_TRUE(ps[i].is_same(members[i])) << i;
  for (const Tensor& p : ps) EXPECT_TRUE(p.requires_grad());
  EXPECT_TRUE(n.net.parameters(false).empty());
  EXPECT_EQ(names(n.a->named_parameters(false)), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(n.net.num_parameters(), 3 * 4 + 4 + 4 * 2 + 2 + 2 + 1);
  EXPECT_EQ(nn::Linear(400, 300).num_parameters(), 120300);
}

TEST(Module, Buffers) {
  auto net = conv_net();
  EXPECT_EQ(names(net->named_buffers()),
            (std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"}));
  auto bn = std::dynamic_pointer_cast<nn::BatchNorm2d>((*net)[1]);
  ASSERT_TRUE(bn);
  const std::vector<Tensor> bs = net->buffers();
  ASSERT_EQ(bs.size(), 3u);
  EXPECT_TRUE(bs[0].is_same(bn->running_mean));
  EXPECT_TRUE(bs[2].is_same(bn->num_batches_tracked));
  for (const Tensor& b : bs) EXPECT_FALSE(b.requires_grad());
  // Buffers are not parameters.
  EXPECT_EQ(names(bn->named_parameters()), (std::vector<std::string>{"weight", "bias"}));
}

TEST(Module, ChildrenAndNamedModules) {
  Nested n;
  const std::vector<nn::ModulePtr> kids = n.net.children();
  ASSERT_EQ(kids.size(), 2u);
  EXPECT_EQ(kids[0], n.features);
  EXPECT_EQ(kids[1], n.c);
  EXPECT_EQ(n.net.named_children()[0].first, "features");
  EXPECT_EQ(n.net.named_children()[1].first, "1");
  EXPECT_EQ(n.net.child("features"), n.features);
  expect_error<KeyError>([&] { n.net.child("classifier"); }, "Sequential: no child module named 'classifier'");

  const auto mods = n.net.named_modules();
  std::vector<std::string> mod_names;
  for (const auto& [name, m] : mods) mod_names.push_back(name);
  EXPECT_EQ(mod_names, (std::vector<std::string>{"", "features", "features.0", "features.1", "features.2", "1"}));
  EXPECT_EQ(mods[0].second, &n.net);
  EXPECT_EQ(mods[2].second, n.a.get());
  EXPECT_EQ(mods[5].second, n.c.get());
}

TEST(Module, SequentialIndexingAndForward) {
  Nested n;
  EXPECT_EQ(n.net.size(), 2u);
  EXPECT_EQ(n.net[0], n.features);
  EXPECT_EQ(n.net[-1], n.c);
  expect_error<IndexError>([&] { n.net[2]; }, "Sequential: index 2 is out of range for 2 modules");
  expect_error<IndexError>([&] { n.net[-3]; }, "index -3");
  // forward applies the children in order.
  const Tensor x = testing::input_wave({5, 3}).to(kFloat32);
  const Tensor expected = (*n.c)((*n.b)(relu((*n.a)(x))));
  testing::expect_near(n.net(x), testing::doubles(expected));
  expect_error<ValueError>([] { nn::Sequential().push_back(nullptr); }, "null module");
}

TEST(Module, ModuleList) {
  nn::ModuleList list({make<nn::Linear>(2, 2), make<nn::Linear>(2, 1)});
  EXPECT_EQ(list.size(), 2u);
  list.push_back(make<nn::ReLU>());
  EXPECT_EQ(list.named_children()[2].first, "2");
  EXPECT_EQ(names(list.named_parameters()), (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias"}));
  expect_error<IndexError>([&] { list[3]; }, "ModuleList");
  expect_error<NotImplementedError>([&] { list(zeros({2})); },
                                    "ModuleList: this module does not take a single tensor input");
}

TEST(Module, TrainAndEvalPropagate) {
  Nested n;
  auto all_modes = [&] {
    std::vector<bool> modes;
    for (const auto& [name, m] : n.net.named_modules()) modes.push_back(m->is_training());
    return modes;
  };
  EXPECT_EQ(all_modes(), std::vector<bool>(6, true));
  n.net.eval();
  EXPECT_EQ(all_modes(), std::vector<bool>(6, false));
  n.net.train();
  n.features->eval();  // a subtree only
  EXPECT_EQ(all_modes(), (std::vector<bool>{true, false, false, false, false, true}));
  n.net.train(true);
  EXPECT_EQ(all_modes(), std::vector<bool>(6, true));
}

TEST(Module, ZeroGrad) {
  nn::Linear m(3, 2, true, kFloat64);
  m(testing::input_wave({4, 3})).sum().backward();
  ASSERT_TRUE(m.weight.grad().defined());
  ASSERT_TRUE(m.bias.grad().defined());
  testing::expect_near(m.bias.grad(), {4.0, 4.0});
  m.zero_grad(false);  // zeroed in place
  ASSERT_TRUE(m.weight.grad().defined());
  testing::expect_near(m.weight.grad(), std::vector<double>(6, 0.0));
  testing::expect_near(m.bias.grad(), {0.0, 0.0});
  m.zero_grad();  // set to none
  EXPECT_FALSE(m.weight.grad().defined());
  EXPECT_FALSE(m.bias.grad().defined());
  m.zero_grad();  // no gradients: nothing to do
}

TEST(Module, ToFloat64ConvertsInPlace) {
  auto net = conv_net();
  auto lin = std::dynamic_pointer_cast<nn::Linear>((*net)[3]);
  auto bn = std::dynamic_pointer_cast<nn::BatchNorm2d>((*net)[1]);
  const Tensor held = lin->weight;  // a handle taken before the conversion
  const std::vector<double> before = testing::doubles(held);
  (*net)(testing::input_wave({2, 1, 4, 4}).to(kFloat32)).sum().backward();
  ASSERT_TRUE(held.grad().defined());

  net->to(kFloat64);
  EXPECT_EQ(held.dtype(), kFloat64);
  EXPECT_EQ(testing::doubles(held), before);  // float -> double is exact
  EXPECT_TRUE(held.requires_grad());
  EXPECT_FALSE(held.grad().defined());  // a float32 gradient would not fit
  for (const Tensor& p : net->parameters()) EXPECT_EQ(p.dtype(), kFloat64);
  EXPECT_EQ(bn->running_mean.dtype(), kFloat64);
  EXPECT_EQ(bn->running_var.dtype(), kFloat64);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);  // integer buffers stay
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);

  // The converted module trains in float64, and the gradient reaches the old handle.
  const Tensor y = (*net)(testing::input_wave({2, 1, 4, 4}));
  EXPECT_EQ(y.dtype(), kFloat64);
  y.sum().backward();
  ASSERT_TRUE(held.grad().defined());
  EXPECT_EQ(held.grad().dtype(), kFloat64);
  net->to(kFloat32);
  EXPECT_EQ(held.dtype(), kFloat32);
}

TEST(Module, ApplyVisitsChildrenFirst) {
  Nested n;
  std::vector<std::string> order;
  n.net.apply([&](nn::Module& m) { order.push_back(m.type_name()); });
  EXPECT_EQ(order, (std::vector<std::string>{"Linear", "ReLU", "Linear", "Sequential", "Linear", "Sequential"}));
  // The usual use: custom initialization of every layer of a type.
  n.net.apply([](nn::Module& m) {
    if (auto* lin = dynamic_cast<nn::Linear*>(&m)) {
      NoGradGuard g;
      lin->weight.fill_(0.5);
      lin->bias.zero_();
    }
  });
  testing::expect_near(n.b->weight, std::vector<double>(8, 0.5));
  testing::expect_near(n.c->bias, {0.0});
}

TEST(Module, ReprMatchesPyTorch) {
  nn::Sequential net({make<nn::Conv2d>(1, 4, 3, nn::Conv2dOptions{.padding = {1, 1}}), make<nn::BatchNorm2d>(4),
                      make<nn::ReLU>(), make<nn::Flatten>(), make<nn::Linear>(196, 10)});
  net.push_back("head",
                make<nn::Sequential>(std::vector<nn::ModulePtr>{make<nn::Linear>(10, 2, false), make<nn::Softmax>(1)}));
  // print(net) in PyTorch 1.13, character for character.
  EXPECT_EQ(net.repr(),
            "Sequential(\n"
            "  (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
            "  (1): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
            "  (2): ReLU()\n"
            "  (3): Flatten(start_dim=1, end_dim=-1)\n"
            "  (4): Linear(in_features=196, out_features=10, bias=True)\n"
            "  (head): Sequential(\n"
            "    (0): Linear(in_features=10, out_features=2, bias=False)\n"
            "    (1): Softmax(dim=1)\n"
            "  )\n"
            ")");
  EXPECT_EQ(nn::Conv2d(4, 6, {2, 3}, {.stride = {2, 2}, .dilation = {1, 2}, .groups = 2, .bias = false}).repr(),
            "Conv2d(4, 6, kernel_size=(2, 3), stride=(2, 2), dilation=(1, 2), groups=2, bias=False)");
  EXPECT_EQ(nn::Conv2d(2, 3, 3, {.padding_preset = "same"}).repr(),
            "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=same)");
  EXPECT_EQ(nn::GroupNorm(2, 4).repr(), "GroupNorm(2, 4, eps=1e-05, affine=True)");
  EXPECT_EQ(nn::Identity().repr(), "Identity()");
  EXPECT_EQ(nn::ModuleList({make<nn::ReLU>()}).repr(), "ModuleList(\n  (0): ReLU()\n)");
}

// Where the text differs from PyTorch 1.13's (given in each comment): PyTorch prints the arguments as the user
// passed them (ints stay ints), which a C++ module no longer knows. Update both lines when aligning a layer.
TEST(Module, ReprDifferencesFromPyTorch) {
  // MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  EXPECT_EQ(nn::MaxPool2d(2).repr(),
            "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False)");
  // AvgPool2d(kernel_size=2, stride=2, padding=0)
  EXPECT_EQ(nn::AvgPool2d(2).repr(), "AvgPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))");
  // AdaptiveAvgPool2d(output_size=1)
  EXPECT_EQ(nn::AdaptiveAvgPool2d(1).repr(), "AdaptiveAvgPool2d(output_size=(1, 1))");
  // Dropout(p=0.5, inplace=False): Tessera has no inplace flag.
  EXPECT_EQ(nn::Dropout().repr(), "Dropout(p=0.5)");
  // BatchNorm1d(3, eps=1e-05, momentum=None, affine=True, track_running_stats=True)
  EXPECT_EQ(nn::BatchNorm1d(3, {.momentum = std::nullopt}).repr(),
            "BatchNorm1d(3, eps=1e-05, momentum=0, affine=True, track_running_stats=True)");
  // LayerNorm((4,), eps=1e-05, elementwise_affine=True)
  EXPECT_EQ(nn::LayerNorm({4}).repr(), "LayerNorm([4], eps=1e-05, elementwise_affine=True)");
  // ELU(alpha=1.0)
  EXPECT_EQ(nn::ELU().repr(), "ELU(alpha=1)");
  // Conv1d(2, 3, kernel_size=(3,), stride=(1,)): PyTorch leaves out a zero padding.
  EXPECT_EQ(nn::Conv1d(2, 3, 3).repr(), "Conv1d(2, 3, kernel_size=(3,), stride=(1,))");
  // Unflatten(dim=1, unflattened_size=(2, 3))
  EXPECT_EQ(nn::Unflatten(1, {2, 3}).repr(), "Unflatten(dim=1, unflattened_size=[2, 3])");
}

TEST(Module, StateDictKeysAndOrderMatchPyTorch) {
  auto net = conv_net();
  const StateDict sd = net->state_dict();
  // list(model.state_dict().keys()) in PyTorch 1.13 for the same Sequential.
  EXPECT_EQ(keys(sd), (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                                "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"}));
  EXPECT_EQ(sd.at("0.weight").shape(), (Shape{2, 1, 3, 3}));
  EXPECT_EQ(sd.at("1.num_batches_tracked").shape(), Shape{});
  EXPECT_EQ(sd.at("1.num_batches_tracked").dtype(), kInt64);
  EXPECT_EQ(sd.at("3.weight").shape(), (Shape{3, 8}));
  // The entries are detached but share the module's storage (as PyTorch's).
  auto lin = std::dynamic_pointer_cast<nn::Linear>((*net)[3]);
  EXPECT_FALSE(sd.at("3.weight").requires_grad());
  EXPECT_EQ(sd.at("3.weight").raw_data(), lin->weight.raw_data());
}

TEST(Module, LoadStateDictRoundTrip) {
  auto src = conv_net(), dst = conv_net();
  // Distinct values everywhere, including the BatchNorm buffers.
  testing::fill_parameters(*src);
  (*src)(testing::input_wave({3, 1, 4, 4}).to(kFloat32));
  auto dst_lin = std::dynamic_pointer_cast<nn::Linear>((*dst)[3]);
  const Tensor held = dst_lin->weight;

  dst->load_state_dict(src->state_dict());
  const StateDict a = src->state_dict(), b = dst->state_dict();
  for (const auto& [k, t] : a) EXPECT_EQ(testing::doubles(b.at(k)), testing::doubles(t)) << k;
  EXPECT_EQ(b.at("1.num_batches_tracked").item<int64_t>(), 1);
  // Copied into the existing tensors: handles stay valid, parameters still train, nothing is aliased.
  EXPECT_TRUE(held.is_same(dst_lin->weight));
  EXPECT_EQ(testing::doubles(held), testing::doubles(a.at("3.weight")));
  EXPECT_TRUE(held.requires_grad());
  EXPECT_NE(held.raw_data(), a.at("3.weight").raw_data());
  // A float64 checkpoint loads into a float32 model (converted).
  auto wide = conv_net();
  wide->to(kFloat64);
  testing::fill_parameters(*wide);
  dst->load_state_dict(wide->state_dict());
  EXPECT_EQ(held.dtype(), kFloat32);
  testing::expect_near(held, testing::doubles(wide->state_dict().at("3.weight")), 1e-6, 1e-7);
}

TEST(Module, StrictLoadListsMissingAndUnexpectedKeys) {
  auto src = conv_net(), dst = conv_net();
  StateDict bad;
  for (const auto& [k, t] : src->state_dict()) {
    if (k != "3.bias" && k != "1.running_var") bad.set(k, t);
  }
  bad.set("extra.weight", zeros({2}));
  const std::vector<double> before = testing::doubles(dst->state_dict().at("0.weight"));
  EXPECT_THROW(dst->load_state_dict(bad), KeyError);
  EXPECT_EQ(testing::error_of([&] { dst->load_state_dict(bad); }),
            "load_state_dict(Sequential): missing keys: 1.running_var, 3.bias; unexpected keys: extra.weight");
  // Nothing was copied.
  EXPECT_EQ(testing::doubles(dst->state_dict().at("0.weight")), before);

  // Non-strict: the matching keys load, the others are ignored.
  dst->load_state_dict(bad, false);
  EXPECT_EQ(testing::doubles(dst->state_dict().at("0.weight")), testing::doubles(src->state_dict().at("0.weight")));
  EXPECT_NE(testing::doubles(dst->state_dict().at("3.bias")), testing::doubles(src->state_dict().at("3.bias")));
}

TEST(Module, LoadReportsShapeMismatch) {
  auto dst = conv_net();
  StateDict sd = dst->state_dict();
  sd.set("3.weight", zeros({3, 9}));
  EXPECT_EQ(testing::error_of([&] { dst->load_state_dict(sd); }),
            "load_state_dict(Sequential): size mismatch for 3.weight (checkpoint [3, 9], model [3, 8])");
  EXPECT_THROW(dst->load_state_dict(sd), ShapeError);
  // A shape mismatch is an error even without strict.
  expect_error<ShapeError>([&] { dst->load_state_dict(sd, false); }, {"3.weight", "[3, 9]", "[3, 8]"});
  // With missing keys as well, the shape error comes first and names the key.
  StateDict partial;
  partial.set("0.weight", zeros({2, 1, 5, 5}));
  expect_error<ShapeError>([&] { dst->load_state_dict(partial); }, {"0.weight", "[2, 1, 5, 5]", "[2, 1, 3, 3]"});
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(ModuleHooks, ForwardHooksSeeEveryCallThroughOperatorAndCanBeRemoved) {
  nn::Sequential m({nn::make<nn::Linear>(3, 2), nn::make<nn::ReLU>()});
  std::vector<std::string> seen;
  auto record = [&seen](nn::Module& mod, const Tensor& in, const Tensor& out) {
    seen.push_back(mod.type_name() + shape_str(in.shape()) + "->" + shape_str(out.shape()));
  };
  const int64_t a = m.child("0")->register_forward_hook(record);
  m.child("1")->register_forward_hook(record);
  const int64_t whole = m.register_forward_hook(record);
  m(zeros({4, 3}));
  EXPECT_EQ(seen, (std::vector<std::string>{"Linear[4, 3]->[4, 2]", "ReLU[4, 2]->[4, 2]", "Sequential[4, 3]->[4, 2]"}));
  m.child("0")->remove_forward_hook(a);
  m.remove_forward_hook(whole);
  seen.clear();
  m(zeros({1, 3}));
  EXPECT_EQ(seen, (std::vector<std::string>{"ReLU[1, 2]->[1, 2]"}));
}

}  // namespace
}  // namespace tessera
