#include "tessera/data/text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "tessera/ops/creation.h"
#include "tessera/ops/shape.h"

namespace tessera::data {
namespace {

constexpr char32_t kMaxCodePoint = 0x10FFFF;
bool is_surrogate(char32_t c) { return c >= 0xD800 && c <= 0xDFFF; }

std::string code_point_name(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

}  // namespace

std::u32string decode_utf8(std::string_view bytes, std::string_view what) {
  std::u32string out;
  out.reserve(bytes.size());
  size_t i = bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  auto fail = [&](size_t at, const char* why) {
    throw ValueError(cat(what, ": invalid UTF-8 at byte ", at, " (", why, ")"));
  };
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    int extra = 0;
    char32_t c = 0;
    if (lead < 0x80) {
      extra = 0, c = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1, c = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, c = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, c = lead & 0x07;
    } else {
      fail(i, "bad lead byte");
    }
    if (i + static_cast<size_t>(extra) >= bytes.size()) fail(i, "truncated sequence");
    for (int k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(bytes[i + static_cast<size_t>(k)]);
      if ((b & 0xC0) != 0x80) fail(i + static_cast<size_t>(k), "bad continuation byte");
      c = (c << 6) | (b & 0x3F);
    }
    static constexpr char32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (c < kMinForLength[extra]) fail(i, "overlong form");
    if (is_surrogate(c) || c > kMaxCodePoint) fail(i, "not a Unicode scalar value");
    out.push_back(c);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char32_t c : text) {
    check<ValueError>(!is_surrogate(c) && c <= kMaxCodePoint, "encode_utf8: ", code_point_name(c),
                      " is not a Unicode scalar value");
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::u32string read_utf8_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError(cat("cannot open text file '", path, "'"));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw IOError(cat("cannot read text file '", path, "'"));
  return decode_utf8(bytes, path);
}

// ---- Vocabulary ------------------------------------------------------------------------------------------------

Vocabulary::Vocabulary(std::u32string_view text) : symbols_(text) {
  std::sort(symbols_.begin(), symbols_.end());
  symbols_.erase(std::unique(symbols_.begin(), symbols_.end()), symbols_.end());
  for (size_t i = 0; i < symbols_.size(); ++i) ids_[symbols_[i]] = static_cast<int64_t>(i);
}

Vocabulary Vocabulary::from_symbols(std::u32string symbols) {
  Vocabulary v;
  v.symbols_ = std::move(symbols);
  for (size_t i = 0; i < v.symbols_.size(); ++i) {
    const bool fresh = v.ids_.emplace(v.symbols_[i], static_cast<int64_t>(i)).second;
    check<ValueError>(fresh, "Vocabulary: symbol ", code_point_name(v.symbols_[i]), " appears twice");
  }
  return v;
}

int64_t Vocabulary::id(char32_t c) const {
  const auto it = ids_.find(c);
  if (it == ids_.end()) {
    const std::string shown = is_surrogate(c) || c > kMaxCodePoint ? "?" : encode_utf8(std::u32string(1, c));
    throw KeyError(cat("'", shown, "' (", code_point_name(c), ") is not in the vocabulary of ", size(), " symbols"));
  }
  return it->second;
}

char32_t Vocabulary::symbol(int64_t i) const {
  check<IndexError>(i >= 0 && i < size(), "Vocabulary: id ", i, " is out of range for ", size(), " symbols");
  return symbols_[static_cast<size_t>(i)];
}

Tensor Vocabulary::encode(std::u32string_view text) const {
  std::vector<int64_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) ids[i] = id(text[i]);
  return from_vector(ids, Shape{static_cast<int64_t>(ids.size())});
}

std::string Vocabulary::decode(const Tensor& ids) const {
  check<DTypeError>(ids.dtype() == kInt64 || ids.dtype() == kInt32, "Vocabulary::decode: expected integer ids, got ",
                    ids.dtype());
  const Tensor c = ids.to(kInt64).contiguous();
  const int64_t* p = c.data_ptr<const int64_t>();
  std::u32string text(static_cast<size_t>(c.numel()), U'\0');
  for (size_t i = 0; i < text.size(); ++i) text[i] = symbol(p[i]);
  return encode_utf8(text);
}

TextCorpus make_text_corpus(std::u32string_view text, double val_fraction, int64_t val_block) {
  check<ValueError>(val_fraction >= 0.0 && val_fraction < 1.0, "make_text_corpus: val_fraction must be in [0, 1), got ",
                    val_fraction);
  check<ValueError>(val_block >= 0, "make_text_corpus: val_block must be >= 0, got ", val_block);
  check<ValueError>(text.size() >= 2, "make_text_corpus: the text needs at least 2 characters, got ", text.size());
  TextCorpus c{Vocabulary(text), {}, {}};
  const Tensor ids = c.vocab.encode(text);
  const auto n = static_cast<int64_t>(text.size());
  if (val_block == 0) {
    const auto n_val = static_cast<int64_t>(std::llround(val_fraction * static_cast<double>(n)));
    c.train = ids.narrow(0, 0, n - n_val);
    c.val = ids.narrow(0, n - n_val, n_val);
    return c;
  }
  std::vector<Tensor> train, val;  // block 0 always trains (f < 1), so train is never empty
  for (int64_t b = 0; b * val_block < n; ++b) {
    const bool held_out = std::floor(static_cast<double>(b + 1) * val_fraction) > std::floor(b * val_fraction);
    (held_out ? val : train).push_back(ids.narrow(0, b * val_block, std::min(val_block, n - b * val_block)));
  }
  c.train = tessera::cat(train, int64_t{0});
  c.val = val.empty() ? ids.narrow(0, 0, 0) : tessera::cat(val, int64_t{0});
  return c;
}

// ---- TextWindows ----------------------------------------------------------------------------------------------

TextWindows::TextWindows(Tensor ids, int64_t seq_len, int64_t stride)
    : ids_(std::move(ids)), seq_len_(seq_len), stride_(stride > 0 ? stride : seq_len) {
  check<ShapeError>(ids_.dim() == 1, "TextWindows: expected 1-d ids, got ", shape_str(ids_.shape()));
  check<DTypeError>(ids_.dtype() == kInt64, "TextWindows: expected int64 ids, got ", ids_.dtype());
  check<ValueError>(seq_len >= 1 && stride >= 0, "TextWindows: seq_len must be >= 1 and stride >= 0, got ", seq_len,
                    ", ", stride);
  check<ValueError>(ids_.size(0) > seq_len, "TextWindows: a window of seq_len + 1 = ", seq_len + 1,
                    " ids needs a longer text than ", ids_.size(0), " ids");
  ids_ = ids_.contiguous();
  count_ = (ids_.size(0) - seq_len - 1) / stride_ + 1;
}

std::vector<Tensor> TextWindows::get(int64_t index) const {
  check<IndexError>(index >= 0 && index < count_, "TextWindows: index ", index, " is out of range for ", count_,
                    " windows");
  return {ids_.narrow(0, index * stride_, seq_len_), ids_.narrow(0, index * stride_ + 1, seq_len_)};
}

std::optional<std::vector<Tensor>> TextWindows::get_batch(const std::vector<int64_t>& indices) const {
  const auto b = static_cast<int64_t>(indices.size());
  Tensor inputs = empty({b, seq_len_}, kInt64), targets = empty({b, seq_len_}, kInt64);
  const int64_t* src = ids_.data_ptr<const int64_t>();
  int64_t* in = inputs.data_ptr<int64_t>();
  int64_t* out = targets.data_ptr<int64_t>();
  const auto bytes = static_cast<size_t>(seq_len_) * sizeof(int64_t);
  for (int64_t i = 0; i < b; ++i) {
    const int64_t index = indices[static_cast<size_t>(i)];
    check<IndexError>(index >= 0 && index < count_, "TextWindows: index ", index, " is out of range for ", count_,
                      " windows");
    std::memcpy(in + i * seq_len_, src + index * stride_, bytes);
    std::memcpy(out + i * seq_len_, src + index * stride_ + 1, bytes);
  }
  return std::vector<Tensor>{inputs, targets};
}

}  // namespace tessera::data
