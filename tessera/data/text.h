#pragma once
// Text data for character-level language models: UTF-8 decoding, a vocabulary of the distinct Unicode code
// points of a text (characters, not bytes: "é" is one symbol), encoding to int64 ids and back, a contiguous
// train/validation split, and a Dataset of fixed-length windows (input = window[:-1], target = window[1:]).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tessera/data/dataset.h"

namespace tessera::data {

/// The code points of UTF-8 `bytes` (a leading byte-order mark is dropped). ValueError naming `what` and the byte
/// offset for invalid UTF-8 (bad lead or continuation byte, overlong form, surrogate, beyond U+10FFFF, truncated).
std::u32string decode_utf8(std::string_view bytes, std::string_view what = "text");
/// The UTF-8 bytes of code points (ValueError for a surrogate or a value beyond U+10FFFF).
std::string encode_utf8(std::u32string_view text);
/// The code points of a UTF-8 file. IOError naming the file when it cannot be read; decode_utf8's ValueError.
std::u32string read_utf8_file(const std::string& path);

/// The distinct code points of a text, sorted, with id i for the i-th (so the same text always gives the same
/// ids).
class Vocabulary {
 public:
  Vocabulary() = default;
  /// The sorted distinct code points of `text`.
  explicit Vocabulary(std::u32string_view text);
  /// A vocabulary of exactly these symbols, in this order (ValueError for a repeated symbol).
  static Vocabulary from_symbols(std::u32string symbols);

  int64_t size() const { return static_cast<int64_t>(symbols_.size()); }
  const std::u32string& symbols() const { return symbols_; }
  bool contains(char32_t c) const { return ids_.count(c) != 0; }
  /// The id of a symbol; KeyError naming it (`'é' (U+00E9) is not in the vocabulary of 73 symbols`) otherwise.
  int64_t id(char32_t c) const;
  /// The symbol of an id; IndexError outside [0, size()).
  char32_t symbol(int64_t id) const;
  /// int64 [text.size()] of ids (KeyError as id()).
  Tensor encode(std::u32string_view text) const;
  /// The UTF-8 text of integer ids of any shape (row-major); IndexError for an id out of range.
  std::string decode(const Tensor& ids) const;

 private:
  std::u32string symbols_;
  std::unordered_map<char32_t, int64_t> ids_;
};

/// A text as ids with its vocabulary, split into a training and a validation part.
struct TextCorpus {
  Vocabulary vocab;
  Tensor train;  ///< int64 [n_train]: the text but the validation part.
  Tensor val;    ///< int64 [n_val]: text the model has not seen (see make_text_corpus).
};

/// Builds the vocabulary of `text` (all of it, so validation symbols are known) and splits the ids. With
/// val_block = 0 the last round(val_fraction * size) code points are the validation part (Keras'
/// validation_split). With val_block > 0 the text is cut into blocks of val_block code points and a val_fraction
/// of them, spread evenly (block b when floor((b + 1) f) > floor(b f)), is held out and concatenated: held-out
/// text from all over a corpus whose style drifts (the King James Bible's New Testament tail differs from its
/// Old Testament). ValueError unless 0 <= val_fraction < 1, val_block >= 0 and the text has at least 2 code
/// points.
TextCorpus make_text_corpus(std::u32string_view text, double val_fraction = 0.05, int64_t val_block = 0);

/// Windows of seq_len + 1 consecutive ids of a 1-d int64 tensor, starting every `stride` ids (default seq_len:
/// every id is predicted once per pass). Example i = {input [seq_len], target [seq_len]} = {ids[s, s + seq_len),
/// ids[s + 1, s + seq_len + 1)} with s = i * stride; a batch stacks them to [B, seq_len] each.
class TextWindows : public Dataset {
 public:
  /// ShapeError unless ids is 1-d; DTypeError unless int64; ValueError for seq_len < 1, stride < 1 or fewer
  /// than seq_len + 1 ids.
  TextWindows(Tensor ids, int64_t seq_len, int64_t stride = 0);
  int64_t size() const override { return count_; }
  std::vector<Tensor> get(int64_t index) const override;
  std::optional<std::vector<Tensor>> get_batch(const std::vector<int64_t>& indices) const override;
  int64_t seq_len() const { return seq_len_; }

 private:
  Tensor ids_;
  int64_t seq_len_, stride_, count_;
};

}  // namespace tessera::data
