#include "cli.hpp"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace chainrule::examples {
namespace fs = std::filesystem;

std::string printable(std::string_view text, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= limit) return out + "...";
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

std::uint64_t parse_whole(std::string_view text, std::uint64_t min, std::uint64_t max) {
  const auto bound = [&] {
    return "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  };
  if (!text.empty() && text.front() == '-' && text.size() > 1 &&
      std::isdigit(static_cast<unsigned char>(text[1]))) {
    throw std::invalid_argument("is negative; expected " + bound());
  }
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range ||
      (error == std::errc() && value > max && end == text.data() + text.size())) {
    throw std::invalid_argument("is above the limit " + std::to_string(max));
  }
  if (error != std::errc() || end != text.data() + text.size()) {
    throw std::invalid_argument("is not " + bound());
  }
  if (value < min) throw std::invalid_argument("is below the minimum " + std::to_string(min));
  return value;
}

double parse_real(std::string_view text) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    throw std::invalid_argument("is not a number");
  }
  if (!std::isfinite(value)) throw std::invalid_argument("is not finite");
  return value;
}

std::string exact_text(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// A validator's message follows CLI11's "--flag: ": "must be ..., got 'TEXT'".
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
  const std::string what =
      "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, what](std::string& text) -> std::string {
        try {
          parse_whole(text, min, max);
          return {};
        } catch (const std::invalid_argument&) {
          return "must be " + what + ", got '" + printable(text) + "'";
        }
      },
      "INT in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
}

CLI::Validator real_number(Real kind) {
  const std::string what = kind == Real::positive       ? "a positive finite number"
                           : kind == Real::non_negative ? "a finite number >= 0"
                                                        : "a finite number";
  return CLI::Validator(
      [kind, what](std::string& text) -> std::string {
        try {
          const double value = parse_real(text);
          if ((kind == Real::positive && value > 0) || (kind == Real::non_negative && value >= 0) ||
              kind == Real::finite) {
            return {};
          }
        } catch (const std::invalid_argument&) {
        }
        return "must be " + what + ", got '" + printable(text) + "'";
      },
      kind == Real::positive       ? "REAL > 0"
      : kind == Real::non_negative ? "REAL >= 0"
                                   : "REAL");
}

namespace {

std::string quoted(const std::string& flag, const std::string& path) {
  return flag + " '" + printable(path, 200) + "'";
}

// The directory a new file at `path` goes into.
fs::path directory_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

void require_writable_directory(const std::string& flag, const std::string& path,
                                const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    throw std::runtime_error(quoted(flag, path) + ": the directory '" + dir.string() +
                             "' does not exist");
  }
  if (!fs::is_directory(dir, ec)) {
    throw std::runtime_error(quoted(flag, path) + ": '" + dir.string() + "' is not a directory");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw std::runtime_error(quoted(flag, path) + ": the directory '" + dir.string() +
                             "' is not writable");
  }
}

}  // namespace

void require_input_file(const std::string& flag, const std::string& path) {
  if (path.empty()) throw UsageError(flag + ": the file name is empty");
  std::error_code ec;
  if (!fs::exists(path, ec)) throw std::runtime_error(quoted(flag, path) + ": no such file");
  if (fs::is_directory(path, ec)) {
    throw std::runtime_error(quoted(flag, path) + ": is a directory, not a file");
  }
  if (::access(path.c_str(), R_OK) != 0) {
    throw std::runtime_error(quoted(flag, path) + ": cannot read the file");
  }
}

void require_output_file(const std::string& flag, const std::string& path) {
  if (path.empty()) throw UsageError(flag + ": the file name is empty");
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw std::runtime_error(quoted(flag, path) + ": is a directory, not a file");
  }
  if (fs::exists(path, ec) && ::access(path.c_str(), W_OK) != 0) {
    throw std::runtime_error(quoted(flag, path) + ": the file is not writable");
  }
  require_writable_directory(flag, path, directory_of(path));
}

void require_output_dir(const std::string& flag, const std::string& path) {
  if (path.empty()) throw UsageError(flag + ": the directory name is empty");
  std::error_code ec;
  if (fs::exists(path, ec)) {
    require_writable_directory(flag, path, path);
  } else {
    require_writable_directory(flag, path, directory_of(path));
  }
}

void require_plot_file(const std::string& flag, const std::string& path) {
  if (path.empty()) throw UsageError(flag + ": the file name is empty");
  const std::string extension = fs::path(path).extension().string();
  if (extension != ".png" && extension != ".svg") {
    throw UsageError(quoted(flag, path) + ": use a .png or .svg file name");
  }
  require_output_file(flag, path);
}

namespace {
volatile std::sig_atomic_t received_signal = 0;
extern "C" void record_signal(int signal) { received_signal = signal; }
}  // namespace

void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int stop_signal() { return received_signal; }

int signal_exit_code() { return 128 + received_signal; }

namespace {

// The last line of defence: one line, no control characters, bounded length.
std::string one_line(const std::string& message) {
  std::string out;
  for (char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '\n' || u == '\r' || u == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (u < 0x20 || u == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
    if (out.size() > 600) return out + "...";
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

int run(const std::string& program, CLI::App& app, int argc, char** argv,
        const std::function<int()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << program << ": " << one_line(e.what()) << " (see --help)\n";
    return exit_usage;
  }
  try {
    return body();
  } catch (const UsageError& e) {
    std::cerr << program << ": " << one_line(e.what()) << " (see --help)\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << program << ": " << one_line(e.what()) << '\n';
    return exit_failure;
  }
}

std::string example_data(const std::string& name) {
  std::error_code ec;
  const fs::path program = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path dir = program.parent_path();
  for (const fs::path& candidate :
       {dir / "data" / name, dir / ".." / "share" / "chainrule" / "examples" / name}) {
    if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
  }
  return {};
}

}  // namespace chainrule::examples
