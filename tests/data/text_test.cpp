// Text data: UTF-8 decoding and encoding (every error path), the code-point vocabulary, the train/validation
// split and the window dataset.
#include "tessera/data/text.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tessera/data/dataloader.h"
#include "testing.h"

namespace tessera::data {
namespace {

using testing::expect_error;
using testing::ivalues;

TEST(Utf8, DecodesAllLengthsAndRoundTrips) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a é € 😀 z
  const std::u32string cps = decode_utf8(s);
  EXPECT_EQ(cps, (std::u32string{U'a', 0xE9, 0x20AC, 0x1F600, U'z'}));
  EXPECT_EQ(encode_utf8(cps), s);
  EXPECT_EQ(decode_utf8("\xEF\xBB\xBFhi"), U"hi");  // byte-order mark dropped
  EXPECT_EQ(decode_utf8(""), U"");
}

TEST(Utf8, Errors) {
  expect_error<ValueError>([] { decode_utf8("ab\x80", "f.txt"); }, "f.txt: invalid UTF-8 at byte 2 (bad lead byte)");
  expect_error<ValueError>([] { decode_utf8("a\xC3"); }, "at byte 1 (truncated sequence)");
  expect_error<ValueError>([] { decode_utf8("\xE2\x82"); }, "truncated sequence");
  expect_error<ValueError>([] { decode_utf8("\xC3\x41"); }, "at byte 1 (bad continuation byte)");
  expect_error<ValueError>([] { decode_utf8("\xC0\xAF"); }, "overlong form");
  expect_error<ValueError>([] { decode_utf8("\xED\xA0\x80"); }, "not a Unicode scalar value");  // surrogate
  expect_error<ValueError>([] { decode_utf8("\xF4\x90\x80\x80"); }, "not a Unicode scalar value");
  expect_error<ValueError>([] { encode_utf8(std::u32string(1, 0xD800)); }, "U+D800 is not a Unicode scalar value");
  expect_error<IOError>([] { read_utf8_file("/nonexistent/x.txt"); }, "cannot open text file '/nonexistent/x.txt'");
}

TEST(Utf8, ReadsAFile) {
  const std::string path = (std::filesystem::temp_directory_path() / "tessera_text_test.txt").string();
  std::ofstream(path, std::ios::binary) << "caf\xC3\xA9\n";
  EXPECT_EQ(read_utf8_file(path), U"caf\u00E9\n");
  std::remove(path.c_str());
}

TEST(Vocabulary, SortedDistinctCodePointsEncodeAndDecode) {
  const Vocabulary v(U"b\u00E9ab\n");
  EXPECT_EQ(v.size(), 4);
  EXPECT_EQ(v.symbols(), (std::u32string{U'\n', U'a', U'b', 0xE9}));
  EXPECT_EQ(ivalues(v.encode(U"ab\u00E9")), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(v.decode(v.encode(U"\u00E9a\nb")),
            "\xC3\xA9"
            "a\nb");
  EXPECT_EQ(v.decode(testing::make<int64_t>({1, 2, 2, 1}, {2, 2})), "abba");
  EXPECT_TRUE(v.contains(U'a'));
  EXPECT_FALSE(v.contains(U'z'));
  expect_error<KeyError>([&] { v.id(U'z'); }, "'z' (U+007A) is not in the vocabulary of 4 symbols");
  expect_error<IndexError>([&] { v.symbol(4); }, "Vocabulary: id 4 is out of range for 4 symbols");
  expect_error<IndexError>([&] { v.decode(testing::make<int64_t>({0, -1}, {2})); }, "id -1");
  expect_error<DTypeError>([&] { v.decode(testing::make({0.0}, kFloat32)); }, "expected integer ids");
  const Vocabulary w = Vocabulary::from_symbols(U"zyx");
  EXPECT_EQ(w.id(U'z'), 0);
  expect_error<ValueError>([] { Vocabulary::from_symbols(U"aba"); }, "symbol U+0061 appears twice");
}

TEST(TextCorpus, SplitsTheEndOffForValidation) {
  const TextCorpus c = make_text_corpus(U"abcdefghij", 0.2);
  EXPECT_EQ(c.vocab.size(), 10);
  EXPECT_EQ(ivalues(c.train), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(ivalues(c.val), (std::vector<int64_t>{8, 9}));
  EXPECT_EQ(make_text_corpus(U"ab", 0.0).val.numel(), 0);
  expect_error<ValueError>([] { make_text_corpus(U"abc", 1.0); }, "val_fraction must be in [0, 1)");
  expect_error<ValueError>([] { make_text_corpus(U"a"); }, "at least 2 characters");
}

TEST(TextCorpus, HoldsOutBlocksSpreadOverTheText) {
  // 10 blocks of 2; a quarter held out: blocks 3 and 7 (floor((b + 1) / 4) > floor(b / 4)).
  const TextCorpus c = make_text_corpus(U"abcdefghijklmnopqrst", 0.25, 2);
  EXPECT_EQ(ivalues(c.val), (std::vector<int64_t>{6, 7, 14, 15}));
  EXPECT_EQ(ivalues(c.train), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 16, 17, 18, 19}));
  // A short last block; blocks of 3: block 3 = ids 9..11 held out.
  EXPECT_EQ(ivalues(make_text_corpus(U"abcdefghijklmnopqrst", 0.25, 3).val), (std::vector<int64_t>{9, 10, 11}));
  EXPECT_EQ(make_text_corpus(U"abcdef", 0.0, 2).val.numel(), 0);
  expect_error<ValueError>([] { make_text_corpus(U"abc", 0.1, -1); }, "val_block must be >= 0, got -1");
}

TEST(TextWindows, InputsAndShiftedTargets) {
  const Tensor ids = testing::make<int64_t>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {10});
  const TextWindows w(ids, 3);  // windows start at 0, 3, 6
  EXPECT_EQ(w.size(), 3);
  EXPECT_EQ(ivalues(w.get(1)[0]), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(ivalues(w.get(1)[1]), (std::vector<int64_t>{4, 5, 6}));
  const auto batch = w.get_batch({2, 0});
  EXPECT_EQ(batch->at(0).shape(), (Shape{2, 3}));
  EXPECT_EQ(ivalues(batch->at(0)), (std::vector<int64_t>{6, 7, 8, 0, 1, 2}));
  EXPECT_EQ(ivalues(batch->at(1)), (std::vector<int64_t>{7, 8, 9, 1, 2, 3}));
  EXPECT_EQ(TextWindows(ids, 3, 1).size(), 7);
  EXPECT_EQ(TextWindows(ids, 9).size(), 1);
  DataLoader loader(TextWindows(ids, 2), {.batch_size = 2});
  EXPECT_EQ(loader.size(), 2);
  EXPECT_EQ((*loader.begin())[1].shape(), (Shape{2, 2}));
  expect_error<IndexError>([&] { w.get(3); }, "TextWindows: index 3 is out of range for 3 windows");
  expect_error<IndexError>([&] { w.get_batch({0, 5}); }, "index 5");
  expect_error<ValueError>([&] { TextWindows(ids, 10); }, "needs a longer text than 10 ids");
  expect_error<ValueError>([&] { TextWindows(ids, 0); }, "seq_len must be >= 1");
  expect_error<ShapeError>([&] { TextWindows(ids.view({2, 5}), 2); }, "expected 1-d ids, got [2, 5]");
  expect_error<DTypeError>([&] { TextWindows(testing::make({1.0, 2.0, 3.0}, kFloat32), 1); }, "expected int64 ids");
}

}  // namespace
}  // namespace tessera::data
