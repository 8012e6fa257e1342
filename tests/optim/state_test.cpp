// Optimizer state declared once (issue 14): hyperparameters validated at construction, in
// every setter and on load; counts from a checkpoint checked before conversion; state shapes
// checked at every step; parameter groups with their own learning rates (issue 13).
#define BOOST_TEST_MODULE optim_state
#include <boost/test/unit_test.hpp>

#include <chainrule/autodiff.hpp>
#include <chainrule/nn.hpp>
#include <chainrule/optim.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include "test_support.hpp"

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
namespace optim = chainrule::optim;
namespace fs = std::filesystem;

using chainrule::test::contains;
using chainrule::test::message_of;
using chainrule::test::TempDir;

namespace {

const double not_a_number = std::numeric_limits<double>::quiet_NaN();
const double inf = std::numeric_limits<double>::infinity();

using Make = std::function<std::unique_ptr<optim::Optimizer>(std::vector<ad::Parameter>)>;

const std::vector<std::pair<std::string, Make>>& every_optimizer() {
  static const std::vector<std::pair<std::string, Make>> all = {
      {"SteepestDescent", [](auto p) { return std::make_unique<optim::SteepestDescent>(p, 0.1); }},
      {"StochasticSteepestDescent",
       [](auto p) { return std::make_unique<optim::StochasticSteepestDescent>(p, 0.1, 0.5, 3); }},
      {"Momentum", [](auto p) { return std::make_unique<optim::Momentum>(p, 0.1, 0.9, true); }},
      {"RMSProp", [](auto p) { return std::make_unique<optim::RMSProp>(p, 0.1); }},
      {"Adam", [](auto p) { return std::make_unique<optim::Adam>(p, 0.1); }},
  };
  return all;
}

void set_grad(ad::Parameter& p, double g) { p.grad().fill(g); }

}  // namespace

BOOST_AUTO_TEST_CASE(hyperparameters_are_validated_at_construction) {
  std::vector<ad::Parameter> p{ad::Parameter(ad::Tensor{1.0, 2.0}, "w")};
  const auto error = [](auto make) { return message_of(make); };
  BOOST_TEST(contains(error([&] { optim::Adam(p, 0.1, 1.0); }),
                      "chainrule: Adam: beta1 must be in [0, 1), got 1"));
  BOOST_TEST(contains(error([&] { optim::Adam(p, 0.1, 0.9, not_a_number); }),
                      "chainrule: Adam: beta2 must be in [0, 1), got nan"));
  BOOST_TEST(contains(error([&] { optim::Adam(p, 0.1, 0.9, 0.999, 0.0); }),
                      "chainrule: Adam: epsilon must be in (0, inf), got 0"));
  BOOST_TEST(contains(error([&] { optim::RMSProp(p, 0.1, 2.0); }),
                      "chainrule: RMSProp: rho must be in [0, 1), got 2"));
  BOOST_TEST(contains(error([&] { optim::RMSProp(p, 0.1, 0.9, -1.0); }),
                      "chainrule: RMSProp: epsilon must be in (0, inf), got -1"));
  BOOST_TEST(contains(error([&] { optim::Momentum(p, 0.1, -0.1); }),
                      "chainrule: Momentum: momentum must be in [0, 1), got -0.10000000000000001"));
  BOOST_TEST(contains(error([&] { optim::StochasticSteepestDescent(p, 0.1, inf); }),
                      "chainrule: StochasticSteepestDescent: noise must be in [0, inf), got inf"));
  for (const double lr : {-1.0, not_a_number, inf}) {
    BOOST_TEST_CONTEXT(lr) {
      BOOST_TEST(contains(error([&] { optim::SteepestDescent(p, lr); }),
                          "chainrule: SteepestDescent: the learning rate must be in [0, inf)"));
      BOOST_CHECK_THROW(optim::Adam(p, lr), optim::HyperparameterError);
    }
  }
  optim::OptimizerOptions o;
  o.beta1 = 1.0;
  BOOST_CHECK_THROW(optim::make_optimizer("adam", p, o), optim::HyperparameterError);
}

BOOST_AUTO_TEST_CASE(every_setter_validates_and_changes_nothing_when_it_refuses) {
  std::vector<ad::Parameter> p{ad::Parameter(ad::Tensor{1.0, 2.0}, "w")};
  optim::Adam adam(p, 0.1);
  BOOST_TEST(contains(message_of([&] { adam.set_learning_rate(not_a_number); }),
                      "chainrule: Adam::set_learning_rate: the learning rate must be in [0, inf), "
                      "got nan"));
  BOOST_CHECK_THROW(adam.set_learning_rate(-1e-3), optim::HyperparameterError);
  BOOST_TEST(adam.learning_rate() == 0.1);
  BOOST_TEST(contains(message_of([&] { adam.set_hyperparameter("beta1", 1.0); }),
                      "chainrule: Adam::set_hyperparameter: beta1 must be in [0, 1), got 1"));
  BOOST_TEST(adam.hyperparameter("beta1") == 0.9);
  adam.set_hyperparameter("beta1", 0.5);
  BOOST_TEST(adam.hyperparameter("beta1") == 0.5);
  BOOST_TEST(contains(message_of([&] { adam.set_hyperparameter("momentum", 0.5); }),
                      "Adam: no hyperparameter 'momentum' (it has beta1, beta2, epsilon)"));
  BOOST_TEST(
      (adam.hyperparameter_names() == std::vector<std::string>{"beta1", "beta2", "epsilon"}));
  optim::SteepestDescent sd(p, 0.1);
  BOOST_TEST(contains(message_of([&] { sd.set_hyperparameter("noise", 1.0); }),
                      "none besides the learning rate"));
}

BOOST_AUTO_TEST_CASE(every_optimizer_checks_state_shapes_at_each_step) {
  for (const auto& [name, make] : every_optimizer()) {
    BOOST_TEST_CONTEXT(name) {
      ad::Parameter w(ad::Tensor{1.0, 2.0}, "w");
      auto opt = make({w});
      set_grad(w, 1.0);
      opt->step();
      // The parameter is resized behind the optimizer's back (value and gradient agree).
      w.value() = ad::Tensor{1.0, 2.0, 3.0, 4.0, 5.0};
      w.zero_grad();
      const std::string m = message_of([&] { opt->step(); });
      if (name == "SteepestDescent" || name == "StochasticSteepestDescent") {
        BOOST_TEST(m == "(no exception)");  // no state to go stale
      } else {
        BOOST_TEST(contains(m, "chainrule: " + name + "::step: parameter 0 ('w') has shape (5,)"),
                   m);
        BOOST_TEST(contains(m, "but its state"), m);
        BOOST_TEST(contains(m, "has shape (2,)"), m);
        BOOST_CHECK_THROW(opt->step(), ad::ShapeError);
      }
      // A gradient of another shape is refused by every optimizer.
      w.grad() = ad::Tensor{1.0};
      BOOST_TEST(contains(message_of([&] { opt->step(); }), "but gradient shape (1,)"));
    }
  }
}

BOOST_AUTO_TEST_CASE(saved_counts_and_hyperparameters_are_checked_on_load) {
  ad::Parameter w(ad::Tensor{1.0, 2.0}, "w");
  optim::Adam adam({w}, 0.1);
  set_grad(w, 1.0);
  adam.step();
  const optim::OptimizerState good = adam.state();
  optim::Adam fresh({ad::Parameter(ad::Tensor{0.0, 0.0}, "w")}, 0.1);
  const auto load_error = [&](const std::string& key, double value) {
    optim::OptimizerState s = good;
    s.numbers[key] = value;
    return message_of([&] { fresh.load_state(s); });
  };
  // A step count of 1e300 or ∞ was converted to int64 (UB): steps() became INT64_MIN.
  for (const double steps : {1e300, inf, not_a_number, -1.0, 2.5, 9007199254740994.0}) {
    BOOST_TEST_CONTEXT(steps) {
      const std::string m = load_error("steps", steps);
      BOOST_TEST(contains(m, "Adam state: 'steps' is "), m);
      BOOST_TEST(contains(m, "not an integer in [0, 2^53]"), m);
    }
  }
  BOOST_TEST(contains(load_error("parameters", 1e300), "'parameters' is 1.0000000000000001e+300"));
  BOOST_TEST(contains(load_error("groups", 2.0), "has 2 parameter groups, this optimizer has 1"));
  BOOST_TEST(contains(load_error("beta1", not_a_number),
                      "Adam state: 'beta1' must be in [0, 1), got nan"));
  BOOST_TEST(contains(load_error("beta1", 1.0), "'beta1' must be in [0, 1), got 1"));
  BOOST_TEST(contains(load_error("epsilon", -1.0), "'epsilon' must be in (0, inf), got -1"));
  BOOST_TEST(contains(load_error("learning_rate", -0.5), "'learning_rate' must be in [0, inf)"));
  BOOST_TEST(fresh.steps() == 0);
  BOOST_TEST(fresh.hyperparameter("beta1") == 0.9);
  BOOST_CHECK_THROW(
      [&] {
        optim::OptimizerState s = good;
        s.numbers["beta1"] = not_a_number;
        fresh.load_state(s);
      }(),
      nn::CheckpointError);
  fresh.load_state(good);
  BOOST_TEST(fresh.steps() == 1);
}

BOOST_AUTO_TEST_CASE(hostile_numbers_in_a_manifest_are_refused) {
  // "beta1": "nan", "epsilon": -1 and "steps": 1e300 written into the manifest by hand.
  TempDir tmp("hostile");
  nn::Sequential net = nn::mlp({2, 3}, nn::Activation::tanh, nn::init::normal(1.0), 1);
  optim::Adam adam(net.parameters(), 0.1);
  const fs::path dir = tmp.path / "ckpt";
  for (const auto& [from, to, expect] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"\"beta1\": 0.9", "\"beta1\": \"nan\"", "'beta1' must be in [0, 1), got nan"},
           {"\"epsilon\": 1e-08", "\"epsilon\": -1", "'epsilon' must be in (0, inf), got -1"},
           {"\"steps\": 0.0", "\"steps\": 1e300", "'steps' is 1.0000000000000001e+300"},
           {"\"steps\": 0.0", "\"steps\": \"inf\"", "'steps' is inf"}}) {
    BOOST_TEST_CONTEXT(to) {
      optim::save_checkpoint(dir, net, adam);
      std::ifstream in(dir / "manifest.json");
      std::string text((std::istreambuf_iterator<char>(in)), {});
      in.close();
      const std::size_t at = text.find(from);
      BOOST_TEST_REQUIRE(at != std::string::npos, from);
      text.replace(at, from.size(), to);
      std::ofstream(dir / "manifest.json", std::ios::trunc) << text;
      optim::Adam target(net.parameters(), 0.1);
      const std::string m = message_of([&] { optim::load_checkpoint(dir, net, target); });
      BOOST_TEST(contains(m, expect), m);
      BOOST_TEST(target.steps() == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(parameter_groups_have_their_own_learning_rates) {
  ad::Parameter a(ad::Tensor{1.0}, "a");
  ad::Parameter b(ad::Tensor{1.0}, "b");
  ad::Parameter c(ad::Tensor{1.0}, "c");
  optim::SteepestDescent sd({{.parameters = {a, b}}, {.parameters = {c}, .learning_rate = 0.5}},
                            0.1);
  BOOST_TEST(sd.group_count() == 2u);
  BOOST_TEST(sd.parameters().size() == 3u);
  BOOST_TEST(sd.group_of(2) == 1u);
  BOOST_TEST(sd.learning_rate(0) == 0.1);
  BOOST_TEST(sd.learning_rate(1) == 0.5);
  for (ad::Parameter p : {a, b, c}) set_grad(p, 1.0);
  sd.step();
  BOOST_TEST(a.value()(0) == 0.9);
  BOOST_TEST(b.value()(0) == 0.9);
  BOOST_TEST(c.value()(0) == 0.5);
  // The base rate moves the groups without their own; a schedule scales every group.
  sd.set_learning_rate(0.2);
  sd.set_learning_rate(1, 0.25);
  sd.set_schedule(optim::Schedule::constant(2.0));
  BOOST_TEST(sd.current_learning_rate(0) == 0.4);
  BOOST_TEST(sd.current_learning_rate(1) == 0.5);
  sd.step();
  BOOST_TEST(a.value()(0) == 0.9 - 0.4);
  BOOST_TEST(c.value()(0) == 0.0);
  BOOST_TEST(contains(message_of([&] { sd.set_learning_rate(2, 0.1); }), "no group 2 (it has 2)"));
  BOOST_CHECK_THROW(sd.set_learning_rate(1, -0.1), optim::HyperparameterError);
  BOOST_TEST(contains(
      message_of([&] { optim::Adam({{.parameters = {a}, .learning_rate = not_a_number}}, 0.1); }),
      "Adam: the learning rate of group 0 must be in [0, inf), got nan"));

  // Groups round-trip through the state; another grouping is refused.
  const optim::OptimizerState s = sd.state();
  optim::SteepestDescent same({{.parameters = {a, b}}, {.parameters = {c}}}, 1.0);
  same.load_state(s);
  BOOST_TEST(same.learning_rate(1) == 0.25);
  BOOST_TEST(same.learning_rate(0) == 0.2);
  optim::SteepestDescent flat({a, b, c}, 1.0);
  BOOST_TEST(contains(message_of([&] { flat.load_state(s); }),
                      "has 2 parameter groups, this optimizer has 1"));
}

BOOST_AUTO_TEST_CASE(the_state_lists_every_declared_field_once) {
  ad::Parameter w(ad::Tensor{1.0, 2.0}, "w");
  optim::Adam adam({w}, 0.1);
  const optim::OptimizerState s = adam.state();
  BOOST_TEST(s.type == "Adam");
  for (const char* key :
       {"learning_rate", "steps", "parameters", "groups", "beta1", "beta2", "epsilon"}) {
    BOOST_TEST(s.numbers.count(key) == 1u, key);
  }
  BOOST_TEST_REQUIRE(s.tensors.size() == 2u);
  BOOST_TEST(s.tensors[0].first == "m.0");
  BOOST_TEST(s.tensors[1].first == "v.0");
  optim::StochasticSteepestDescent ssd({w}, 0.1, 0.5, 7);
  BOOST_TEST(ssd.state().text.count("generator") == 1u);
  optim::OptimizerState bad = ssd.state();
  bad.text["generator"] = "not a state";
  BOOST_TEST(contains(message_of([&] { ssd.load_state(bad); }),
                      "StochasticSteepestDescent generator: chainrule: Generator::set_state"));
}

BOOST_AUTO_TEST_CASE(frozen_parameters_are_skipped) {
  for (const auto& [name, make] : every_optimizer()) {
    BOOST_TEST_CONTEXT(name) {
      ad::Parameter frozen(ad::Tensor{1.0, 2.0}, "frozen");
      ad::Parameter live(ad::Tensor{1.0, 2.0}, "live");
      auto opt = make({frozen, live});
      frozen.set_requires_grad(false);
      set_grad(frozen, 1.0);
      set_grad(live, 1.0);
      opt->step();
      BOOST_TEST((frozen.value() == ad::Tensor{1.0, 2.0}));
      BOOST_TEST(!(live.value() == ad::Tensor{1.0, 2.0}));
      for (const auto& [key, value] : opt->state().tensors) {
        if (key.back() == '0') BOOST_TEST((value == ad::Tensor{0.0, 0.0}), key);
      }
    }
  }
}
