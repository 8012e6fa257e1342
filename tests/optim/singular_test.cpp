// Newton and Gauss–Newton on singular and indefinite systems (issue 14): they ran to the
// iteration limit with costs of 1e127 and said only "maximum iterations reached". And the
// residual Jacobian by forward columns equals the one by reverse rows.
#define BOOST_TEST_MODULE optim_singular
#include <boost/test/unit_test.hpp>

#include <chainrule/autodiff.hpp>
#include <chainrule/optim.hpp>

#include <cmath>
#include <memory>

#include "test_support.hpp"

namespace ad = chainrule::ad;
namespace optim = chainrule::optim;
namespace tt = boost::test_tools;
using chainrule::test::contains;
using optim::StopReason;

namespace {

ad::Var at(const ad::Var& theta, std::size_t i) { return ad::slice(theta, 0, i, i + 1); }
ad::Var sum_ab(const ad::Var& p) { return at(p, 0) + at(p, 1); }

// Rank-deficient: r = [a + b − 1, 2(a + b) − 2]; JᵀJ = [[5, 5], [5, 5]] is singular.
ad::Var rank_deficient(const ad::Var& p) {
  return ad::concatenate({sum_ab(p) - 1.0, 2.0 * sum_ab(p) - 2.0});
}

// (a + b)²: its Hessian [[2, 2], [2, 2]] is singular everywhere.
ad::Var square_of_sum(const ad::Var& p) { return ad::sum(ad::square(sum_ab(p))); }

bool any_note(const optim::Result& r, const std::string& part) {
  for (const optim::Iterate& it : r.history) {
    if (contains(it.note, part)) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(gauss_newton_on_a_rank_deficient_residual_converges) {
  optim::GaussNewton gn;
  const optim::Result r = optim::minimize(gn, optim::Problem::least_squares(rank_deficient),
                                          ad::Tensor{3.0, -7.0}, {.record_history = true});
  BOOST_TEST_MESSAGE(r.message);
  BOOST_TEST(r.converged(), r.message);
  BOOST_TEST(r.cost < 1e-12);
  BOOST_TEST(r.x(0) + r.x(1) == 1.0, tt::tolerance(1e-6));
  BOOST_TEST(any_note(r, "steepest descent (JᵀJ singular)"));
  // The cost never grew.
  for (std::size_t k = 1; k < r.history.size(); ++k) {
    BOOST_TEST(r.history[k].cost <= r.history[k - 1].cost);
  }
}

BOOST_AUTO_TEST_CASE(newton_on_a_singular_hessian_converges) {
  optim::Newton newton;
  const optim::Result r = optim::minimize(newton, optim::Problem::minimize(square_of_sum),
                                          ad::Tensor{2.0, 1.0}, {.record_history = true});
  BOOST_TEST_MESSAGE(r.message);
  BOOST_TEST(r.converged(), r.message);
  BOOST_TEST(r.cost < 1e-12);
  BOOST_TEST(any_note(r, "steepest descent (Hessian singular)"));
  BOOST_TEST(any_note(r, "step halved to"));
  for (std::size_t k = 1; k < r.history.size(); ++k) {
    BOOST_TEST(r.history[k].cost <= r.history[k - 1].cost);
  }
}

BOOST_AUTO_TEST_CASE(a_growing_newton_step_is_halved_not_taken) {
  // f(x) = √(1 + x²): f'' > 0 everywhere, but the Newton step x ← −x³ overshoots for |x| > 1
  // (pure Newton diverges from x = 1.5: 1.5, −3.4, 38, ...).
  const auto f = [](const ad::Var& x) { return ad::sum(ad::sqrt(1.0 + ad::square(x))); };
  optim::Newton newton;
  const optim::Result r = optim::minimize(newton, optim::Problem::minimize(f), ad::Tensor{1.5},
                                          {.record_history = true});
  BOOST_TEST_MESSAGE(r.message);
  BOOST_TEST(r.converged(), r.message);
  BOOST_TEST(std::abs(r.x(0)) < 1e-6);
  BOOST_TEST(any_note(r, "newton, step halved to 0.5"));
  BOOST_TEST(r.history.back().cost <= r.history.front().cost);
}

namespace {

// Σx² whose recorded gradient points uphill: −2x (so no step along −∇f decreases it), with
// second derivative `curvature` (−2: indefinite Hessian; +2: positive definite, but the
// Newton step then climbs too).
struct Uphill : ad::Function {
  double curvature;
  explicit Uphill(double c) : curvature(c) {}
  std::string name() const override { return "uphill"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override {
    double total = 0.0;
    for (double v : in[0].value()) total += v * v;
    return ad::Tensor{total};
  }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>& in,
                                const ad::Var&) override {
    const ad::Var x = in[0];
    const ad::Var frozen = ad::constant(x.value());
    return {g * (curvature * x - (2.0 + curvature) * frozen)};
  }
};

ad::Var uphill(const ad::Var& x, double curvature) {
  return ad::sum(ad::apply(std::make_unique<Uphill>(curvature), {x}));
}

}  // namespace

BOOST_AUTO_TEST_CASE(stop_reasons_name_singular_and_diverged) {
  BOOST_TEST(optim::to_string(StopReason::singular) ==
             "singular system: no step decreased the cost");
  BOOST_TEST(optim::to_string(StopReason::diverged) == "diverged: every step made the cost grow");
  optim::Newton newton;
  const optim::Result singular = optim::minimize(
      newton, optim::Problem::minimize([](const ad::Var& x) { return uphill(x, -2.0); }),
      ad::Tensor{1.0}, {.stop = {.max_iterations = 50}});
  BOOST_TEST((singular.reason == StopReason::singular), singular.message);
  BOOST_TEST(singular.iterations == 0u);
  BOOST_TEST(singular.cost == 1.0);
  BOOST_TEST(contains(singular.message, "Newton: singular system"), singular.message);
  const optim::Result diverged = optim::minimize(
      newton, optim::Problem::minimize([](const ad::Var& x) { return uphill(x, 2.0); }),
      ad::Tensor{1.0}, {.stop = {.max_iterations = 50}});
  BOOST_TEST((diverged.reason == StopReason::diverged), diverged.message);
  BOOST_TEST(diverged.cost == 1.0);
  BOOST_TEST(contains(diverged.message, "Newton: diverged"), diverged.message);
}

BOOST_AUTO_TEST_CASE(forward_columns_equal_reverse_rows) {
  // A residual with more outputs than parameters (and a 2-D shape, flattened row-major).
  const auto residual = [](const ad::Var& p) {
    const ad::Var x = ad::constant(ad::Tensor{{0.5, 1.0, 1.5}, {2.0, 2.5, 3.0}});
    return ad::exp(-at(p, 0) * x) * at(p, 1) + ad::sin(at(p, 2) * x);
  };
  const ad::Tensor theta{0.3, -1.2, 0.7};
  ad::Tensor r_rows, j_rows, r_cols, j_cols;
  optim::Evaluator rows(optim::Problem::least_squares(residual), optim::JacobianMode::reverse_rows);
  optim::Evaluator cols(optim::Problem::least_squares(residual),
                        optim::JacobianMode::forward_columns);
  rows.residual_and_jacobian(theta, r_rows, j_rows);
  cols.residual_and_jacobian(theta, r_cols, j_cols);
  BOOST_TEST((ad::shape_of(j_rows) == ad::Shape{6, 3}));
  BOOST_TEST((r_rows == r_cols));
  BOOST_TEST_REQUIRE((ad::shape_of(j_cols) == ad::Shape{6, 3}));
  for (std::size_t i = 0; i < j_rows.size(); ++i) {
    BOOST_TEST(j_cols.data()[i] == j_rows.data()[i], tt::tolerance(1e-14));
  }
  // Against ad::jacobian, the calculus module's.
  const ad::Tensor reference = ad::jacobian(residual, theta);
  for (std::size_t i = 0; i < j_rows.size(); ++i) {
    BOOST_TEST(j_rows.data()[i] == reference.data()[i], tt::tolerance(1e-14));
  }
}
