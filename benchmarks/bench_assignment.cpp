// Measurement 1: the assignment network (1 → 6 → 7 → 2 sigmoid, batch 100, the course's
// initial weights), one gradient of the cost three ways, and the forward pass alone:
//   - manual, assignment style: six Jacobian functions, each recomputing the forward pass;
//   - manual, fused: one forward, one backward, BLAS and fused loops (the tuned baseline);
//   - chainrule autodiff: zero the gradients, clear the tape, record, backward.
// Before anything is timed the three gradients are compared to 1e-12 (abort on mismatch).
#include <benchmark/benchmark.h>

#include <span>

#include "assignment_style.hpp"
#include "autodiff_network.hpp"
#include "bench_support.hpp"
#include "manual_network.hpp"

namespace bench = chainrule::bench;
namespace ad = chainrule::ad;

namespace {

std::span<const double> view(const ad::Tensor& t) { return {t.data(), t.size()}; }
std::span<const double> view(const std::vector<double>& v) { return {v.data(), v.size()}; }

void cross_check() {
  const bench::MlpData data = bench::assignment_network();
  bench::ManualNetwork fused(data);
  const double fused_cost = fused.gradient(data.x.data.data(), data.y.data.data());
  bench::check_close("assignment: fused cost vs reference", fused_cost,
                     bench::reference::assignment_initial_cost, 1e-12);

  bench::AutodiffNetwork autodiff(data);
  const double autodiff_cost = autodiff.gradient();
  bench::check_close("assignment: autodiff cost vs fused", autodiff_cost, fused_cost, 1e-12);

  const bench::AssignmentStyle notebook(data);
  const auto J = notebook.jacobians(autodiff.x, autodiff.y);
  bench::check_close("assignment: notebook cost vs fused", notebook.cost(autodiff.x, autodiff.y),
                     fused_cost, 1e-12);
  const ad::Tensor* notebook_w[] = {&J.W1, &J.W2, &J.W3};
  const ad::Tensor* notebook_b[] = {&J.b1, &J.b2, &J.b3};
  for (std::size_t l = 0; l < 3; ++l) {
    const std::string layer = std::to_string(l + 1);
    bench::check_close("assignment: autodiff J_W" + layer + " vs fused",
                       view(autodiff.weights[l].grad()), view(fused.grad_weights[l]), 1e-12);
    bench::check_close("assignment: autodiff J_b" + layer + " vs fused",
                       view(autodiff.biases[l].grad()), view(fused.grad_biases[l]), 1e-12);
    bench::check_close("assignment: notebook J_W" + layer + " vs fused", view(*notebook_w[l]),
                       view(fused.grad_weights[l]), 1e-12);
    bench::check_close("assignment: notebook J_b" + layer + " vs fused", view(*notebook_b[l]),
                       view(fused.grad_biases[l]), 1e-12);
  }
  ad::current_tape().clear();
}

void BM_Assignment_ManualNotebook(benchmark::State& state) {
  const bench::MlpData data = bench::assignment_network();
  const bench::AssignmentStyle net(data);
  const ad::Tensor x = bench::to_tensor(data.x), y = bench::to_tensor(data.y);
  for (auto _ : state) {
    auto J = net.jacobians(x, y);
    benchmark::DoNotOptimize(J.W1.data());
  }
}
BENCHMARK(BM_Assignment_ManualNotebook);

void BM_Assignment_ManualFused(benchmark::State& state) {
  const bench::MlpData data = bench::assignment_network();
  bench::ManualNetwork net(data);
  for (auto _ : state) {
    benchmark::DoNotOptimize(net.gradient(data.x.data.data(), data.y.data.data()));
  }
}
BENCHMARK(BM_Assignment_ManualFused);

void BM_Assignment_Autodiff(benchmark::State& state) {
  bench::AutodiffNetwork net(bench::assignment_network());
  for (auto _ : state) benchmark::DoNotOptimize(net.gradient());
  ad::current_tape().clear();
}
BENCHMARK(BM_Assignment_Autodiff);

// Forward pass alone (for (forward + backward) / forward).
void BM_AssignmentForward_ManualNotebook(benchmark::State& state) {
  const bench::MlpData data = bench::assignment_network();
  const bench::AssignmentStyle net(data);
  const ad::Tensor x = bench::to_tensor(data.x), y = bench::to_tensor(data.y);
  for (auto _ : state) benchmark::DoNotOptimize(net.cost(x, y));
}
BENCHMARK(BM_AssignmentForward_ManualNotebook);

void BM_AssignmentForward_ManualFused(benchmark::State& state) {
  const bench::MlpData data = bench::assignment_network();
  bench::ManualNetwork net(data);
  for (auto _ : state) {
    benchmark::DoNotOptimize(net.forward(data.x.data.data(), data.y.data.data()));
  }
}
BENCHMARK(BM_AssignmentForward_ManualFused);

void BM_AssignmentForward_Autodiff(benchmark::State& state) {
  bench::AutodiffNetwork net(bench::assignment_network());
  for (auto _ : state) benchmark::DoNotOptimize(net.forward());
  ad::current_tape().clear();
}
BENCHMARK(BM_AssignmentForward_Autodiff);

}  // namespace

int main(int argc, char** argv) {
  cross_check();
  return bench::benchmark_main(argc, argv);
}
