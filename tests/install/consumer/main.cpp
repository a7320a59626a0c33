// A program outside the Tessera tree, built against the installed package.
#include <iostream>

#include "tessera/tessera.h"

int main() {
  tessera::Tensor x = tessera::arange(4, tessera::kFloat32);  // 0 1 2 3
  std::cout << "consumer ok: " << x.sum().item<float>() << "\n";
  return 0;
}
