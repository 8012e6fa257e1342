// An optimizer's in-place step is a modification of its parameters: a Var recorded before the
// step can no longer be differentiated (backward throws TapeError naming the parameter), and
// recording again after the step works.
#define BOOST_TEST_MODULE optim_version
#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>

#include <chainrule/autodiff.hpp>
#include <chainrule/optim.hpp>

#include "test_support.hpp"

namespace ad = chainrule::ad;
namespace optim = chainrule::optim;
using namespace chainrule::test;

BOOST_AUTO_TEST_CASE(every_optimizer_step_makes_earlier_recordings_stale) {
  for (const std::string name :
       {"steepest", "stochastic", "momentum", "nesterov", "rmsprop", "adam"}) {
    BOOST_TEST_CONTEXT(name) {
      FreshTape t;
      ad::Parameter w(ad::Tensor({1.0, 2.0}), "weights");
      auto opt = optim::make_optimizer(name, {w}, {.learning_rate = 0.1});
      ad::sum(ad::square(w.var())).backward();
      const std::uint64_t before = w.version();
      const ad::Var stale = ad::sum(ad::square(w.var()));
      opt->step();
      BOOST_TEST(w.version() > before);
      const std::string message = message_of([&] { stale.backward(); });
      BOOST_TEST(contains(message, "chainrule: backward: parameter 'weights'"), message);
      BOOST_TEST(contains(message, "modified"), message);
      opt->zero_grad();
      const ad::Var fresh = ad::sum(ad::square(w.var()));
      fresh.backward();
      BOOST_TEST(w.grad()(0) == 2.0 * std::as_const(w).value()(0));
    }
  }
}
