// The `tessera` command line. `tessera info` describes the build; `tessera info ops` lists the op registry.
#include <cstring>
#include <iostream>
#include <string>

#include "tessera/tessera.h"

namespace {

void print_usage() {
  std::cout << "usage: tessera <command>\n"
               "  info        version, threads and allocator of this build\n"
               "  info ops    every registered op, its devices, and whether it is differentiable\n";
}

int info_ops() {
  for (const tessera::OpDef* d : tessera::registry().all()) {
    std::string devices;
    if (d->has_kernel(tessera::kCPU)) devices += "cpu";
    if (d->has_kernel(tessera::kCUDA)) devices += devices.empty() ? "cuda" : ",cuda";
    std::cout << d->name << "\t" << (devices.empty() ? "-" : devices) << "\t"
              << (d->differentiable() ? "differentiable" : "not differentiable") << "\n";
  }
  return 0;
}

int info() {
  std::cout << "tessera 0.1.0\nthreads: " << tessera::num_threads()
            << "\nops registered: " << tessera::registry().all().size() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc >= 2 && std::strcmp(argv[1], "info") == 0) {
      if (argc >= 3 && std::strcmp(argv[2], "ops") == 0) return info_ops();
      return info();
    }
    print_usage();
    return argc >= 2 ? 2 : 0;
  } catch (const tessera::Error& e) {
    std::cerr << "tessera: " << e.what() << "\n";
    return 1;
  }
}
