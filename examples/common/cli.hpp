#pragma once
// What every example program does alike on its command line, in one place:
//   - whole numbers with a documented bound ("-5", "1e11", "abc" refused with a plain message),
//     finite reals, sizes that cannot exhaust memory;
//   - input files and output destinations checked before any work starts;
//   - the exit codes: 0 success, 1 failure (a file, the data, the run), 2 usage error (a flag
//     or its value), 128 + signal after SIGINT (130) or SIGTERM (143);
//   - one-line messages "program: what is wrong" that never echo raw input (see printable()).

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace chainrule::examples {

inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

/// A command line that cannot run: a flag's value, a missing or contradicting flag (exit 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// `text` safe to print on one line: bytes outside printable ASCII shown as \xNN, and cut
/// after `limit` characters with "...". Use it for anything read from a file or the user.
std::string printable(std::string_view text, std::size_t limit = 60);

/// `text` as a whole number in [min, max]; std::invalid_argument otherwise, with the reason
/// ("is not a whole number", "is negative", "is above the limit 1000").
std::uint64_t parse_whole(std::string_view text, std::uint64_t min, std::uint64_t max);
/// `text` as a finite double (the whole text, no hex); std::invalid_argument otherwise.
double parse_real(std::string_view text);
/// A double as text that reads back to the same bits (for files and messages).
std::string exact_text(double value);

/// A validator for a whole-number flag in [min, max] (checks the text before CLI11 converts
/// it, so "-5" never wraps around); its description shows the bound in --help.
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max);
/// What a real-valued flag accepts.
enum class Real { finite, positive, non_negative };
CLI::Validator real_number(Real kind);

/// Input files: must exist, be a regular file (not a directory) and be readable;
/// std::runtime_error "FLAG 'PATH': why" otherwise.
void require_input_file(const std::string& flag, const std::string& path);
/// An output file: a non-empty name (UsageError), not a directory, in an existing writable
/// directory (std::runtime_error). Checked before training, so a typo costs no run.
void require_output_file(const std::string& flag, const std::string& path);
/// An output directory (a checkpoint): a non-empty name; an existing writable directory, or a
/// new one whose parent exists and is writable.
void require_output_dir(const std::string& flag, const std::string& path);
/// require_output_file, and the name ends in .png or .svg (UsageError).
void require_plot_file(const std::string& flag, const std::string& path);

/// From now on SIGINT and SIGTERM only record that they came (the program stops at a safe
/// point, saves, and exits with signal_exit_code()).
void catch_stop_signals();
/// The stop signal received (SIGINT, SIGTERM), or 0.
int stop_signal();
/// 128 + stop_signal(): what a shell reports for a program ended by that signal.
int signal_exit_code();

/// Parses the command line, then runs `body`: --help prints help (exit 0); a parse error or
/// UsageError prints "program: message (see --help)" (exit 2); any other exception
/// "program: message" (exit 1). Messages are one line. Returns body's exit code otherwise.
int run(const std::string& program, CLI::App& app, int argc, char** argv,
        const std::function<int()>& body);

/// A data file shipped with the examples: beside the built program (<dir>/data/NAME, copied
/// there by the build) or the installed one (<dir>/../share/chainrule/examples/NAME). Found
/// from the program's own location, never from a path fixed at build time; "" if neither.
std::string example_data(const std::string& name);

}  // namespace chainrule::examples
