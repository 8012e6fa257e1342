// Misuse gives a clear exception whose message names the operation and the shapes involved;
// anomaly detection names the operation that produced a NaN/Inf, and is silent when off.
#define BOOST_TEST_MODULE autodiff_errors
#include <memory>
#include <optional>

#include <xtensor/xmath.hpp>

#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

ad::Tensor ones(const ad::Shape& shape) { return xt::ones<double>(shape); }

}  // namespace

// ---- shapes -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(binary_shape_mismatch_names_the_op_and_both_shapes) {
  FreshTape t;
  const ad::Var a = ad::variable(ones({2, 3}));
  const ad::Var b = ad::variable(ones({4}));
  const std::vector<std::pair<std::string, std::function<ad::Var()>>> ops = {
      {"add", [&] { return a + b; }},
      {"sub", [&] { return a - b; }},
      {"mul", [&] { return a * b; }},
      {"div", [&] { return a / b; }},
      {"pow", [&] { return ad::pow(a, b); }},
      {"maximum", [&] { return ad::maximum(a, b); }},
      {"minimum", [&] { return ad::minimum(a, b); }},
      {"where",
       [&] {
         return ad::where(ones({2, 3}), a, b);
       }},
  };
  for (const auto& [name, f] : ops) {
    expect_error<ad::ShapeError>(f, {"chainrule: " + name, "(2, 3)", "(4,)"}, name);
  }
  expect_error<ad::ShapeError>([&] { return ad::where(ones({5}), a, a); },
                               {"where", "(5,)", "(2, 3)"},
                               "where with a condition of the wrong shape");
  // A failed operation records nothing.
  const std::size_t size = t.tape.size();
  BOOST_CHECK_THROW((void)(a + b), ad::ShapeError);
  BOOST_TEST(t.tape.size() == size);
}

BOOST_AUTO_TEST_CASE(matmul_misaligned_names_both_shapes) {
  FreshTape t;
  const ad::Var a = ad::variable(ones({2, 3}));
  expect_error<ad::ShapeError>(
      [&] {
        return ad::matmul(a, ad::variable(ones({4, 2})));
      },
      {"matmul", "(2, 3)", "(4, 2)"}, "matmul 2-D·2-D");
  expect_error<ad::ShapeError>([&] { return ad::matmul(a, ad::variable(ones({2}))); },
                               {"matmul", "(2, 3)", "(2,)"}, "matmul 2-D·1-D");
  expect_error<ad::ShapeError>(
      [&] { return ad::matmul(ad::variable(ones({3})), ad::variable(ones({4}))); },
      {"matmul", "(3,)", "(4,)"}, "matmul 1-D·1-D");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::matmul(ad::variable(ones({3})), ad::variable(ones({2, 3})));
      },
      {"matmul", "(3,)", "(2, 3)"}, "matmul 1-D·2-D");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::matmul(ad::variable(ones({2, 2, 2})), ad::variable(ones({3, 2})));
      },
      {"matmul", "(2, 2, 2)", "(3, 2)", "not aligned"}, "matmul of a misaligned 3-D operand");
  // A failed matmul records nothing, not even the reshapes of its 1-D operands.
  const std::size_t size = t.tape.size();
  BOOST_CHECK_THROW((void)ad::matmul(a, ad::variable(ones({2}))), ad::ShapeError);
  BOOST_TEST(t.tape.size() == size + 1);  // just the variable
}

BOOST_AUTO_TEST_CASE(reshape_broadcast_and_sum_to_name_the_shapes) {
  FreshTape t;
  const ad::Var x = ad::variable(ones({2, 3}));
  expect_error<ad::ShapeError>(
      [&] {
        return ad::reshape(x, {4, 2});
      },
      {"reshape", "(2, 3)", "(4, 2)", "6", "8"}, "reshape size mismatch");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::broadcast_to(x, {3, 3});
      },
      {"broadcast_to", "(2, 3)", "(3, 3)"}, "broadcast_to");
  expect_error<ad::ShapeError>([&] { return ad::broadcast_to(x, {3}); },
                               {"broadcast_to", "(2, 3)", "(3,)"}, "broadcast_to a lower rank");
  expect_error<ad::ShapeError>([&] { return ad::sum_to(x, {4}); }, {"sum_to", "(2, 3)", "(4,)"},
                               "sum_to");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::sum_to(x, {1, 2, 3});
      },
      {"sum_to", "(2, 3)", "(1, 2, 3)"}, "sum_to a higher rank");
}

BOOST_AUTO_TEST_CASE(shapes_whose_element_count_overflows_are_rejected) {
  // 3 · 0xAAAAAAAAAAAAAAAB wraps to 1 in 64 bits: without an overflow check the reshape of a
  // one-element Var would be accepted and later reads would run off its buffer.
  FreshTape t;
  const ad::Var x = ad::variable(ones({1}));
  const ad::Shape wraps{3, 0xAAAAAAAAAAAAAAABull};
  expect_error<ad::ShapeError>([&] { (void)ad::reshape(x, wraps); },
                               {"reshape", "too many elements"}, "reshape to a wrapping shape");
  expect_error<ad::ShapeError>([&] { (void)ad::broadcast_to(x, wraps); },
                               {"broadcast_to", "too many elements"}, "broadcast_to it");
  expect_error<ad::ShapeError>([&] { (void)ad::sum_to(x, wraps); }, {"sum_to", "too many elements"},
                               "sum_to it");
  const ad::Shape huge{std::size_t{1} << 62, 4};  // fits in size_t, not as bytes
  expect_error<ad::ShapeError>([&] { (void)ad::broadcast_to(x, huge); },
                               {"broadcast_to", "too many elements"}, "broadcast_to 2^64 elements");
  BOOST_TEST(ad::element_count({2, 0, std::size_t{1} << 63, 4}, "test") == 0u);
  BOOST_TEST(ad::element_count({}, "test") == 1u);
  BOOST_TEST(ad::element_count({2, 3, 4}, "test") == 24u);
  BOOST_TEST(t.tape.size() == 1u);  // nothing was recorded by the failed calls
}

BOOST_AUTO_TEST_CASE(bad_axis_and_out_of_bounds_slices) {
  FreshTape t;
  const ad::Var x = ad::variable(ones({2, 3}));
  expect_error<ad::ShapeError>([&] { return ad::sum(x, 2); }, {"sum", "axis 2", "(2, 3)"},
                               "sum axis");
  expect_error<ad::ShapeError>([&] { return ad::mean(x, 5, true); }, {"mean", "axis 5", "(2, 3)"},
                               "mean axis");
  expect_error<ad::ShapeError>([&] { return ad::slice(x, 2, 0, 1); }, {"slice", "axis 2", "(2, 3)"},
                               "slice axis");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::concatenate({x, x}, 2);
      },
      {"concatenate", "axis 2", "(2, 3)"}, "concatenate axis");
  expect_error<ad::ShapeError>([&] { return ad::slice(x, 1, 1, 4); }, {"slice", "[1, 4)", "(2, 3)"},
                               "slice past the end");
  expect_error<ad::ShapeError>([&] { return ad::slice(x, 0, 2, 1); }, {"slice", "[2, 1)", "(2, 3)"},
                               "slice with begin > end");
  expect_error<ad::ShapeError>([&] { return ad::rows(x, 0, 3); }, {"slice", "[0, 3)", "(2, 3)"},
                               "rows past the end");
  expect_error<ad::ShapeError>([&] { return ad::cols(x, 3, 4); }, {"slice", "[3, 4)", "(2, 3)"},
                               "cols past the end");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::concatenate({x, ad::variable(ones({2, 2}))}, 0);
      },
      {"concatenate", "(2, 2)", "(2, 3)"}, "concatenate mismatch");
  expect_error<ad::ShapeError>([&] { return ad::concatenate({}, 0); }, {"concatenate"},
                               "concatenate of nothing");
  expect_error<ad::Error>([&] { return ad::clip(x, 1.0, -1.0); }, {"clip"}, "clip with lo > hi");
  expect_error<ad::ShapeError>([&] { return x.item(); }, {"item", "(2, 3)"}, "item of 6 elements");
}

// ---- backward and grad --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(backward_of_a_non_scalar_needs_a_seed_of_its_shape) {
  FreshTape t;
  const ad::Var x = ad::variable(ones({2, 3}));
  const ad::Var y = x * 2.0;
  expect_error<ad::TapeError>([&] { y.backward(); }, {"backward", "(2, 3)", "seed"},
                              "backward without seed");
  expect_error<ad::ShapeError>(
      [&] {
        y.backward(ones({3, 2}));
      },
      {"backward", "(3, 2)", "(2, 3)"}, "backward with a wrong seed");
  expect_error<ad::TapeError>([&] { (void)ad::grad(y, {x}); }, {"grad", "(2, 3)"},
                              "grad of a non-scalar");
  expect_error<ad::ShapeError>([&] { (void)ad::vjp(y, {x}, ones({6})); }, {"(6,)", "(2, 3)"},
                               "vjp with a wrong seed");
  expect_error<ad::ShapeError>([&] { (void)ad::vjp(y, {x}, ones({6}), {.create_graph = true}); },
                               {"(6,)", "(2, 3)"}, "vjp with create_graph and a wrong seed");
  expect_error<ad::Error>([&] { (void)y.grad(); }, {"grad", "mul", "not a leaf"},
                          "grad() of a non-leaf");
  // Nothing was accumulated by the failed calls.
  BOOST_TEST(matches(x.grad(), xt::zeros<double>({2, 3}), 0.0));
}

// ---- tape lifetime and ownership ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(var_used_after_tape_clear) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(ones({2}));
  const ad::Var y = ad::sum(x * x);
  tape.clear();
  BOOST_TEST(!x.valid());
  BOOST_TEST(!y.valid());
  const std::initializer_list<std::string> stale = {"cleared or destroyed"};
  expect_error<ad::TapeError>([&] { return x.value(); }, stale, "value");
  expect_error<ad::TapeError>([&] { return x.grad(); }, stale, "grad");
  expect_error<ad::TapeError>([&] { y.backward(); }, {"backward", "cleared or destroyed"},
                              "backward");
  expect_error<ad::TapeError>([&] { return ad::exp(x); }, {"exp", "cleared or destroyed"}, "exp");
  expect_error<ad::TapeError>([&] { return x + x; }, {"add", "cleared or destroyed"}, "add");
  expect_error<ad::TapeError>([&] { return ad::matmul(x, x); }, {"matmul", "cleared or destroyed"},
                              "matmul");
  expect_error<ad::TapeError>([&] { return ad::sum(x); }, {"sum", "cleared or destroyed"}, "sum");
  expect_error<ad::TapeError>([&] { return ad::grad(y, {x}); }, {"grad", "cleared or destroyed"},
                              "grad");
  // New Vars in the same storage are not mistaken for the old ones.
  const ad::Var fresh = ad::variable(ones({2}) * 5.0);
  BOOST_TEST(fresh.index() == x.index());
  BOOST_TEST(fresh.valid());
  BOOST_TEST(!x.valid());
  expect_error<ad::TapeError>([&] { return x.value(); }, stale, "value after re-recording");
}

BOOST_AUTO_TEST_CASE(var_used_after_its_tape_is_destroyed) {
  ad::Var x;
  ad::Var y;
  {
    ad::Tape tape;
    ad::TapeScope scope(tape);
    x = ad::variable(ones({3}));
    y = ad::exp(x);
  }
  BOOST_TEST(!x.valid());
  expect_error<ad::TapeError>([&] { return x.value(); }, {"cleared or destroyed"}, "value");
  expect_error<ad::TapeError>([&] { return ad::log(y); }, {"log", "cleared or destroyed"}, "log");
  expect_error<ad::TapeError>([&] { (void)y.tape(); }, {"cleared or destroyed"}, "tape()");
  // A new tape that reuses the old one's identity still rejects them.
  ad::Tape next;
  ad::TapeScope scope(next);
  const ad::Var z = ad::variable(ones({3}));
  BOOST_TEST(z.valid());
  BOOST_TEST(!x.valid());
  expect_error<ad::TapeError>([&] { return z + x; }, {"add", "cleared or destroyed"},
                              "add with a Var of a destroyed tape");
}

BOOST_AUTO_TEST_CASE(vars_of_two_tapes_do_not_mix) {
  ad::Tape first;
  ad::Tape second;
  ad::Var a;
  ad::Var b;
  {
    ad::TapeScope scope(first);
    a = ad::variable(ones({2}));
  }
  {
    ad::TapeScope scope(second);
    b = ad::variable(ones({2}));
  }
  BOOST_TEST(&a.tape() == &first);
  BOOST_TEST(&b.tape() == &second);
  expect_error<ad::TapeError>([&] { return a * b; }, {"mul", "different tapes"}, "mul");
  expect_error<ad::TapeError>([&] { return ad::matmul(a, b); }, {"matmul", "different tapes"},
                              "matmul");
  expect_error<ad::TapeError>(
      [&] {
        return ad::concatenate({a, b});
      },
      {"concatenate", "different tapes"}, "concatenate");
  expect_error<ad::TapeError>([&] { return ad::where(b, a, a); }, {"where", "different tapes"},
                              "where with a condition of another tape");
  expect_error<ad::TapeError>([&] { return ad::grad(ad::sum(a), {b}); }, {"grad", "different tape"},
                              "grad w.r.t. a Var of another tape");
  BOOST_TEST(first.size() == 2u);  // a and sum(a); nothing from the failed calls
  BOOST_TEST(second.size() == 1u);
}

BOOST_AUTO_TEST_CASE(empty_var) {
  FreshTape t;
  const ad::Var empty;
  const ad::Var x = ad::variable(ones({2}));
  BOOST_TEST(!empty.valid());
  const std::initializer_list<std::string> message = {"empty"};
  expect_error<ad::TapeError>([&] { return empty.value(); }, message, "value");
  expect_error<ad::TapeError>([&] { return empty.shape(); }, message, "shape");
  expect_error<ad::TapeError>([&] { empty.backward(); }, message, "backward");
  expect_error<ad::TapeError>([&] { return ad::exp(empty); }, {"exp", "empty"}, "exp");
  expect_error<ad::TapeError>([&] { return x - empty; }, {"sub", "empty"}, "sub");
  expect_error<ad::TapeError>([&] { return ad::transpose(empty); }, {"transpose", "empty"},
                              "transpose");
  expect_error<ad::TapeError>([&] { return ad::grad(ad::sum(x), {empty}); }, {"grad", "empty"},
                              "grad w.r.t. an empty Var");
}

// ---- user-defined Functions -------------------------------------------------------------------

namespace {

// Returns `count` gradients, each of shape `shape` (or the input's when empty).
struct Misbehaving : ad::Function {
  Misbehaving(std::size_t count, std::optional<ad::Shape> shape) : count_(count), shape_(shape) {}
  std::string name() const override { return "misbehaving"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override { return in[0].value() * 2.0; }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>&,
                                const ad::Var&) override {
    std::vector<ad::Var> grads;
    for (std::size_t k = 0; k < count_; ++k) {
      grads.push_back(shape_ ? ad::constant(xt::ones<double>(*shape_)) : g * 2.0);
    }
    return grads;
  }

 private:
  std::size_t count_;
  std::optional<ad::Shape> shape_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(user_function_returning_wrong_count_or_shape) {
  FreshTape t;
  const ad::Var x = ad::variable(ones({2, 3}));
  const auto run = [&](std::size_t count, std::optional<ad::Shape> shape, bool create_graph) {
    const ad::Var y = ad::apply(std::make_unique<Misbehaving>(count, shape), {x});
    return ad::grad(ad::sum(y), {x}, {create_graph});
  };
  for (const bool create_graph : {false, true}) {
    BOOST_TEST(run(1, std::nullopt, create_graph).size() == 1u);  // the well-behaved case
    expect_error<ad::Error>([&] { return run(2, std::nullopt, create_graph); },
                            {"misbehaving", "2 gradients", "1 inputs"}, "two gradients");
    expect_error<ad::Error>([&] { return run(0, std::nullopt, create_graph); },
                            {"misbehaving", "0 gradients"}, "no gradients");
    expect_error<ad::ShapeError>(
        [&] {
          return run(1, ad::Shape{3, 2}, create_graph);
        },
        {"misbehaving", "(3, 2)", "(2, 3)"}, "wrong gradient shape");
  }
  expect_error<ad::Error>([&] { return ad::apply(nullptr, {x}); }, {"apply"}, "null Function");
}

// ---- anomaly detection ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(anomaly_detection_names_the_operation) {
  FreshTape t;
  BOOST_TEST(!ad::detect_anomaly());  // off by default
  {
    ad::AnomalyGuard on;
    BOOST_TEST(ad::detect_anomaly());
    const ad::Var zero = ad::variable(ad::Tensor{0.0, 1.0});
    // Forward: log(0) = −inf, 0/0 = NaN.
    expect_error<ad::AnomalyError>([&] { return ad::log(zero); }, {"'log'", "value"}, "log(0)");
    expect_error<ad::AnomalyError>([&] { return zero / zero; }, {"'div'", "value"}, "0/0");
    // Backward: sqrt(0) is finite, its derivative is not; likewise 0/x at x = 0.
    const ad::Var s = ad::sum(ad::sqrt(zero));
    expect_error<ad::AnomalyError>([&] { s.backward(); }, {"'sqrt'", "gradient"},
                                   "sqrt(0) backward");
    expect_error<ad::AnomalyError>([&] { (void)ad::grad(s, {zero}); }, {"'sqrt'", "gradient"},
                                   "sqrt(0) grad");
    expect_error<ad::AnomalyError>([&] { (void)ad::grad(s, {zero}, {.create_graph = true}); },
                                   {"'sqrt'"}, "sqrt(0) grad with create_graph");
  }
  BOOST_TEST(!ad::detect_anomaly());  // the guard restored the previous state
}

namespace {

// log, as a user Function: forward and backward both produce infinities at 0.
struct UserLog : ad::Function {
  std::string name() const override { return "user_log"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override { return xt::log(in[0].value()); }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>& in,
                                const ad::Var&) override {
    return {g / in[0]};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(anomaly_in_a_user_function_names_it) {
  FreshTape t;
  const ad::Var zero = ad::variable(ad::Tensor{0.0, 1.0});
  {
    ad::AnomalyGuard on;
    expect_error<ad::AnomalyError>([&] { return ad::apply(std::make_unique<UserLog>(), {zero}); },
                                   {"'user_log'", "value"}, "user function forward");
    BOOST_TEST(t.tape.size() == 1u);  // the failed operation is not recorded
  }
  const ad::Var y = ad::sum(ad::apply(std::make_unique<UserLog>(), {zero}));
  ad::AnomalyGuard on;
  expect_error<ad::AnomalyError>([&] { y.backward(); }, {"'user_log'", "gradient"},
                                 "user function backward");
  expect_error<ad::AnomalyError>([&] { (void)ad::grad(y, {zero}, {.create_graph = true}); },
                                 {"'user_log'"}, "user function backward with create_graph");
}

BOOST_AUTO_TEST_CASE(anomaly_detection_on_backward_of_values_recorded_without_it) {
  // Recorded with detection off; only the backward runs with it on.
  FreshTape t;
  const ad::Var zero = ad::variable(ad::Tensor{0.0, 1.0});
  const ad::Var l = ad::sum(ad::log(zero));
  const ad::Var d = ad::sum(zero / zero);
  ad::AnomalyGuard on;
  expect_error<ad::AnomalyError>([&] { l.backward(); }, {"'log'", "gradient"}, "log(0) backward");
  expect_error<ad::AnomalyError>([&] { d.backward(); }, {"'div'", "gradient"}, "0/0 backward");
  expect_error<ad::AnomalyError>([&] { (void)ad::grad(l, {zero}, {.create_graph = true}); },
                                 {"'log'"}, "log(0) grad with create_graph");
}

BOOST_AUTO_TEST_CASE(without_anomaly_detection_non_finite_values_pass_silently) {
  FreshTape t;
  BOOST_TEST_REQUIRE(!ad::detect_anomaly());
  const ad::Var zero = ad::variable(ad::Tensor{0.0, 1.0});
  ad::Var l;
  ad::Var d;
  BOOST_CHECK_NO_THROW(l = ad::sum(ad::log(zero)));
  BOOST_CHECK_NO_THROW(d = ad::sum(zero / zero));
  BOOST_TEST(std::isinf(l.item()));
  BOOST_TEST(std::isnan(d.item()));
  BOOST_CHECK_NO_THROW(ad::sum(ad::sqrt(zero)).backward());
  BOOST_TEST(std::isinf(zero.grad()(0)));
  BOOST_CHECK_NO_THROW(l.backward());
  BOOST_CHECK_NO_THROW(d.backward());
  BOOST_TEST(std::isnan(zero.grad()(0)));
}

BOOST_AUTO_TEST_CASE(anomaly_guard_nests_and_can_switch_off) {
  ad::set_detect_anomaly(true);
  {
    ad::AnomalyGuard off(false);
    BOOST_TEST(!ad::detect_anomaly());
    {
      ad::AnomalyGuard on;
      BOOST_TEST(ad::detect_anomaly());
    }
    BOOST_TEST(!ad::detect_anomaly());
  }
  BOOST_TEST(ad::detect_anomaly());
  ad::set_detect_anomaly(false);
  BOOST_TEST(!ad::detect_anomaly());
}
