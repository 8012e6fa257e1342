// The tape over time and across threads: a training loop that records, backpropagates and
// clears 100 000 times runs in flat memory, and each thread's default tape is its own.
#define BOOST_TEST_MODULE autodiff_tape
#include <atomic>
#include <cmath>
#include <latch>
#include <thread>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>

#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

// A two-layer perceptron with a squared loss, as a training step records it.
struct Network {
  ad::Parameter w1;
  ad::Parameter b1;
  ad::Parameter w2;
  ad::Parameter b2;
  ad::Tensor x;
  ad::Tensor target;

  explicit Network(Rng& rng)
      : w1(uniform(-1.0, 1.0)(rng, {4, 8}), "w1"),
        b1(uniform(-0.1, 0.1)(rng, {8}), "b1"),
        w2(uniform(-1.0, 1.0)(rng, {8, 1}), "w2"),
        b2(uniform(-0.1, 0.1)(rng, {1}), "b2"),
        x(uniform(-1.0, 1.0)(rng, {16, 4})),
        target(uniform(-1.0, 1.0)(rng, {16, 1})) {}

  ad::Var loss() const {
    const ad::Var h = ad::tanh(ad::matmul(ad::constant(x), w1.var()) + b1.var());
    const ad::Var out = ad::matmul(h, w2.var()) + b2.var();
    return ad::mean(ad::square(out - ad::constant(target)));
  }

  void step(double rate) {
    for (ad::Parameter* p : {&w1, &b1, &w2, &b2}) {
      p->value() -= rate * p->grad();
      p->zero_grad();
    }
  }
};

struct Footprint {
  std::size_t size;
  std::size_t bytes;
  std::size_t capacity;
  bool operator==(const Footprint&) const = default;
};

Footprint footprint(const ad::Tape& tape) { return {tape.size(), tape.bytes(), tape.capacity()}; }

std::ostream& operator<<(std::ostream& out, const Footprint& f) {
  return out << "{size " << f.size << ", bytes " << f.bytes << ", capacity " << f.capacity << "}";
}

}  // namespace

BOOST_AUTO_TEST_CASE(training_loop_runs_in_flat_memory) {
  Rng rng(1001);
  Network net(rng);
  ad::Tape tape;
  ad::TapeScope scope(tape);
  constexpr std::size_t iterations = 100000;
  Footprint first{};
  std::size_t changed = 0;
  std::size_t not_cleared = 0;
  Footprint last{};
  double first_loss = 0.0;
  double last_loss = 0.0;
  for (std::size_t i = 0; i < iterations; ++i) {
    const ad::Var loss = net.loss();
    loss.backward();
    last_loss = loss.item();
    const Footprint now = footprint(tape);
    if (i == 0) {
      first = now;
      first_loss = last_loss;
    } else if (!(now == first)) {
      ++changed;
      last = now;
    }
    net.step(0.01);
    tape.clear();
    if (tape.size() != 0) ++not_cleared;
  }
  BOOST_TEST(not_cleared == 0u);
  BOOST_TEST(first.size > 10u);
  BOOST_TEST(changed == 0u,
             changed << " iterations changed the footprint " << first << ", e.g. to " << last);
  BOOST_TEST(last_loss < first_loss);  // the loop really trained
}

BOOST_AUTO_TEST_CASE(loop_with_create_graph_runs_in_flat_memory) {
  // A gradient penalty: the reverse sweep itself is recorded every iteration.
  Rng rng(1002);
  Network net(rng);
  ad::Tape tape;
  ad::TapeScope scope(tape);
  Footprint first{};
  std::size_t changed = 0;
  for (std::size_t i = 0; i < 5000; ++i) {
    const ad::Var w = net.w1.var();
    const ad::Var loss = ad::sum(ad::sin(ad::matmul(ad::constant(net.x), w)));
    const ad::Var g = ad::grad(loss, {w}, {.create_graph = true})[0];
    ad::sum(ad::square(g)).backward();
    const Footprint now = footprint(tape);
    if (i == 0) {
      first = now;
    } else if (!(now == first)) {
      ++changed;
    }
    net.w1.zero_grad();
    tape.clear();
  }
  BOOST_TEST(changed == 0u, changed << " iterations changed the footprint " << first);
}

BOOST_AUTO_TEST_CASE(long_chains_span_many_storage_blocks) {
  // More nodes than one block of tape storage holds, several times over.
  ad::Tape tape;
  ad::TapeScope scope(tape);
  constexpr int steps = 700;
  Footprint first{};
  for (int iteration = 0; iteration < 3; ++iteration) {
    const ad::Var x = ad::variable(ad::Tensor{0.5, -0.25});
    ad::Var h = x;
    for (int i = 0; i < steps; ++i) h = ad::sin(h) * 0.5 + h;  // two nodes a step
    const ad::Var y = ad::sum(h);
    y.backward();
    // The same derivative by the chain rule on plain numbers.
    for (std::size_t e = 0; e < 2; ++e) {
      double value = x.value()(e);
      double derivative = 1.0;
      for (int i = 0; i < steps; ++i) {
        derivative *= 0.5 * std::cos(value) + 1.0;
        value = 0.5 * std::sin(value) + value;
      }
      BOOST_TEST(h.value()(e) == value, boost::test_tools::tolerance(1e-12));
      BOOST_TEST(x.grad()(e) == derivative, boost::test_tools::tolerance(1e-12));
    }
    const std::vector<ad::Var> g = ad::grad(y, {x}, {.create_graph = true});
    BOOST_TEST(matches(g[0].value(), x.grad()));
    BOOST_TEST(tape.size() > 4u * steps);
    if (iteration == 0) {
      first = footprint(tape);
    } else {
      BOOST_TEST(footprint(tape) == first);
    }
    tape.clear();
  }
  BOOST_TEST(first.capacity >= 4u * steps);
}

BOOST_AUTO_TEST_CASE(a_sweep_holds_the_live_adjoints_not_one_per_node) {
  // 40 operations on 4 096 elements (32 KiB each): the tape keeps their values, but a sweep
  // needs only the adjoints alive at once, a few, not 40.
  constexpr std::size_t n = 4096;
  constexpr int steps = 20;
  constexpr std::size_t tensor_bytes = n * sizeof(double);
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Tensor start = xt::linspace(-2.0, 2.0, n);
  std::size_t after_first_sweep = 0;
  for (int iteration = 0; iteration < 2; ++iteration) {
    const ad::Var x = ad::variable(start);
    ad::Var h = x;
    for (int i = 0; i < steps; ++i) h = ad::sigmoid(h) + h;  // two nodes a step
    const std::size_t recorded = tape.bytes();
    BOOST_TEST(recorded > (2 * steps + 1) * tensor_bytes);  // the values
    ad::sum(h).backward();
    if (iteration == 0) {
      after_first_sweep = tape.bytes();
      BOOST_TEST(after_first_sweep - recorded < 6 * tensor_bytes,
                 "the sweep holds " << after_first_sweep - recorded << " bytes");
    } else {
      BOOST_TEST(tape.bytes() <= after_first_sweep);  // and no more the next time
    }
    // Every gradient still right: the chain rule on plain numbers, element by element.
    for (std::size_t e = 0; e < n; e += 511) {
      double value = start(e);
      double derivative = 1.0;
      for (int i = 0; i < steps; ++i) {
        const double s = 1.0 / (1.0 + std::exp(-value));
        derivative *= s * (1.0 - s) + 1.0;
        value = s + value;
      }
      BOOST_TEST(x.grad()(e) == derivative, boost::test_tools::tolerance(1e-12));
    }
    tape.clear();
  }
}

BOOST_AUTO_TEST_CASE(grad_of_large_intermediates_keeps_their_adjoints) {
  // The requested inputs' adjoints are read after the sweep: they are never recycled, even
  // when the sweep passes through them (h1 feeds h2, both requested).
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(xt::linspace(-1.0, 1.0, 3000));
  const ad::Var h1 = ad::sin(x) + x;
  const ad::Var h2 = ad::exp(h1) + h1;
  const ad::Var y = ad::sum(ad::square(h2) + h2);
  const std::vector<ad::Var> g = ad::grad(y, {h1, h2});
  const ad::Tensor dy_dh2 = 2.0 * h2.value() + 1.0;
  BOOST_TEST(matches(g[1].value(), dy_dh2));
  BOOST_TEST(matches(g[0].value(), ad::Tensor(dy_dh2 * (xt::exp(h1.value()) + 1.0))));
}

BOOST_AUTO_TEST_CASE(clear_keeps_storage_and_forgets_nodes) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  BOOST_TEST(tape.size() == 0u);
  const ad::Var x = ad::variable(ad::Tensor{1.0, 2.0});
  const ad::Var y = ad::sum(ad::exp(x));
  BOOST_TEST(tape.size() == 3u);
  const std::size_t capacity = tape.capacity();
  const std::size_t bytes = tape.bytes();
  BOOST_TEST(capacity >= 3u);
  tape.clear();
  BOOST_TEST(tape.size() == 0u);
  BOOST_TEST(tape.capacity() == capacity);
  BOOST_TEST(tape.bytes() == bytes);
  BOOST_TEST(!y.valid());
}

BOOST_AUTO_TEST_CASE(tape_scopes_nest) {
  ad::Tape& base = ad::current_tape();
  ad::Tape outer;
  ad::Tape inner;
  {
    ad::TapeScope a(outer);
    BOOST_TEST(&ad::current_tape() == &outer);
    {
      ad::TapeScope b(inner);
      BOOST_TEST(&ad::current_tape() == &inner);
      BOOST_TEST(&ad::variable(ad::Tensor{1.0}).tape() == &inner);
    }
    BOOST_TEST(&ad::current_tape() == &outer);
  }
  BOOST_TEST(&ad::current_tape() == &base);
  BOOST_TEST(inner.size() == 1u);
  BOOST_TEST(outer.size() == 0u);
}

BOOST_AUTO_TEST_CASE(threads_record_on_their_own_default_tapes) {
  constexpr int iterations = 3000;
  std::latch start(2);
  std::atomic<int> wrong{0};
  const ad::Tape* tapes[2] = {nullptr, nullptr};
  const ad::Tape* main_tape = &ad::current_tape();
  const auto work = [&](int id) {
    const double k = 1.0 + id;
    tapes[id] = &ad::current_tape();
    start.arrive_and_wait();  // both threads record at the same time
    std::size_t size = 0;
    for (int i = 0; i < iterations; ++i) {
      ad::Tape& tape = ad::current_tape();
      const ad::Tensor xv{k, 0.5 * i, -k};
      const ad::Var x = ad::variable(xv);
      const ad::Var y = ad::sum(ad::square(x) * k);
      y.backward();
      const std::vector<ad::Var> g = ad::grad(y, {x}, {.create_graph = true});
      if (i == 0) size = tape.size();
      const bool ok = tape.size() == size && mismatch(x.grad(), 2.0 * k * xv, 1e-14, 0.0).empty() &&
                      mismatch(g[0].value(), 2.0 * k * xv, 1e-14, 0.0).empty() &&
                      &x.tape() == &tape;
      if (!ok) ++wrong;
      tape.clear();
    }
  };
  std::thread a(work, 0);
  std::thread b(work, 1);
  a.join();
  b.join();
  BOOST_TEST(wrong.load() == 0);
  BOOST_TEST(tapes[0] != tapes[1]);
  BOOST_TEST(tapes[0] != main_tape);
  BOOST_TEST(tapes[1] != main_tape);
}
