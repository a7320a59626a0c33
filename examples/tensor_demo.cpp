// A first look at Tessera: tensors, broadcasting, reductions, matmul and eager autograd, ending with a linear
// regression fitted by gradient descent. The README's first command runs this until the Fashion-MNIST training
// example exists.
#include <iostream>

#include "tessera/autograd/grad_mode.h"
#include "tessera/tessera.h"

int main() {
  using namespace tessera;
  std::cout << "Tessera 0.1.0: " << num_threads() << " threads, " << registry().all().size() << " ops registered\n\n";

  Tensor a = tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}});
  std::cout << "a =\n" << a << "\n";
  std::cout << "a.t() (a view, no copy) =\n" << a.t() << "\n";
  std::cout << "a + [10, 20, 30] (broadcast) =\n" << a + tensor({10.0f, 20.0f, 30.0f}) << "\n";
  std::cout << "a.sum({1}) = " << a.sum({1}) << "\n";
  std::cout << "a.matmul(a.t()) =\n" << a.matmul(a.t()) << "\n\n";

  // Fit y = 3x - 2 (plus noise) by gradient descent on the mean squared error.
  manual_seed(0);
  Tensor x = rand({256, 1});
  Tensor y = x * 3.0 - 2.0 + randn({256, 1}) * 0.05;
  Tensor w = zeros({1, 1}).requires_grad_(), b = zeros({1}).requires_grad_();
  for (int step = 0; step <= 300; ++step) {
    Tensor loss = (x.matmul(w) + b - y).pow(2).mean();
    loss.backward();
    {
      NoGradGuard no_grad;
      w.copy_(w - w.grad() * 0.5);
      b.copy_(b - b.grad() * 0.5);
    }
    w.set_grad({});
    b.set_grad({});
    if (step % 100 == 0) std::cout << "step " << step << ": loss " << loss.item<float>() << "\n";
  }
  std::cout << "fitted w = " << w.item<float>() << " (true 3), b = " << b.item<float>() << " (true -2)\n";
  return 0;
}
