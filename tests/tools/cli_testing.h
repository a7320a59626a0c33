#pragma once
// Helpers for the tests of the `tessera` command line: running the built tool (its path comes from CMake as
// TESSERA_CLI_PATH; without the tools the tests skip) and a tiny Fashion-MNIST-shaped dataset to train on.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tessera/data/idx.h"
#include "tessera/ops/random.h"

namespace tessera::testing {

/// What a run of the tool gave: its exit code and its stdout and stderr, interleaved.
struct CliResult {
  int code = -1;
  std::string output;
};

/// The path of the built tool, or "" when the tools are not built.
inline std::string cli_path() {
#ifdef TESSERA_CLI_PATH
  return TESSERA_CLI_PATH;
#else
  return "";
#endif
}

/// `s` quoted for the shell.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// Runs `tessera args...` and waits for it.
inline CliResult run_cli(const std::vector<std::string>& args) {
  std::ostringstream command;
  command << shell_quote(cli_path());
  for (const std::string& a : args) command << " " << shell_quote(a);
  command << " 2>&1";
  CliResult r;
  std::FILE* pipe = popen(command.str().c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// Writes a Fashion-MNIST-shaped dataset of random images into `dir` (train: n_train images, t10k: n_test),
/// as raw IDX files, so the tool can train and predict without the real dataset.
inline void write_tiny_fashion_mnist(const std::filesystem::path& dir, int64_t n_train, int64_t n_test,
                                     uint64_t seed = 1) {
  std::filesystem::create_directories(dir);
  Generator gen(seed);
  for (const auto& [prefix, n] : {std::pair<std::string, int64_t>{"train", n_train}, {"t10k", n_test}}) {
    data::write_idx((dir / (prefix + "-images-idx3-ubyte")).string(),
                    randint(0, 256, {n, 28, 28}, kInt32, &gen).to(kUInt8));
    data::write_idx((dir / (prefix + "-labels-idx1-ubyte")).string(), randint(0, 10, {n}, kInt32, &gen).to(kUInt8));
  }
}

}  // namespace tessera::testing
