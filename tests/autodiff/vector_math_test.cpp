// exp, log, tanh and sigmoid run vector kernels when the CPU has AVX2 (autodiff/src/
// vector_math.hpp). Each is checked against glibc (exp, log, tanh) or a long-double reference
// (the sigmoid and its gradient) on a dense grid and at the edges of its range: within 2 ulp
// (4 for the gradient, a product of three rounded terms), and the same special values.
// CTest runs this file twice: with the kernels this CPU chooses and with
// CHAINRULE_VECTOR_MATH=scalar.
#define BOOST_TEST_MODULE autodiff_vector_math
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <chainrule/autodiff.hpp>

namespace ad = chainrule::ad;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Distance in units in the last place: the number of doubles between a and b. Equal special
// values (NaN and NaN, inf and inf) are 0 apart; a special value and a number are far apart.
double ulp_distance(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0.0 : inf;
  if (a == b) return 0.0;
  if (std::isinf(a) || std::isinf(b)) return inf;
  const auto ordered = [](double v) {
    const auto bits = std::bit_cast<std::int64_t>(v);
    return bits < 0 ? std::numeric_limits<std::int64_t>::min() - bits : bits;
  };
  return std::abs(static_cast<double>(ordered(a) - ordered(b)));
}

std::vector<double> grid(double lo, double hi, std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
  }
  return x;
}

// The edges every function is also checked at.
std::vector<double> special_values() {
  return {0.0,    -0.0,   1e-310, -1e-310, 1e-300, -1e-300, 709.5, 709.78, 709.79,
          -708.5, -745.0, -745.2, -746.0,  20.0,   -20.0,   36.0,  -36.0,  800.0,
          -800.0, inf,    -inf,   nan,     1e300,  -1e300,  0.5,   2.0,    -1.0};
}

ad::Tensor tensor_of(const std::vector<double>& x) {
  ad::Tensor t = ad::Tensor::from_shape({x.size()});
  std::copy(x.begin(), x.end(), t.begin());
  return t;
}

// The largest distance between op(x) and reference(x) over x, with the worst x in the message.
void expect_within(const std::string& what, const std::function<ad::Var(const ad::Var&)>& op,
                   const std::function<double(double)>& reference, const std::vector<double>& x,
                   double max_ulp) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Tensor y = op(ad::constant(tensor_of(x))).value();
  double worst = 0.0;
  double worst_x = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double d = ulp_distance(y(i), reference(x[i]));
    if (d > worst) {
      worst = d;
      worst_x = x[i];
    }
  }
  BOOST_TEST(worst <= max_ulp, what << ": " << worst << " ulp at x = " << worst_x);
}

void check_function(const std::string& name, const std::function<ad::Var(const ad::Var&)>& op,
                    const std::function<double(double)>& reference, double lo, double hi) {
  expect_within(name + " on [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", op,
                reference, grid(lo, hi, 1'000'003), 2.0);
  expect_within(name + " at special values", op, reference, special_values(), 2.0);
  for (std::size_t n = 1; n <= 9; ++n) {  // every tail length of a 4- or 8-lane kernel
    expect_within(name + " on " + std::to_string(n) + " elements", op, reference,
                  grid(lo, hi, n + 1), 2.0);
  }
}

double sigmoid_reference(double x) {
  return static_cast<double>(1.0L / (1.0L + std::exp(-static_cast<long double>(x))));
}
double sigmoid_slope_reference(double x) {
  const long double s = 1.0L / (1.0L + std::exp(-static_cast<long double>(x)));
  const long double t = 1.0L / (1.0L + std::exp(static_cast<long double>(x)));
  return static_cast<double>(s * t);
}

}  // namespace

BOOST_AUTO_TEST_CASE(exp_matches_glibc) {
  const auto op = [](const ad::Var& v) { return ad::exp(v); };
  const auto reference = [](double v) { return std::exp(v); };
  check_function("exp", op, reference, -50.0, 50.0);
  check_function("exp", op, reference, -746.0, 710.0);
}

BOOST_AUTO_TEST_CASE(log_matches_glibc) {
  const auto op = [](const ad::Var& v) { return ad::log(v); };
  const auto reference = [](double v) { return std::log(v); };
  check_function("log", op, reference, 0.0, 4.0);
  check_function("log", op, reference, 1.0 - 1e-6, 1.0 + 1e-6);  // where ln x → 0
  check_function("log", op, reference, 0.70, 0.72);              // around √2/2, where m is halved
  check_function("log", op, reference, 1.40, 1.43);              // around √2
  check_function("log", op, reference, -1.0, 1e300);
}

BOOST_AUTO_TEST_CASE(tanh_matches_glibc) {
  const auto op = [](const ad::Var& v) { return ad::tanh(v); };
  const auto reference = [](double v) { return std::tanh(v); };
  check_function("tanh", op, reference, -2.0, 2.0);
  check_function("tanh", op, reference, -40.0, 40.0);
}

BOOST_AUTO_TEST_CASE(sigmoid_matches_a_long_double_reference) {
  const auto op = [](const ad::Var& v) { return ad::sigmoid(v); };
  check_function("sigmoid", op, sigmoid_reference, -40.0, 40.0);
  check_function("sigmoid", op, sigmoid_reference, -800.0, 800.0);
}

BOOST_AUTO_TEST_CASE(sigmoid_gradient_keeps_its_digits_where_sigmoid_rounds_to_one) {
  for (const auto& x : {grid(-40.0, 40.0, 1'000'003), special_values(), grid(-2.0, 2.0, 7)}) {
    ad::Tape tape;
    ad::TapeScope scope(tape);
    const ad::Var v = ad::variable(tensor_of(x));
    ad::sum(ad::sigmoid(v)).backward();
    double worst = 0.0;
    double worst_x = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double d = ulp_distance(v.grad()(i), sigmoid_slope_reference(x[i]));
      if (d > worst) {
        worst = d;
        worst_x = x[i];
      }
    }
    BOOST_TEST(worst <= 4.0, "sigmoid': " << worst << " ulp at x = " << worst_x);
  }
}
