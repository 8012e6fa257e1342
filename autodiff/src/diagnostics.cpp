// Shape text, anomaly detection and the library's logger.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <sstream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "chainrule/autodiff/errors.hpp"
#include "node.hpp"

namespace chainrule::ad {
namespace {

std::atomic<bool> anomaly_enabled{false};

std::shared_ptr<spdlog::logger> make_logger() {
  auto logger = spdlog::get("chainrule");
  if (!logger) logger = spdlog::stderr_color_mt("chainrule");
  logger->set_level(spdlog::level::off);
  return logger;
}

spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}

}  // namespace

std::string to_string(const Shape& shape) {
  std::ostringstream out;
  out << '(';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << (shape.size() == 1 ? ",)" : ")");
  return out.str();
}

Shape shape_of(const Tensor& tensor) { return Shape(tensor.shape().begin(), tensor.shape().end()); }

std::size_t element_count(const Shape& shape, const char* op) {
  // The largest count whose bytes a pointer difference can still span.
  constexpr std::size_t limit = PTRDIFF_MAX / sizeof(double);
  std::size_t count = 1;
  bool overflow = false;
  for (std::size_t extent : shape)
    overflow = overflow || __builtin_mul_overflow(count, extent, &count);
  // A zero extent makes the tensor empty whatever the others are, overflowing or not.
  if (std::find(shape.begin(), shape.end(), std::size_t{0}) != shape.end()) return 0;
  if (overflow || count > limit) {
    throw ShapeError(std::string("chainrule: ") + op + ": shape " + to_string(shape) +
                     " has too many elements to be allocated");
  }
  return count;
}

void set_detect_anomaly(bool enabled) { anomaly_enabled.store(enabled); }
bool detect_anomaly() { return anomaly_enabled.load(std::memory_order_relaxed); }

AnomalyGuard::AnomalyGuard(bool enabled) : previous_(detect_anomaly()) {
  set_detect_anomaly(enabled);
}
AnomalyGuard::~AnomalyGuard() { set_detect_anomaly(previous_); }

void set_log_level(LogLevel level) {
  static constexpr spdlog::level::level_enum levels[] = {spdlog::level::trace, spdlog::level::debug,
                                                         spdlog::level::info,  spdlog::level::warn,
                                                         spdlog::level::err,   spdlog::level::off};
  logger().set_level(levels[static_cast<int>(level)]);
}

namespace detail {

void check_finite(const Tensor& t, const char* op, const char* what) {
  if (!detect_anomaly()) return;
  const double* data = t.data();
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(data[i])) {
      throw AnomalyError(std::string("chainrule: anomaly: '") + op + "' produced a non-finite " +
                         what + " (" + std::to_string(data[i]) + " at flat index " +
                         std::to_string(i) + " of shape " + to_string(shape_of(t)) + ")");
    }
  }
}

void log_debug(const std::string& message) { logger().debug(message); }

}  // namespace detail
}  // namespace chainrule::ad
