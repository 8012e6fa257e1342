// The AVX2 + FMA kernels of vector_math.hpp, on xsimd's four-lane batches: an exp and a log of
// our own (below; xsimd's ran at glibc's speed), the sigmoid and its gradient on the exp, and
// xsimd's tanh (within 2 ulp of glibc).
//
// Only this file is compiled with -mavx2 -mfma (autodiff/CMakeLists.txt), and vector_math.cpp
// hands out its table only after asking the CPU. Everything here has internal linkage or is an
// xsimd template instantiated for the AVX2 batch type, so the linker can never pick an AVX2
// copy of an inline function for code that runs on other CPUs.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "vector_math.hpp"

namespace chainrule::ad::detail::vector_math {
namespace {

using Batch = xsimd::batch<double, xsimd::fma3<xsimd::avx2>>;
using Bits = xsimd::batch<std::int64_t, xsimd::fma3<xsimd::avx2>>;  // the same lanes as integers
constexpr std::size_t lanes = Batch::size;

// f from glibc on every lane: for batches with a lane outside a kernel's fast range.
Batch glibc_lanes(Batch x, double (*f)(double)) {
  alignas(32) double v[lanes];
  x.store_aligned(v);
  for (double& e : v) e = f(e);
  return Batch::load_aligned(v);
}

// eˣ for x in [−708.39, 709.43] (normal results), the classic way: x = n·ln 2 + r with
// |r| ≤ ln 2 / 2, eʳ by its Taylor series to r¹³ (the next term is below 2⁻⁵⁷), and 2ⁿ added to
// the exponent bits. n is rounded with the 1.5·2⁵² trick, which leaves it in the low bits of
// `shifted`: no double-to-integer conversion, which AVX2 lacks (xsimd's exp emulates one, and
// runs at glibc's speed).
Batch exp_in_range(Batch x) {
  const Batch shifter(0x1.8p52);
  const Batch shifted = xsimd::fma(x, Batch(0x1.71547652b82fep0), shifter);  // x/ln 2 + 1.5·2⁵²
  const Batch n = shifted - shifter;
  Batch r = xsimd::fnma(n, Batch(0x1.62e42fee00000p-1), x);  // ln 2 in two parts: n·hi is exact
  r = xsimd::fnma(n, Batch(0x1.a39ef35793c76p-33), r);
  Batch p(1.0 / 6227020800.0);  // 1/13!
  for (const double c :
       {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
        1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0}) {
    p = xsimd::fma(p, r, Batch(c));
  }
  const Bits scale = xsimd::bitwise_cast<Bits>(shifted) << 52;  // n in the exponent's place
  return xsimd::bitwise_cast<Batch>(xsimd::bitwise_cast<Bits>(p) + scale);
}

// Outside that range (overflow, subnormal results, NaN) glibc takes the whole batch.
Batch exp_batch(Batch x) {
  if (xsimd::all((x >= Batch(-708.39)) & (x <= Batch(709.43)))) return exp_in_range(x);
  return glibc_lanes(x, [](double v) { return std::exp(v); });
}

// ln x for positive normal x, as fdlibm's e_log.c (< 1 ulp): x = 2ᵏ·m with m in [√2/2, √2),
// f = m − 1, s = f/(2 + f), ln(1 + f) = f − f²/2 + s·(f²/2 + R(s²)) with R a minimax
// polynomial. k is read from the exponent bits and made a double by the 2⁵² trick (AVX2 has
// no integer-to-double conversion for 64-bit lanes).
Batch log_in_range(Batch x) {
  const Bits bits = xsimd::bitwise_cast<Bits>(x);
  const Bits mantissa_mask(0x000fffffffffffffLL);
  const Bits one_exponent(0x3ff0000000000000LL);
  Batch m = xsimd::bitwise_cast<Batch>((bits & mantissa_mask) | one_exponent);  // [1, 2)
  const Bits exponent = bits >> 52;  // biased: 1 … 2046 for a positive normal x
  const Batch two52(0x1p52);
  const Batch biased = xsimd::bitwise_cast<Batch>(exponent | xsimd::bitwise_cast<Bits>(two52));
  const auto high = m > Batch(1.4142135623730951);
  m = xsimd::select(high, m * Batch(0.5), m);
  const Batch k = (biased - (two52 + Batch(1023.0))) + xsimd::select(high, Batch(1.0), Batch(0.0));
  const Batch f = m - Batch(1.0);
  const Batch hfsq = Batch(0.5) * f * f;
  const Batch s = f / (Batch(2.0) + f);
  const Batch z = s * s;
  const Batch w = z * z;
  const Batch t1 =
      w *
      xsimd::fma(w, xsimd::fma(w, Batch(1.531383769920937332e-01), Batch(2.222219843214978396e-01)),
                 Batch(3.999999999940941908e-01));
  const Batch t2 = z * xsimd::fma(w,
                                  xsimd::fma(w,
                                             xsimd::fma(w, Batch(1.479819860511658591e-01),
                                                        Batch(1.818357216161805012e-01)),
                                             Batch(2.857142874366239149e-01)),
                                  Batch(6.666666666666735130e-01));
  const Batch r = t1 + t2;
  return k * Batch(6.93147180369123816490e-01) -
         ((hfsq - (s * (hfsq + r) + k * Batch(1.90821492927058770002e-10))) - f);
}

// Zero, negative, subnormal, infinite or NaN lanes: glibc takes the whole batch.
Batch log_batch(Batch x) {
  if (xsimd::all((x >= Batch(0x1p-1022)) & (x < Batch(std::numeric_limits<double>::infinity())))) {
    return log_in_range(x);
  }
  return glibc_lanes(x, [](double v) { return std::log(v); });
}

Batch sigmoid_batch(Batch x) {
  const Batch e = exp_batch(-xsimd::abs(x));
  return xsimd::select(x >= Batch(0.0), Batch(1.0), e) / (Batch(1.0) + e);
}

Batch sigmoid_slope_batch(Batch x) {
  const Batch e = exp_batch(-xsimd::abs(x));
  const Batch d = Batch(1.0) + e;
  return e / (d * d);
}

// out[i] = f(x[i]): whole batches, then the tail through a zero-padded batch.
template <class F>
void map(const double* x, double* out, std::size_t n, F f) {
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) f(Batch::load_unaligned(x + i)).store_unaligned(out + i);
  if (i == n) return;
  alignas(32) double tail[lanes] = {};
  for (std::size_t k = i; k < n; ++k) tail[k - i] = x[k];
  f(Batch::load_aligned(tail)).store_aligned(tail);
  for (std::size_t k = i; k < n; ++k) out[k] = tail[k - i];
}

void exp_kernel(const double* x, double* out, std::size_t n) { map(x, out, n, exp_batch); }
void log_kernel(const double* x, double* out, std::size_t n) { map(x, out, n, log_batch); }
void tanh_kernel(const double* x, double* out, std::size_t n) {
  map(x, out, n, [](Batch b) { return xsimd::tanh(b); });
}
void sigmoid_kernel(const double* x, double* out, std::size_t n) { map(x, out, n, sigmoid_batch); }

void sigmoid_gradient_kernel(const double* g, const double* x, double* out, std::size_t n,
                             bool add) {
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    Batch v = Batch::load_unaligned(g + i) * sigmoid_slope_batch(Batch::load_unaligned(x + i));
    if (add) v += Batch::load_unaligned(out + i);
    v.store_unaligned(out + i);
  }
  if (i < n) scalar_kernels().sigmoid_gradient(g + i, x + i, out + i, n - i, add);  // the tail
}

}  // namespace

const Kernels& avx2_kernel_table() {
  static constexpr Kernels avx2{"avx2",       &exp_kernel,     &log_kernel,
                                &tanh_kernel, &sigmoid_kernel, &sigmoid_gradient_kernel};
  return avx2;
}

}  // namespace chainrule::ad::detail::vector_math
