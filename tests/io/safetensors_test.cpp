// save_safetensors / load_safetensors: round trips of every dtype and layout, byte equality with a file built
// from the specification (make_safetensors_reference.py), and every way a corrupt file is rejected.
#include "tessera/io/safetensors.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "io/io_testing.h"

namespace tessera::io {
namespace {

using testing::expect_bit_equal;
using testing::expect_error;
using testing::read_string;
using testing::safetensors_bytes;
using testing::TempDir;
using testing::write_string;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// Six values of `dtype` with its awkward cases: NaN, infinities and -0.0 for floats, extremes for integers.
std::vector<double> sample_values(DType dtype) {
  switch (dtype) {
    case kBool:
      return {1, 0, 1, 1, 0, 0};
    case kUInt8:
      return {0, 1, 127, 128, 254, 255};
    case kInt32:
      return {-2147483648.0, -1, 0, 1, 7, 2147483647.0};
    case kInt64:
      return {-1099511627776.0, -1, 0, 1, 7, 4503599627370496.0};
    default:
      return {1.5, -0.0, kNaN, kInf, -kInf, -3.25};
  }
}

/// For every dtype: a matrix, a 0-d tensor, an empty tensor, a transposed and a strided (step 2) view.
StateDict every_dtype_and_layout() {
  StateDict sd;
  for (int i = 0; i < kNumDTypes; ++i) {
    const auto dtype = static_cast<DType>(i);
    const std::string name(dtype_name(dtype));
    const Tensor m = from_vector(sample_values(dtype), Shape{2, 3}, dtype);
    sd.set(name + ".matrix", m);
    sd.set(name + ".scalar", from_vector(std::vector<double>{sample_values(dtype)[0]}, Shape{}, dtype));
    sd.set(name + ".empty", empty({0, 3}, dtype));
    sd.set(name + ".transposed", testing::transposed(m));
    sd.set(name + ".strided", testing::strided_view(m, {3}, {2}));
  }
  return sd;
}

class SafetensorsTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.file("t.safetensors");
};

TEST_F(SafetensorsTest, RoundTripsEveryDtypeAndLayoutBitExactly) {
  const StateDict sd = every_dtype_and_layout();
  save_safetensors(path_, sd);
  const SafetensorsFile f = load_safetensors(path_);
  expect_bit_equal(f.tensors, sd);  // same names in the same order, same bits
  EXPECT_TRUE(f.metadata.empty());
  for (const auto& [name, t] : f.tensors) EXPECT_TRUE(t.is_contiguous()) << name;
  EXPECT_EQ(f.tensors.at("float32.transposed").shape(), (Shape{3, 2}));
  EXPECT_EQ(f.tensors.at("int64.scalar").dim(), 0);
  EXPECT_EQ(testing::ivalues(f.tensors.at("int64.strided")), (std::vector<int64_t>{-1099511627776, 0, 7}));
  // Fresh storage, not shared with the saved tensors.
  EXPECT_NE(f.tensors.at("float32.matrix").raw_data(), sd.at("float32.matrix").raw_data());
}

TEST_F(SafetensorsTest, RoundTripsMetadataAndEmptyDicts) {
  const std::map<std::string, std::string> meta = {{"format", "pt"}, {"empty", ""}, {"utf8", "\xc3\xa9t\xc3\xa9"}};
  save_safetensors(path_, {}, meta);
  const SafetensorsFile f = load_safetensors(path_);
  EXPECT_TRUE(f.tensors.empty());
  EXPECT_EQ(f.metadata, meta);

  save_safetensors(path_, {});  // no metadata: no "__metadata__" entry, header "{}" padded to 8
  EXPECT_EQ(read_string(path_), safetensors_bytes("{}      "));
  EXPECT_TRUE(load_safetensors(path_).metadata.empty());
}

TEST_F(SafetensorsTest, SavesTensorsThatRequireGrad) {
  StateDict sd;
  sd.set("w", testing::leaf({1.0, 2.0}));
  save_safetensors(path_, sd);
  expect_bit_equal(load_safetensors(path_).tensors.at("w"), sd.at("w"));
}

// ---- Interoperability: bytes built from the specification by make_safetensors_reference.py --------------------

constexpr const char* kReferenceHex =
    "48020000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074222c226e6f7465223a2272"
    "65666572656e6365227d2c22776569676874223a7b226474797065223a22463332222c227368617065223a5b322c335d"
    "2c22646174615f6f666673657473223a5b302c32345d7d2c22696473223a7b226474797065223a22493634222c227368"
    "617065223a5b335d2c22646174615f6f666673657473223a5b32342c34385d7d2c2268616c66223a7b22647479706522"
    "3a22463136222c227368617065223a5b325d2c22646174615f6f666673657473223a5b34382c35325d7d2c227363616c"
    "65223a7b226474797065223a2242463136222c227368617065223a5b5d2c22646174615f6f666673657473223a5b3532"
    "2c35345d7d2c226d61736b223a7b226474797065223a22424f4f4c222c227368617065223a5b335d2c22646174615f6f"
    "666673657473223a5b35342c35375d7d2c226e6f7468696e67223a7b226474797065223a225538222c22736861706522"
    "3a5b305d2c22646174615f6f666673657473223a5b35372c35375d7d2c22636f6c223a7b226474797065223a22493332"
    "222c227368617065223a5b322c315d2c22646174615f6f666673657473223a5b35372c36355d7d2c227069223a7b2264"
    "74797065223a22463634222c227368617065223a5b315d2c22646174615f6f666673657473223a5b36352c37335d7d2c"
    "226279746573223a7b226474797065223a225538222c227368617065223a5b325d2c22646174615f6f66667365747322"
    "3a5b37332c37355d7d7d2020202020200000803f000020c000005040000000000000003e0000e0c00100000000000000"
    "feffffffffffffff00000000000100000038fffbc03f01000107000000f8ffffff182d4454fb21094000ff";

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

/// The tensors of make_safetensors_reference.py, in its order.
StateDict reference_tensors() {
  StateDict sd;
  sd.set("weight", from_vector(std::vector<double>{1, -2.5, 3.25, 0, 0.125, -7}, Shape{2, 3}, kFloat32));
  sd.set("ids", from_vector(std::vector<double>{1, -2, 1099511627776.0}, Shape{3}, kInt64));
  sd.set("half", from_vector(std::vector<double>{0.5, -65504}, Shape{2}, kFloat16));
  sd.set("scale", from_vector(std::vector<double>{1.5}, Shape{}, kBFloat16));
  sd.set("mask", from_vector(std::vector<double>{1, 0, 1}, Shape{3}, kBool));
  sd.set("nothing", empty({0}, kUInt8));
  sd.set("col", from_vector(std::vector<double>{7, -8}, Shape{2, 1}, kInt32));
  sd.set("pi", from_vector(std::vector<double>{3.141592653589793}, Shape{1}, kFloat64));
  sd.set("bytes", from_vector(std::vector<double>{0, 255}, Shape{2}, kUInt8));
  return sd;
}

TEST_F(SafetensorsTest, WritesTheSpecificationsBytes) {
  save_safetensors(path_, reference_tensors(), {{"format", "pt"}, {"note", "reference"}});
  EXPECT_EQ(read_string(path_), from_hex(kReferenceHex));
}

TEST_F(SafetensorsTest, ReadsTheSpecificationsBytes) {
  write_string(path_, from_hex(kReferenceHex));
  const SafetensorsFile f = load_safetensors(path_);
  expect_bit_equal(f.tensors, reference_tensors());
  EXPECT_EQ(f.metadata, (std::map<std::string, std::string>{{"format", "pt"}, {"note", "reference"}}));
  testing::expect_near(f.tensors.at("half"), {0.5, -65504});
}

TEST_F(SafetensorsTest, WidensInt8AndInt16AndNormalisesBools) {
  const std::string header = R"({"a":{"dtype":"I8","shape":[2],"data_offsets":[0,2]},)"
                             R"("b":{"dtype":"I16","shape":[2],"data_offsets":[2,6]},)"
                             R"("c":{"dtype":"BOOL","shape":[2],"data_offsets":[6,8]}})";
  write_string(path_, safetensors_bytes(header, std::string("\xff\x05\x00\x80\x34\x12\x00\x07", 8)));
  const SafetensorsFile f = load_safetensors(path_);
  EXPECT_EQ(f.tensors.at("a").dtype(), kInt32);
  testing::expect_near(f.tensors.at("a"), {-1, 5});
  testing::expect_near(f.tensors.at("b"), {-32768, 0x1234});
  EXPECT_EQ(testing::tensor_bytes(f.tensors.at("c")), std::string("\x00\x01", 2));
}

// ---- Errors -------------------------------------------------------------------------------------------------

TEST_F(SafetensorsTest, RejectsTruncatedFilesAtEveryBoundary) {
  save_safetensors(path_, reference_tensors(), {{"k", "v"}});
  const std::string good = read_string(path_);
  ASSERT_EQ(load_safetensors(path_).tensors.size(), 9u);
  for (size_t cut :
       {size_t{0}, size_t{4}, size_t{7}, size_t{8}, size_t{20}, good.size() / 2, good.size() - 30, good.size() - 1}) {
    write_string(path_, good.substr(0, cut));
    expect_error<IOError>([&] { load_safetensors(path_); }, {path_});
  }
  write_string(path_, good.substr(0, good.size() - 1));
  expect_error<IOError>([&] { load_safetensors(path_); }, {"truncated", "'bytes'"});
  write_string(path_, good.substr(0, 5));
  expect_error<IOError>([&] { load_safetensors(path_); }, {"truncated at offset 5"});
}

TEST_F(SafetensorsTest, RejectsBadHeaderLengths) {
  save_safetensors(path_, reference_tensors());
  std::string bytes = read_string(path_);
  bytes[7] = '\x80';  // a length of 2^63 + ...
  write_string(path_, bytes);
  expect_error<IOError>([&] { load_safetensors(path_); }, {path_, "header length", "offset 0", "past the end"});
  write_string(path_, safetensors_bytes("{}      ").substr(0, 8) + std::string(4, ' '));  // says 8, has 4
  expect_error<IOError>([&] { load_safetensors(path_); }, {path_, "header length 8"});
}

/// Writes a file with `header` (and `data`) and expects load to fail naming the file and every part.
void expect_rejected(const std::string& path, const std::string& header, const std::string& data,
                     std::initializer_list<std::string> parts) {
  write_string(path, safetensors_bytes(header, data));
  expect_error<IOError>([&] { load_safetensors(path); }, {path});
  expect_error<IOError>([&] { load_safetensors(path); }, parts);
}

TEST_F(SafetensorsTest, RejectsMalformedHeaders) {
  const std::string d4(4, '\0');
  expect_rejected(path_, "[1, 2]", "", {"does not start with '{'"});
  expect_rejected(path_, R"({"a": {"dtype": "F32",})", "", {"invalid JSON header at offset 30"});
  expect_rejected(path_, R"({"a": 1})", "", {"tensor 'a' is not an object"});
  expect_rejected(path_, R"({"__metadata__": {"k": 1}})", "", {"metadata 'k' is not a string"});
  expect_rejected(path_, R"({"__metadata__": [1]})", "", {"'__metadata__' is not an object"});
  expect_rejected(path_, R"({"a": {"dtype": "F32", "shape": [1]}})", d4, {"tensor 'a' has no 'data_offsets'"});
  expect_rejected(path_, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}})", d4,
                  {"unknown field 'x'"});
  expect_rejected(path_, R"({"a": {"dtype": "F99", "shape": [1], "data_offsets": [0, 4]}})", d4,
                  {"tensor 'a'", "unknown dtype 'F99'"});
  expect_rejected(path_, R"({"a": {"dtype": "U32", "shape": [1], "data_offsets": [0, 4]}})", d4,
                  {"dtype U32 is not supported"});
  expect_rejected(path_, R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", d4,
                  {"shape [-1] holds -1, not a size"});
  expect_rejected(path_, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", d4,
                  {"data_offsets [4,0] is not [begin, end]"});
  expect_rejected(path_, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", d4,
                  {"tensor 'a': shape [2] of F32 needs 2 x 4 bytes", "span 4"});
  expect_rejected(path_,
                  R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},)"
                  R"( "a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}})",
                  std::string(1, '\0'), {"names 'a' twice"});
}

TEST_F(SafetensorsTest, RejectsOffsetsThatDoNotTileTheBuffer) {
  const std::string d8(8, '\0');
  expect_rejected(path_,
                  R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                  R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}})",
                  d8, {"tensor 'b' data_offsets [2, 6] overlap tensor 'a' [0, 4]"});
  expect_rejected(path_, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", d8,
                  {"bytes [0, 4) of the data buffer", "belong to no tensor"});
  expect_rejected(path_, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", d8,
                  {"trailing data: 4 bytes at offset"});
  expect_rejected(path_, R"({"a": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}})", d8,
                  {"truncated", "tensor 'a'"});
  // Empty tensors may share an offset with their neighbours.
  write_string(path_, safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                                        R"( "e": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}})",
                                        std::string(4, '\0')));
  const SafetensorsFile f = load_safetensors(path_);
  EXPECT_EQ(f.tensors.items()[0].first, "e");
}

TEST_F(SafetensorsTest, RejectsFilesItCannotOpen) {
  expect_error<IOError>([&] { load_safetensors(dir_.file("missing")); }, {dir_.file("missing"), "No such file"});
  expect_error<IOError>([&] { load_safetensors(dir_.path().string()); }, {"is a directory"});
}

TEST_F(SafetensorsTest, SaveRejectsWhatTheFormatCannotHold) {
  StateDict sd;
  sd.set("undefined", Tensor());
  expect_error<ValueError>([&] { save_safetensors(path_, sd); }, {path_, "'undefined' is undefined"});
  StateDict reserved;
  reserved.set("__metadata__", empty({1}));
  expect_error<ValueError>([&] { save_safetensors(path_, reserved); }, {"reserved"});
  StateDict bad_name;
  bad_name.set("\xff", empty({1}));
  expect_error<ValueError>([&] { save_safetensors(path_, bad_name); }, {"a tensor name is not valid UTF-8"});
  expect_error<ValueError>([&] { save_safetensors(path_, {}, {{"k", "\xfe"}}); }, {"metadata value of 'k'"});
  EXPECT_FALSE(std::filesystem::exists(path_));  // nothing was written
  expect_error<IOError>([&] { save_safetensors(dir_.file("no/such/dir.safetensors"), {}); },
                        {dir_.file("no/such/dir.safetensors")});
}

}  // namespace
}  // namespace tessera::io
