#pragma once
// CSV files of numeric features and a label column (the UCI-style table: one example per line), as float32
// features [N, F] and int64 labels [N], ready for a TensorDataset.
//
// Format: lines end with "\n" or "\r\n"; blank lines are skipped; cells are separated by `delimiter` and trimmed
// of spaces and tabs (other than the delimiter); a cell may be quoted ("a, b" with "" for a quote, RFC 4180) but may
// not span lines. Feature cells are decimal numbers ("1.5", "-2e-3", "+4", "nan", "inf"; read the same in any
// locale).
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "tessera/data/dataset.h"

namespace tessera::data {

struct CsvOptions {
  /// The label column: its name in the header, or its 0-based index (negative counts from the end: -1 is the
  /// last column, the default).
  std::variant<int64_t, std::string> label = int64_t{-1};
  /// Whether the first line names the columns.
  bool header = true;
  char delimiter = ',';
  /// false: labels are integers ("3", also "3.0") taken as they are. true: labels are names ("setosa"), numbered
  /// in sorted order (as ImageFolder numbers its folders) and listed in CsvTable::classes.
  bool label_names = false;
};

/// What load_csv reads.
struct CsvTable {
  Tensor features;                         ///< float32 [N, F]: every column but the label, in file order.
  Tensor labels;                           ///< int64 [N].
  std::vector<std::string> feature_names;  ///< F header names ("column 1", ... without a header).
  std::string label_name;                  ///< The label column's header name ("column K" without a header).
  std::vector<std::string> classes;        ///< With label_names: the sorted names, label i = classes[i].
};

/// Reads the CSV file at `path`. Writes nothing. Errors name the file, and the line and column (1-based, with
/// the column's header name) of a bad cell:
/// - IOError: the file cannot be read; it is empty or has no columns; a row with another number of cells than
///   the first row ("ragged"); an empty, unterminated-quote or non-numeric feature cell; a label that is not
///   an integer (without label_names).
/// - KeyError: a label column name not in the header (listing the header), or a name without a header.
/// - IndexError: a label index outside the columns.
/// - ValueError: a delimiter that is a quote or a line break; a label column that is the only column.
CsvTable load_csv(const std::string& path, const CsvOptions& options = {});

/// load_csv as a Dataset: example i is {features[i] (float32 [F]), labels[i] (int64 [])}.
class CsvDataset : public TensorDataset {
 public:
  /// Reads `path` with load_csv (its errors).
  explicit CsvDataset(const std::string& path, const CsvOptions& options = {});
  explicit CsvDataset(CsvTable table);
  const CsvTable& table() const { return table_; }
  /// With label_names, the class names (empty otherwise).
  const std::vector<std::string>& classes() const { return table_.classes; }

 private:
  CsvTable table_;
};

}  // namespace tessera::data
