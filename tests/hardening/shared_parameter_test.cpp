// The thread-safety contract of docs/thread-safety.md, one test per promise about a Parameter
// shared between threads (each thread records on its own tape): reading it onto two tapes at
// once; two backward passes accumulating into its gradient at once lose nothing; a step
// between another thread's recording and its backward is detected. Label `threads`: the tsan
// preset runs this under ThreadSanitizer.
#define BOOST_TEST_MODULE hardening_shared_parameter
#include <boost/test/unit_test.hpp>

#include <barrier>
#include <cmath>
#include <exception>
#include <functional>
#include <latch>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <xtensor/xmath.hpp>

#include <chainrule/autodiff.hpp>

namespace ad = chainrule::ad;

namespace {

// Runs `body(i)` on `count` threads at once; returns what each threw ("" when nothing).
std::vector<std::string> on_threads(std::size_t count,
                                    const std::function<void(std::size_t)>& body) {
  std::vector<std::string> errors(count);
  std::vector<std::thread> threads;
  std::latch start(static_cast<std::ptrdiff_t>(count));
  for (std::size_t i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();  // all threads race from here
      try {
        body(i);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return errors;
}

// sum((x·w + b)²) with x = 1 + i/10: elementwise rules (plain loops, seen by ThreadSanitizer)
// and a broadcast reduction into b. d/dw = Σ 2(x w + b) x, d/db = Σ 2(x w + b).
struct Shared {
  ad::Parameter w{ad::Tensor({0.5, -0.25, 1.0}), "w"};
  ad::Parameter b{ad::Tensor(0.1), "b"};

  static ad::Tensor input(std::size_t i, std::size_t step) {
    return ad::Tensor({1.0, 2.0, 3.0}) * (1.0 + static_cast<double>((i * 7 + step) % 10) / 10.0);
  }
  ad::Var loss(const ad::Tensor& x) const {
    return ad::sum(ad::square(ad::constant(x) * w.var() + b.var()));
  }
  // The gradient the same inputs give, computed by hand.
  std::pair<ad::Tensor, double> expected(const ad::Tensor& x) const {
    const ad::Tensor r = 2.0 * (x * w.value() + b.value()());
    return {r * x, ad::Tensor(xt::sum(r))()};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(backward_passes_on_two_threads_accumulate_into_one_parameter) {
  Shared shared;
  constexpr std::size_t threads = 4;
  constexpr std::size_t steps = 300;
  const std::vector<std::string> errors = on_threads(threads, [&](std::size_t i) {
    ad::Tape tape;  // each thread its own tape
    ad::TapeScope scope(tape);
    for (std::size_t step = 0; step < steps; ++step) {
      shared.loss(Shared::input(i, step)).backward();
      tape.clear();
    }
  });
  for (const std::string& e : errors) BOOST_TEST(e == "");
  ad::Tensor expected_w = xt::zeros<double>({3});
  double expected_b = 0.0;
  for (std::size_t i = 0; i < threads; ++i) {
    for (std::size_t step = 0; step < steps; ++step) {
      const auto [gw, gb] = shared.expected(Shared::input(i, step));
      expected_w += gw;
      expected_b += gb;
    }
  }
  // Every contribution arrived (a lost update would be off by a whole term); only the order of
  // the additions differs from the sequential sum.
  for (std::size_t k = 0; k < 3; ++k) {
    BOOST_TEST(shared.w.grad()(k) == expected_w(k), boost::test_tools::tolerance(1e-9));
  }
  BOOST_TEST(shared.b.grad()() == expected_b, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(lazy_zero_grad_then_concurrent_accumulation) {
  // The first accumulation after zero_grad assigns: with two threads racing to be first,
  // exactly one may assign and the other must add.
  Shared shared;
  for (std::size_t round = 0; round < 50; ++round) {
    shared.w.zero_grad();
    shared.b.zero_grad();
    const std::vector<std::string> errors = on_threads(2, [&](std::size_t i) {
      ad::Tape tape;
      ad::TapeScope scope(tape);
      shared.loss(Shared::input(i, round)).backward();
    });
    for (const std::string& e : errors) BOOST_TEST(e == "");
    const auto [w0, b0] = shared.expected(Shared::input(0, round));
    const auto [w1, b1] = shared.expected(Shared::input(1, round));
    BOOST_TEST(shared.b.grad()() == b0 + b1, boost::test_tools::tolerance(1e-12));
    for (std::size_t k = 0; k < 3; ++k) {
      BOOST_TEST(shared.w.grad()(k) == w0(k) + w1(k), boost::test_tools::tolerance(1e-12));
    }
  }
}

BOOST_AUTO_TEST_CASE(reading_a_parameter_onto_two_tapes_at_once) {
  // Forward passes only: both threads read the same value; neither changes anything.
  Shared shared;
  std::vector<double> results(2);
  const std::vector<std::string> errors = on_threads(2, [&](std::size_t i) {
    ad::Tape tape;
    ad::TapeScope scope(tape);
    for (std::size_t step = 0; step < 200; ++step) {
      results[i] = shared.loss(Shared::input(0, 0)).item();
      tape.clear();
    }
  });
  for (const std::string& e : errors) BOOST_TEST(e == "");
  BOOST_TEST(results[0] == results[1]);
  BOOST_TEST(shared.w.version() == 0u);
}

BOOST_AUTO_TEST_CASE(a_step_between_another_threads_recording_and_backward_is_detected) {
  // Sequenced (no race): the worker records, the main thread steps the parameter, then the
  // worker's backward finds the parameter changed and names it.
  Shared shared;
  std::barrier sync(2);
  std::string error;
  std::thread worker([&] {
    ad::Tape tape;
    ad::TapeScope scope(tape);
    const ad::Var loss = shared.loss(Shared::input(0, 0));
    sync.arrive_and_wait();  // recorded
    sync.arrive_and_wait();  // stepped
    try {
      loss.backward();
    } catch (const ad::TapeError& e) {
      error = e.what();
    }
  });
  sync.arrive_and_wait();
  shared.w.value() -= 0.1;  // an in-place step
  sync.arrive_and_wait();
  worker.join();
  BOOST_TEST(error.find("parameter 'w'") != std::string::npos, error);
  BOOST_TEST(error.find("modified") != std::string::npos, error);
}
