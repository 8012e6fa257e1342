#pragma once
// Assignment 2: fit f(x; μ, σ) = exp(−(x − μ)²/(2σ²)) / (√(2π) σ) to the heights histogram by
// minimising χ² = Σ (y − f)², with the gradients (and Jacobians, Hessians) from chainrule.

#include <chainrule/optim/solvers.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "heights_data.hpp"

namespace chainrule::heights {

enum class Method {
  steepest,             ///< the assignment: (μ, σ) ← (μ, σ) − aggression·J, J = ∇χ² by
                        ///< autodiff, in the course's own loop (fit.cpp)
  gauss_newton,         ///< (JᵀJ)·d = −Jᵀr on the residual r = y − f
  levenberg_marquardt,  ///< (JᵀJ + λ·diag JᵀJ)·d = −Jᵀr, λ adapted
  newton,  ///< −H⁻¹∇χ² where H is positive definite, steepest descent elsewhere
  adam,    ///< Adam on (μ, σ) with --learning-rate
};

/// The command-line names, in the order --help lists them.
const std::vector<std::string>& method_names();
/// "steepest", "gauss-newton", ... ; throws std::invalid_argument for another name.
Method method_from_name(const std::string& name);
std::string to_string(Method method);

struct FitOptions {
  double mu = 155.0;
  double sigma = 6.0;
  Method method = Method::steepest;
  /// Iteration budget; unset means default_steps(method).
  std::optional<std::size_t> steps = std::nullopt;
  /// Steepest descent's step factor; also Newton's and Gauss–Newton's steepest-descent fallback.
  double aggression = 2000.0;
  /// Adam's learning rate (its step in μ and σ is about this size).
  double learning_rate = 0.5;
  /// Stop when ‖∇χ²‖ ≤ tolerance; unset means default_tolerance(method).
  std::optional<double> tolerance = std::nullopt;
};

/// 50 for steepest (the assignment); 100 for the second-order methods, which stop on
/// convergence long before; 1000 for Adam.
std::size_t default_steps(Method method);
/// 0 for steepest (it takes every step, as the course does); 1e-12 for the others.
double default_tolerance(Method method);

/// Throws std::invalid_argument (one line, naming the option) for σ ≤ 0, a non-finite value,
/// or a non-positive aggression or learning rate.
void validate(const FitOptions& options);

/// One state of the descent; step 0 is the start.
struct Point {
  std::size_t step = 0;
  double mu = 0.0;
  double sigma = 0.0;
  double chi2 = 0.0;
};

struct Fit {
  Method method = Method::steepest;
  std::vector<Point> trajectory;  ///< from step 0, one entry per step taken
  optim::StopReason reason = optim::StopReason::max_iterations;
  bool converged = false;  ///< a tolerance was met (not only the budget ran out)
  double gradient_norm = 0.0;
  std::size_t evaluations = 0;  ///< χ² evaluations, with or without derivatives
  std::string message;          ///< optim's one-line account of the run
  double seconds = 0.0;         ///< wall time of the minimisation
  const Point& final() const { return trajectory.back(); }
};

/// f(x; μ, σ) in plain doubles (for plots).
double gaussian(double x, double mu, double sigma);
/// χ² in plain doubles (for the contour grid); fit() itself differentiates the ad version.
double chi2(const Histogram& data, double mu, double sigma);

/// The least-squares problem on θ = (μ, σ): residual r(θ) = y − f(x; θ), cost Σ r². It holds
/// its own copy of the data.
optim::Problem problem(const Histogram& data);

/// Minimises χ² from (options.mu, options.sigma); `progress` sees every point, step 0 first.
Fit fit(const Histogram& data, const FitOptions& options,
        const std::function<void(const Point&)>& progress = {});

}  // namespace chainrule::heights
