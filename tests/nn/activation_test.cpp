// Every activation layer vs PyTorch 1.13: output and input gradient (and PReLU's weight gradient) on
// x = 4 sin(0.37 i + 0.1), which covers every branch (ReLU6's and Hardswish's clips, Softplus's threshold). The
// table is reference_values.h, written by tests/nn/make_reference.py.
#include "tessera/nn/activation.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "nn_testing.h"
#include "reference_values.h"

namespace tessera {
namespace {

using testing::expect_layer;
using testing::input_wave;
using testing::NnReference;

const NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::nn_reference::activations(), name);
}

TEST(Activation, EveryLayerMatchesPyTorch) {
  const std::vector<std::pair<std::string, nn::ModulePtr>> layers{
      {"relu", nn::make<nn::ReLU>()},
      {"relu6", nn::make<nn::ReLU6>()},
      {"sigmoid", nn::make<nn::Sigmoid>()},
      {"tanh", nn::make<nn::Tanh>()},
      {"leaky_relu", nn::make<nn::LeakyReLU>(0.2)},
      {"elu", nn::make<nn::ELU>(0.7)},
      {"selu", nn::make<nn::SELU>()},
      {"gelu", nn::make<nn::GELU>()},
      {"gelu_tanh", nn::make<nn::GELU>("tanh")},
      {"silu", nn::make<nn::SiLU>()},
      {"mish", nn::make<nn::Mish>()},
      {"hardswish", nn::make<nn::Hardswish>()},
      {"hardsigmoid", nn::make<nn::Hardsigmoid>()},
      {"softplus", nn::make<nn::Softplus>()},
      {"softplus_beta2_threshold5", nn::make<nn::Softplus>(2.0, 5.0)},
      {"softsign", nn::make<nn::Softsign>()},
      {"softmax_dim1", nn::make<nn::Softmax>(1)},
      {"softmax_dim0", nn::make<nn::Softmax>(0)},
      {"log_softmax_dim1", nn::make<nn::LogSoftmax>(1)},
      {"prelu_shared", nn::make<nn::PReLU>(1, 0.25, kFloat64)},
  };
  for (const auto& [name, m] : layers) {
    SCOPED_TRACE(name);
    expect_layer(*m, input_wave({3, 8}, 4.0), ref(name));
  }
}

TEST(Activation, PReLUPerChannel) {
  nn::PReLU m(3, 0.25, kFloat64);
  EXPECT_EQ(m.weight.shape(), Shape{3});
  testing::expect_near(m.weight, {0.25, 0.25, 0.25});
  expect_layer(m, input_wave({2, 3, 4}, 2.0), ref("prelu_per_channel"));
  testing::expect_error<ShapeError>(
      [&] {
        m(zeros({2, 4, 4}, kFloat64));
      },
      "PReLU(3): expected input [N, 3, *], got [2, 4, 4]");
  testing::expect_error<ValueError>([] { nn::PReLU(0); }, "PReLU");
}

TEST(Activation, KeepsShapeAndDType) {
  const Tensor x = input_wave({2, 3, 4}, 4.0).to(kFloat32);
  nn::GELU gelu("tanh");
  const Tensor y = gelu(x);
  EXPECT_EQ(y.shape(), x.shape());
  EXPECT_EQ(y.dtype(), kFloat32);
  nn::Hardswish hs;
  EXPECT_EQ(hs(x).dtype(), kFloat32);
}

TEST(Activation, Names) {
  EXPECT_EQ(nn::ReLU().repr(), "ReLU()");
  EXPECT_EQ(nn::Hardsigmoid().repr(), "Hardsigmoid()");
  EXPECT_EQ(nn::LeakyReLU(0.2).repr(), "LeakyReLU(negative_slope=0.2)");
  EXPECT_EQ(nn::GELU("tanh").repr(), "GELU(approximate='tanh')");
  EXPECT_EQ(nn::Softmax(1).repr(), "Softmax(dim=1)");
  EXPECT_EQ(nn::PReLU(3).repr(), "PReLU(num_parameters=3)");
}

// CELU against PyTorch 1.13 (torch.nn.functional.celu, float64): values for alpha 0.5 and 2, and the gradient of
// sum(celu(x, 0.5)).
TEST(Activation, CeluMatchesPyTorch) {
  const Tensor x = testing::make({-3.0, -1.0, -0.25, 0.0, 0.5, 2.0}, kFloat64);
  testing::expect_near(nn::CELU(0.5).forward(x),
                       {-0.4987606239116668, -0.43233235838169365, -0.1967346701436833, 0.0, 0.5, 2.0}, 1e-14);
  testing::expect_near(nn::functional::celu(x, 2.0),
                       {-1.5537396797031404, -0.7869386805747332, -0.2350061948308091, 0.0, 0.5, 2.0}, 1e-14);
  Tensor leaf = x.detach().requires_grad_();
  nn::functional::celu(leaf, 0.5).sum().backward();
  testing::expect_near(leaf.grad(), {0.0024787521766663585, 0.1353352832366127, 0.6065306597126334, 1.0, 1.0, 1.0},
                       1e-14);
  EXPECT_EQ(nn::CELU(0.5).repr(), "CELU(alpha=0.5)");
  EXPECT_THROW(nn::functional::celu(x, 0.0), ValueError);
}

}  // namespace
}  // namespace tessera
