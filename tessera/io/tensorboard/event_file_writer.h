#pragma once
// An event file being written: TensorBoard's file name, the version header, and a background thread that
// frames and writes queued events and flushes them on an interval.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tessera::io {

class RecordWriter;

/// When queued events reach the disk (torch.utils.tensorboard.SummaryWriter's arguments).
struct EventFileWriterOptions {
  /// Seconds between flushes of written events to the file (PyTorch's flush_secs, 120). 0 flushes every event.
  double flush_secs = 120;
  /// Events queued before an add waits for the writer thread, which then also flushes (PyTorch's max_queue, 10).
  int64_t max_queue = 10;
  /// Appended to the file name (PyTorch's filename_suffix).
  std::string filename_suffix{};
};

/// `events.out.tfevents.<time, 10 digits>.<hostname>.<pid>.<n><suffix>`, the name TensorBoard (and PyTorch)
/// give event files: TensorBoard reads only files whose name contains "tfevents", and in name order. `n`
/// counts the files this process has named, so two writers started in the same second never collide.
std::string event_file_name(double unix_time, const std::string& suffix = "");

/// Seconds since the Unix epoch, as an Event's wall_time.
double unix_time_now();

/// Writes serialized tensorboard.Event messages to a new event file in `logdir`. Thread-safe.
class EventFileWriter {
 public:
  /// Creates `logdir` (and its parents) when missing, creates the file (event_file_name) and writes and
  /// flushes its first event, {wall_time, file_version: "brain.Event:2"}.
  /// Errors: IOError naming the directory or file and the reason when either cannot be created; ValueError
  /// for max_queue < 1 or negative flush_secs.
  explicit EventFileWriter(std::string logdir, EventFileWriterOptions options = {});
  /// close(), with any error ignored (call close() to see it).
  ~EventFileWriter();
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  /// Queues one serialized Event; waits while max_queue events are pending. Throws the IOError of an earlier
  /// failed write (every later call throws it too), or IOError when the writer is closed.
  void add_event(std::string serialized_event);
  /// Returns once every event added before the call is written and flushed to the file. Throws a write error.
  void flush();
  /// Flushes, stops the thread and closes the file; later adds throw. Idempotent. Throws a write error once.
  void close();

  const std::string& logdir() const { return logdir_; }
  /// The event file's full path.
  const std::string& path() const { return path_; }

 private:
  void run();
  void rethrow_error_locked();

  std::string logdir_, path_;
  EventFileWriterOptions options_;
  std::unique_ptr<RecordWriter> records_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::string> queue_;
  uint64_t flush_requested_ = 0, flushed_ = 0;
  bool stop_ = false, closed_ = false, error_reported_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace tessera::io
