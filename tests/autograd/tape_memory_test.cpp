// The tape frees what backward used: 1,000 forward/backward steps of an MLP keep the allocator's peak flat,
// also when the batch size changes from step to step.
#include <gtest/gtest.h>

#include "tessera/autograd/grad_mode.h"
#include "tessera/tessera.h"

namespace tessera {
namespace {

TEST(TapeMemory, PeakBytesStayFlatOverAThousandSteps) {
  Tensor w1 = (randn({32, 64}) * 0.1).requires_grad_();
  Tensor w2 = (randn({64, 10}) * 0.1).requires_grad_();
  const int64_t batches[] = {16, 64, 8, 32};
  auto step = [&](int i) {
    Tensor x = randn({batches[i % 4], 32});
    Tensor loss = x.matmul(w1).relu().matmul(w2).tanh().pow(2).mean();
    loss.backward();
    NoGradGuard no_grad;  // an SGD update, as an optimizer would do it
    w1.copy_(w1 - w1.grad() * 0.01);
    w2.copy_(w2 - w2.grad() * 0.01);
    w1.set_grad({});
    w2.set_grad({});
  };
  Allocator& a = cpu_allocator();
  for (int i = 0; i < 4; ++i) step(i);  // every batch size once
  a.reset_peak();
  const int64_t base = a.stats().current_bytes;
  for (int i = 0; i < 10; ++i) step(i);
  const int64_t peak10 = a.stats().peak_bytes;
  for (int i = 10; i < 1000; ++i) step(i);
  EXPECT_EQ(a.stats().peak_bytes, peak10);
  EXPECT_EQ(a.stats().current_bytes, base);
}

}  // namespace
}  // namespace tessera
