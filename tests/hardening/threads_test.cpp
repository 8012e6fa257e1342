// Two independent trainings on two threads at once give bit-identical results to the same two
// trainings run one after the other (issue 8). Each thread records on its own thread-local
// default tape; the tsan preset runs this test under ThreadSanitizer.
#define BOOST_TEST_MODULE hardening_threads
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include <chainrule/autodiff.hpp>
#include <chainrule/nn.hpp>
#include <chainrule/optim.hpp>

#include "curve_data.hpp"

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
namespace optim = chainrule::optim;

namespace {

struct Run {
  std::vector<double> costs;           // before every step
  std::vector<ad::Tensor> parameters;  // after the last step
  const ad::Tape* tape = nullptr;      // the tape it recorded on
  std::string error;                   // what a thread threw, if anything
};

// Assignment 1's 1-6-7-2 sigmoid network on the heart curve, `steps` optimizer steps, recorded
// on this thread's default tape (no TapeScope anywhere).
Run train(std::uint64_t seed, const std::string& optimizer, std::size_t steps) {
  const chainrule::curve::Curve curve = chainrule::curve::heart_curve(100);
  nn::Sequential net = nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid, nn::init::normal(0.5), seed);
  optim::OptimizerOptions options;
  options.learning_rate = optimizer == "adam" ? 0.05 : optimizer == "momentum" ? 0.3 : 3.5;
  options.seed = seed;
  auto opt = optim::make_optimizer(optimizer, net.parameters(), options);
  ad::Tape& tape = ad::current_tape();
  Run run;
  run.tape = &tape;
  for (std::size_t i = 0; i < steps; ++i) {
    tape.clear();
    const ad::Var cost = nn::squared_error_cost(net(ad::constant(curve.x)), curve.y);
    opt->zero_grad();
    cost.backward();
    opt->step();
    run.costs.push_back(cost.item());
  }
  for (const ad::Parameter& p : net.parameters()) run.parameters.push_back(p.value());
  tape.clear();
  return run;
}

// train() on a new thread; an exception becomes Run::error instead of std::terminate.
std::thread start(Run& run, std::uint64_t seed, const std::string& optimizer, std::size_t n) {
  return std::thread([&run, seed, optimizer, n] {
    try {
      run = train(seed, optimizer, n);
    } catch (const std::exception& e) {
      run.error = e.what();
    }
  });
}

// Bit for bit: == on doubles (the same operations in the same order give the same bits).
void expect_identical(const Run& a, const Run& b) {
  BOOST_TEST_REQUIRE(b.error == "");
  BOOST_TEST_REQUIRE(a.costs.size() == b.costs.size());
  for (std::size_t i = 0; i < a.costs.size(); ++i) {
    BOOST_TEST_INFO("step " << i);
    BOOST_TEST(a.costs[i] == b.costs[i]);
  }
  BOOST_TEST_REQUIRE(a.parameters.size() == b.parameters.size());
  for (std::size_t i = 0; i < a.parameters.size(); ++i) {
    BOOST_TEST_INFO("parameter " << i);
    BOOST_TEST((a.parameters[i] == b.parameters[i]));
  }
}

constexpr std::size_t steps = 200;

}  // namespace

BOOST_AUTO_TEST_CASE(two_trainings_on_two_threads_match_sequential_runs) {
  // Different seeds and optimizers, so the threads do different work at the same time.
  const Run first = train(1, "stochastic", steps);
  const Run second = train(2, "adam", steps);
  BOOST_TEST_REQUIRE(first.costs.back() < first.costs.front());  // they do train
  BOOST_TEST_REQUIRE(second.costs.back() < second.costs.front());

  Run parallel_first;
  Run parallel_second;
  std::thread a = start(parallel_first, 1, "stochastic", steps);
  std::thread b = start(parallel_second, 2, "adam", steps);
  a.join();
  b.join();

  expect_identical(first, parallel_first);
  expect_identical(second, parallel_second);
  // Each thread recorded on its own default tape, neither on the main thread's.
  BOOST_TEST(parallel_first.tape != parallel_second.tape);
  BOOST_TEST(parallel_first.tape != first.tape);
  BOOST_TEST(parallel_second.tape != first.tape);
}

BOOST_AUTO_TEST_CASE(many_threads_with_anomaly_detection_on) {
  // Anomaly detection is a process-wide switch read by every thread while they record.
  ad::AnomalyGuard on;
  const Run reference = train(3, "momentum", 50);
  std::vector<Run> runs(4);
  std::vector<std::thread> threads;
  for (Run& r : runs) threads.push_back(start(r, 3, "momentum", 50));
  for (std::thread& t : threads) t.join();
  for (const Run& r : runs) expect_identical(reference, r);
}
