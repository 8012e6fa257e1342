#pragma once
/// @file
/// Learning-rate schedules: pure functions from the step number to a factor that multiplies an
/// optimizer's base learning rate. They hold no state (resuming needs only the step count) and
/// compose: `Schedule::warmup(100) * Schedule::cosine(10000)`, or
/// `Schedule::constant().then(500, Schedule::exponential(0.999))`.

#include <cstdint>
#include <functional>
#include <string>

#include "chainrule/optim/export.hpp"

namespace chainrule::optim {

/// A learning-rate schedule: the factor at each step, and a description for logs.
class CHAINRULE_OPTIM_EXPORT Schedule {
 public:
  /// The factor as a function of the step number.
  using Function = std::function<double(std::int64_t step)>;

  /// The constant factor 1.
  Schedule();
  /// Any factor function; `description` names it in logs.
  Schedule(std::string description, Function factor);

  /// The factor at step t (t = 0 for the first step).
  double operator()(std::int64_t step) const { return factor_(step); }
  /// "cosine(period=1000, min=0)", "warmup(10) * exponential(0.99)", ...
  const std::string& description() const { return description_; }

  /// Always `factor`.
  static Schedule constant(double factor = 1.0);
  /// γ^⌊t / step_size⌋: multiply by γ every `step_size` steps.
  static Schedule step(std::int64_t step_size, double gamma);
  /// γᵗ.
  static Schedule exponential(double gamma);
  /// Cosine annealing from 1 to `min_factor` over `period` steps, then `min_factor`:
  /// min + (1 − min)·(1 + cos(π·t/period))/2.
  static Schedule cosine(std::int64_t period, double min_factor = 0.0);
  /// Linear warm-up (t + 1)/steps for t < steps, then 1.
  static Schedule warmup(std::int64_t steps);

  /// This schedule for steps t < at, then `next` restarted: next(t − at).
  Schedule then(std::int64_t at, Schedule next) const;

 private:
  std::string description_;
  Function factor_;
};

/// The product of two schedules' factors.
CHAINRULE_OPTIM_EXPORT Schedule operator*(const Schedule& a, const Schedule& b);

}  // namespace chainrule::optim
