// A first look at Tessera's tensors (the README's first command runs this until the Fashion-MNIST
// training example exists).
#include <iostream>

#include "tessera/tessera.h"

int main() {
  using namespace tessera;
  std::cout << "Tessera " << "0.1.0" << ", " << num_threads() << " threads, " << registry().all().size()
            << " ops registered\n";
  return 0;
}
