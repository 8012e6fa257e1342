// Learning-rate schedules: pure functions of the step number.

#include "chainrule/optim/schedule.hpp"

#include <cmath>
#include <numbers>
#include <sstream>

#include "chainrule/autodiff/errors.hpp"

namespace chainrule::optim {
namespace {

std::string number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

void require_positive(std::int64_t n, const char* what, const char* schedule) {
  if (n <= 0) {
    throw ad::Error(std::string("chainrule: Schedule::") + schedule + ": " + what +
                    " must be positive, got " + std::to_string(n));
  }
}

}  // namespace

Schedule::Schedule() : Schedule("constant(1)", [](std::int64_t) { return 1.0; }) {}

Schedule::Schedule(std::string description, Function factor)
    : description_(std::move(description)), factor_(std::move(factor)) {
  if (!factor_) throw ad::Error("chainrule: Schedule: empty function for " + description_);
}

Schedule Schedule::constant(double factor) {
  return {"constant(" + number(factor) + ")", [factor](std::int64_t) { return factor; }};
}

Schedule Schedule::step(std::int64_t step_size, double gamma) {
  require_positive(step_size, "step_size", "step");
  return {"step(every=" + std::to_string(step_size) + ", gamma=" + number(gamma) + ")",
          [step_size, gamma](std::int64_t t) {
            return std::pow(gamma, static_cast<double>(t / step_size));
          }};
}

Schedule Schedule::exponential(double gamma) {
  return {"exponential(" + number(gamma) + ")",
          [gamma](std::int64_t t) { return std::pow(gamma, static_cast<double>(t)); }};
}

Schedule Schedule::cosine(std::int64_t period, double min_factor) {
  require_positive(period, "period", "cosine");
  return {"cosine(period=" + std::to_string(period) + ", min=" + number(min_factor) + ")",
          [period, min_factor](std::int64_t t) {
            if (t >= period) return min_factor;
            const double phase =
                std::numbers::pi * static_cast<double>(t) / static_cast<double>(period);
            return min_factor + (1.0 - min_factor) * 0.5 * (1.0 + std::cos(phase));
          }};
}

Schedule Schedule::warmup(std::int64_t steps) {
  require_positive(steps, "steps", "warmup");
  return {"warmup(" + std::to_string(steps) + ")", [steps](std::int64_t t) {
            return t >= steps ? 1.0 : static_cast<double>(t + 1) / static_cast<double>(steps);
          }};
}

Schedule Schedule::then(std::int64_t at, Schedule next) const {
  if (at < 0) throw ad::Error("chainrule: Schedule::then: switch step must be ≥ 0");
  Function first = factor_;
  return {description_ + " then at " + std::to_string(at) + ": " + next.description(),
          [first, at, next](std::int64_t t) { return t < at ? first(t) : next(t - at); }};
}

Schedule operator*(const Schedule& a, const Schedule& b) {
  return {a.description() + " * " + b.description(),
          [a, b](std::int64_t t) { return a(t) * b(t); }};
}

}  // namespace chainrule::optim
