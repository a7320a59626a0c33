#pragma once
// Reading TensorBoard event files back: every event with its summary values decoded into plain structs (for
// tests, `tessera events`, and tools), and a run's scalar curves.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/core/shape.h"
#include "tessera/io/tensorboard/histogram.h"
#include "tessera/io/tensorboard/record_reader.h"

namespace tessera::io {

/// An Image summary: the encoded file (PNG) and the size it declares.
struct ImageSummary {
  int64_t height = 0, width = 0, colorspace = 0;
  std::string encoded;
};

/// A tensor summary (text, hparams, scalars of TF2 writers): the TensorBoard DataType number (7 is DT_STRING),
/// the shape, and the values as strings (DT_STRING) or as doubles (float, double, int32, int64, bool).
struct TensorSummary {
  int dtype = 0;
  Shape shape;
  std::vector<std::string> strings;
  std::vector<double> numbers;
};

/// One Summary.Value.
struct SummaryValue {
  enum class Kind { kNone, kScalar, kHistogram, kImage, kTensor };
  std::string tag;
  Kind kind = Kind::kNone;  ///< Which of the fields below is set; kNone for metadata-only values (hparams).
  double scalar = 0;        ///< simple_value
  Histogram histogram;
  ImageSummary image;
  TensorSummary tensor;
  std::string plugin_name;     ///< metadata.plugin_data.plugin_name ("" when absent)
  std::string plugin_content;  ///< metadata.plugin_data.content (serialized plugin message)
};

/// One Event. At most one of file_version, graph_def and values is set.
struct EventRecord {
  uint64_t offset = 0;  ///< Byte offset of its record in the file.
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;  ///< "brain.Event:2" in a file's first event
  std::string graph_def;     ///< Serialized GraphDef (parse_graph_def decodes it)
  std::vector<SummaryValue> values;
};

/// Reads the events of one file in order.
class EventFileReader {
 public:
  /// Opens `path`; IOError naming it when it cannot be read.
  explicit EventFileReader(std::string path);
  ~EventFileReader();
  EventFileReader(EventFileReader&&) noexcept;
  EventFileReader& operator=(EventFileReader&&) noexcept;

  /// The next event, or nullopt at the clean end of the file. Stops with an error naming the file and the byte
  /// offset of the bad record, after returning the events before it: TruncatedRecordError when the file ends
  /// inside a record (a file still being written: read again later), IOError for a CRC mismatch or a record
  /// that is not an Event (see RecordReader::read).
  std::optional<EventRecord> next();
  /// Byte offset of the next record.
  uint64_t offset() const;
  const std::string& path() const;

 private:
  std::unique_ptr<RecordReader> records_;
};

/// All events of a file (EventFileReader; throws its IOError).
std::vector<EventRecord> read_events(const std::string& path);

/// The event files directly in `run_dir` (names containing "tfevents", as TensorBoard selects them), sorted by
/// name, which orders them by creation time. Empty when the directory does not exist.
std::vector<std::string> event_files(const std::string& run_dir);

/// The runs under `logdir`, as TensorBoard finds them: `logdir` itself and every directory below it that holds
/// event files, as paths relative to logdir ("." for logdir itself), sorted.
std::vector<std::string> find_runs(const std::string& logdir);

/// One point of a scalar curve.
struct ScalarPoint {
  int64_t step = 0;
  double value = 0;
  double wall_time = 0;
};

/// A run's scalar curves and the problems met while reading it. A file that stops early adds one message
/// (the IOError's text: file and byte offset) and reading goes on with the next file.
struct RunScalars {
  std::map<std::string, std::vector<ScalarPoint>> tags;  ///< tag -> points in file order
  /// Files ending inside a record (TruncatedRecordError): normal for a run still being written.
  std::vector<std::string> truncated;
  /// Files with a corrupt record, or that could not be read.
  std::vector<std::string> errors;
};

/// The scalars of the run in `run_dir` (its event_files, in order): simple_value summaries, and 1-element
/// float/double tensors of the "scalars" plugin (TF2 writers). Never throws for a bad file: see truncated and
/// errors.
RunScalars read_scalars(const std::string& run_dir);

}  // namespace tessera::io
