// `tessera info`: version, build options and threads; `tessera info ops`: the op registry.
#include <cblas.h>

#include <iostream>
#include <string>

#include "commands.h"
#include "tessera/backend/cpu/dnnl/dnnl_version.h"
#include "tessera/tessera.h"

namespace tessera::cli {
namespace {

void print_ops() {
  for (const OpDef* d : registry().all()) {
    std::string devices;
    if (d->has_kernel(kCPU)) devices += "cpu";
    if (d->has_kernel(kCUDA)) devices += devices.empty() ? "cuda" : ",cuda";
    std::cout << d->name << "\t" << (devices.empty() ? "-" : devices) << "\t"
              << (d->differentiable() ? "differentiable" : "not differentiable") << "\n";
  }
}

void print_info() {
  std::cout << "tessera 0.1.0\n"
            << "threads: " << num_threads() << "\n"
            << "blas: " << openblas_get_config() << "\n"
            << "onednn: " << cpu::onednn::version_string() << "\n"
            << "ops registered: " << registry().all().size() << "\n";
}

}  // namespace

void add_info_command(CLI::App& app) {
  CLI::App* info = app.add_subcommand("info", "Version, build options, threads, BLAS and oneDNN of this build");
  CLI::App* ops = info->add_subcommand("ops", "List every registered op, its devices and differentiability");
  ops->callback(print_ops);
  info->callback([info] {
    if (info->get_subcommands().empty()) print_info();
  });
}

}  // namespace tessera::cli
