#pragma once
/// @file
/// `expect_ad`: the one check every differentiable operation goes through, after Stan's
/// `test/unit/math/test_ad.hpp`. Given f on Vars, the same function on plain tensors and the
/// inputs, it checks, on private tapes:
///   1. throwing — when the plain version throws, the Var version throws an `ad::Error`
///      (and nothing else is checked);
///   2. value — f's value against the plain xtensor computation;
///   3. gradient — the full Jacobian against central finite differences (`gradcheck_report`);
///   4. agreement — `vjp`, `vjp` with `create_graph` and `backward(seed)` into the leaves give
///      the same gradient, of each input's shape, and `vjp` leaves the leaves untouched;
///   5. second derivative — H·v through `create_graph` against finite differences of the
///      gradient (`gradgradcheck_report`);
///   6. the same behind a nonlinear function, g = sin∘f: for a linear f (slice, reshape, sum,
///      ...) the gradient flowing into f is a constant, so step 5 never differentiates f's
///      backward rule. Then steps 4 and 5 for h(x) = ⟨∇⟨u, g⟩(x), v⟩: the third derivative
///      (as Stan checks the gradient of the Hessian), which also runs the backward rules of the
///      operations that backward rules record (slice's "embed", ...).
/// Every failure names the operation and the input shapes.
///
/// The generators and shape lists below feed it: seeded, so a failure reproduces.

#include <algorithm>
#include <cmath>
#include <exception>
#include <functional>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xio.hpp>

#include <chainrule/autodiff.hpp>

#include "test_support.hpp"

namespace chainrule::test {

namespace ad = chainrule::ad;

using Vars = std::vector<ad::Var>;
using Tensors = std::vector<ad::Tensor>;
/// The function under test, on Vars.
using VarFn = std::function<ad::Var(const Vars&)>;
/// The same function on plain tensors: the independent reference.
using TensorFn = std::function<ad::Tensor(const Tensors&)>;
using Rng = std::mt19937_64;
/// Draws one input of a given shape.
using Generator = std::function<ad::Tensor(Rng&, const ad::Shape&)>;
using Shapes = std::vector<ad::Shape>;

struct AdOptions {
  double value_rtol = 1e-12;
  double value_atol = 1e-12;
  ad::GradcheckOptions first{};   ///< gradient against finite differences
  ad::GradcheckOptions second{};  ///< H·v against finite differences of the gradient
  bool second_order = true;
  bool third_order = true;
};

// ---- generators -----------------------------------------------------------------------------

inline ad::Tensor filled(Rng& rng, const ad::Shape& shape,
                         const std::function<double(Rng&)>& draw) {
  ad::Tensor t = xt::zeros<double>(shape);
  for (double& x : t) x = draw(rng);
  return t;
}

/// Uniform on [lo, hi].
inline Generator uniform(double lo, double hi) {
  return [=](Rng& rng, const ad::Shape& shape) {
    std::uniform_real_distribution<double> d(lo, hi);
    return filled(rng, shape, [&](Rng& r) { return d(r); });
  };
}

/// Uniform on [lo, hi], at least `margin` away from every kink (abs, relu and clip at their
/// corners, 1/x near 0): finite differences straddling a kink would be meaningless.
inline Generator uniform_away(double lo, double hi, std::vector<double> kinks, double margin) {
  return [=](Rng& rng, const ad::Shape& shape) {
    std::uniform_real_distribution<double> d(lo, hi);
    return filled(rng, shape, [&](Rng& r) {
      for (;;) {
        const double x = d(r);
        const bool near = std::any_of(kinks.begin(), kinks.end(),
                                      [&](double k) { return std::abs(x - k) < margin; });
        if (!near) return x;
      }
    });
  };
}

/// `offset + k/2` for k in −4..4, plus noise within ±0.05. Two inputs drawn with offsets 0
/// and 0.25 differ by at least 0.15 everywhere, even after broadcasting: no ties for
/// maximum/minimum.
inline Generator near_grid(double offset) {
  return [=](Rng& rng, const ad::Shape& shape) {
    std::uniform_int_distribution<int> k(-4, 4);
    std::uniform_real_distribution<double> noise(-0.05, 0.05);
    return filled(rng, shape, [&](Rng& r) { return offset + 0.5 * k(r) + noise(r); });
  };
}

/// Each element one of `values`, equally likely (conditions, masks).
inline Generator one_of(std::vector<double> values) {
  return [=](Rng& rng, const ad::Shape& shape) {
    std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
    return filled(rng, shape, [&](Rng& r) { return values[pick(r)]; });
  };
}

/// Standard normal entries (seeds for vjp).
inline ad::Tensor normal(Rng& rng, const ad::Shape& shape) {
  std::normal_distribution<double> d;
  return filled(rng, shape, [&](Rng& r) { return d(r); });
}

// ---- shapes ---------------------------------------------------------------------------------

/// A shape of rank in [min_rank, max_rank], extents in [1, max_extent].
inline ad::Shape random_shape(Rng& rng, std::size_t min_rank, std::size_t max_rank,
                              std::size_t max_extent = 3) {
  std::uniform_int_distribution<std::size_t> rank(min_rank, max_rank);
  std::uniform_int_distribution<std::size_t> extent(1, max_extent);
  ad::Shape shape(rank(rng));
  for (std::size_t& e : shape) e = extent(rng);
  return shape;
}

/// `count` tuples of `operands` shapes that broadcast together: seeded random ones, of a full
/// rank in [min_rank, max_rank] and extents in [2, max_extent], each operand keeping some
/// trailing dimensions and setting some to 1. For the default range (below) the corner
/// cases come first: scalars, rank mismatch, size-1 dimensions on either side, equal shapes.
inline std::vector<Shapes> broadcast_cases(std::size_t operands, std::size_t count,
                                           std::uint64_t seed, std::size_t min_rank,
                                           std::size_t max_rank, std::size_t max_extent) {
  std::vector<Shapes> cases;
  const bool default_range = min_rank == 0 && max_rank == 3 && max_extent == 3;
  if (default_range && operands == 2) {
    cases = {{{}, {}},
             {{}, {2, 3}},
             {{3}, {}},
             {{3}, {2, 3}},
             {{2, 3}, {1}},
             {{2, 1}, {1, 3}},
             {{2, 3}, {2, 1}},
             {{1, 3}, {2, 3}},
             {{2, 1, 3}, {4, 1}},
             {{1, 1, 1}, {2, 3}},
             {{3, 1, 2}, {3, 1, 2}}};
  } else if (default_range && operands == 3) {
    cases = {{{}, {}, {}},
             {{2, 3}, {}, {3}},
             {{2, 1}, {1, 3}, {}},
             {{3}, {2, 1}, {2, 3}},
             {{2, 1, 3}, {4, 1}, {1}}};
  }
  Rng rng(seed);
  std::uniform_int_distribution<std::size_t> rank(min_rank, max_rank);
  std::uniform_int_distribution<std::size_t> extent(2, max_extent);
  std::bernoulli_distribution to_one(1.0 / 3.0);
  while (cases.size() < count) {
    ad::Shape full(rank(rng));
    for (std::size_t& e : full) e = extent(rng);
    Shapes tuple;
    for (std::size_t k = 0; k < operands; ++k) {
      std::uniform_int_distribution<std::size_t> keep(0, full.size());
      ad::Shape s(full.end() - static_cast<std::ptrdiff_t>(keep(rng)), full.end());
      for (std::size_t& e : s) e = to_one(rng) ? 1 : e;
      tuple.push_back(std::move(s));
    }
    cases.push_back(std::move(tuple));
  }
  cases.resize(count);
  return cases;
}

/// The default range: ranks 0–3, extents ≤ 3.
inline std::vector<Shapes> broadcast_cases(std::size_t operands, std::size_t count,
                                           std::uint64_t seed) {
  return broadcast_cases(operands, count, seed, 0, 3, 3);
}

/// Pairs of shapes that do not broadcast together.
inline std::vector<Shapes> incompatible_pairs() {
  return {{{2, 3}, {4}}, {{2, 3}, {3, 2}}, {{3}, {4}}, {{2, 2, 3}, {3, 3}}};
}

/// Inputs drawn for `shapes`, input k from `generators[k]` (or the last generator).
inline Tensors draw(Rng& rng, const Shapes& shapes, const std::vector<Generator>& generators) {
  Tensors inputs;
  for (std::size_t k = 0; k < shapes.size(); ++k) {
    inputs.push_back(generators[std::min(k, generators.size() - 1)](rng, shapes[k]));
  }
  return inputs;
}

// ---- the check ------------------------------------------------------------------------------

inline std::string shapes_text(const Tensors& inputs) {
  std::string text;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    text += (i ? " and " : "") + ad::to_string(ad::shape_of(inputs[i]));
  }
  return text;
}

/// Empty when `actual` matches `expected` (same shape, |a − e| ≤ atol + rtol·|e|); otherwise
/// what differs.
inline std::string mismatch(const ad::Tensor& actual, const ad::Tensor& expected, double rtol,
                            double atol) {
  std::ostringstream why;
  if (ad::shape_of(actual) != ad::shape_of(expected)) {
    why << "shape " << ad::to_string(ad::shape_of(actual)) << ", expected "
        << ad::to_string(ad::shape_of(expected));
    return why.str();
  }
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual.data()[i];
    const double e = expected.data()[i];
    if (!(std::abs(a - e) <= atol + rtol * std::abs(e))) {
      why.precision(17);
      why << "flat element " << i << ": " << a << ", expected " << e;
      return why.str();
    }
  }
  return {};
}

/// `mismatch` as a Boost.Test predicate: `BOOST_TEST(matches(a, b))` prints what differs.
inline boost::test_tools::predicate_result matches(const ad::Tensor& actual,
                                                   const ad::Tensor& expected, double tol = 1e-12) {
  const std::string why = mismatch(actual, expected, tol, tol);
  boost::test_tools::predicate_result result(why.empty());
  result.message() << why;
  return result;
}

inline Vars variables(const Tensors& inputs) {
  Vars vars;
  for (const ad::Tensor& x : inputs) vars.push_back(ad::variable(x));
  return vars;
}

/// Step 4: `vjp`, `vjp` with `create_graph` and `backward(seed)` give the same gradient, of
/// each input's shape, and `vjp` leaves the leaves' gradients alone. The finite-difference
/// checks cannot see a wrong `create_graph` gradient on their own: they compare a function
/// built from it with its own finite differences, which agree however wrong it is.
inline void expect_agreement(const std::string& where, const VarFn& f, const Tensors& inputs) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const Vars vars = variables(inputs);
  const ad::Var y = f(vars);
  Rng rng(7);
  const ad::Tensor seed = normal(rng, y.shape());
  const Vars plain_grads = ad::vjp(y, vars, seed);
  const Vars graph_grads = ad::vjp(y, vars, seed, {.create_graph = true});
  for (std::size_t i = 0; i < vars.size(); ++i) {
    const ad::Tensor zeros = xt::zeros<double>(inputs[i].shape());
    const std::string untouched = mismatch(vars[i].grad(), zeros, 0.0, 0.0);
    BOOST_TEST(untouched.empty(),
               where << ": vjp changed the leaf gradient of input " << i << ": " << untouched);
  }
  y.backward(seed);
  for (std::size_t i = 0; i < vars.size(); ++i) {
    const ad::Tensor& reference = plain_grads[i].value();
    BOOST_TEST(ad::shape_of(reference) == ad::shape_of(inputs[i]),
               where << ": vjp for input " << i << " has shape "
                     << ad::to_string(ad::shape_of(reference)));
    const std::string graph = mismatch(graph_grads[i].value(), reference, 1e-10, 1e-12);
    BOOST_TEST(graph.empty(),
               where << ": vjp with create_graph disagrees for input " << i << ": " << graph);
    const std::string leaf = mismatch(vars[i].grad(), reference, 1e-10, 1e-12);
    BOOST_TEST(leaf.empty(),
               where << ": backward(seed) disagrees with vjp for input " << i << ": " << leaf);
  }
}

/// Checks f against `plain` at `inputs` (steps 1–6 above).
inline void expect_ad(const std::string& op, const VarFn& f, const TensorFn& plain,
                      const Tensors& inputs, const AdOptions& options = {}) {
  const std::string where = op + " at shapes " + shapes_text(inputs);

  // 1. Throwing: the Var version throws where the plain one does.
  ad::Tensor expected;
  bool plain_threw = false;
  try {
    expected = plain(inputs);
  } catch (const std::exception&) {
    plain_threw = true;
  }
  if (plain_threw) {
    ad::Tape tape;
    ad::TapeScope scope(tape);
    const Vars vars = variables(inputs);
    try {
      (void)f(vars);
      BOOST_ERROR(where << ": the plain version throws, the Var version does not");
    } catch (const ad::Error& e) {
      BOOST_TEST(std::string(e.what()).rfind("chainrule: ", 0) == 0u,
                 where << ": error message '" << e.what() << "' lacks the 'chainrule: ' prefix");
    } catch (const std::exception& e) {
      BOOST_ERROR(where << ": threw a non-chainrule exception: " << e.what());
    }
    return;
  }

  try {
    // 2. Value.
    {
      ad::Tape tape;
      ad::TapeScope scope(tape);
      const ad::Var y = f(variables(inputs));
      const std::string why = mismatch(y.value(), expected, options.value_rtol, options.value_atol);
      BOOST_TEST(why.empty(), where << ": value: " << why << "\n  got " << y.value()
                                    << "\n  expected " << expected);
    }

    // 3. Gradient against finite differences.
    const ad::GradcheckReport first = ad::gradcheck_report(f, inputs, options.first);
    BOOST_TEST(first.ok, where << ": gradient: " << first.message);

    // 4. The three ways to get a gradient agree.
    expect_agreement(where, f, inputs);

    if (!options.second_order) return;

    // 5. Second derivative through create_graph.
    const ad::GradcheckReport second = ad::gradgradcheck_report(f, inputs, options.second);
    BOOST_TEST(second.ok, where << ": second derivative: " << second.message);

    // 6. Second and third derivatives behind a nonlinear function.
    const VarFn g = [&](const Vars& vars) { return ad::sin(f(vars)); };
    const ad::GradcheckReport composed = ad::gradgradcheck_report(g, inputs, options.second);
    BOOST_TEST(composed.ok, where << ": second derivative of sin(f): " << composed.message);
    expect_agreement(where + ", sin(f)", g, inputs);
    if (!options.third_order) return;
    Rng rng(11);
    const ad::Tensor u = normal(rng, ad::shape_of(expected));
    Tensors v;
    for (const ad::Tensor& x : inputs) v.push_back(normal(rng, ad::shape_of(x)));
    const VarFn h = [&](const Vars& vars) {
      const Vars d = ad::grad(ad::sum(g(vars) * ad::constant(u)), vars, {.create_graph = true});
      ad::Var total = ad::constant(0.0);
      for (std::size_t i = 0; i < vars.size(); ++i)
        total = total + ad::sum(d[i] * ad::constant(v[i]));
      return total;
    };
    expect_agreement(where + ", first derivative of sin(f)", h, inputs);
    const ad::GradcheckReport third = ad::gradgradcheck_report(h, inputs, options.second);
    BOOST_TEST(third.ok, where << ": third derivative of sin(f): " << third.message);
  } catch (const std::exception& e) {
    BOOST_ERROR(where << ": unexpected exception: " << e.what());
  }
}

// ---- the usual sweeps over shapes --------------------------------------------------------------

inline constexpr std::size_t broadcast_case_count = 24;

/// f(a, b) over `broadcast_case_count` broadcast combinations, then over incompatible shapes
/// (both versions must throw; not for user Functions, whose forward is user code).
inline void check_binary(const std::string& op, const VarFn& f, const TensorFn& plain,
                         const Generator& a, const Generator& b, std::uint64_t seed,
                         bool incompatible = true, const AdOptions& options = {}) {
  Rng rng(seed);
  const std::vector<Shapes> cases = broadcast_cases(2, broadcast_case_count, seed);
  BOOST_TEST_REQUIRE(cases.size() >= 20u);
  for (const Shapes& shapes : cases) expect_ad(op, f, plain, draw(rng, shapes, {a, b}), options);
  if (!incompatible) return;
  for (const Shapes& shapes : incompatible_pairs())
    expect_ad(op, f, plain, draw(rng, shapes, {a, b}), options);
}

/// f(x) over `count` shapes: (), (2), then random ones of rank 0–3.
inline void check_unary(const std::string& op, const VarFn& f, const TensorFn& plain,
                        const Generator& x, std::uint64_t seed, const AdOptions& options = {},
                        std::size_t count = 8) {
  Rng rng(seed);
  for (std::size_t i = 0; i < count; ++i) {
    const ad::Shape shape = i < 2 ? ad::Shape(i, 2) : random_shape(rng, 0, 3);
    expect_ad(op, f, plain, {x(rng, shape)}, options);
  }
}

/// Runs `f` and checks it throws `E` whose message contains every one of `parts`.
template <class E, class F>
void expect_error(F&& f, std::initializer_list<std::string> parts, const std::string& what) {
  try {
    f();
    BOOST_ERROR(what << ": no exception thrown");
  } catch (const E& e) {
    const std::string message = e.what();
    for (const std::string& part : parts) {
      BOOST_TEST(message.find(part) != std::string::npos,
                 what << ": message '" << message << "' does not mention '" << part << "'");
    }
  } catch (const std::exception& e) {
    BOOST_ERROR(what << ": threw the wrong exception type: " << e.what());
  }
}

}  // namespace chainrule::test
