#include "tessera/io/tensorboard/event_file_writer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "tessera/core/error.h"
#include "tessera/io/tensorboard/proto/event.pb.h"
#include "tessera/io/tensorboard/record_writer.h"

namespace tessera::io {
namespace {

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

double unix_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string event_file_name(double unix_time, const std::string& suffix) {
  static std::atomic<uint64_t> counter{0};
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%010lld", static_cast<long long>(unix_time));
  return cat("events.out.tfevents.", stamp, ".", hostname(), ".", getpid(), ".", counter++, suffix);
}

EventFileWriter::EventFileWriter(std::string logdir, EventFileWriterOptions options)
    : logdir_(std::move(logdir)), options_(std::move(options)) {
  check<ValueError>(options_.max_queue >= 1, "SummaryWriter: max_queue must be >= 1, got ", options_.max_queue);
  check<ValueError>(options_.flush_secs >= 0, "SummaryWriter: flush_secs must be >= 0, got ", options_.flush_secs);
  std::error_code ec;
  std::filesystem::create_directories(logdir_, ec);
  check<IOError>(!ec && std::filesystem::is_directory(logdir_), "cannot create the log directory '", logdir_,
                 "': ", ec ? ec.message() : "not a directory");
  const double now = unix_time_now();
  path_ = (std::filesystem::path(logdir_) / event_file_name(now, options_.filename_suffix)).string();
  records_ = std::make_unique<RecordWriter>(path_);
  tensorboard::Event header;
  header.set_wall_time(now);
  header.set_file_version("brain.Event:2");
  records_->write(header.SerializeAsString());
  records_->flush();
  thread_ = std::thread([this] { run(); });
}

EventFileWriter::~EventFileWriter() {
  try {
    close();
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

void EventFileWriter::rethrow_error_locked() {
  if (error_) std::rethrow_exception(error_);
}

void EventFileWriter::add_event(std::string serialized_event) {
  std::unique_lock lock(mu_);
  const auto max_queue = static_cast<size_t>(options_.max_queue);
  done_cv_.wait(lock, [&] { return queue_.size() < max_queue || closed_ || error_; });
  rethrow_error_locked();
  check<IOError>(!closed_, "cannot add an event to '", path_, "': the writer is closed");
  queue_.push_back(std::move(serialized_event));
  work_cv_.notify_one();
}

void EventFileWriter::flush() {
  std::unique_lock lock(mu_);
  if (closed_) return rethrow_error_locked();
  const uint64_t ticket = ++flush_requested_;
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return flushed_ >= ticket || error_; });
  rethrow_error_locked();
}

void EventFileWriter::close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = stop_ = true;
  }
  work_cv_.notify_one();
  done_cv_.notify_all();  // adds waiting for room now fail
  thread_.join();
  try {
    records_->close();
  } catch (const IOError&) {
    if (!error_) error_ = std::current_exception();
  }
  if (error_ && !error_reported_) {
    error_reported_ = true;
    std::rethrow_exception(error_);
  }
}

// The writer thread: takes everything queued, writes it, and flushes when asked, when the queue had filled up,
// when flush_secs have passed, or when stopping. A write error is kept for the callers and ends the writing.
void EventFileWriter::run() {
  using Clock = std::chrono::steady_clock;
  const bool timed = options_.flush_secs > 0;
  const double secs = std::min(options_.flush_secs, 365 * 86400.0);  // a huge value must not overflow the clock
  const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secs));
  auto next_flush = Clock::now() + interval;
  std::unique_lock lock(mu_);
  for (;;) {
    auto ready = [&] { return !queue_.empty() || stop_ || flush_requested_ > flushed_; };
    if (timed) {
      work_cv_.wait_until(lock, next_flush, ready);
    } else {
      work_cv_.wait(lock, ready);
    }
    std::deque<std::string> batch;
    batch.swap(queue_);
    const bool was_full = batch.size() >= static_cast<size_t>(options_.max_queue);
    const uint64_t requested = flush_requested_;
    const bool flush_wanted = requested > flushed_ || stop_ || was_full;
    const bool stopping = stop_, failed = error_ != nullptr;
    lock.unlock();
    done_cv_.notify_all();  // room in the queue again

    std::exception_ptr err;
    if (!failed) {
      try {
        for (const std::string& e : batch) records_->write(e);
        const bool due = timed ? Clock::now() >= next_flush : !batch.empty();
        if (flush_wanted || due) {
          records_->flush();
          next_flush = Clock::now() + interval;
        }
      } catch (const IOError&) {
        err = std::current_exception();
      }
    }
    lock.lock();
    if (err && !error_) error_ = err;
    if (flush_wanted) flushed_ = std::max(flushed_, requested);
    done_cv_.notify_all();
    if (stopping && queue_.empty()) return;
  }
}

}  // namespace tessera::io
