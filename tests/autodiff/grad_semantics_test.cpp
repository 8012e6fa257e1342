// What the gradient entry points promise: ad::grad / ad::vjp leave leaves alone, give zeros
// for unused inputs and work for intermediate Vars; backward() accumulates until zero_grad;
// only nodes between the requested inputs and the output do adjoint work; Parameters persist
// across tape clears; higher derivatives through create_graph; and the public gradcheck
// tools really fail on a wrong derivative.
#define BOOST_TEST_MODULE autodiff_grad_semantics
#include <cmath>
#include <memory>

#include <xtensor/xmath.hpp>

#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

// Identity whose backward counts its calls: observable "adjoint work".
struct Counting : ad::Function {
  explicit Counting(int& calls) : calls_(calls) {}
  std::string name() const override { return "counting"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override { return in[0].value(); }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>&,
                                const ad::Var&) override {
    ++calls_;
    return {g};
  }

 private:
  int& calls_;
};

}  // namespace

// ---- grad and vjp -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(grad_leaves_the_leaves_untouched) {
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{1.0, 2.0, 3.0});
  const ad::Var y = ad::sum(ad::square(x));
  const std::vector<ad::Var> g = ad::grad(y, {x});
  BOOST_TEST(matches(g[0].value(), ad::Tensor{2.0, 4.0, 6.0}));
  BOOST_TEST(matches(x.grad(), ad::Tensor{0.0, 0.0, 0.0}));
  const std::vector<ad::Var> g2 = ad::grad(y, {x}, {.create_graph = true});
  BOOST_TEST(matches(g2[0].value(), ad::Tensor{2.0, 4.0, 6.0}));
  BOOST_TEST(matches(x.grad(), ad::Tensor{0.0, 0.0, 0.0}));
  // After a backward, grad does not add to what backward accumulated.
  y.backward();
  (void)ad::grad(y, {x});
  BOOST_TEST(matches(x.grad(), ad::Tensor{2.0, 4.0, 6.0}));
}

BOOST_AUTO_TEST_CASE(grad_gives_zeros_for_unused_inputs) {
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{1.0, 2.0});
  const ad::Var unused = ad::variable(ad::Tensor{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  const ad::Var constant = ad::constant(ad::Tensor{7.0});
  const ad::Var y = ad::sum(x * 3.0);
  const ad::Var later = ad::variable(ad::Tensor{1.0, 1.0, 1.0});  // recorded after y
  for (const bool create_graph : {false, true}) {
    const std::vector<ad::Var> g = ad::grad(y, {unused, x, constant, later}, {create_graph});
    BOOST_TEST_REQUIRE(g.size() == 4u);
    BOOST_TEST(matches(g[0].value(), xt::zeros<double>({2, 3})));
    BOOST_TEST(matches(g[1].value(), ad::Tensor{3.0, 3.0}));
    BOOST_TEST(matches(g[2].value(), ad::Tensor{0.0}));
    BOOST_TEST(matches(g[3].value(), ad::Tensor{0.0, 0.0, 0.0}));
  }
  BOOST_TEST(ad::grad(y, {}).empty());
}

BOOST_AUTO_TEST_CASE(grad_with_respect_to_an_intermediate_var) {
  FreshTape t;
  const ad::Tensor xv{0.5, -1.0, 2.0};
  const ad::Var x = ad::variable(xv);
  const ad::Var h = ad::exp(x);
  const ad::Var y = ad::sum(ad::square(h) + x);
  for (const bool create_graph : {false, true}) {
    const std::vector<ad::Var> g = ad::grad(y, {h, x}, {create_graph});
    // ∂y/∂h = 2h; dy/dx is the total derivative, through h too: 2e²ˣ + 1.
    BOOST_TEST(matches(g[0].value(), 2.0 * xt::exp(xv)));
    BOOST_TEST(matches(g[1].value(), 2.0 * xt::exp(2.0 * xv) + 1.0));
    BOOST_TEST(!h.is_leaf());
  }
  // The output itself, and a Var the output depends on only through another path.
  BOOST_TEST(matches(ad::grad(y, {y})[0].value(), ad::Tensor(1.0)));
  const ad::Var z = ad::sum(h * 2.0);
  BOOST_TEST(matches(ad::grad(z, {y})[0].value(), ad::Tensor(0.0)));
}

BOOST_AUTO_TEST_CASE(vjp_with_a_seed) {
  FreshTape t;
  const ad::Tensor av{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  const ad::Tensor bv{0.5, -1.0, 2.0};
  const ad::Var a = ad::variable(av);
  const ad::Var b = ad::variable(bv);
  const ad::Var y = a * b;  // (2, 3), b broadcast along rows
  const ad::Tensor seed{{1.0, 0.0, -2.0}, {0.5, 3.0, 1.0}};
  for (const bool create_graph : {false, true}) {
    const std::vector<ad::Var> g = ad::vjp(y, {a, b}, seed, {create_graph});
    BOOST_TEST(matches(g[0].value(), seed * bv));
    const ad::Tensor gb{1.0 * 1.0 + 0.5 * 4.0, 0.0 * 2.0 + 3.0 * 5.0, -2.0 * 3.0 + 1.0 * 6.0};
    BOOST_TEST(matches(g[1].value(), gb));
  }
  // backward(seed) accumulates the same.
  y.backward(seed);
  BOOST_TEST(matches(a.grad(), seed * bv));
}

BOOST_AUTO_TEST_CASE(backward_accumulates_until_zero_grad) {
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{1.0, -2.0});
  BOOST_TEST(matches(x.grad(), ad::Tensor{0.0, 0.0}));  // zeros before the first backward
  const ad::Var y = ad::sum(x * x);
  y.backward();
  BOOST_TEST(matches(x.grad(), ad::Tensor{2.0, -4.0}));
  y.backward();
  BOOST_TEST(matches(x.grad(), ad::Tensor{4.0, -8.0}));
  // A second graph on the same leaf adds to it too.
  ad::sum(3.0 * x).backward();
  BOOST_TEST(matches(x.grad(), ad::Tensor{7.0, -5.0}));
  x.zero_grad();
  BOOST_TEST(matches(x.grad(), ad::Tensor{0.0, 0.0}));
  y.backward();
  BOOST_TEST(matches(x.grad(), ad::Tensor{2.0, -4.0}));
  // Constants get no gradient; non-leaves have none to read.
  const ad::Var c = ad::constant(ad::Tensor{5.0, 5.0});
  ad::sum(x * c).backward();
  BOOST_TEST(matches(c.grad(), ad::Tensor{0.0, 0.0}));
  BOOST_TEST(!c.requires_grad());
  BOOST_TEST((x * c).requires_grad());
  BOOST_CHECK_THROW((void)y.grad(), ad::Error);
}

BOOST_AUTO_TEST_CASE(a_leaf_recorded_after_clear_starts_from_zero_gradient) {
  // Nodes (and their buffers) are reused after clear(); their old gradients must not be.
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(ad::Tensor{1.0, 2.0});
  ad::sum(x * 3.0).backward();
  BOOST_TEST(matches(x.grad(), ad::Tensor{3.0, 3.0}));
  tape.clear();
  const ad::Var fresh = ad::variable(ad::Tensor{5.0, 6.0});
  BOOST_TEST_REQUIRE(fresh.index() == x.index());  // the same node, reused
  BOOST_TEST(matches(fresh.grad(), ad::Tensor{0.0, 0.0}));
  ad::sum(fresh * 2.0).backward();
  BOOST_TEST(matches(fresh.grad(), ad::Tensor{2.0, 2.0}));
  tape.clear();
  const ad::Var c = ad::constant(ad::Tensor{5.0, 6.0});
  BOOST_TEST(matches(c.grad(), ad::Tensor{0.0, 0.0}));
  tape.clear();
  // A gradient returned by ad::grad is a constant on a reused node too.
  const ad::Var y = ad::variable(ad::Tensor{1.0, 1.0});
  const ad::Var g = ad::grad(ad::sum(y * 4.0), {y})[0];
  BOOST_TEST(matches(g.grad(), ad::Tensor{0.0, 0.0}));
}

// ---- only the needed nodes are visited --------------------------------------------------------

BOOST_AUTO_TEST_CASE(nodes_off_the_path_do_no_adjoint_work) {
  FreshTape t;
  int calls = 0;
  const ad::Var x1 = ad::variable(ad::Tensor{1.0, 2.0});
  const ad::Var x2 = ad::variable(ad::Tensor{3.0, 4.0});
  const ad::Var y = ad::sum(x1 * 2.0 + ad::apply(std::make_unique<Counting>(calls), {x2}));
  BOOST_TEST(matches(ad::grad(y, {x1})[0].value(), ad::Tensor{2.0, 2.0}));
  BOOST_TEST(matches(ad::grad(y, {x1}, {.create_graph = true})[0].value(), ad::Tensor{2.0, 2.0}));
  BOOST_TEST(calls == 0);
  BOOST_TEST(matches(ad::grad(y, {x2})[0].value(), ad::Tensor{1.0, 1.0}));
  BOOST_TEST(calls == 1);
  y.backward();
  BOOST_TEST(calls == 2);

  // An operation on constants only requires no gradient: backward() skips it.
  const ad::Var c = ad::constant(ad::Tensor{3.0, 4.0});
  const ad::Var z = ad::sum(x1 * 2.0 + ad::apply(std::make_unique<Counting>(calls), {c}));
  z.backward();
  BOOST_TEST(calls == 2);
}

BOOST_AUTO_TEST_CASE(a_nan_branch_off_the_path_is_never_evaluated) {
  // sqrt at 0 has an infinite derivative. Asking only for x1's gradient must not run sqrt's
  // backward at all, which anomaly detection would report.
  ad::AnomalyGuard anomaly;
  FreshTape t;
  const ad::Var x1 = ad::variable(ad::Tensor{1.0, 2.0});
  const ad::Var x2 = ad::variable(ad::Tensor{0.0, 4.0});
  const ad::Var y = ad::sum(x1 * 3.0 + ad::sqrt(x2));
  for (const bool create_graph : {false, true}) {
    std::vector<ad::Var> g;
    BOOST_CHECK_NO_THROW(g = ad::grad(y, {x1}, {create_graph}));
    BOOST_TEST(matches(g.at(0).value(), ad::Tensor{3.0, 3.0}));
    BOOST_CHECK_THROW((void)ad::grad(y, {x2}, {create_graph}), ad::AnomalyError);
  }
  // The same with the zero under a constant: backward() never visits it.
  const ad::Var c = ad::constant(ad::Tensor{0.0, 4.0});
  BOOST_CHECK_NO_THROW(ad::sum(x1 * 3.0 + ad::sqrt(c)).backward());
  BOOST_TEST(matches(x1.grad(), ad::Tensor{3.0, 3.0}));
}

// ---- user Functions that differentiate inside their backward -----------------------------------

namespace {

// x², whose backward obtains 2x by calling ad::grad itself: a sweep inside a sweep.
struct SquareByGrad : ad::Function {
  std::string name() const override { return "square_by_grad"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override {
    return in[0].value() * in[0].value();
  }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>& in,
                                const ad::Var&) override {
    const ad::Var twice = ad::grad(ad::sum(ad::square(in[0])), {in[0]}, {.create_graph = true})[0];
    return {g * twice};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_backward_may_call_grad_itself) {
  // The nested sweep runs over nodes the outer sweep is still working on (x*3 lies between
  // x and the output); the outer sweep must not lose their adjoints.
  FreshTape t;
  const ad::Tensor xv{0.5, -2.0};
  const ad::Var x = ad::variable(xv);
  const ad::Var a = x * 3.0;
  const ad::Var b = ad::apply(std::make_unique<SquareByGrad>(), {x});
  const ad::Var y = ad::sum(a + b * a);  // dy/dx = 3 + 2x·3x + x²·3 = 3 + 9x²
  const ad::Tensor expected = 3.0 + 9.0 * xv * xv;
  BOOST_TEST(matches(ad::grad(y, {x})[0].value(), expected));
  BOOST_TEST(matches(ad::grad(y, {x}, {.create_graph = true})[0].value(), expected));
  y.backward();
  BOOST_TEST(matches(x.grad(), expected));
  expect_ad(
      "apply(square_by_grad) inside a composite",
      [](const Vars& v) {
        const ad::Var c = v[0] * 3.0;
        return ad::apply(std::make_unique<SquareByGrad>(), {v[0]}) * c + c;
      },
      [](const Tensors& v) -> ad::Tensor { return v[0] * v[0] * 3.0 * v[0] + 3.0 * v[0]; }, {xv});
}

BOOST_AUTO_TEST_CASE(vjp_seeded_with_a_var_is_differentiable_in_the_seed) {
  FreshTape t;
  const ad::Tensor wv{2.0, -1.0, 0.5};
  const ad::Var x = ad::variable(ad::Tensor{1.0, 2.0, 3.0});
  const ad::Var s = ad::variable(ad::Tensor{0.3, 0.6, 0.9});
  const ad::Var y = x * ad::constant(wv) + ad::square(x);
  const ad::Var g = ad::vjp(y, {x}, s, {.create_graph = true})[0];  // s·(w + 2x)
  BOOST_TEST(matches(g.value(), ad::Tensor{0.3 * 4.0, 0.6 * 3.0, 0.9 * 6.5}));
  const std::vector<ad::Var> d = ad::grad(ad::sum(g), {s, x});
  BOOST_TEST(matches(d[0].value(), ad::Tensor{4.0, 3.0, 6.5}));  // w + 2x
  BOOST_TEST(matches(d[1].value(), ad::Tensor{0.6, 1.2, 1.8}));  // 2s
}

BOOST_AUTO_TEST_CASE(backward_of_a_constant_output_does_nothing) {
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{1.0});
  const ad::Var c = ad::sum(ad::constant(ad::Tensor{1.0, 2.0}) * 2.0);
  BOOST_TEST(!c.requires_grad());
  BOOST_CHECK_NO_THROW(c.backward());
  BOOST_TEST(matches(x.grad(), ad::Tensor{0.0}));
  BOOST_TEST(matches(ad::grad(c, {x})[0].value(), ad::Tensor{0.0}));
}

// ---- Parameter --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(parameter_value_and_grad_survive_tape_clear) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  ad::Parameter w(ad::Tensor{1.0, 2.0}, "w");
  BOOST_TEST(w.name() == "w");
  BOOST_TEST(matches(w.grad(), ad::Tensor{0.0, 0.0}));
  ad::sum(ad::square(w.var())).backward();
  BOOST_TEST(matches(w.grad(), ad::Tensor{2.0, 4.0}));
  tape.clear();
  BOOST_TEST(tape.size() == 0u);
  BOOST_TEST(matches(w.value(), ad::Tensor{1.0, 2.0}));
  BOOST_TEST(matches(w.grad(), ad::Tensor{2.0, 4.0}));
  // The next iteration accumulates on top, until zero_grad.
  ad::sum(ad::square(w.var())).backward();
  BOOST_TEST(matches(w.grad(), ad::Tensor{4.0, 8.0}));
  w.zero_grad();
  BOOST_TEST(matches(w.grad(), ad::Tensor{0.0, 0.0}));
  // An optimizer step on value() is what the next var() records.
  w.value() -= 0.5 * ad::Tensor{2.0, 4.0};
  tape.clear();
  const ad::Var v = w.var();
  BOOST_TEST(matches(v.value(), ad::Tensor{0.0, 0.0}));
  BOOST_TEST(v.is_leaf());
  BOOST_TEST(v.requires_grad());
  BOOST_TEST(v.op_name() == "parameter");
}

BOOST_AUTO_TEST_CASE(parameter_used_twice_in_one_graph_accumulates_both_uses) {
  FreshTape t;
  ad::Parameter p(ad::Tensor{{1.0, -1.0}, {0.5, 2.0}});
  const ad::Var y = ad::sum(p.var() * 3.0) + ad::sum(ad::square(p.var()));
  y.backward();
  BOOST_TEST(matches(p.grad(), 3.0 + 2.0 * p.value()));
  // ad::grad w.r.t. one of the two uses sees only that use.
  ad::Parameter q(ad::Tensor{2.0});
  const ad::Var q1 = q.var();
  const ad::Var q2 = q.var();
  const ad::Var z = ad::sum(q1 * q2 * 5.0);
  BOOST_TEST(matches(ad::grad(z, {q1})[0].value(), ad::Tensor{10.0}));
  z.backward();
  BOOST_TEST(matches(q.grad(), ad::Tensor{20.0}));
}

BOOST_AUTO_TEST_CASE(parameter_copies_share_storage_and_the_tape_keeps_it_alive) {
  FreshTape t;
  ad::Var v;
  {
    ad::Parameter p(ad::Tensor{3.0, 4.0});
    ad::Parameter copy = p;
    copy.value()(0) = 30.0;
    BOOST_TEST(p.value()(0) == 30.0);
    v = p.var();
  }  // both handles gone; the tape still refers to the storage
  BOOST_TEST(matches(v.value(), ad::Tensor{30.0, 4.0}));
  ad::sum(v * v).backward();
  BOOST_TEST(matches(v.grad(), ad::Tensor{60.0, 8.0}));
}

// ---- higher derivatives -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(derivatives_of_any_order_through_create_graph) {
  FreshTape t;
  const ad::Tensor xv{0.5, -1.5, 2.0};
  const ad::Var x = ad::variable(xv);
  const ad::Var y = ad::sum(ad::pow(x, 4.0));
  const ad::Var d1 = ad::grad(y, {x}, {.create_graph = true})[0];            // 4x³
  const ad::Var d2 = ad::grad(ad::sum(d1), {x}, {.create_graph = true})[0];  // 12x²
  const ad::Var d3 = ad::grad(ad::sum(d2), {x}, {.create_graph = true})[0];  // 24x
  const ad::Var d4 = ad::grad(ad::sum(d3), {x})[0];                          // 24
  BOOST_TEST(matches(d1.value(), 4.0 * xv * xv * xv));
  BOOST_TEST(matches(d2.value(), 12.0 * xv * xv));
  BOOST_TEST(matches(d3.value(), 24.0 * xv));
  BOOST_TEST(matches(d4.value(), ad::Tensor{24.0, 24.0, 24.0}));
  BOOST_TEST(d1.requires_grad());
  BOOST_TEST(!d4.requires_grad());  // without create_graph the gradient is a constant
}

BOOST_AUTO_TEST_CASE(mixed_second_derivatives) {
  // f(a, b) = sin(a)·b², so ∂²f/∂a∂b = 2b·cos(a) and ∂²f/∂b² = 2 sin(a).
  FreshTape t;
  const ad::Var a = ad::variable(ad::Tensor(0.7));
  const ad::Var b = ad::variable(ad::Tensor(-1.3));
  const ad::Var f = ad::sin(a) * ad::square(b);
  const std::vector<ad::Var> g = ad::grad(f, {a, b}, {.create_graph = true});
  const std::vector<ad::Var> gb = ad::grad(g[1], {a, b});
  BOOST_TEST(gb[0].item() == 2.0 * -1.3 * std::cos(0.7), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(gb[1].item() == 2.0 * std::sin(0.7), boost::test_tools::tolerance(1e-12));
  const std::vector<ad::Var> ga = ad::grad(g[0], {b});
  BOOST_TEST(ga[0].item() == gb[0].item(), boost::test_tools::tolerance(1e-12));
}

// ---- the check tools themselves -----------------------------------------------------------------

namespace {

// sin with a backward that is wrong by a factor (first order), or right in value but built
// from constants (so its own derivative, the second order, is wrong).
struct BadSin : ad::Function {
  explicit BadSin(bool constant_backward) : constant_backward_(constant_backward) {}
  std::string name() const override { return "bad_sin"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override { return xt::sin(in[0].value()); }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>& in,
                                const ad::Var&) override {
    if (constant_backward_) return {g * ad::constant(xt::cos(in[0].value()))};
    return {g * ad::cos(in[0]) * 1.01};
  }

 private:
  bool constant_backward_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(gradcheck_and_gradgradcheck_catch_wrong_derivatives) {
  const ad::Tensor x{0.3, -0.8, 1.1};
  const ad::FunctionN wrong_first = [](const std::vector<ad::Var>& v) {
    return ad::apply(std::make_unique<BadSin>(false), {v[0]});
  };
  const ad::FunctionN wrong_second = [](const std::vector<ad::Var>& v) {
    return ad::apply(std::make_unique<BadSin>(true), {v[0]});
  };
  const ad::GradcheckReport first = ad::gradcheck_report(wrong_first, {x});
  BOOST_TEST(!first.ok);
  BOOST_TEST(first.message.find("input 0") != std::string::npos, first.message);
  BOOST_TEST(first.max_abs_error > 1e-3);
  BOOST_TEST(ad::gradcheck_report(wrong_second, {x}).ok);
  const ad::GradcheckReport second = ad::gradgradcheck_report(wrong_second, {x});
  BOOST_TEST(!second.ok);
  BOOST_TEST(second.message.find("second order") != std::string::npos, second.message);
  BOOST_TEST(!ad::gradcheck(wrong_first, {x}));
  BOOST_TEST(!ad::gradgradcheck(wrong_second, {x}));
  // ... and pass the correct one.
  const ad::Function1 right = [](const ad::Var& v) { return ad::sin(v); };
  BOOST_TEST(ad::gradcheck(right, {x, ad::Tensor(0.5)}));
}
