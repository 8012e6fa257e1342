// The scalar kernels of vector_math.hpp and the choice between them and the AVX2 ones.

#include "vector_math.hpp"

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace chainrule::ad::detail::vector_math {
namespace {

void exp_loop(const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::exp(x[i]);
}
void log_loop(const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::log(x[i]);
}
void tanh_loop(const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::tanh(x[i]);
}
void sigmoid_loop(const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double e = std::exp(-std::fabs(x[i]));
    out[i] = (x[i] >= 0.0 ? 1.0 : e) / (1.0 + e);  // NaN stays NaN: e is NaN
  }
}
void sigmoid_gradient_loop(const double* g, const double* x, double* out, std::size_t n, bool add) {
  for (std::size_t i = 0; i < n; ++i) {
    const double e = std::exp(-std::fabs(x[i]));
    const double d = 1.0 + e;
    const double v = g[i] * (e / (d * d));
    out[i] = add ? out[i] + v : v;
  }
}

}  // namespace

const Kernels& scalar_kernels() {
  static constexpr Kernels scalar{"scalar",   &exp_loop,     &log_loop,
                                  &tanh_loop, &sigmoid_loop, &sigmoid_gradient_loop};
  return scalar;
}

const Kernels* avx2_kernels() {
#if CHAINRULE_AVX2_KERNELS
  // Asked here, in a file compiled for baseline x86-64: nothing may run AVX2 code before it.
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (supported) return &avx2_kernel_table();
#endif
  return nullptr;
}

namespace {
// CHAINRULE_VECTOR_MATH=scalar runs glibc's loops on any CPU (results then agree bit for bit
// across machines); `avx2` insists on the vector kernels; unset or empty: the fastest.
const Kernels& choose() {
  const char* asked = std::getenv("CHAINRULE_VECTOR_MATH");
  const std::string choice = asked != nullptr ? asked : "";
  if (choice == "scalar") return scalar_kernels();
  if (choice.empty() || choice == "avx2") {
    if (const Kernels* avx2 = avx2_kernels()) return *avx2;
    if (choice.empty()) return scalar_kernels();
    throw std::runtime_error(
        "chainrule: CHAINRULE_VECTOR_MATH=avx2, but this CPU or build has no AVX2 + FMA kernels");
  }
  throw std::invalid_argument("chainrule: CHAINRULE_VECTOR_MATH='" + choice +
                              "' is not one of: scalar, avx2 (or unset)");
}
}  // namespace

const Kernels& kernels() {
  static const Kernels& chosen = choose();
  return chosen;
}

}  // namespace chainrule::ad::detail::vector_math
