#pragma once
// Error types thrown by Tessera. Every message names the op or file, what was expected and what was found.
#include <sstream>
#include <stdexcept>
#include <string>

namespace tessera {

/// Base class of every error Tessera throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Shapes that do not fit an op: `add: shapes [3, 4] and [5] cannot be broadcast`.
class ShapeError : public Error {
 public:
  using Error::Error;
};
/// A dtype an op does not accept, or a promotion that is not allowed.
class DTypeError : public Error {
 public:
  using Error::Error;
};
/// An index or dimension out of range; the message names the index and the size.
class IndexError : public Error {
 public:
  using Error::Error;
};
/// An argument with a bad value (negative size, step of zero, ...).
class ValueError : public Error {
 public:
  using Error::Error;
};
/// A missing or unexpected name (state_dict keys, graph values, options).
class KeyError : public Error {
 public:
  using Error::Error;
};
/// A file that cannot be read or written; the message names the file (and the offset when corrupt).
class IOError : public Error {
 public:
  using Error::Error;
};
/// A feature that exists in the API but not for these arguments (e.g. an op without a kernel on a device).
class NotImplementedError : public Error {
 public:
  using Error::Error;
};

/// Concatenates anything streamable into one string: `cat("add: shapes ", a, " and ", b)`.
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

/// Throws E with the concatenated message when `cond` is false.
template <class E = Error, class... Args>
void check(bool cond, const Args&... args) {
  if (!cond) throw E(cat(args...));
}

}  // namespace tessera
