// Synced writes and atomic replacement: what makes a checkpoint survive a crash at any moment.

#include "atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "chainrule/nn/checkpoint.hpp"

namespace chainrule::nn::detail {
namespace fs = std::filesystem;

// (Appending rather than "literal" + string: GCC 12 warns falsely (-Wrestrict) on the latter.)
void fail(const std::string& message) {
  std::string text = "chainrule: checkpoint: ";
  text += message;
  throw CheckpointError(text);
}

std::string quoted(const fs::path& path) {
  std::string text = "'";
  text += path.string();
  text += '\'';
  return text;
}

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(file, ec)) fail("missing file " + quoted(file));
    fail("cannot open " + quoted(file) + ": " + std::strerror(errno));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) fail("cannot read " + quoted(file));
  return buffer.str();
}

void sync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) fail("cannot open " + quoted(path) + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems do not support syncing a directory; the data is still written.
  if (rc != 0 && !(directory && (err == EINVAL || err == ENOTSUP))) {
    fail("cannot sync " + quoted(path) + ": " + std::strerror(err));
  }
}

void write_synced(const fs::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create " + quoted(path) + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail("cannot write " + quoted(path) + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail("cannot sync " + quoted(path) + ": " + std::strerror(err));
  }
  if (::close(fd) != 0) fail("cannot close " + quoted(path) + ": " + std::strerror(errno));
}

void rename_or_fail(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) fail("cannot rename " + quoted(from) + " to " + quoted(to) + ": " + ec.message());
}

void write_atomically(const fs::path& path, const std::string& bytes) {
  fs::path tmp = path;
  tmp += ".tmp";
  write_synced(tmp, bytes);
  rename_or_fail(tmp, path);
}

}  // namespace chainrule::nn::detail
