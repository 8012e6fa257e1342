#pragma once
/// @file
/// Solvers on a function of one flat parameter vector θ (1-D): Newton's method (with the
/// course's steepest-descent fallback), Gauss–Newton and Levenberg–Marquardt on a residual
/// r(θ), gradient descent, any first-order Optimizer, an Armijo backtracking line search, and
/// `minimize`, the driver that applies the stopping criteria and says why it stopped.
///
/// Derivatives come from chainrule: gradients by one reverse sweep, Hessians from
/// `ad::hessian`, residual Jacobians from `ad::jacobian`. For a model's parameters, build the
/// function with `nn::flat_function`.
///
///     auto problem = optim::Problem::least_squares([&](const ad::Var& p) {
///       return y - gaussian(x, p);   // r(θ); the cost is Σ r²
///     });
///     optim::LevenbergMarquardt lm;
///     optim::Result r = optim::minimize(lm, problem, ad::Tensor{155.0, 6.0},
///                                       {.stop = {.max_iterations = 100}});
///     // r.x, r.cost, r.reason (optim::to_string(r.reason)), r.iterations

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chainrule/autodiff/tape.hpp"
#include "chainrule/autodiff/var.hpp"
#include "chainrule/optim/export.hpp"
#include "chainrule/optim/optimizer.hpp"

namespace chainrule::optim {

/// f(θ): one element.
using Objective = std::function<ad::Var(const ad::Var&)>;
/// r(θ): any shape (flattened row-major); the least-squares cost is Σ r².
using Residual = std::function<ad::Var(const ad::Var&)>;

/// What to minimise: a cost, or a residual whose sum of squares is the cost.
struct CHAINRULE_OPTIM_EXPORT Problem {
  Objective cost;     ///< f(θ), one element
  Residual residual;  ///< empty unless built by least_squares

  /// Minimise `cost`.
  static Problem minimize(Objective cost);
  /// Minimise Σ r(θ)²; `cost` is set to that sum.
  static Problem least_squares(Residual residual);
};

/// Why `minimize` stopped.
enum class StopReason {
  gradient_tolerance,  ///< ‖∇f‖ ≤ gradient_tolerance (converged)
  cost_change,         ///< |Δf| ≤ relative_cost_tolerance·max(|f|, |f_prev|) (converged)
  step_tolerance,      ///< ‖Δθ‖ ≤ step_tolerance·(‖θ‖ + step_tolerance) (converged)
  max_iterations,      ///< the iteration budget ran out
  line_search_failed,  ///< no step along the direction decreased the cost enough
  no_progress,         ///< Levenberg–Marquardt: no damping made the cost decrease
  non_finite,          ///< the cost or gradient became NaN or infinite
  callback,            ///< the callback asked to stop
  /// Newton/Gauss–Newton: the system could not be factorised (singular or indefinite) and no
  /// gradient step along −∇f, however short, decreased the cost
  singular,
  /// Newton/Gauss–Newton: the step made the cost grow or non-finite and no shorter step
  /// (nor a gradient step) decreased it
  diverged,
};
/// "gradient_tolerance", "max_iterations", ...
CHAINRULE_OPTIM_EXPORT std::string to_string(StopReason reason);

/// Stopping criteria; a tolerance of 0 disables that test.
struct StopCriteria {
  std::size_t max_iterations = 100;      ///< iterations at most
  double gradient_tolerance = 1e-8;      ///< converged when ‖∇f‖ ≤ this
  double relative_cost_tolerance = 0.0;  ///< converged when |Δf| ≤ this·max(|f|, |f_prev|)
  double step_tolerance = 0.0;           ///< converged when ‖Δθ‖ ≤ this·(‖θ‖ + this)
};

/// Armijo backtracking: the largest t = initial_step·shrinkᵏ (k < max_backtracks) with
/// f(θ + t·d) ≤ f(θ) + sufficient_decrease·t·∇f·d.
struct LineSearch {
  bool enabled = false;               ///< off: the methods take their full step
  double initial_step = 1.0;          ///< the first t tried
  double shrink = 0.5;                ///< t ← t·shrink after a rejected t
  double sufficient_decrease = 1e-4;  ///< Armijo's c
  std::size_t max_backtracks = 60;    ///< trials at most
};

/// What a line search found.
struct LineSearchResult {
  bool ok = false;              ///< a step with sufficient decrease was found
  double step = 0.0;            ///< t
  double cost = 0.0;            ///< f(θ + t·d)
  std::size_t evaluations = 0;  ///< cost evaluations used
};

/// Armijo backtracking along `direction` from x (cost fx, gradient g) on the cost `f`
/// (ignores options.enabled). Fails at once if `direction` is not a descent direction.
CHAINRULE_OPTIM_EXPORT LineSearchResult armijo(const std::function<double(const ad::Tensor&)>& f,
                                               const ad::Tensor& x, double fx,
                                               const ad::Tensor& gradient,
                                               const ad::Tensor& direction,
                                               const LineSearch& options = {.enabled = true});

/// How Evaluator::residual_and_jacobian builds the residual Jacobian J (m × n).
enum class JacobianMode {
  /// forward_columns when n < m, reverse_rows otherwise (the faster on the heights fit:
  /// benchmarks/bench_jacobian.cpp)
  automatic,
  /// one reverse sweep per residual: a row of J each (m sweeps)
  reverse_rows,
  /// one Jacobian–vector product per parameter: a column of J each (n products over one
  /// recording of r and of its vector–Jacobian product)
  forward_columns,
};

/// Evaluates a Problem's cost and derivatives, counting evaluations; one private tape is
/// reused, so the caller's tape is never touched.
class CHAINRULE_OPTIM_EXPORT Evaluator {
 public:
  /// Evaluates `problem`; residual Jacobians as `mode` says.
  explicit Evaluator(Problem problem, JacobianMode mode = JacobianMode::automatic);

  /// The problem evaluated.
  const Problem& problem() const { return problem_; }
  /// f(x).
  double cost(const ad::Tensor& x);
  /// f(x) and ∇f(x) (written into `gradient`, shaped like x).
  double cost_and_gradient(const ad::Tensor& x, ad::Tensor& gradient);
  /// ∇²f(x), (n × n).
  ad::Tensor hessian(const ad::Tensor& x);
  /// r(x) flattened (m) and its Jacobian (m × n); ad::Error if the problem has no residual.
  void residual_and_jacobian(const ad::Tensor& x, ad::Tensor& r, ad::Tensor& jacobian);
  /// Evaluations of f (with or without derivatives) so far.
  std::size_t evaluations() const { return evaluations_; }

 private:
  ad::Var record_cost(const ad::Var& x);

  Problem problem_;
  JacobianMode mode_;
  ad::Tape tape_;
  std::size_t evaluations_ = 0;
};

/// The point and what is known there, kept between iterations.
struct Evaluation {
  double cost = 0.0;    ///< f(x)
  ad::Tensor gradient;  ///< ∇f(x), shaped like x
};

/// What one iteration did.
struct StepInfo {
  bool ok = true;                               ///< the iteration moved x
  StopReason reason = StopReason::no_progress;  ///< why it failed, when !ok
  double step_size = 1.0;                       ///< line-search t, or 1
  double damping = 0.0;                         ///< Levenberg–Marquardt's λ, else 0
  std::string note;                             ///< e.g. "steepest descent fallback"
};

/// One state of a run, as the callback and the history see it.
struct Iterate {
  std::size_t iteration = 0;   ///< 0 is the starting point
  ad::Tensor x;                ///< the point
  double cost = 0.0;           ///< f(x)
  double gradient_norm = 0.0;  ///< ‖∇f(x)‖
  double step_size = 0.0;      ///< the step that led here (0 at iteration 0)
  double damping = 0.0;        ///< Levenberg–Marquardt's λ after the step, else 0
  std::string note;            ///< the step's note, e.g. "steepest descent fallback"
};

/// A solver: iterate() moves x to the next point and updates `current` (cost and gradient at
/// x) through the evaluator.
class CHAINRULE_OPTIM_EXPORT Method {
 public:
  virtual ~Method() = default;
  /// "Newton", "LevenbergMarquardt", ...: named in Result::message.
  virtual std::string name() const = 0;
  /// Called once by `minimize` before the first iteration (resets the method's state).
  virtual void start(Evaluator& evaluator, const ad::Tensor& x0);
  /// One iteration: moves x and updates `current`, or reports why it could not.
  virtual StepInfo iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) = 0;
};

/// θ ← θ − aggression·∇f, or, with the line search, an Armijo step along −∇f starting at
/// t = aggression.
class CHAINRULE_OPTIM_EXPORT GradientDescent : public Method {
 public:
  /// Steps of `aggression`·∇f, or the line search's when it is enabled.
  explicit GradientDescent(double aggression, LineSearch line_search = {});
  std::string name() const override { return "GradientDescent"; }
  StepInfo iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) override;

 private:
  double aggression_;
  LineSearch line_search_;
};

/// Settings of Newton and GaussNewton.
struct NewtonOptions {
  /// The steepest-descent step θ ← θ − fallback_aggression·∇f taken when the Hessian is not
  /// positive definite (its Cholesky factorisation fails: singular or indefinite).
  double fallback_aggression = 1.0;
  LineSearch line_search = {};  ///< along the Newton (or fallback) direction
  /// Without the line search, a step that makes the cost grow or non-finite is halved up to
  /// this many times until the cost does not grow (then the gradient step is tried, and the
  /// run stops with `StopReason::diverged` or `StopReason::singular` if nothing decreases the
  /// cost).
  std::size_t max_halvings = 60;
};

/// Newton's method, the course's hybrid: the step −H⁻¹∇f when H = ∇²f (from ad::hessian) is
/// positive definite, steepest descent otherwise; optionally with an Armijo line search.
/// Never accepts a step that makes the cost grow: see NewtonOptions::max_halvings.
/// It minimises; to find a root of f (f(x) = 0), use ad::newton_raphson.
/// @snippet nn_optim_examples.cpp minimize
class CHAINRULE_OPTIM_EXPORT Newton : public Method {
 public:
  /// Newton with these settings.
  explicit Newton(NewtonOptions options = {});
  std::string name() const override { return "Newton"; }
  StepInfo iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) override;

 private:
  NewtonOptions options_;
};

/// Gauss–Newton on a residual: solves (JᵀJ)·d = −Jᵀr with J = ∂r/∂θ (Evaluator's
/// JacobianMode); falls back like Newton when JᵀJ is singular (a rank-deficient residual),
/// and never accepts a step that makes the cost grow. Needs Problem::least_squares.
class CHAINRULE_OPTIM_EXPORT GaussNewton : public Method {
 public:
  /// Gauss–Newton with these settings.
  explicit GaussNewton(NewtonOptions options = {});
  std::string name() const override { return "GaussNewton"; }
  StepInfo iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) override;

 private:
  NewtonOptions options_;
};

/// Damping schedule of LevenbergMarquardt.
struct LevenbergMarquardtOptions {
  double initial_damping = 1e-3;  ///< λ₀
  double increase = 10.0;         ///< λ ← λ·increase after a rejected step
  double decrease = 10.0;         ///< λ ← λ/decrease after an accepted step
  double min_damping = 1e-15;     ///< λ never goes below this
  double max_damping = 1e15;      ///< beyond it the iteration fails with no_progress
  /// Marquardt's scaling: damp with λ·diag(JᵀJ) (invariant to the parameters' units) rather
  /// than λ·I.
  bool scale_by_diagonal = true;
};

/// Levenberg–Marquardt on a residual: solves (JᵀJ + λD)·d = −Jᵀr and accepts the step only if
/// the cost decreases, adapting λ. Needs Problem::least_squares.
class CHAINRULE_OPTIM_EXPORT LevenbergMarquardt : public Method {
 public:
  /// Levenberg–Marquardt with this damping schedule.
  explicit LevenbergMarquardt(LevenbergMarquardtOptions options = {});
  std::string name() const override { return "LevenbergMarquardt"; }
  void start(Evaluator& evaluator, const ad::Tensor& x0) override;
  StepInfo iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) override;
  /// The current λ.
  double damping() const { return lambda_; }

 private:
  LevenbergMarquardtOptions options_;
  double lambda_;
};

/// Any first-order Optimizer as a Method: θ is one ad::Parameter; each iteration sets its
/// gradient and calls step().
class CHAINRULE_OPTIM_EXPORT FirstOrder : public Method {
 public:
  /// Builds the optimizer for a run from the parameter list holding θ.
  using Factory = std::function<std::unique_ptr<Optimizer>(std::vector<ad::Parameter>)>;
  /// `name` names the method ("first-order": the optimizer's name, from start() on);
  /// `factory` builds a fresh optimizer at each start().
  FirstOrder(std::string name, Factory factory);
  std::string name() const override { return name_; }
  void start(Evaluator& evaluator, const ad::Tensor& x0) override;
  StepInfo iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) override;
  /// The optimizer of the current run (nullptr before start).
  Optimizer* optimizer() { return optimizer_.get(); }

 private:
  std::string name_;
  Factory factory_;
  std::unique_ptr<Optimizer> optimizer_;
  std::vector<ad::Parameter> theta_;
};

/// A FirstOrder method building `Opt(params, args...)`, e.g. `with_optimizer<Adam>(0.1)`.
template <class Opt, class... Args>
FirstOrder with_optimizer(Args... args) {
  return FirstOrder("first-order", [=](std::vector<ad::Parameter> params) {
    return std::unique_ptr<Optimizer>(std::make_unique<Opt>(std::move(params), args...));
  });
}

/// Settings of `minimize`.
struct MinimizeOptions {
  StopCriteria stop = {};  ///< when to stop
  /// Keep every iterate (from iteration 0) in Result::history.
  bool record_history = false;
  /// Called with iteration 0 and after every iteration; return false to stop.
  std::function<bool(const Iterate&)> callback = {};
};

/// The outcome of `minimize`.
struct CHAINRULE_OPTIM_EXPORT Result {
  ad::Tensor x;                 ///< the last point
  double cost = 0.0;            ///< f(x)
  ad::Tensor gradient;          ///< ∇f(x)
  double gradient_norm = 0.0;   ///< ‖∇f(x)‖
  std::size_t iterations = 0;   ///< iterations taken
  std::size_t evaluations = 0;  ///< cost evaluations, with or without derivatives
  StopReason reason = StopReason::max_iterations;  ///< why it stopped
  std::string message;           ///< one line: method, reason, iterations, cost, ‖∇f‖
  std::vector<Iterate> history;  ///< every iterate, when MinimizeOptions::record_history
  /// True when a tolerance was met (gradient, cost change or step).
  bool converged() const;
};

/// Runs `method` on `problem` from x0 (1-D) until a stopping criterion holds.
/// @snippet nn_optim_examples.cpp minimize
CHAINRULE_OPTIM_EXPORT Result minimize(Method& method, const Problem& problem, ad::Tensor x0,
                                       const MinimizeOptions& options = {});

}  // namespace chainrule::optim
