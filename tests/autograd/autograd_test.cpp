// Eager autograd semantics (PyTorch's): backward, grad(), accumulation, guards, hooks, in-place checks,
// freed graphs, anomaly mode. Expected values are hand-derived.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/autograd/engine.h"
#include "tessera/autograd/grad_mode.h"
#include "tessera/tessera.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::doubles;
using testing::error_of;

Tensor leaf(std::initializer_list<double> v) { return tensor(v).requires_grad_(); }

TEST(Autograd, BackwardOfSquareSum) {
  Tensor x = leaf({1, 2, 3});
  Tensor y = (x * x).sum();
  EXPECT_TRUE(y.requires_grad());
  EXPECT_FALSE(y.is_leaf());
  EXPECT_EQ(y.grad_fn_name(), "sum");
  y.backward();
  EXPECT_EQ(doubles(x.grad()), (std::vector<double>{2, 4, 6}));
}

// Note [Broadcast gradients]: a [3,1] * [4] gives [3,4]; each gradient is summed back to its input's shape.
TEST(Autograd, BroadcastGradientsAreReducedToInputShapes) {
  Tensor a = tensor({{1.0}, {2.0}, {3.0}}).requires_grad_();
  Tensor b = leaf({1, 10, 100, 1000});
  (a * b).sum().backward();
  EXPECT_EQ(a.grad().shape(), (Shape{3, 1}));
  EXPECT_EQ(doubles(a.grad()), (std::vector<double>{1111, 1111, 1111}));
  EXPECT_EQ(doubles(b.grad()), (std::vector<double>{6, 6, 6, 6}));
}

TEST(Autograd, MixedDTypeGradientsHaveTheInputDType) {
  Tensor a = tensor({1.0f, 2.0f}).requires_grad_();
  Tensor b = leaf({3, 4});
  (a * b).sum().backward();  // float32 * float64 -> float64
  EXPECT_EQ(a.grad().dtype(), kFloat32);
  EXPECT_EQ(doubles(a.grad()), (std::vector<double>{3, 4}));
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = leaf({1, 2});
  Tensor y = (x * 3.0).sum();
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  EXPECT_EQ(doubles(x.grad()), (std::vector<double>{6, 6}));
  x.set_grad({});
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, BackwardTwiceOverAFreedGraphIsAClearError) {
  Tensor x = leaf({1, 2});
  Tensor y = (x.exp()).sum();
  y.backward();
  std::string msg = error_of([&] { y.backward(); });
  EXPECT_NE(msg.find("second time"), std::string::npos) << msg;
  EXPECT_NE(msg.find("retain_graph"), std::string::npos) << msg;
}

TEST(Autograd, NonScalarBackwardNeedsAGradient) {
  Tensor x = leaf({1, 2});
  Tensor y = x * 2.0;
  EXPECT_THROW(y.backward(), ValueError);
  y.backward(tensor({1.0, -1.0}));
  EXPECT_EQ(doubles(x.grad()), (std::vector<double>{2, -2}));
  Tensor z = x * 2.0;
  EXPECT_THROW(z.backward(tensor({1.0, 2.0, 3.0})), ShapeError);
}

TEST(Autograd, GradFunctionLeavesDotGradAlone) {
  Tensor x = leaf({1, 2}), w = leaf({3, 4}), unused = leaf({0});
  Tensor y = (x * w).sum();
  std::vector<Tensor> g = grad({y}, {x, w}, {}, /*retain_graph=*/true);
  EXPECT_EQ(doubles(g[0]), (std::vector<double>{3, 4}));
  EXPECT_EQ(doubles(g[1]), (std::vector<double>{1, 2}));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  EXPECT_THROW(grad({y}, {unused}, {}, true), Error);
  std::vector<Tensor> u = grad({y}, {unused}, {}, true, false, /*allow_unused=*/true);
  EXPECT_FALSE(u[0].defined());
}

TEST(Autograd, GradWithRespectToAnIntermediate) {
  Tensor x = leaf({1, 2});
  Tensor h = x * 3.0;
  Tensor y = (h * h).sum();
  std::vector<Tensor> g = grad({y}, {h});
  EXPECT_EQ(doubles(g[0]), (std::vector<double>{6, 12}));
}

TEST(Autograd, NoGradAndEnableGradGuards) {
  Tensor x = leaf({1, 2});
  {
    NoGradGuard no_grad;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    {
      EnableGradGuard enable;
      EXPECT_TRUE((x * 2.0).requires_grad());
    }
  }
  EXPECT_TRUE((x * 2.0).requires_grad());
}

TEST(Autograd, DetachCutsTheGraphButSharesStorage) {
  Tensor x = leaf({1, 2});
  Tensor y = x * 2.0;
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.storage().get(), y.storage().get());
  Tensor z = (d * x).sum();
  z.backward();
  EXPECT_EQ(doubles(x.grad()), (std::vector<double>{2, 4}));  // d is a constant
}

TEST(Autograd, RequiresGradOnlyForFloatTensors) {
  EXPECT_THROW(tensor({1, 2}).requires_grad_(), DTypeError);
  Tensor x = leaf({1});
  Tensor y = x * 2.0;
  EXPECT_THROW(y.requires_grad_(false), Error);
}

TEST(Autograd, ModifyingASavedTensorInPlaceIsReported) {
  Tensor x = leaf({0.5, 1.0});
  Tensor w = x * 1.0;
  Tensor y = (w * w).sum();  // mul saves w
  w.zero_();
  std::string msg = error_of([&] { y.backward(); });
  EXPECT_NE(msg.find("modified by an in-place operation"), std::string::npos) << msg;
  EXPECT_NE(msg.find("mul"), std::string::npos) << msg;
}

TEST(Autograd, InPlaceOnALeafThatRequiresGradIsAnError) {
  Tensor x = leaf({1, 2});
  std::string msg = error_of([&] { x.fill_(0.0); });
  EXPECT_NE(msg.find("leaf"), std::string::npos) << msg;
  NoGradGuard no_grad;  // allowed without recording, like torch.no_grad() updates of parameters
  x.fill_(3.0);
  EXPECT_EQ(doubles(x), (std::vector<double>{3, 3}));
}

TEST(Autograd, InPlaceCopyRebasesHistory) {
  Tensor x = leaf({1, 2}), s = leaf({5, 7});
  Tensor h = x * 2.0;
  h.copy_(s * 3.0);  // h's old value no longer matters
  h.sum().backward();
  EXPECT_EQ(doubles(s.grad()), (std::vector<double>{3, 3}));
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, HooksInspectAndReplaceGradients) {
  Tensor x = leaf({1, 2});
  Tensor h = x * 3.0;
  std::vector<double> seen;
  h.register_hook([&](const Tensor& g) {
    seen = doubles(g);
    return g * 10.0;
  });
  int64_t id = x.register_hook([](const Tensor& g) { return g + 1.0; });
  h.sum().backward();
  EXPECT_EQ(seen, (std::vector<double>{1, 1}));
  EXPECT_EQ(doubles(x.grad()), (std::vector<double>{31, 31}));
  x.remove_hook(id);
  x.set_grad({});
  (x * 1.0).sum().backward();
  EXPECT_EQ(doubles(x.grad()), (std::vector<double>{1, 1}));
}

TEST(Autograd, RetainGradKeepsANonLeafGradient) {
  Tensor x = leaf({1, 2});
  Tensor h = x * x;
  h.retain_grad();
  (h * 2.0).sum().backward();
  EXPECT_EQ(doubles(h.grad()), (std::vector<double>{2, 2}));
}

TEST(Autograd, AnomalyModeNamesTheForwardOp) {
  DetectAnomalyGuard anomaly;
  Tensor x = leaf({0.0, 1.0});
  std::string msg = error_of([&] { (void)x.log(); });
  EXPECT_NE(msg.find("'log'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("forward"), std::string::npos) << msg;
}

TEST(Autograd, AnomalyModeNamesTheBackwardOp) {
  DetectAnomalyGuard anomaly;
  Tensor x = leaf({0.0, 1.0});
  Tensor y = x.sqrt().sum();  // sqrt'(0) = inf
  std::string msg = error_of([&] { y.backward(); });
  EXPECT_NE(msg.find("'sqrt'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("backward"), std::string::npos) << msg;
}

}  // namespace
}  // namespace tessera
