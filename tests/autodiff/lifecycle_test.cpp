// Engine lifecycle misuse gives a named error, never a crash: scopes ending out of order, a
// tape destroyed under its scope, clear() during the tape's own sweep, a Parameter modified
// between recording and backward (its version counter), a moved-from Parameter.
#define BOOST_TEST_MODULE autodiff_lifecycle
#include <memory>
#include <optional>
#include <utility>

#include <xtensor/xmath.hpp>

#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

ad::Tensor scalar(double x) { return ad::Tensor(x); }

// x·exp(x) at x = 2 has derivative 3·e² = 22.167; mixing the recorded x with another value
// of the parameter gives numbers like 7.389 (the review's case), never an error by itself.
ad::Var x_exp_x(const ad::Parameter& p) {
  const ad::Var x = p.var();
  return x * ad::exp(x);
}

// Calls the current tape's clear() from inside its backward.
struct ClearsItsTape : ad::Function {
  std::string name() const override { return "clears_its_tape"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override { return in[0].value(); }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>&,
                                const ad::Var&) override {
    ad::current_tape().clear();
    return {g};
  }
};

}  // namespace

// ---- TapeScope and tape lifetime -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(scopes_ending_out_of_order_restore_the_right_tape) {
  ad::Tape& default_tape = ad::current_tape();
  auto first_tape = std::make_unique<ad::Tape>();
  auto second_tape = std::make_unique<ad::Tape>();
  auto first = std::make_unique<ad::TapeScope>(*first_tape);
  auto second = std::make_unique<ad::TapeScope>(*second_tape);
  BOOST_TEST(&ad::current_tape() == second_tape.get());
  first.reset();  // the outer scope ends first
  BOOST_TEST(&ad::current_tape() == second_tape.get());
  first_tape.reset();  // its tape can go: nothing refers to it any more
  BOOST_TEST(&ad::current_tape() == second_tape.get());
  second.reset();
  BOOST_TEST(&ad::current_tape() == &default_tape);
  second_tape.reset();
  const ad::Var x = ad::variable(scalar(3.0));  // records on the default tape, no dangling
  BOOST_TEST(&x.tape() == &default_tape);
  BOOST_TEST(x.item() == 3.0);
}

BOOST_AUTO_TEST_CASE(three_scopes_ending_in_any_order) {
  ad::Tape& default_tape = ad::current_tape();
  ad::Tape a, b, c;
  auto sa = std::make_unique<ad::TapeScope>(a);
  auto sb = std::make_unique<ad::TapeScope>(b);
  auto sc = std::make_unique<ad::TapeScope>(c);
  sb.reset();  // the middle one
  BOOST_TEST(&ad::current_tape() == &c);
  sc.reset();
  BOOST_TEST(&ad::current_tape() == &a);
  sa.reset();
  BOOST_TEST(&ad::current_tape() == &default_tape);
}

BOOST_AUTO_TEST_CASE(tape_destroyed_under_a_live_scope_is_reported_not_used) {
  ad::Tape& default_tape = ad::current_tape();
  auto tape = std::make_unique<ad::Tape>();
  {
    ad::TapeScope scope(*tape);
    tape.reset();
    expect_error<ad::TapeError>([] { ad::current_tape(); }, {"current_tape", "destroyed"},
                                "current_tape() after its tape was destroyed");
    expect_error<ad::TapeError>([] { ad::variable(scalar(1.0)); }, {"destroyed", "TapeScope"},
                                "variable() after the scope's tape was destroyed");
    const ad::Parameter p(scalar(1.0), "p");
    expect_error<ad::TapeError>([&] { p.var(); }, {"destroyed"},
                                "Parameter::var() after the scope's tape was destroyed");
  }
  BOOST_TEST(&ad::current_tape() == &default_tape);  // the scope's end restores as usual
  BOOST_TEST(ad::variable(scalar(2.0)).item() == 2.0);
}

BOOST_AUTO_TEST_CASE(tape_destroyed_under_an_outer_scope_is_reported_when_it_becomes_current) {
  auto outer_tape = std::make_unique<ad::Tape>();
  ad::Tape inner_tape;
  ad::TapeScope outer(*outer_tape);
  {
    ad::TapeScope inner(inner_tape);
    outer_tape.reset();
    BOOST_TEST(ad::variable(scalar(1.0)).item() == 1.0);  // the inner tape is fine
  }
  expect_error<ad::TapeError>([] { ad::variable(scalar(1.0)); }, {"destroyed"},
                              "variable() once the destroyed tape's scope is innermost again");
}

// ---- clear() during the tape's own sweep ---------------------------------------------------

BOOST_AUTO_TEST_CASE(clear_during_its_own_sweep_throws) {
  FreshTape t;
  const ad::Var x = ad::variable(scalar(2.0));
  const ad::Var y = ad::apply(std::make_unique<ClearsItsTape>(), {x});
  expect_error<ad::TapeError>([&] { y.backward(); }, {"cannot clear a tape during its sweep"},
                              "clear() from a Function's backward during backward()");
  expect_error<ad::TapeError>([&] { ad::grad(y, {x}); }, {"cannot clear a tape during its sweep"},
                              "clear() from a Function's backward during grad()");
  expect_error<ad::TapeError>([&] { ad::grad(y, {x}, {.create_graph = true}); },
                              {"cannot clear a tape during its sweep"},
                              "clear() from a Function's backward during grad(create_graph)");
  // The tape is intact and usable, and clear() works once no sweep runs.
  BOOST_TEST(x.item() == 2.0);
  BOOST_TEST(ad::grad(x * x, {x})[0].item() == 4.0);
  t.tape.clear();
  BOOST_TEST(t.tape.size() == 0u);
}

// ---- Parameter version counter -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(unmodified_parameter_differentiates_as_before) {
  FreshTape t;
  ad::Parameter p(scalar(2.0), "w");
  const std::uint64_t version = p.version();
  (void)std::as_const(p).value();  // reading is no modification
  x_exp_x(p).backward();
  BOOST_TEST(p.grad()() == 3.0 * std::exp(2.0), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(p.version() == version);
}

BOOST_AUTO_TEST_CASE(each_kind_of_modification_after_recording_is_detected) {
  const std::vector<std::pair<std::string, std::function<void(ad::Parameter&)>>> changes = {
      {"reassigned", [](ad::Parameter& p) { p.value() = scalar(3.0); }},
      {"stepped in place", [](ad::Parameter& p) { p.value() -= 0.1 * p.grad(); }},
      {"resized", [](ad::Parameter& p) { p.value().resize({3}); }},
      {"assign()",
       [](ad::Parameter& p) {
         p.assign(xt::ones<double>({2, 2}));
       }},
      {"written through a pointer", [](ad::Parameter& p) {
         double* data = p.value().data();
         data[0] = 5.0;
       }}};
  for (const auto& [what, change] : changes) {
    for (const std::string op : {"backward", "grad", "grad with create_graph"}) {
      FreshTape t;
      ad::Parameter p(scalar(2.0), "w1");
      const ad::Var x = p.var();
      const ad::Var y = x * ad::exp(x);
      change(p);
      expect_error<ad::TapeError>(
          [&] {
            if (op == "backward") y.backward();
            if (op == "grad") ad::grad(y, {x});
            if (op == "grad with create_graph") ad::grad(y, {x}, {.create_graph = true});
          },
          {"chainrule: " + std::string(op == "backward" ? "backward" : "grad"), "'w1'", "modified"},
          what + " then " + op);
      BOOST_TEST(xt::sum(xt::abs(p.grad()))() == 0.0);  // nothing accumulated from mixed values
      // Recording again after the change works.
      if (p.size() == 1) {
        const double v = std::as_const(p).value().data()[0];
        p.zero_grad();
        x_exp_x(p).backward();
        BOOST_TEST(p.grad().data()[0] == (1.0 + v) * std::exp(v),
                   boost::test_tools::tolerance(1e-12));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(modified_parameter_as_the_output_itself_is_detected) {
  FreshTape t;
  ad::Parameter p(scalar(2.0), "lonely");
  const ad::Var x = p.var();
  p.value() = scalar(4.0);
  expect_error<ad::TapeError>([&] { x.backward(); }, {"'lonely'", "modified"},
                              "backward from the parameter's own leaf");
}

BOOST_AUTO_TEST_CASE(stale_leaf_off_the_path_is_no_error) {
  // The first iteration's leaf is still on the tape (no clear) but the second loss does not
  // read it: stepping the parameter in between must not stop the second backward.
  FreshTape t;
  ad::Parameter p(scalar(2.0), "w");
  x_exp_x(p).backward();
  p.value() -= 0.5 * p.grad();
  p.zero_grad();
  const double v = std::as_const(p).value()();
  x_exp_x(p).backward();
  BOOST_TEST(p.grad()() == (1.0 + v) * std::exp(v), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(unnamed_parameter_is_described_by_its_shape) {
  FreshTape t;
  ad::Parameter p(xt::ones<double>({2, 3}));
  const ad::Var y = ad::sum(ad::square(p.var()));
  p.mark_modified();
  expect_error<ad::TapeError>([&] { y.backward(); }, {"(unnamed)", "(2, 3)", "modified"},
                              "an unnamed parameter");
}

// ---- moved-from Parameter ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(moved_from_parameter_throws_like_an_empty_var) {
  FreshTape t;
  ad::Parameter p(scalar(1.0), "w");
  const ad::Parameter q = std::move(p);
  BOOST_TEST(q.name() == "w");
  const std::vector<std::pair<std::string, std::function<void()>>> members = {
      {"name", [&] { (void)p.name(); }},
      {"value", [&] { (void)std::as_const(p).value(); }},
      {"value", [&] { (void)p.value(); }},
      {"grad", [&] { (void)std::as_const(p).grad(); }},
      {"grad", [&] { (void)p.grad(); }},
      {"zero_grad", [&] { p.zero_grad(); }},
      {"shape", [&] { (void)p.shape(); }},
      {"size", [&] { (void)p.size(); }},
      {"var", [&] { (void)p.var(); }},
      {"var", [&] { (void)p.var(t.tape); }},
      {"assign", [&] { p.assign(scalar(2.0)); }},
      {"mark_modified", [&] { p.mark_modified(); }},
      {"version", [&] { (void)p.version(); }},
      {"set_requires_grad", [&] { p.set_requires_grad(false); }},
      {"requires_grad", [&] { (void)p.requires_grad(); }},
  };
  for (const auto& [member, call] : members) {
    expect_error<ad::TapeError>(call, {"Parameter::" + member, "moved from"}, member);
  }
  BOOST_TEST(t.tape.size() == 0u);  // nothing was recorded
}

// ---- a gradient of the wrong shape ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(gradient_of_another_shape_is_an_error_never_replaced) {
  FreshTape t;
  ad::Parameter w(ad::Tensor{1.0, 2.0}, "w");
  w.grad() = ad::Tensor{7.0};  // set by hand, wrong shape: kept as set for readers to refuse
  BOOST_TEST(ad::to_string(ad::shape_of(w.grad())) == "(1,)");
  const ad::Var y = ad::sum(ad::square(w.var()));
  expect_error<ad::ShapeError>([&] { y.backward(); },
                               {"backward", "'w'", "(2,)", "(1,)", "zero_grad"},
                               "backward into a wrong-shaped gradient");
  w.zero_grad();  // the remedy: the next accumulation assigns, at the value's shape
  ad::sum(ad::square(w.var())).backward();
  BOOST_TEST(w.grad()(1) == 4.0);
}
