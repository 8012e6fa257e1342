#pragma once
/// @file
/// Exceptions thrown by chainrule, diagnostics switches and the library's log level.

#include <stdexcept>
#include <string>

#include "chainrule/autodiff/export.hpp"

namespace chainrule::ad {

/// Base of every exception chainrule throws; the message starts with "chainrule: <operation>:".
class CHAINRULE_AUTODIFF_EXPORT Error : public std::runtime_error {
 public:
  /// `message` is what `what()` returns.
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// Operands whose shapes do not fit the operation; the message names both shapes.
class CHAINRULE_AUTODIFF_EXPORT ShapeError : public Error {
 public:
  using Error::Error;
};

/// Misuse of a tape: a Var from a cleared or destroyed tape, Vars of two tapes mixed,
/// backward of a non-scalar without a seed.
class CHAINRULE_AUTODIFF_EXPORT TapeError : public Error {
 public:
  using Error::Error;
};

/// With anomaly detection on: the first operation whose value or gradient is not finite.
class CHAINRULE_AUTODIFF_EXPORT AnomalyError : public Error {
 public:
  using Error::Error;
};

/// Check every recorded value and every gradient for NaN/Inf and throw AnomalyError naming
/// the operation that produced it. Off by default (it costs a pass over each tensor).
CHAINRULE_AUTODIFF_EXPORT void set_detect_anomaly(bool enabled);
/// Whether anomaly detection is on.
CHAINRULE_AUTODIFF_EXPORT bool detect_anomaly();

/// RAII switch for anomaly detection: on for a scope, previous state restored after.
class CHAINRULE_AUTODIFF_EXPORT AnomalyGuard {
 public:
  /// Sets anomaly detection to `enabled` until the guard is destroyed.
  explicit AnomalyGuard(bool enabled = true);
  ~AnomalyGuard();
  AnomalyGuard(const AnomalyGuard&) = delete;
  AnomalyGuard& operator=(const AnomalyGuard&) = delete;

 private:
  bool previous_;
};

/// Verbosity of chainrule's own diagnostics (an spdlog logger named "chainrule").
enum class LogLevel { trace, debug, info, warn, error, off };

/// Default: off, so the library prints nothing unless asked.
CHAINRULE_AUTODIFF_EXPORT void set_log_level(LogLevel level);

}  // namespace chainrule::ad
