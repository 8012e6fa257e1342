// chainrule::optim: first steps against hand computations, schedules, convergence on a
// quadratic and on Rosenbrock, the heights fit, stopping criteria, and checkpoint resume.
#define BOOST_TEST_MODULE optim
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chainrule/autodiff.hpp>
#include <chainrule/nn.hpp>
#include <chainrule/optim.hpp>

#include "test_support.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "../nn/assignment_data.hpp"

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
namespace optim = chainrule::optim;
namespace fs = std::filesystem;
namespace tt = boost::test_tools;

using chainrule::test::contains;
using chainrule::test::message_of;
using chainrule::test::TempDir;

namespace {

void set_grad(ad::Parameter& p, std::initializer_list<double> g) {
  std::copy(g.begin(), g.end(), p.grad().begin());
}

// θ[i] as a (1,) Var.
ad::Var at(const ad::Var& theta, std::size_t i) { return ad::slice(theta, 0, i, i + 1); }

// f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1).
ad::Var rosenbrock(const ad::Var& p) {
  const ad::Var x = at(p, 0);
  const ad::Var y = at(p, 1);
  return ad::sum(ad::square(1.0 - x) + 100.0 * ad::square(y - ad::square(x)));
}

// Its residuals: Σ r² = rosenbrock.
ad::Var rosenbrock_residual(const ad::Var& p) {
  const ad::Var x = at(p, 0);
  const ad::Var y = at(p, 1);
  return ad::concatenate({1.0 - x, 10.0 * (y - ad::square(x))});
}

// f(θ) = ½ θᵀAθ − bᵀθ with A = [[3, 1], [1, 2]], b = [1, −1]: minimum A⁻¹b = (0.6, −0.8).
const ad::Tensor quadratic_a = ad::Tensor{{3.0, 1.0}, {1.0, 2.0}};
const ad::Tensor quadratic_b = ad::Tensor{1.0, -1.0};
const double quadratic_min[2] = {0.6, -0.8};

ad::Var quadratic(const ad::Var& theta) {
  const ad::Var a = ad::constant(quadratic_a);
  const ad::Var b = ad::constant(quadratic_b);
  return 0.5 * ad::sum(theta * ad::matmul(a, theta)) - ad::sum(b * theta);
}

// The heights model f(x; μ, σ) = exp(−(x − μ)²/(2σ²)) / (√(2π) σ) and its residual y − f.
struct Heights {
  ad::Tensor x;
  ad::Tensor y;
  Heights() { std::tie(x, y) = test_data::heights(); }
  ad::Var residual(const ad::Var& theta) const {
    const ad::Var mu = at(theta, 0);
    const ad::Var sigma = at(theta, 1);
    const ad::Var f = ad::exp(-ad::square(ad::constant(x) - mu) / (2.0 * ad::square(sigma))) /
                      (std::sqrt(2.0 * std::numbers::pi) * sigma);
    return ad::constant(y) - f;
  }
  optim::Problem problem() const {
    return optim::Problem::least_squares([this](const ad::Var& t) { return residual(t); });
  }
};

// Minimises f(θ) by the optimizer on a parameter, the way a training loop does.
template <class Make>
ad::Tensor train(ad::Var (*f)(const ad::Var&), ad::Tensor start, Make make, int iterations) {
  ad::Parameter theta(std::move(start), "theta");
  auto opt = make(std::vector<ad::Parameter>{theta});
  ad::Tape tape;
  ad::TapeScope scope(tape);
  for (int i = 0; i < iterations; ++i) {
    tape.clear();
    opt->zero_grad();
    f(theta.var()).backward();
    opt->step();
  }
  return theta.value();
}

}  // namespace

// --- first steps by hand ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(steepest_descent_takes_the_assignment_step) {
  ad::Parameter p(ad::Tensor{1.0, -2.0}, "p");
  ad::Tensor q0 = ad::Tensor::from_shape({1, 1});
  q0.fill(0.5);
  ad::Parameter q(q0, "q");
  optim::SteepestDescent opt({p, q}, 0.1);
  set_grad(p, {0.5, 4.0});
  set_grad(q, {-1.0});
  opt.step();
  BOOST_TEST(p.value()(0) == 1.0 - 0.1 * 0.5);
  BOOST_TEST(p.value()(1) == -2.0 - 0.1 * 4.0);
  BOOST_TEST(q.value()(0, 0) == 0.5 + 0.1);
  BOOST_TEST(opt.steps() == 1);
  opt.zero_grad();
  BOOST_TEST(p.grad()(1) == 0.0);
  set_grad(p, {1.0, 1.0});
  opt.step();
  BOOST_TEST(p.value()(0) == 1.0 - 0.1 * 0.5 - 0.1);
}

BOOST_AUTO_TEST_CASE(stochastic_steepest_descent_scales_each_jacobian_by_one_normal) {
  const auto run = [](double noise, std::uint64_t seed) {
    ad::Parameter p(ad::Tensor{1.0, -2.0, 3.0}, "p");
    ad::Parameter q(ad::Tensor{0.0, 0.0}, "q");
    optim::StochasticSteepestDescent opt({p, q}, 0.5, noise, seed);
    set_grad(p, {1.0, 2.0, -4.0});
    set_grad(q, {1.0, -1.0});
    opt.step();
    return std::pair{ad::Tensor(p.value()), ad::Tensor(q.value())};
  };
  // noise 0 is exactly steepest descent.
  const auto [p0, q0] = run(0.0, 1);
  BOOST_TEST(p0(2) == 3.0 + 0.5 * 4.0);
  BOOST_TEST(q0(1) == 0.5);
  // noise 1: the update of each parameter is aggression·(1 + ξ)·J with one ξ per parameter,
  // drawn in parameter order from the seeded generator.
  nn::Generator g(42);
  const double xi_p = g.normal();
  const double xi_q = g.normal();
  const auto [p1, q1] = run(1.0, 42);
  const double grads[3] = {1.0, 2.0, -4.0};
  const double start[3] = {1.0, -2.0, 3.0};
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(p1(i) == start[i] - 0.5 * (1.0 + xi_p) * grads[i], tt::tolerance(1e-15));
  }
  BOOST_TEST(q1(0) == -0.5 * (1.0 + xi_q), tt::tolerance(1e-15));
  BOOST_TEST(xi_p != xi_q);
  // Same seed, same step; another seed, another step.
  BOOST_TEST((run(1.0, 42).first == p1));
  BOOST_TEST(!(run(1.0, 43).first == p1));
}

BOOST_AUTO_TEST_CASE(momentum_and_nesterov_first_steps) {
  const double lr = 0.1;
  const double mu = 0.9;
  for (const bool nesterov : {false, true}) {
    ad::Parameter p(ad::Tensor{1.0, 2.0});
    optim::Momentum opt({p}, lr, mu, nesterov);
    set_grad(p, {1.0, -2.0});
    opt.step();
    // v₁ = g₁
    const double v1[2] = {1.0, -2.0};
    double expect[2];
    for (std::size_t i = 0; i < 2; ++i) {
      const double g = v1[i];
      expect[i] = (i == 0 ? 1.0 : 2.0) - lr * (nesterov ? g + mu * v1[i] : v1[i]);
      BOOST_TEST(p.value()(i) == expect[i], tt::tolerance(1e-15));
    }
    set_grad(p, {0.5, 0.5});
    opt.step();
    for (std::size_t i = 0; i < 2; ++i) {
      const double v2 = mu * v1[i] + 0.5;
      const double e2 = expect[i] - lr * (nesterov ? 0.5 + mu * v2 : v2);
      BOOST_TEST(p.value()(i) == e2, tt::tolerance(1e-15));
    }
  }
}

BOOST_AUTO_TEST_CASE(rmsprop_first_steps) {
  const double lr = 0.01;
  const double rho = 0.9;
  const double eps = 1e-8;
  ad::Parameter p(ad::Tensor{1.0, -1.0});
  optim::RMSProp opt({p}, lr, rho, eps);
  set_grad(p, {2.0, -0.5});
  opt.step();
  const double s1[2] = {(1 - rho) * 4.0, (1 - rho) * 0.25};
  const double e1[2] = {1.0 - lr * 2.0 / (std::sqrt(s1[0]) + eps),
                        -1.0 + lr * 0.5 / (std::sqrt(s1[1]) + eps)};
  BOOST_TEST(p.value()(0) == e1[0], tt::tolerance(1e-15));
  BOOST_TEST(p.value()(1) == e1[1], tt::tolerance(1e-15));
  set_grad(p, {1.0, 1.0});
  opt.step();
  for (std::size_t i = 0; i < 2; ++i) {
    const double s2 = rho * s1[i] + (1 - rho) * 1.0;
    BOOST_TEST(p.value()(i) == e1[i] - lr * 1.0 / (std::sqrt(s2) + eps), tt::tolerance(1e-15));
  }
}

BOOST_AUTO_TEST_CASE(adam_first_steps_are_bias_corrected) {
  const double lr = 0.1;
  const double b1 = 0.9;
  const double b2 = 0.999;
  const double eps = 1e-8;
  ad::Parameter p(ad::Tensor{1.0, -1.0});
  optim::Adam opt({p}, lr, b1, b2, eps);
  set_grad(p, {3.0, -0.01});
  opt.step();
  // Step 1: m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g).
  BOOST_TEST(p.value()(0) == 1.0 - lr * 3.0 / (3.0 + eps), tt::tolerance(1e-15));
  BOOST_TEST(p.value()(1) == -1.0 + lr * 0.01 / (0.01 + eps), tt::tolerance(1e-15));
  const double after1 = p.value()(0);
  set_grad(p, {1.0, 1.0});
  opt.step();
  const double m = b1 * (1 - b1) * 3.0 + (1 - b1) * 1.0;
  const double v = b2 * (1 - b2) * 9.0 + (1 - b2) * 1.0;
  const double m_hat = m / (1 - b1 * b1);
  const double v_hat = v / (1 - b2 * b2);
  BOOST_TEST(p.value()(0) == after1 - lr * m_hat / (std::sqrt(v_hat) + eps), tt::tolerance(1e-14));
  BOOST_TEST(opt.steps() == 2);
}

BOOST_AUTO_TEST_CASE(make_optimizer_by_name) {
  ad::Parameter p(ad::Tensor{1.0});
  for (const char* name : {"steepest", "stochastic", "momentum", "nesterov", "rmsprop", "adam"}) {
    BOOST_TEST(optim::make_optimizer(name, {p}, {}) != nullptr);
  }
  BOOST_TEST(optim::make_optimizer("adam", {p}, {})->name() == "Adam");
  const std::string m = message_of([&] { optim::make_optimizer("adagrad", {p}, {}); });
  BOOST_TEST(contains(m, "unknown optimizer 'adagrad'"));
  BOOST_CHECK_THROW(optim::SteepestDescent({p}, std::nan("")), ad::Error);
}

// --- schedules -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(schedules_compose) {
  using optim::Schedule;
  BOOST_TEST(Schedule()(1000) == 1.0);
  BOOST_TEST(Schedule::constant(0.5)(3) == 0.5);
  const Schedule step = Schedule::step(10, 0.5);
  BOOST_TEST(step(0) == 1.0);
  BOOST_TEST(step(9) == 1.0);
  BOOST_TEST(step(10) == 0.5);
  BOOST_TEST(step(25) == 0.25);
  BOOST_TEST(Schedule::exponential(0.9)(3) == 0.9 * 0.9 * 0.9, tt::tolerance(1e-15));
  const Schedule cosine = Schedule::cosine(100, 0.1);
  BOOST_TEST(cosine(0) == 1.0);
  BOOST_TEST(cosine(50) == 0.55, tt::tolerance(1e-14));
  BOOST_TEST(cosine(100) == 0.1);
  BOOST_TEST(cosine(500) == 0.1);
  const Schedule warm = Schedule::warmup(4);
  BOOST_TEST(warm(0) == 0.25);
  BOOST_TEST(warm(3) == 1.0);
  BOOST_TEST(warm(10) == 1.0);
  const Schedule both = Schedule::warmup(4) * Schedule::exponential(0.5);
  BOOST_TEST(both(1) == 0.5 * 0.5);
  const Schedule later = Schedule::constant(1.0).then(5, Schedule::exponential(0.5));
  BOOST_TEST(later(4) == 1.0);
  BOOST_TEST(later(5) == 1.0);
  BOOST_TEST(later(7) == 0.25);
  BOOST_TEST(both.description() == "warmup(4) * exponential(0.5)");
  BOOST_CHECK_THROW(Schedule::step(0, 0.5), ad::Error);

  // An optimizer multiplies its base rate by the schedule's factor at each step.
  ad::Parameter p(ad::Tensor{0.0});
  optim::SteepestDescent opt({p}, 1.0);
  opt.set_schedule(Schedule::exponential(0.5));
  for (int i = 0; i < 3; ++i) {
    set_grad(p, {1.0});
    opt.step();
  }
  BOOST_TEST(p.value()(0) == -(1.0 + 0.5 + 0.25));
  BOOST_TEST(opt.current_learning_rate() == 0.125);
  BOOST_TEST(opt.learning_rate() == 1.0);
}

// --- convergence -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_optimizer_converges_on_a_quadratic) {
  struct Case {
    std::string name;
    std::function<std::unique_ptr<optim::Optimizer>(std::vector<ad::Parameter>)> make;
    int iterations;
  };
  const std::vector<Case> cases = {
      {"steepest", [](auto p) { return std::make_unique<optim::SteepestDescent>(p, 0.3); }, 200},
      {"stochastic",
       [](auto p) { return std::make_unique<optim::StochasticSteepestDescent>(p, 0.2, 0.5, 3); },
       400},
      {"momentum", [](auto p) { return std::make_unique<optim::Momentum>(p, 0.1, 0.8); }, 300},
      {"nesterov", [](auto p) { return std::make_unique<optim::Momentum>(p, 0.1, 0.8, true); },
       300},
      {"rmsprop",
       [](auto p) {
         auto opt = std::make_unique<optim::RMSProp>(p, 0.05);
         opt->set_schedule(optim::Schedule::exponential(0.99));  // settle the oscillation
         return opt;
       },
       2000},
      {"adam",
       [](auto p) {
         auto opt = std::make_unique<optim::Adam>(p, 0.1);
         opt->set_schedule(optim::Schedule::cosine(3000, 0.0));
         return opt;
       },
       3000},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      const ad::Tensor theta = train(quadratic, ad::Tensor{3.0, 3.0}, c.make, c.iterations);
      BOOST_TEST(theta(0) == quadratic_min[0], tt::tolerance(1e-6));
      BOOST_TEST(theta(1) == quadratic_min[1], tt::tolerance(1e-6));
    }
  }
}

BOOST_AUTO_TEST_CASE(second_order_methods_solve_a_quadratic_at_once) {
  const optim::Problem problem = optim::Problem::minimize(quadratic);
  optim::Newton newton;
  const optim::Result r = optim::minimize(newton, problem, ad::Tensor{3.0, 3.0});
  BOOST_TEST(r.iterations == 1u);
  BOOST_TEST(r.converged());
  BOOST_TEST((r.reason == optim::StopReason::gradient_tolerance));
  BOOST_TEST(r.x(0) == quadratic_min[0], tt::tolerance(1e-14));
  BOOST_TEST(r.x(1) == quadratic_min[1], tt::tolerance(1e-14));
  // A linear residual: Gauss–Newton is exact in one step too.
  const optim::Problem ls = optim::Problem::least_squares([](const ad::Var& t) {
    return ad::matmul(ad::constant(quadratic_a), t) - ad::constant(quadratic_b);
  });
  optim::GaussNewton gn;
  const optim::Result g = optim::minimize(gn, ls, ad::Tensor{3.0, 3.0});
  BOOST_TEST(g.iterations == 1u);
  BOOST_TEST(g.x(0) == 0.6, tt::tolerance(1e-13));
  BOOST_TEST(g.x(1) == -0.8, tt::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(rosenbrock_minimum_is_found_within_budget) {
  const ad::Tensor start{-1.2, 1.0};
  const optim::MinimizeOptions options{
      .stop = {.max_iterations = 200, .gradient_tolerance = 1e-10}};
  // Newton with the line search: ≤ 50 iterations to 1e-8.
  optim::Newton newton({.line_search = {.enabled = true}});
  const optim::Result n =
      optim::minimize(newton, optim::Problem::minimize(rosenbrock), start, options);
  BOOST_TEST_MESSAGE(n.message);
  BOOST_TEST(n.converged());
  BOOST_TEST(n.iterations <= 50u);
  BOOST_TEST(std::abs(n.x(0) - 1.0) < 1e-8);
  BOOST_TEST(std::abs(n.x(1) - 1.0) < 1e-8);
  // Levenberg–Marquardt and Gauss–Newton (with line search) on its residuals.
  optim::LevenbergMarquardt lm;
  optim::GaussNewton gn({.line_search = {.enabled = true}});
  for (optim::Method* method : std::vector<optim::Method*>{&lm, &gn}) {
    const optim::Result r = optim::minimize(
        *method, optim::Problem::least_squares(rosenbrock_residual), start, options);
    BOOST_TEST_MESSAGE(r.message);
    BOOST_TEST(r.converged(), r.message);
    BOOST_TEST(r.iterations <= 50u, r.message);
    BOOST_TEST(std::abs(r.x(0) - 1.0) < 1e-8);
    BOOST_TEST(std::abs(r.x(1) - 1.0) < 1e-8);
  }
  // First-order optimizers on the parameter: a tolerance of 1e-3 within their budgets.
  const ad::Tensor adam = train(
      rosenbrock, start,
      [](auto p) {
        auto opt = std::make_unique<optim::Adam>(p, 0.02);
        opt->set_schedule(optim::Schedule::cosine(20000, 0.0));
        return opt;
      },
      20000);
  BOOST_TEST(std::abs(adam(0) - 1.0) < 1e-3);
  BOOST_TEST(std::abs(adam(1) - 1.0) < 1e-3);
  const ad::Tensor heavy = train(
      rosenbrock, start, [](auto p) { return std::make_unique<optim::Momentum>(p, 1e-3, 0.9); },
      20000);
  BOOST_TEST(std::abs(heavy(0) - 1.0) < 1e-3);
  BOOST_TEST(std::abs(heavy(1) - 1.0) < 1e-3);
  const ad::Tensor steepest = train(
      rosenbrock, start, [](auto p) { return std::make_unique<optim::SteepestDescent>(p, 1.5e-3); },
      40000);
  BOOST_TEST(std::abs(steepest(0) - 1.0) < 1e-3);
  BOOST_TEST(std::abs(steepest(1) - 1.0) < 2e-3);
}

BOOST_AUTO_TEST_CASE(newton_falls_back_to_steepest_descent_without_positive_curvature) {
  // f(x) = x⁴ − x²: f'' = 12x² − 2 < 0 near 0, minima at ±1/√2.
  const auto f = [](const ad::Var& x) { return ad::sum(ad::pow(x, 4.0) - ad::square(x)); };
  optim::Newton newton({.fallback_aggression = 0.1});
  // (Newton steps that would raise the cost are halved, so the path is not plain Newton's;
  // the gradient tolerance matches the 1e-12 asked of x below.)
  const optim::Result r = optim::minimize(
      newton, optim::Problem::minimize(f), ad::Tensor{0.1},
      {.stop = {.max_iterations = 100, .gradient_tolerance = 1e-14}, .record_history = true});
  BOOST_TEST_REQUIRE(r.history.size() >= 3u);
  BOOST_TEST(r.history[1].note == "steepest descent (Hessian not positive definite)");
  // x₁ = x₀ − 0.1·f'(x₀), f'(x) = 4x³ − 2x.
  BOOST_TEST(r.history[1].x(0) == 0.1 - 0.1 * (4 * 0.001 - 0.2), tt::tolerance(1e-15));
  BOOST_TEST(r.history.back().note == "newton");
  BOOST_TEST(r.converged());
  BOOST_TEST(r.x(0) == 1.0 / std::sqrt(2.0), tt::tolerance(1e-12));
  // At a saddle the Newton step would climb; the fallback descends.
  const auto saddle = [](const ad::Var& p) {
    return ad::sum(ad::square(at(p, 0))) - ad::sum(ad::square(at(p, 1)));
  };
  const optim::Result s = optim::minimize(newton, optim::Problem::minimize(saddle),
                                          ad::Tensor{1.0, 0.5}, {.stop = {.max_iterations = 1}});
  BOOST_TEST(s.x(1) == 0.5 + 0.1 * 2 * 0.5);
}

// --- the assignments -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(heights_steepest_descent_matches_the_reference_trajectory) {
  const Heights heights;
  const nlohmann::json reference = test_data::read_json("heights_reference.json");
  const auto& trajectory = reference["trajectory"];
  for (const bool as_optimizer : {true, false}) {
    optim::FirstOrder first_order = optim::with_optimizer<optim::SteepestDescent>(2000.0);
    optim::GradientDescent plain(2000.0);
    optim::Method& method = as_optimizer ? static_cast<optim::Method&>(first_order) : plain;
    const optim::Result r = optim::minimize(
        method, heights.problem(), ad::Tensor{155.0, 6.0},
        {.stop = {.max_iterations = 50, .gradient_tolerance = 0.0}, .record_history = true});
    BOOST_TEST((r.reason == optim::StopReason::max_iterations));
    BOOST_TEST_REQUIRE(r.history.size() == 51u);
    for (std::size_t k = 0; k <= 50; ++k) {
      BOOST_TEST_CONTEXT("step " << k) {
        BOOST_TEST(r.history[k].x(0) == trajectory[k]["mu"].get<double>(), tt::tolerance(1e-12));
        BOOST_TEST(r.history[k].x(1) == trajectory[k]["sigma"].get<double>(), tt::tolerance(1e-12));
        BOOST_TEST(r.history[k].cost == trajectory[k]["chi2"].get<double>(), tt::tolerance(1e-12));
      }
    }
  }
  // The gradient at the start against the reference Jacobian.
  optim::Evaluator evaluator(heights.problem());
  ad::Tensor g;
  evaluator.cost_and_gradient(ad::Tensor{155.0, 6.0}, g);
  BOOST_TEST(g(0) == reference["jacobian_at_start"]["dchi2_dmu"].get<double>(),
             tt::tolerance(1e-12));
  BOOST_TEST(g(1) == reference["jacobian_at_start"]["dchi2_dsigma"].get<double>(),
             tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(gauss_newton_and_levenberg_marquardt_reach_the_chi2_minimum) {
  const Heights heights;
  const nlohmann::json reference = test_data::read_json("heights_reference.json");
  const double ref_mu = reference["final"]["mu"].get<double>();
  const double ref_sigma = reference["final"]["sigma"].get<double>();
  const double ref_chi2 = reference["final"]["chi2"].get<double>();
  const optim::MinimizeOptions options{
      .stop = {.max_iterations = 100, .gradient_tolerance = 1e-13}};
  // Where steepest descent from (155, 6) heads: run it to convergence (its 50 reference steps
  // stop just short of the minimum).
  optim::GradientDescent steepest(2000.0);
  const optim::Result sd =
      optim::minimize(steepest, heights.problem(), ad::Tensor{155.0, 6.0},
                      {.stop = {.max_iterations = 100000, .gradient_tolerance = 1e-13}});
  BOOST_TEST_MESSAGE(sd.message);
  BOOST_TEST(sd.converged());

  // All from the assignment's start; Newton is the course's hybrid, with the assignment's
  // aggression for its steepest-descent steps where χ² is not convex.
  optim::LevenbergMarquardt lm;
  optim::GaussNewton gn;
  optim::Newton newton({.fallback_aggression = 2000.0, .line_search = {.enabled = true}});
  for (optim::Method* method : std::vector<optim::Method*>{&lm, &gn, &newton}) {
    const ad::Tensor start{155.0, 6.0};
    const optim::Result r = optim::minimize(*method, heights.problem(), start, options);
    BOOST_TEST_MESSAGE(r.message);
    BOOST_TEST(r.converged(), r.message);
    BOOST_TEST(r.iterations <= 40u, r.message);
    BOOST_TEST(r.x(0) == sd.x(0), tt::tolerance(1e-9));
    BOOST_TEST(r.x(1) == sd.x(1), tt::tolerance(1e-9));
    BOOST_TEST(r.cost <= ref_chi2);
    BOOST_TEST(r.cost == sd.cost, tt::tolerance(1e-12));
    // The reference's 50th step is within 1e-6 of it.
    BOOST_TEST(std::abs(r.x(0) - ref_mu) < 1e-6);
    BOOST_TEST(std::abs(r.x(1) - ref_sigma) < 1e-6);
  }
}

BOOST_AUTO_TEST_CASE(assignment_network_steepest_descent_matches_the_reference_costs) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const test_data::Curve curve = test_data::curve();
  nn::Sequential net = test_data::assignment_network(curve);
  const nlohmann::json reference = test_data::read_json("curve_reference.json");
  optim::SteepestDescent opt(net.parameters(), 3.5);
  const ad::Tensor& x = curve.x;
  const ad::Tensor& y = curve.y;
  int done = 0;
  for (const auto& entry : reference["cost_early"]) {
    const int target = entry["iteration"].get<int>();
    for (; done < target; ++done) {
      tape.clear();
      opt.zero_grad();
      nn::squared_error_cost(net(ad::constant(x)), ad::constant(y)).backward();
      opt.step();
    }
    tape.clear();
    const double cost = nn::squared_error_cost(net(ad::constant(x)), ad::constant(y)).item();
    BOOST_TEST(cost == entry["cost"].get<double>(), tt::tolerance(1e-9));
  }
}

// --- stopping criteria -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(minimize_says_why_it_stopped) {
  using optim::StopReason;
  const optim::Problem quad = optim::Problem::minimize(quadratic);
  optim::GradientDescent slow(0.01);
  const optim::Result budget =
      optim::minimize(slow, quad, ad::Tensor{3.0, 3.0}, {.stop = {.max_iterations = 5}});
  BOOST_TEST((budget.reason == StopReason::max_iterations));
  BOOST_TEST(!budget.converged());
  BOOST_TEST(budget.iterations == 5u);
  BOOST_TEST(budget.evaluations == 6u);
  BOOST_TEST(
      contains(budget.message, "GradientDescent: maximum iterations reached after 5 iterations"));

  const optim::Result cost = optim::minimize(
      slow, quad, ad::Tensor{3.0, 3.0},
      {.stop = {
           .max_iterations = 100000, .gradient_tolerance = 0, .relative_cost_tolerance = 1e-6}});
  BOOST_TEST((cost.reason == StopReason::cost_change));
  BOOST_TEST(cost.converged());

  const optim::Result step = optim::minimize(
      slow, quad, ad::Tensor{3.0, 3.0},
      {.stop = {.max_iterations = 100000, .gradient_tolerance = 0, .step_tolerance = 1e-7}});
  BOOST_TEST((step.reason == StopReason::step_tolerance));

  std::vector<double> costs;
  const optim::Result callback =
      optim::minimize(slow, quad, ad::Tensor{3.0, 3.0}, {.callback = [&](const optim::Iterate& it) {
                        costs.push_back(it.cost);
                        return it.iteration < 3;
                      }});
  BOOST_TEST((callback.reason == StopReason::callback));
  BOOST_TEST(costs.size() == 4u);  // iterations 0..3
  BOOST_TEST(callback.iterations == 3u);

  // log(x) with a step that jumps below 0: the cost becomes NaN.
  optim::GradientDescent huge(10.0);
  const optim::Result nan = optim::minimize(
      huge, optim::Problem::minimize([](const ad::Var& x) { return ad::sum(ad::log(x)); }),
      ad::Tensor{1.0});
  BOOST_TEST((nan.reason == StopReason::non_finite));

  // A line search that may not shrink enough fails.
  optim::GradientDescent stubborn(10.0, {.enabled = true, .max_backtracks = 2});
  const optim::Result ls = optim::minimize(stubborn, quad, ad::Tensor{3.0, 3.0});
  BOOST_TEST((ls.reason == StopReason::line_search_failed));
  BOOST_TEST(ls.iterations == 0u);

  // Levenberg–Marquardt at an exact minimum cannot decrease the cost.
  optim::LevenbergMarquardt lm({.max_damping = 1e3});
  const optim::Result stuck =
      optim::minimize(lm, optim::Problem::least_squares(rosenbrock_residual), ad::Tensor{1.0, 1.0},
                      {.stop = {.gradient_tolerance = 0}});
  BOOST_TEST((stuck.reason == StopReason::no_progress));

  // Gauss–Newton needs a residual; minimize needs a flat start.
  optim::GaussNewton gn;
  BOOST_TEST(contains(message_of([&] {
                        optim::minimize(gn, quad, ad::Tensor{1.0, 1.0});
                      }),
                      "needs a residual function"));
  BOOST_CHECK_THROW(optim::minimize(slow, quad, ad::Tensor::from_shape({1, 2})), ad::ShapeError);
  BOOST_TEST(optim::to_string(StopReason::gradient_tolerance) == "gradient norm below tolerance");
}

BOOST_AUTO_TEST_CASE(armijo_backtracks_to_sufficient_decrease) {
  // f(x) = x² from x = 1 along d = −2 (the gradient's direction): t = 1 lands on 1 − 2 = −1
  // (no decrease), t = 0.5 lands on 0.
  const auto f = [](const ad::Tensor& x) { return x(0) * x(0); };
  const optim::LineSearchResult r =
      optim::armijo(f, ad::Tensor{1.0}, 1.0, ad::Tensor{2.0}, ad::Tensor{-2.0});
  BOOST_TEST(r.ok);
  BOOST_TEST(r.step == 0.5);
  BOOST_TEST(r.cost == 0.0);
  BOOST_TEST(r.evaluations == 2u);
  BOOST_TEST(!optim::armijo(f, ad::Tensor{1.0}, 1.0, ad::Tensor{2.0}, ad::Tensor{2.0}).ok);
}

// --- checkpoints with optimizer state --------------------------------------------------------

namespace {

using Factory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<ad::Parameter>)>;

// Trains the assignment network for `steps` from its current state, returning the costs.
std::vector<double> run(nn::Sequential& net, optim::Optimizer& opt, const test_data::Curve& c,
                        int steps) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  std::vector<double> costs;
  for (int i = 0; i < steps; ++i) {
    tape.clear();
    opt.zero_grad();
    const ad::Var cost = nn::squared_error_cost(net(ad::constant(c.x)), ad::constant(c.y));
    cost.backward();
    costs.push_back(cost.item());
    opt.step();
  }
  return costs;
}

}  // namespace

BOOST_AUTO_TEST_CASE(save_load_resume_gives_identical_trajectories) {
  TempDir tmp("resume");
  const test_data::Curve curve = test_data::curve();
  const std::vector<std::pair<std::string, Factory>> optimizers = {
      {"steepest", [](auto p) { return std::make_unique<optim::SteepestDescent>(p, 3.5); }},
      {"stochastic",
       [](auto p) { return std::make_unique<optim::StochasticSteepestDescent>(p, 3.5, 1.0, 11); }},
      {"nesterov", [](auto p) { return std::make_unique<optim::Momentum>(p, 0.3, 0.9, true); }},
      {"rmsprop", [](auto p) { return std::make_unique<optim::RMSProp>(p, 0.01, 0.95, 1e-7); }},
      {"adam", [](auto p) { return std::make_unique<optim::Adam>(p, 0.03, 0.8, 0.99, 1e-7); }},
  };
  for (const auto& [name, make] : optimizers) {
    BOOST_TEST_CONTEXT(name) {
      const fs::path dir = tmp.path / name;
      // Uninterrupted: 25 steps, checkpoint after 10 (stochastic: an odd number of normals
      // drawn, so the generator holds a spare at the checkpoint).
      nn::Sequential net = test_data::assignment_network(curve);
      auto opt = make(net.parameters());
      opt->set_schedule(optim::Schedule::cosine(40, 0.2));
      std::vector<double> first = run(net, *opt, curve, 7);
      optim::save_checkpoint(dir, net, *opt, {{"iteration", "7"}});
      const std::vector<double> rest = run(net, *opt, curve, 18);
      const ad::Tensor final_params = nn::flatten(net.parameters());

      // Resumed: another network and optimizer (other seed, other hyperparameters) loaded.
      nn::Sequential other =
          nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid, nn::init::normal(1.0), 9);
      auto resumed = make(other.parameters());
      resumed->set_learning_rate(123.0);
      resumed->set_schedule(optim::Schedule::cosine(40, 0.2));
      const auto metadata = optim::load_checkpoint(dir, other, *resumed);
      BOOST_TEST(metadata.at("iteration") == "7");
      BOOST_TEST(resumed->steps() == 7);
      const std::vector<double> again = run(other, *resumed, curve, 18);
      BOOST_TEST_REQUIRE(again.size() == rest.size());
      for (std::size_t i = 0; i < rest.size(); ++i) BOOST_TEST_REQUIRE(again[i] == rest[i]);
      BOOST_TEST((nn::flatten(other.parameters()) == final_params));
    }
  }
}

BOOST_AUTO_TEST_CASE(mismatched_or_corrupt_optimizer_state_fails_clearly_and_changes_nothing) {
  TempDir tmp("optstate");
  const test_data::Curve curve = test_data::curve();
  nn::Sequential net = test_data::assignment_network(curve);
  optim::Adam adam(net.parameters(), 0.01);
  run(net, adam, curve, 3);
  const fs::path dir = tmp.path / "adam";
  optim::save_checkpoint(dir, net, adam);

  nn::Sequential target = nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid, nn::init::normal(1.0), 4);
  const ad::Tensor before = nn::flatten(target.parameters());
  optim::Momentum momentum(target.parameters(), 0.1);
  std::string m = message_of([&] { optim::load_checkpoint(dir, target, momentum); });
  BOOST_TEST(contains(m, "saved by Adam, cannot be loaded into Momentum"));
  BOOST_TEST((nn::flatten(target.parameters()) == before));

  // Parameters saved without an optimizer.
  nn::save_checkpoint(tmp.path / "plain", net);
  optim::Adam fresh(target.parameters(), 0.01);
  BOOST_TEST(
      contains(message_of([&] { optim::load_checkpoint(tmp.path / "plain", target, fresh); }),
               "holds no optimizer state"));
  BOOST_TEST((nn::flatten(target.parameters()) == before));
  BOOST_TEST(fresh.steps() == 0);

  // The optimizer's tensors for another parameter list.
  ad::Parameter lone(ad::Tensor::from_shape({6, 1}), "layers.0.weight");
  optim::Adam small({lone}, 0.01);
  m = message_of([&] { optim::load_checkpoint(dir, nn::named({lone}), small); });
  BOOST_TEST(contains(m, "does not match the model"));
  BOOST_TEST(contains(m, "unexpected parameter 'layers.4.bias'"));

  // A truncated moment file names the file.
  const nlohmann::json manifest = nlohmann::json::parse(std::ifstream(dir / "manifest.json"));
  const fs::path moment = dir / manifest["optimizer"]["tensors"][3]["file"].get<std::string>();
  BOOST_TEST(contains(moment.filename().string(), "optimizer.m.3"));
  fs::resize_file(moment, fs::file_size(moment) / 2);
  m = message_of([&] { optim::load_checkpoint(dir, target, fresh); });
  BOOST_TEST(contains(m, moment.string()));
  BOOST_TEST(contains(m, "is truncated"));
  BOOST_TEST((nn::flatten(target.parameters()) == before));
  BOOST_TEST(fresh.steps() == 0);

  // A moment whose shape disagrees with its parameter.
  optim::OptimizerState state = adam.state();
  state.tensors[1].second = ad::Tensor::from_shape({3, 3});
  m = message_of([&] { fresh.load_state(state); });
  BOOST_TEST(
      contains(m, "Adam state 'm.1' has shape (3, 3) but parameter 1 ('bias') has shape (6, 1)"));
  state = adam.state();
  state.numbers.erase("beta2");
  BOOST_TEST(contains(message_of([&] { fresh.load_state(state); }), "has no number 'beta2'"));
  BOOST_TEST(fresh.steps() == 0);
  state = adam.state();
  fresh.load_state(state);
  BOOST_TEST(fresh.steps() == 3);
}
