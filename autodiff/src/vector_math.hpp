#pragma once
// Internal: exp, log, tanh and the sigmoid over contiguous arrays, vectorised in the default
// build. The library is compiled for baseline x86-64 (SSE2, where glibc's scalar exp beats a
// vector one), so the AVX2 + FMA kernels live in their own translation unit and are chosen at
// start-up when the CPU has them; other CPUs run the scalar loops. Either way each result is
// within 2 ulp of glibc's (tests/autodiff/vector_math_test.cpp checks a dense grid).

#include <cstddef>

namespace chainrule::ad::detail::vector_math {

/// out[i] = f(x[i]) for i < n; `out` may be `x`.
using Map = void (*)(const double* x, double* out, std::size_t n);
/// out[i] = g[i]·f′(x[i]) (`add`: out[i] += ...): an elementwise function's backward.
using GradientMap = void (*)(const double* g, const double* x, double* out, std::size_t n,
                             bool add);

/// One implementation of every kernel.
struct Kernels {
  const char* name;  // "avx2" or "scalar"
  Map exp;
  Map log;
  Map tanh;
  /// σ(x) = 1/(1 + e⁻ˣ), computed as 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0 with
  /// e = e^−|x|: no overflow, and no cancellation in either half.
  Map sigmoid;
  /// σ'(x) = σ(x)·σ(−x) = e/(1 + e)², e = e^−|x|: one exp, exact to a few ulp even where
  /// σ(x) rounds to 1 (σ·(1 − σ) would give 0 there).
  GradientMap sigmoid_gradient;
};

/// The plain loops over glibc's functions.
const Kernels& scalar_kernels();
/// The AVX2 + FMA kernels, or null when this CPU (or this build's target) has none.
const Kernels* avx2_kernels();
#if CHAINRULE_AVX2_KERNELS
/// vector_math_avx2.cpp's table, whatever the CPU: call avx2_kernels() instead.
const Kernels& avx2_kernel_table();
#endif
/// The fastest kernels this CPU runs, chosen once; the environment variable
/// CHAINRULE_VECTOR_MATH (scalar, avx2) overrides the choice, and a value it does not know
/// is an error naming it.
const Kernels& kernels();

}  // namespace chainrule::ad::detail::vector_math
