// nn::summary (Keras' model.summary() for Sequential models: rows, output shapes, parameter counts, totals; no
// side effects on the model) and ModuleDict (ordered string keys, dotted parameter names, errors).
#include "tessera/nn/summary.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nn_testing.h"
#include "tessera/nn/activation.h"
#include "tessera/nn/container.h"
#include "tessera/nn/conv.h"
#include "tessera/nn/dropout.h"
#include "tessera/nn/embedding.h"
#include "tessera/nn/linear.h"
#include "tessera/nn/normalization.h"
#include "tessera/nn/transformer.h"

namespace tessera {
namespace {

using nn::make;
using testing::expect_error;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Summary, SmallModelExactText) {
  nn::Sequential m({make<nn::Linear>(4, 3), make<nn::ReLU>(), make<nn::Linear>(3, 2, false)});
  const std::string expected =
      "Model: \"Sequential\"\n"
      "___________________________________________________\n"
      " Layer (type)        Output Shape        Param #\n"
      "===================================================\n"
      " 0 (Linear)          [5, 3]              15\n"
      " 1 (ReLU)            [5, 3]              0\n"
      " 2 (Linear)          [5, 2]              6\n"
      "===================================================\n"
      "Total params: 21\n"
      "Trainable params: 21\n"
      "Non-trainable params: 0\n"
      "___________________________________________________\n";
  EXPECT_EQ(nn::summary(m, Shape{5, 4}), expected);
}

TEST(Summary, ConvNetWithNestedSequential) {
  auto features = make<nn::Sequential>();
  features->push_back("conv", make<nn::Conv2d>(1, 8, 3)).push_back("bn", make<nn::BatchNorm2d>(8));
  features->push_back("relu", make<nn::ReLU>());
  nn::Sequential m;
  m.push_back("features", features).push_back("flatten", make<nn::Flatten>());
  m.push_back("drop", make<nn::Dropout>(0.5)).push_back("fc", make<nn::Linear>(8 * 26 * 26, 10));
  // Freeze the batch norm: its 16 parameters become non-trainable.
  for (Tensor p : features->child("bn")->parameters()) p.requires_grad_(false);
  features->child("bn")->eval();  // a module in eval mode stays so; the others stay in training mode

  const Tensor running_mean_before = static_cast<nn::BatchNorm2d&>(*features->child("bn")).running_mean.clone();
  const std::string s = nn::summary(m, Shape{2, 1, 28, 28});
  for (const char* part :
       {"Model: \"Sequential\"", " features.conv (Conv2d) ", "[2, 8, 26, 26]", " 80\n", " features.bn (BatchNorm2d) ",
        " 16\n", " features.relu (ReLU) ", " flatten (Flatten) ", "[2, 5408]", " drop (Dropout) ", " fc (Linear) ",
        "[2, 10]", " 54,090\n", "Total params: 54,186\n", "Trainable params: 54,170\n", "Non-trainable params: 16\n"}) {
    EXPECT_TRUE(contains(s, part)) << part << "\n" << s;
  }
  // No side effects: the pass ran in eval mode, and every training flag is back.
  testing::expect_near(static_cast<nn::BatchNorm2d&>(*features->child("bn")).running_mean,
                       testing::doubles(running_mean_before), 0, 0);
  EXPECT_TRUE(m.is_training());
  EXPECT_TRUE(features->child("conv")->is_training());
  EXPECT_FALSE(features->child("bn")->is_training());
  EXPECT_TRUE(m.child("drop")->is_training());
}

TEST(Summary, AnyModelThroughForwardHooksAndExampleTensor) {
  // Not a Sequential: the rows are the children its forward calls, found by forward hooks.
  nn::TransformerEncoderLayer layer(8, 2, {.dim_feedforward = 16});
  const std::string s = nn::summary(layer, Shape{5, 2, 8});
  EXPECT_TRUE(contains(s, " linear1 (Linear) ")) << s;
  EXPECT_TRUE(contains(s, "[5, 2, 16]")) << s;  // linear1's output
  EXPECT_TRUE(contains(s, " norm2 (LayerNorm) ")) << s;
  EXPECT_TRUE(contains(s, "[5, 2, 8]")) << s;
  EXPECT_TRUE(contains(s, "Total params: " + std::to_string(layer.num_parameters()))) << s;
  // An example tensor gives the input its dtype: int64 indices for an embedding.
  nn::Sequential m({make<nn::Embedding>(100, 16), make<nn::Flatten>(), make<nn::Linear>(48, 1)});
  const std::string e = nn::summary(m, testing::make<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3}));
  EXPECT_TRUE(contains(e, " 0 (Embedding) ")) << e;
  EXPECT_TRUE(contains(e, "[2, 3, 16]")) << e;
  EXPECT_TRUE(contains(e, " 1,600\n")) << e;
  EXPECT_TRUE(contains(e, "Total params: 1,649\n")) << e;
}

TEST(Summary, ErrorsComeFromTheModel) {
  nn::Sequential m({make<nn::Linear>(4, 3)});
  expect_error<ShapeError>([&] { nn::summary(m, Shape{2, 5}); }, "Linear(4, 3): expected input [*, 4], got [2, 5]");
  EXPECT_TRUE(m.is_training());
}

// ---- ModuleDict ---------------------------------------------------------------------------------------------------

TEST(ModuleDict, OrderedKeysAndNames) {
  nn::ModuleDict d({{"encoder", make<nn::Linear>(4, 3)}, {"act", make<nn::ReLU>()}});
  d.insert("decoder", make<nn::Linear>(3, 4, false));
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"encoder", "act", "decoder"}));
  EXPECT_TRUE(d.contains("act"));
  EXPECT_FALSE(d.contains("missing"));
  EXPECT_EQ(d["decoder"]->type_name(), "Linear");
  std::vector<std::string> names;
  for (const auto& [n, p] : d.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"encoder.weight", "encoder.bias", "decoder.weight"}));
  EXPECT_EQ(d.values().size(), 3u);
  EXPECT_EQ(d.items()[1].first, "act");
  // Modules holding a ModuleDict name its parameters "dict.key.weight".
  nn::Sequential outer;
  outer.push_back("heads", make<nn::ModuleDict>(
                               std::vector<std::pair<std::string, nn::ModulePtr>>{{"cls", make<nn::Linear>(2, 2)}}));
  EXPECT_EQ(outer.named_parameters()[0].first, "heads.cls.weight");
  EXPECT_EQ(d.repr().substr(0, 11), "ModuleDict(");
  nn::ModuleDict empty;
  EXPECT_TRUE(empty.empty());
}

TEST(ModuleDict, ReplacePopAndClearLikePyTorch) {
  nn::ModuleDict d({{"a", make<nn::Linear>(2, 3)}, {"b", make<nn::ReLU>()}, {"c", make<nn::Linear>(3, 1)}});
  d.insert("a", make<nn::Tanh>());  // d["a"] = Tanh(): same place, new module, its parameters gone
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(d["a"]->type_name(), "Tanh");
  EXPECT_EQ(d.named_parameters().size(), 2u);  // c.weight, c.bias
  nn::ModulePtr b = d.pop("b");
  EXPECT_EQ(b->type_name(), "ReLU");
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"a", "c"}));
  d.clear();
  EXPECT_TRUE(d.empty());
}

TEST(ModuleDict, Errors) {
  nn::ModuleDict d;
  d.insert("a", make<nn::ReLU>());
  expect_error<KeyError>([&] { d.pop("z"); }, "ModuleDict: no key 'z'");
  expect_error<KeyError>([&] { d.insert("a.b", make<nn::ReLU>()); }, "contain no '.'");
  expect_error<KeyError>([&] { d.insert("", make<nn::ReLU>()); }, "non-empty");
  expect_error<KeyError>([&] { d["b"]; }, "'b'");
  expect_error<ValueError>([&] { d.insert("c", nullptr); }, "null");
  expect_error<NotImplementedError>([&] { d(zeros({1})); }, "ModuleDict");
}

}  // namespace
}  // namespace tessera
