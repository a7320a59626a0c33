#include "tessera/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/backend/cpu/copy.h"
#include "tessera/io/atomic_file.h"

namespace tessera::io {
namespace {

// Tensors are written and read as their in-memory bytes; safetensors is little-endian.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

using Json = nlohmann::ordered_json;  // keeps the header's key order: the tensors' order on save

constexpr const char* kMetadataKey = "__metadata__";
/// The Rust reference implementation's limit, which keeps a corrupt length from allocating gigabytes.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

/// One safetensors dtype: its code, its size on disk and the Tessera dtype it loads as. I8 and I16 widen to
/// int32 (Tessera has no 8- or 16-bit integers); save never writes them.
struct StType {
  std::string_view code;
  int bytes;
  DType dtype;
};
constexpr StType kTypes[] = {{"F64", 8, kFloat64}, {"F32", 4, kFloat32}, {"F16", 2, kFloat16}, {"BF16", 2, kBFloat16},
                             {"I64", 8, kInt64},   {"I32", 4, kInt32},   {"U8", 1, kUInt8},    {"BOOL", 1, kBool},
                             {"I16", 2, kInt32},   {"I8", 1, kInt32}};
/// Codes of the spec that Tessera has no dtype for.
constexpr std::string_view kUnsupported[] = {"U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "C64"};

const StType& type_of(DType dtype) {
  for (const StType& t : kTypes) {
    if (t.dtype == dtype) return t;  // the first match is the one whose size is the in-memory size
  }
  throw DTypeError(cat("save_safetensors: no safetensors dtype for ", dtype));
}

bool widens(const StType& t) { return t.bytes != static_cast<int>(itemsize(t.dtype)); }

/// Throws ValueError when `s` is not valid UTF-8 (JSON strings must be).
void check_utf8(const std::string& s, const std::string& path, const char* what) {
  try {
    (void)Json(s).dump();
  } catch (const Json::type_error&) {
    throw ValueError(cat("save_safetensors: '", path, "': ", what, " is not valid UTF-8"));
  }
}

/// The JSON header (Note [safetensors layout]), padded with spaces to a multiple of 8 bytes.
std::string make_header(const std::string& path, const StateDict& tensors,
                        const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json& meta = header[kMetadataKey] = Json::object();
    for (const auto& [k, v] : metadata) {
      check_utf8(k, path, "a metadata key");
      check_utf8(v, path, cat("the metadata value of '", k, "'").c_str());
      meta[k] = v;
    }
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    check<ValueError>(name != kMetadataKey, "save_safetensors: '", path, "': the name '", kMetadataKey,
                      "' is reserved for the metadata");
    check<ValueError>(t.defined(), "save_safetensors: '", path, "': tensor '", name, "' is undefined");
    check<ValueError>(!t.is_symbolic(), "save_safetensors: '", path, "': tensor '", name,
                      "' is symbolic (a traced value); save concrete tensors");
    check<NotImplementedError>(t.device().is_cpu(), "save_safetensors: '", path, "': tensor '", name, "' is on ",
                               t.device(), "; move it to the CPU first");
    check_utf8(name, path, "a tensor name");
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    header[name] = {
        {"dtype", type_of(t.dtype()).code}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

/// One tensor entry of a header being loaded.
struct Entry {
  std::string name;
  const StType* type;
  Shape shape;
  uint64_t begin, end;
};

/// Validates a loaded header and turns it into entries and metadata. Throws IOError via `fail`.
class HeaderReader {
 public:
  HeaderReader(const std::string& path, uint64_t header_len) : path_(path), data_start_(8 + header_len) {}

  [[noreturn]] void fail(const std::string& msg) const { throw IOError(cat("load_safetensors: '", path_, "': ", msg)); }

  Json parse(const std::string& text) const {
    if (text.empty() || text[0] != '{') fail("the header at offset 8 does not start with '{' (not a safetensors file)");
    std::set<std::string> keys;
    std::optional<std::string> duplicate;
    auto note_key = [&](int depth, Json::parse_event_t event, Json& parsed) {
      if (event == Json::parse_event_t::key && depth == 1 && !keys.insert(parsed.get<std::string>()).second) {
        duplicate = parsed.get<std::string>();
      }
      return true;
    };
    Json header;
    try {
      header = Json::parse(text, note_key);
    } catch (const Json::parse_error& e) {
      fail(cat("invalid JSON header at offset ", 8 + (e.byte > 0 ? e.byte - 1 : 0), ": ", e.what()));
    }
    if (!header.is_object()) fail("the header at offset 8 is not a JSON object");
    if (duplicate) fail(cat("the header names '", *duplicate, "' twice"));
    return header;
  }

  std::map<std::string, std::string> metadata(const Json& value) const {
    if (!value.is_object()) fail(cat("'", kMetadataKey, "' is not an object of strings"));
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : value.items()) {
      if (!v.is_string()) fail(cat("metadata '", k, "' is not a string: ", v.dump()));
      out[k] = v.get<std::string>();
    }
    return out;
  }

  Entry entry(const std::string& name, const Json& value) const {
    const std::string where = cat("tensor '", name, "'");
    if (!value.is_object()) fail(cat(where, " is not an object"));
    for (const auto& [field, v] : value.items()) {
      if (field != "dtype" && field != "shape" && field != "data_offsets")
        fail(cat(where, " has unknown field '", field, "'"));
    }
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
      if (!value.contains(field)) fail(cat(where, " has no '", field, "'"));
    }
    Entry e{name, find_type(where, value["dtype"]), {}, 0, 0};
    const Json& shape = value["shape"];
    if (!shape.is_array()) fail(cat(where, ": shape is not an array: ", shape.dump()));
    uint64_t count = 1;  // saturating: a huge shape cannot match any offsets anyway
    for (const Json& s : shape) {
      if (!s.is_number_unsigned() || s.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail(cat(where, ": shape ", shape.dump(), " holds ", s.dump(), ", not a size"));
      }
      e.shape.push_back(s.get<int64_t>());
      if (__builtin_mul_overflow(count, s.get<uint64_t>(), &count)) count = std::numeric_limits<uint64_t>::max();
    }
    const Json& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned() || offsets[0].get<uint64_t>() > offsets[1].get<uint64_t>()) {
      fail(cat(where, ": data_offsets ", offsets.dump(), " is not [begin, end] with begin <= end"));
    }
    e.begin = offsets[0].get<uint64_t>();
    e.end = offsets[1].get<uint64_t>();
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(e.type->bytes), &bytes) || bytes != e.end - e.begin) {
      fail(cat(where, ": shape ", shape.dump(), " of ", e.type->code, " needs ", count, " x ", e.type->bytes,
               " bytes but data_offsets ", offsets.dump(), " span ", e.end - e.begin));
    }
    return e;
  }

  /// Checks that the entries, sorted by offset, tile the `buffer_bytes` of data exactly.
  void check_tiling(const std::vector<Entry>& sorted, uint64_t buffer_bytes) const {
    uint64_t expected = 0;
    const Entry* prev = nullptr;
    for (const Entry& e : sorted) {
      const std::string span = cat("[", e.begin, ", ", e.end, "]");
      if (e.begin < expected) {
        fail(cat("tensor '", e.name, "' data_offsets ", span, " overlap tensor '", prev->name, "' [", prev->begin, ", ",
                 prev->end, "]"));
      }
      if (e.begin > expected) {
        fail(cat("bytes [", expected, ", ", e.begin, ") of the data buffer (file offset ", data_start_ + expected,
                 ") belong to no tensor"));
      }
      if (e.end > buffer_bytes) {
        fail(cat("truncated: tensor '", e.name, "' data_offsets ", span, " need the file to reach offset ",
                 data_start_ + e.end, " but it ends at offset ", data_start_ + buffer_bytes));
      }
      expected = e.end;
      prev = &e;
    }
    if (expected < buffer_bytes) {
      fail(cat("trailing data: ", buffer_bytes - expected, " bytes at offset ", data_start_ + expected,
               " after the last tensor"));
    }
  }

 private:
  const StType* find_type(const std::string& where, const Json& code) const {
    if (!code.is_string()) fail(cat(where, ": dtype is not a string: ", code.dump()));
    const std::string& c = code.get_ref<const std::string&>();
    for (const StType& t : kTypes) {
      if (t.code == c) return &t;
    }
    if (std::find(std::begin(kUnsupported), std::end(kUnsupported), c) != std::end(kUnsupported)) {
      fail(cat(where, ": dtype ", c, " is not supported (Tessera has no such dtype)"));
    }
    fail(cat(where, ": unknown dtype '", c, "'"));
  }

  const std::string& path_;
  uint64_t data_start_;
};

/// Reads one validated entry's bytes into a fresh tensor.
Tensor read_tensor(const InputFile& file, uint64_t data_start, const Entry& e) {
  Tensor t = empty(e.shape, e.type->dtype);
  const auto offset = static_cast<int64_t>(data_start + e.begin);
  const auto bytes = static_cast<int64_t>(e.end - e.begin);
  if (bytes == 0) return t;
  if (widens(*e.type)) {
    std::vector<unsigned char> raw(bytes);
    file.read_at(offset, raw.data(), bytes);
    int32_t* out = t.data_ptr<int32_t>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      const unsigned char* p = raw.data() + i * e.type->bytes;
      out[i] = e.type->bytes == 1 ? static_cast<int8_t>(p[0]) : static_cast<int16_t>(p[0] | (p[1] << 8));
    }
    return t;
  }
  file.read_at(offset, t.raw_data(), bytes);
  if (t.dtype() == kBool) {  // a bool must hold 0 or 1; other bytes would be undefined behaviour
    auto* p = static_cast<unsigned char*>(t.raw_data());
    for (int64_t i = 0; i < bytes; ++i) p[i] = p[i] != 0;
  }
  return t;
}

}  // namespace

void save_safetensors(const std::string& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string header = make_header(path, tensors, metadata);
  write_file_atomically(path, [&](std::ostream& os) {
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(static_cast<uint64_t>(header.size()) >> (8 * i));
    os.write(reinterpret_cast<const char*>(len), 8);
    os.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const auto& [name, t] : tensors) {
      if (t.numel() == 0) continue;
      const Tensor c = cpu::as_contiguous(t);
      os.write(static_cast<const char*>(c.raw_data()), static_cast<std::streamsize>(c.numel() * c.element_size()));
    }
  });
}

SafetensorsFile load_safetensors(const std::string& path) {
  InputFile file(path, "load_safetensors");
  const auto size = static_cast<uint64_t>(file.size());
  if (size < 8) {
    throw IOError(cat("load_safetensors: '", path, "' truncated at offset ", size,
                      ": the 8-byte header length needs 8 bytes (not a safetensors file?)"));
  }
  unsigned char len[8];
  file.read_at(0, len, 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len[i];
  HeaderReader reader(path, header_len);
  if (header_len > size - 8) {
    reader.fail(cat("the header length ", header_len, " at offset 0 runs past the end of the file (", size,
                    " bytes): truncated, or not a safetensors file"));
  }
  if (header_len > kMaxHeaderBytes) reader.fail(cat("the header length ", header_len, " at offset 0 exceeds 100 MB"));

  std::string text(header_len, '\0');
  file.read_at(8, text.data(), static_cast<int64_t>(header_len));
  const Json header = reader.parse(text);
  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey) {
      out.metadata = reader.metadata(value);
    } else {
      entries.push_back(reader.entry(key, value));
    }
  }
  // Offset order (an empty tensor before a non-empty one at the same offset); ties keep the header's order.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
  });
  reader.check_tiling(entries, size - 8 - header_len);
  for (const Entry& e : entries) out.tensors.set(e.name, read_tensor(file, 8 + header_len, e));
  return out;
}

}  // namespace tessera::io
