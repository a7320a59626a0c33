// `tessera sample`: text from a char-lstm checkpoint equals the sample `tessera train --model char-lstm` printed
// with the same options (the model's sizes come from the checkpoint), and bad input gives clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli_testing.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;

TEST(SampleCommand, ContinuesLikeTheTrainingRunsSample) {
  if (cli_path().empty()) GTEST_SKIP() << "the tessera tool is not built";
  const fs::path dir = fs::temp_directory_path() / "tessera_sample_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "text.txt") << "in the beginning was the word, and the word was with god.\n"
                                     "and the earth was without form, and void.\n";
  const std::vector<std::string> common = {"--temperature", "0.7", "--seed-text", "and ", "--seed", "3"};
  std::vector<std::string> train = {"train", "--model", "char-lstm", "--text", (dir / "text.txt").string(),
                                    "--epochs", "1", "--batch-size", "4", "--seq-len", "16", "--hidden", "12",
                                    "--layers", "1", "--embedding", "0", "--threads", "1", "--sample-length", "40",
                                    "--checkpoint-dir", (dir / "run").string(), "--verbose", "0"};
  train.insert(train.end(), common.begin(), common.end());
  const CliResult t = run_cli(train);
  ASSERT_EQ(t.code, 0) << t.output;
  const size_t at = t.output.find("sample (temperature 0.7):\n");
  ASSERT_NE(at, std::string::npos) << t.output;
  const std::string trained_sample = t.output.substr(at + 26);

  std::vector<std::string> sample = {"sample", (dir / "run").string(), "--length", "40"};
  sample.insert(sample.end(), common.begin(), common.end());
  const CliResult s = run_cli(sample);
  ASSERT_EQ(s.code, 0) << s.output;
  EXPECT_EQ(s.output, trained_sample);
  EXPECT_EQ(s.output.rfind("and ", 0), 0u);  // the seed text comes first

  // Another vocabulary than the checkpoint's; a checkpoint without its vocabulary; no checkpoint argument.
  std::ofstream(dir / "small_vocab.txt") << "ab";
  const CliResult v = run_cli({"sample", (dir / "run").string(), "--vocab", (dir / "small_vocab.txt").string()});
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.output.find("holds 2"), std::string::npos) << v.output;
  fs::copy_file(dir / "run" / "last.safetensors", dir / "alone.safetensors");
  const CliResult n = run_cli({"sample", (dir / "alone.safetensors").string()});
  EXPECT_EQ(n.code, 1);
  EXPECT_NE(n.output.find("cannot read the vocabulary"), std::string::npos) << n.output;
  EXPECT_EQ(run_cli({"sample"}).code, 2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tessera::testing
