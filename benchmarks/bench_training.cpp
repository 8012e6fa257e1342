// Measurement 7: the whole deterministic training of assignment 1 (`--noise 0`): from the
// course's initial weights, `steps` steepest-descent steps P ← P − 3.5·J_P on all six
// parameters, with the fused manual gradient and with chainrule autodiff. One benchmark
// iteration is one whole training run (10 000 steps; 100 for the CI smoke run). Every run's
// final cost is compared with the reference (1e-9 after 100 steps; 1e-3 after 10 000, since
// the run passes a chaotic spike near step 2850 where rounding differences grow).
#include <benchmark/benchmark.h>

#include "autodiff_network.hpp"
#include "bench_support.hpp"
#include "manual_network.hpp"

namespace bench = chainrule::bench;
namespace ad = chainrule::ad;

namespace {

void check_final_cost(const char* who, std::size_t steps, double cost) {
  const auto [expected, tolerance] = bench::assignment_reference_cost(steps);
  bench::check_relative(
      std::string("training (") + who + "): cost after " + std::to_string(steps) + " steps", cost,
      expected, tolerance);
}

void BM_Training_ManualFused(benchmark::State& state) {
  const auto steps = static_cast<std::size_t>(state.range(0));
  const bench::MlpData data = bench::assignment_network();
  const double* x = data.x.data.data();
  const double* y = data.y.data.data();
  for (auto _ : state) {
    bench::ManualNetwork net(data);
    for (std::size_t i = 0; i < steps; ++i) {
      net.gradient(x, y);
      net.descend(bench::assignment_aggression);
    }
    const double cost = net.forward(x, y);
    benchmark::DoNotOptimize(cost);
    check_final_cost("manual, fused", steps, cost);
  }
}

void BM_Training_Autodiff(benchmark::State& state) {
  const auto steps = static_cast<std::size_t>(state.range(0));
  const bench::MlpData data = bench::assignment_network();
  for (auto _ : state) {
    bench::AutodiffNetwork net(data);
    for (std::size_t i = 0; i < steps; ++i) {
      net.gradient();
      net.descend(bench::assignment_aggression);
    }
    const double cost = net.forward();
    benchmark::DoNotOptimize(cost);
    check_final_cost("autodiff", steps, cost);
  }
  ad::current_tape().clear();
}

BENCHMARK(BM_Training_ManualFused)
    ->ArgName("steps")
    ->Arg(100)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Training_Autodiff)
    ->ArgName("steps")
    ->Arg(100)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) { return bench::benchmark_main(argc, argv); }
