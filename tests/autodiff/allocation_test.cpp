// A training step allocates nothing once warm: the tape reuses its nodes' buffers after
// clear(), the sweep its adjoints, and parameters their gradients. This executable replaces
// the global operator new to count, and runs the course's 1 → 6 → 7 → 2 sigmoid network
// (written with linear, and with matmul + add) and a tanh network with a mean squared loss.
#define BOOST_TEST_MODULE autodiff_allocation
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <new>
#include <vector>

#include <chainrule/autodiff.hpp>

namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace ad = chainrule::ad;

namespace {

ad::Tensor filled(const ad::Shape& shape, double start) {
  ad::Tensor t = ad::Tensor::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = std::sin(start + 0.37 * i);
  return t;
}

struct Layer {
  ad::Parameter W, b;
};

std::vector<Layer> layers(const std::vector<std::size_t>& sizes) {
  std::vector<Layer> result;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    result.push_back({ad::Parameter(filled({sizes[l + 1], sizes[l]}, 0.1 * l)),
                      ad::Parameter(filled({sizes[l + 1], 1}, 0.3 * l))});
  }
  return result;
}

// Steepest descent in place (a plain loop: `value -= rate * grad` would make a temporary).
void descend(std::vector<Layer>& net, double rate) {
  for (Layer& layer : net) {
    for (ad::Parameter* p : {&layer.W, &layer.b}) {
      double* v = p->value().data();
      const double* g = p->grad().data();
      for (std::size_t k = 0; k < p->size(); ++k) v[k] -= rate * g[k];
      p->zero_grad();
    }
  }
}

// Allocations made by each of the steps after the first few.
std::size_t allocations_once_warm(std::vector<Layer>& net,
                                  const std::function<ad::Var(std::vector<Layer>&)>& cost) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  std::size_t most = 0;
  for (int step = 0; step < 10; ++step) {
    counting = step >= 3;
    allocations = 0;
    tape.clear();
    const ad::Var c = cost(net);
    c.backward();
    descend(net, 0.05);
    counting = false;
    most = std::max(most, allocations.load());
  }
  return most;
}

const ad::Tensor x = filled({1, 100}, 0.0);
const ad::Tensor y = filled({2, 100}, 1.0);

}  // namespace

BOOST_AUTO_TEST_CASE(the_course_network_trains_without_allocating) {
  std::vector<Layer> net = layers({1, 6, 7, 2});
  const auto cost = [](std::vector<Layer>& n) {
    ad::Var a = ad::constant(x);
    for (Layer& l : n) a = ad::sigmoid(ad::linear(l.W.var(), a, l.b.var()));
    return ad::sum(ad::square(a - ad::constant(y))) / 100.0;
  };
  BOOST_TEST(allocations_once_warm(net, cost) == 0u);
}

BOOST_AUTO_TEST_CASE(matmul_plus_bias_trains_without_allocating) {
  std::vector<Layer> net = layers({1, 6, 7, 2});
  const auto cost = [](std::vector<Layer>& n) {
    ad::Var a = ad::constant(x);
    for (Layer& l : n) a = ad::sigmoid(ad::matmul(l.W.var(), a) + l.b.var());
    return ad::sum(ad::square(a - ad::constant(y))) / 100.0;
  };
  BOOST_TEST(allocations_once_warm(net, cost) == 0u);
}

BOOST_AUTO_TEST_CASE(a_wide_tanh_network_trains_without_allocating) {
  // Wide enough that its adjoints go through the sweep's spare buffers (≥ 1 024 elements).
  std::vector<Layer> net = layers({1, 64, 64, 2});
  const auto cost = [](std::vector<Layer>& n) {
    ad::Var a = ad::constant(x);
    for (Layer& l : n) a = ad::tanh(ad::linear(l.W.var(), a, l.b.var()));
    return ad::mean(ad::square(a - ad::constant(y)));
  };
  BOOST_TEST(allocations_once_warm(net, cost) == 0u);
}
