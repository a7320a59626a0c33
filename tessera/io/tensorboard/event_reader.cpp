#include "tessera/io/tensorboard/event_reader.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "tessera/core/error.h"
#include "tessera/io/tensorboard/proto/event.pb.h"

namespace tessera::io {
namespace {

namespace pb = tensorboard;
namespace fs = std::filesystem;

Histogram from_proto(const pb::HistogramProto& p) {
  return {p.min(),
          p.max(),
          p.num(),
          p.sum(),
          p.sum_squares(),
          {p.bucket_limit().begin(), p.bucket_limit().end()},
          {p.bucket().begin(), p.bucket().end()}};
}

// Numeric values from tensor_content (little-endian, as this machine stores them) or from the *_val fields.
template <class T, class Field>
void append_numbers(std::vector<double>& out, const std::string& content, const Field& field) {
  if (!content.empty()) {
    for (size_t i = 0; i + sizeof(T) <= content.size(); i += sizeof(T)) {
      T v;
      std::memcpy(&v, content.data() + i, sizeof(T));
      out.push_back(static_cast<double>(v));
    }
    return;
  }
  for (const auto& v : field) out.push_back(static_cast<double>(v));
}

TensorSummary from_proto(const pb::TensorProto& t) {
  TensorSummary out;
  out.dtype = t.dtype();
  for (const auto& d : t.tensor_shape().dim()) out.shape.push_back(d.size());
  out.strings.assign(t.string_val().begin(), t.string_val().end());
  const std::string& c = t.tensor_content();
  switch (t.dtype()) {
    case pb::DT_FLOAT:
      append_numbers<float>(out.numbers, c, t.float_val());
      break;
    case pb::DT_DOUBLE:
      append_numbers<double>(out.numbers, c, t.double_val());
      break;
    case pb::DT_INT32:
      append_numbers<int32_t>(out.numbers, c, t.int_val());
      break;
    case pb::DT_INT64:
      append_numbers<int64_t>(out.numbers, c, t.int64_val());
      break;
    case pb::DT_BOOL:
      append_numbers<uint8_t>(out.numbers, c, t.bool_val());  // content bytes are 0 or 1
      break;
    default:
      break;
  }
  return out;
}

SummaryValue from_proto(const pb::Summary::Value& v) {
  SummaryValue out;
  out.tag = v.tag();
  out.plugin_name = v.metadata().plugin_data().plugin_name();
  out.plugin_content = v.metadata().plugin_data().content();
  using K = SummaryValue::Kind;
  switch (v.value_case()) {
    case pb::Summary::Value::kSimpleValue:
      out.kind = K::kScalar, out.scalar = v.simple_value();
      break;
    case pb::Summary::Value::kHisto:
      out.kind = K::kHistogram, out.histogram = from_proto(v.histo());
      break;
    case pb::Summary::Value::kImage:
      out.kind = K::kImage;
      out.image = {v.image().height(), v.image().width(), v.image().colorspace(), v.image().encoded_image_string()};
      break;
    case pb::Summary::Value::kTensor:
      out.kind = K::kTensor, out.tensor = from_proto(v.tensor());
      break;
    default:
      break;
  }
  return out;
}

bool is_event_file(const fs::directory_entry& e) {
  return e.is_regular_file() && e.path().filename().string().find("tfevents") != std::string::npos;
}

}  // namespace

EventFileReader::EventFileReader(std::string path) : records_(std::make_unique<RecordReader>(std::move(path))) {}
EventFileReader::~EventFileReader() = default;
EventFileReader::EventFileReader(EventFileReader&&) noexcept = default;
EventFileReader& EventFileReader::operator=(EventFileReader&&) noexcept = default;

uint64_t EventFileReader::offset() const { return records_->offset(); }
const std::string& EventFileReader::path() const { return records_->path(); }

std::optional<EventRecord> EventFileReader::next() {
  const uint64_t offset = records_->offset();
  std::string data;
  if (!records_->read(data)) return std::nullopt;
  pb::Event e;
  check<IOError>(e.ParseFromString(data), "'", path(), "': the record at byte offset ", offset,
                 " is not a TensorBoard Event");
  EventRecord out;
  out.offset = offset;
  out.wall_time = e.wall_time();
  out.step = e.step();
  out.file_version = e.file_version();
  out.graph_def = e.graph_def();
  for (const pb::Summary::Value& v : e.summary().value()) out.values.push_back(from_proto(v));
  return out;
}

std::vector<EventRecord> read_events(const std::string& path) {
  EventFileReader reader(path);
  std::vector<EventRecord> out;
  while (auto e = reader.next()) out.push_back(std::move(*e));
  return out;
}

std::vector<std::string> event_files(const std::string& run_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run_dir, ec)) {
    if (is_event_file(e)) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> find_runs(const std::string& logdir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!event_files(logdir).empty()) out.emplace_back(".");
  for (auto it = fs::recursive_directory_iterator(logdir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory() && !event_files(it->path().string()).empty()) {
      out.push_back(fs::relative(it->path(), logdir).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

RunScalars read_scalars(const std::string& run_dir) {
  RunScalars out;
  for (const std::string& file : event_files(run_dir)) {
    try {
      EventFileReader reader(file);
      while (auto e = reader.next()) {
        for (const SummaryValue& v : e->values) {
          double value = v.scalar;
          const bool tensor_scalar =
              v.kind == SummaryValue::Kind::kTensor && v.plugin_name == "scalars" && v.tensor.numbers.size() == 1;
          if (tensor_scalar) value = v.tensor.numbers[0];
          if (v.kind == SummaryValue::Kind::kScalar || tensor_scalar) {
            out.tags[v.tag].push_back({e->step, value, e->wall_time});
          }
        }
      }
    } catch (const TruncatedRecordError& err) {
      out.truncated.emplace_back(err.what());
    } catch (const IOError& err) {
      out.errors.emplace_back(err.what());
    }
  }
  return out;
}

}  // namespace tessera::io
