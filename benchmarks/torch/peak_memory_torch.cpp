// Measurement 6, LibTorch's side: the twin of peak_memory.cpp (same network, data, warm-up and
// method) with LibTorch autograd, so the two peaks compare like for like.
//   peak_memory_torch [width] [batch] [steps]
#include <cstdio>
#include <string>

#include "bench_support.hpp"
#include "torch_network.hpp"

namespace bench = chainrule::bench;

int main(int argc, char** argv) {
  const std::size_t width = argc > 1 ? std::stoul(argv[1]) : 1024;
  const std::size_t batch = argc > 2 ? std::stoul(argv[2]) : 256;
  const int steps = argc > 3 ? std::stoi(argv[3]) : 3;
  bench::set_blas_threads(1);
  bench::set_torch_threads(1);
  const bench::MlpData data = bench::scaling_network(width, batch);
  const bench::MlpData warm_up = bench::scaling_network(8, 1);
  bench::TorchNetwork(warm_up).gradient();

  const long baseline = bench::rss_kib();
  const bool reset = bench::reset_peak_rss();
  double cost = 0.0;
  {
    bench::TorchNetwork net(data);
    for (int i = 0; i < steps; ++i) cost = net.gradient();
  }
  const long peak = bench::peak_rss_kib();
  std::printf(
      "{\"implementation\": \"LibTorch autograd\", \"width\": %zu, \"batch\": %zu, "
      "\"steps\": %d, \"baseline_rss_kib\": %ld, \"peak_rss_kib\": %ld, \"increment_kib\": %ld, "
      "\"peak_reset\": %s, \"tape_bytes\": 0, \"cost\": %.17g}\n",
      width, batch, steps, baseline, peak, peak - baseline, reset ? "true" : "false", cost);
  return 0;
}
