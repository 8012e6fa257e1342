// Measurement 6: peak memory of one gradient of the scaling network (64 → width → width → 10,
// default width 1024, batch 256), for chainrule autodiff or the fused manual code. One
// implementation per process, so nothing else shares the peak:
//   1. generate the data and run one small gradient (width 8, batch 1) so that the runtime
//      (OpenBLAS buffers, the tape's first block) is set up;
//   2. read the resident set (VmRSS) as the baseline and reset the peak (VmHWM) to it;
//   3. build the network and run `steps` gradients, as a training loop would;
//   4. peak − baseline is the memory the network's gradient needs: parameters, gradients,
//      activations, the tape and whatever the allocator keeps.
// Prints one JSON object. The report runs it beside LibTorch's twin (peak_memory_torch).
//   peak_memory [autodiff|manual] [width] [batch] [steps]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "autodiff_network.hpp"
#include "bench_support.hpp"
#include "manual_network.hpp"

namespace bench = chainrule::bench;
namespace ad = chainrule::ad;

int main(int argc, char** argv) {
  const std::string which = argc > 1 ? argv[1] : "autodiff";
  const std::size_t width = argc > 2 ? std::stoul(argv[2]) : 1024;
  const std::size_t batch = argc > 3 ? std::stoul(argv[3]) : 256;
  const int steps = argc > 4 ? std::stoi(argv[4]) : 3;
  if (which != "autodiff" && which != "manual") {
    std::fprintf(stderr, "usage: peak_memory [autodiff|manual] [width] [batch] [steps]\n");
    return 2;
  }
  bench::set_blas_threads(1);
  const bench::MlpData data = bench::scaling_network(width, batch);
  const bench::MlpData warm_up = bench::scaling_network(8, 1);
  if (which == "autodiff") {
    bench::AutodiffNetwork(warm_up).gradient();
  } else {
    bench::ManualNetwork(warm_up).gradient(warm_up.x.data.data(), warm_up.y.data.data());
  }

  const long baseline = bench::rss_kib();
  const bool reset = bench::reset_peak_rss();
  double cost = 0.0;
  std::size_t tape_bytes = 0;
  if (which == "autodiff") {
    bench::AutodiffNetwork net(data);
    for (int i = 0; i < steps; ++i) cost = net.gradient();
    tape_bytes = ad::current_tape().bytes();
  } else {
    bench::ManualNetwork net(data);
    for (int i = 0; i < steps; ++i) cost = net.gradient(data.x.data.data(), data.y.data.data());
  }
  const long peak = bench::peak_rss_kib();
  std::printf(
      "{\"implementation\": \"%s\", \"width\": %zu, \"batch\": %zu, \"steps\": %d, "
      "\"baseline_rss_kib\": %ld, \"peak_rss_kib\": %ld, \"increment_kib\": %ld, "
      "\"peak_reset\": %s, \"tape_bytes\": %zu, \"cost\": %.17g}\n",
      which == "autodiff" ? "chainrule autodiff" : "manual, fused", width, batch, steps, baseline,
      peak, peak - baseline, reset ? "true" : "false", tape_bytes, cost);
  return 0;
}
