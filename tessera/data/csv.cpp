#include "tessera/data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <string_view>

#include "tessera/io/atomic_file.h"

namespace tessera::data {
namespace {

/// Splits lines into cells, remembering where each line starts for messages.
class CsvParser {
 public:
  CsvParser(std::string path, std::string_view text, char delimiter)
      : path_(std::move(path)),
        text_(text),
        delimiter_(delimiter),
        blank_(delimiter == ' '    ? "\t"
               : delimiter == '\t' ? " "
                                   : " \t") {}

  /// The next non-blank line's cells; false at the end of the file.
  bool next(std::vector<std::string>& cells) {
    while (pos_ < text_.size()) {
      size_t end = text_.find('\n', pos_);
      if (end == std::string_view::npos) end = text_.size();
      std::string_view line = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      ++line_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      split(line, cells);
      return true;
    }
    return false;
  }
  int64_t line() const { return line_; }
  const std::string& path() const { return path_; }

 private:
  /// `s` without the blanks around it (spaces and tabs, except the delimiter).
  std::string_view trim(std::string_view s) const {
    const size_t b = s.find_first_not_of(blank_);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(blank_) - b + 1);
  }
  void split(std::string_view line, std::vector<std::string>& cells) const {
    cells.clear();
    size_t i = 0;
    while (true) {
      const size_t start = i;
      while (i < line.size() && blank_.find(line[i]) != std::string_view::npos) ++i;
      if (i < line.size() && line[i] == '"') {  // quoted: up to the closing quote, "" for a quote
        std::string cell;
        for (++i;; ++i) {
          check<IOError>(i < line.size(), "load_csv: '", path_, "' line ", line_, ", column ", cells.size() + 1,
                         ": unterminated quote");
          if (line[i] == '"' && (i + 1 >= line.size() || line[i + 1] != '"')) break;
          if (line[i] == '"') ++i;
          cell += line[i];
        }
        const size_t next = line.find(delimiter_, ++i);
        check<IOError>(trim(line.substr(i, next - i)).empty(), "load_csv: '", path_, "' line ", line_, ", column ",
                       cells.size() + 1, ": text after a closing quote");
        cells.push_back(std::move(cell));
        if (next == std::string_view::npos) return;
        i = next + 1;
      } else {
        const size_t next = line.find(delimiter_, start);
        cells.emplace_back(trim(line.substr(start, next - start)));
        if (next == std::string_view::npos) return;
        i = next + 1;
      }
    }
  }

  std::string path_;
  std::string_view text_;
  char delimiter_;
  std::string_view blank_;
  size_t pos_ = 0;
  int64_t line_ = 0;
};

/// Parses all of `cell` as a decimal number ("1.5", "-2e-3", "+4", "nan", "inf"), independent of the locale.
bool parse_number(std::string_view cell, double& v) {
  if (cell.size() > 1 && cell[0] == '+' && cell[1] != '-') cell.remove_prefix(1);  // from_chars rejects a '+'
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  return ec == std::errc() && end == cell.data() + cell.size();
}

/// The 0-based label column of `columns` named by `label`.
int64_t label_column(const CsvOptions& o, const std::vector<std::string>& names, bool header, const std::string& path) {
  const auto columns = static_cast<int64_t>(names.size());
  if (const auto* name = std::get_if<std::string>(&o.label)) {
    check<KeyError>(header, "load_csv: '", path, "': label column '", *name,
                    "' is a name, but the file has no header; give its index");
    const auto it = std::find(names.begin(), names.end(), *name);
    if (it == names.end()) {
      std::string all;
      for (const std::string& n : names) all += cat(all.empty() ? "" : ", ", "'", n, "'");
      throw KeyError(cat("load_csv: '", path, "': no label column '", *name, "' in the header (", all, ")"));
    }
    return it - names.begin();
  }
  const int64_t index = std::get<int64_t>(o.label);
  check<IndexError>(index >= -columns && index < columns, "load_csv: '", path, "': label column ", index,
                    " is out of range for ", columns, " columns");
  return index < 0 ? index + columns : index;
}

}  // namespace

CsvTable load_csv(const std::string& path, const CsvOptions& o) {
  check<ValueError>(o.delimiter != '"' && o.delimiter != '\r' && o.delimiter != '\n',
                    "load_csv: the delimiter cannot be a quote or a line break");
  const std::string text = io::read_file(path);
  CsvParser parser(path, text, o.delimiter);
  std::vector<std::string> cells;
  check<IOError>(parser.next(cells), "load_csv: '", path, "' is empty (no header or rows)");

  CsvTable t;
  std::vector<std::string> names = cells;
  if (!o.header) {
    for (size_t c = 0; c < names.size(); ++c) names[c] = cat("column ", c + 1);
  }
  const auto columns = static_cast<int64_t>(names.size());
  const int64_t label = label_column(o, names, o.header, path);
  check<ValueError>(columns >= 2, "load_csv: '", path, "' has only the label column '", names[label],
                    "' and no features");
  t.label_name = names[label];
  for (int64_t c = 0; c < columns; ++c) {
    if (c != label) t.feature_names.push_back(names[c]);
  }

  std::vector<float> features;
  std::vector<int64_t> labels;
  std::vector<std::string> label_cells;
  const int64_t first_line = parser.line();
  for (bool have = o.header ? parser.next(cells) : true; have; have = parser.next(cells)) {
    check<IOError>(static_cast<int64_t>(cells.size()) == columns, "load_csv: '", path, "' line ", parser.line(),
                   ": ragged row of ", cells.size(), " cells, expected ", columns, " (as line ", first_line, ")");
    for (int64_t c = 0; c < columns; ++c) {
      const std::string& cell = cells[c];
      // The message is built only on failure: this loop runs once per cell.
      const auto fail = [&](const std::string& what) {
        throw IOError(
            cat("load_csv: '", path, "' line ", parser.line(), ", column ", c + 1, " ('", names[c], "'): ", what));
      };
      if (c == label && o.label_names) {
        if (cell.empty()) fail("empty label");
        label_cells.push_back(cell);
        continue;
      }
      if (cell.empty()) fail("empty cell");
      double v = 0;
      if (!parse_number(cell, v)) fail(cat("'", cell, "' is not a number"));
      if (c != label) {
        features.push_back(static_cast<float>(v));
      } else if (std::isfinite(v) && v == std::trunc(v) && std::abs(v) < 9.0e15) {
        labels.push_back(static_cast<int64_t>(v));
      } else {
        fail(cat("label '", cell, "' is not an integer (set label_names for named classes)"));
      }
    }
  }
  if (o.label_names) {
    std::map<std::string, int64_t> ids;
    for (const std::string& s : label_cells) ids.emplace(s, 0);
    for (auto& [name, id] : ids) {
      id = static_cast<int64_t>(t.classes.size());
      t.classes.push_back(name);
    }
    for (const std::string& s : label_cells) labels.push_back(ids.at(s));
  }
  const auto n = static_cast<int64_t>(labels.size());
  t.features = empty({n, columns - 1}, kFloat32);
  std::copy(features.begin(), features.end(), t.features.data_ptr<float>());
  t.labels = empty({n}, kInt64);
  std::copy(labels.begin(), labels.end(), t.labels.data_ptr<int64_t>());
  return t;
}

CsvDataset::CsvDataset(const std::string& path, const CsvOptions& options) : CsvDataset(load_csv(path, options)) {}

CsvDataset::CsvDataset(CsvTable table) : TensorDataset({table.features, table.labels}), table_(std::move(table)) {}

}  // namespace tessera::data
