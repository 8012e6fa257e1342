// Measurement 4: the cost of recording one operation. A chain of elementwise operations on a
// tiny tensor (1 or 16 elements), recorded, swept backwards and cleared; the counter
// `ns_per_op` is the time per recorded operation. The chain is `ops` / 2 steps
// `v = v * 0.999 + 0.001`, each recording two operations (a multiply and an add).
#include <benchmark/benchmark.h>

#include <cmath>

#include <chainrule/autodiff.hpp>

#include "bench_support.hpp"

namespace bench = chainrule::bench;
namespace ad = chainrule::ad;

namespace {

void BM_OpOverhead_Autodiff(benchmark::State& state) {
  const auto ops = static_cast<std::size_t>(state.range(0));
  const std::size_t steps = ops / 2;
  const auto width = static_cast<std::size_t>(state.range(1));
  ad::Tape& tape = ad::current_tape();
  ad::Parameter x(ad::Tensor(ad::Shape{width}, 0.5));
  {  // the chain's gradient is 0.999^steps per element
    tape.clear();
    ad::Var v = x.var();
    for (std::size_t i = 0; i < steps; ++i) v = v * 0.999 + 0.001;
    ad::sum(v).backward();
    bench::check_relative("overhead: gradient", x.grad().data()[0],
                          std::pow(0.999, static_cast<double>(steps)), 1e-9);
  }
  for (auto _ : state) {
    tape.clear();
    ad::Var v = x.var();
    for (std::size_t i = 0; i < steps; ++i) v = v * 0.999 + 0.001;
    ad::sum(v).backward();
  }
  tape.clear();
  state.counters["ns_per_op"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(2 * steps),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_OpOverhead_Autodiff)
    ->ArgNames({"ops", "elements"})
    ->Args({1000, 1})
    ->Args({1000, 16})
    ->Args({100000, 1})
    ->Args({100000, 16})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) { return bench::benchmark_main(argc, argv); }
