#pragma once
// Helpers every test suite needs: a fresh current tape, a temporary directory, the message of
// a thrown exception. One definition here instead of one per test file.

#include <unistd.h>

#include <exception>
#include <filesystem>
#include <string>

#include <chainrule/autodiff/tape.hpp>

namespace chainrule::test {

/// A new tape, current for the lifetime of this object.
struct FreshTape {
  ad::Tape tape;
  ad::TapeScope scope{tape};
};

/// A fresh directory under the system temp directory (`name` and the process id in its
/// name), removed with everything in it when this object goes.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("chainrule_test_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// The path of `file` inside the directory, as a string.
  std::string operator/(const std::string& file) const { return (path / file).string(); }
};

/// What `thrower()` throws (its `what()`), or "(no exception)".
template <class F>
std::string message_of(F&& thrower) {
  try {
    thrower();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace chainrule::test
