#pragma once
// Internal: a broadcasting loop for binary elementwise operations whose operand shapes
// differ. xtensor handles that case with a generic stepper that costs several times a plain
// loop (it dominated the forward pass of a bias add); here the innermost dimension becomes a
// contiguous loop with the operand strides fixed at 0 or 1.

#include <algorithm>
#include <array>

#include "chainrule/autodiff/tensor.hpp"

namespace chainrule::ad::detail {

inline constexpr std::size_t max_kernel_dims = 8;

/// Two shapes (any containers of extents) are equal. A plain loop: std::equal becomes a
/// memcmp call, which costs more than comparing the one to four extents of a shape.
template <class A, class B>
bool shapes_equal(const A& a, const B& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

/// Gives `t` the shape `shape`, doing nothing when it has it already (the common case: a
/// buffer reused from the previous step; xtensor's resize checks more than that first).
template <class Sh>
void reshape_to(Tensor& t, const Sh& shape) {
  if (!shapes_equal(t.shape(), shape)) t.resize(shape);
}

/// out = op(in) elementwise, as one flat loop. (xtensor's assignment machinery costs more
/// than the loop itself on the small tensors of a training step.)
template <class Op>
void map_unary(const Tensor& in, Tensor& out, Op op) {
  reshape_to(out, in.shape());
  const double* pi = in.data();
  double* po = out.data();
  const std::size_t n = in.size();
  for (std::size_t i = 0; i < n; ++i) po[i] = op(pi[i]);
}

/// out = op(a, b) elementwise with numpy broadcasting. Returns false (and does nothing)
/// for more than max_kernel_dims dimensions; shapes must be compatible (checked before).
template <class Op>
bool broadcast_binary(const Tensor& a, const Tensor& b, Tensor& out, Op op) {
  const auto& sa = a.shape();
  const auto& sb = b.shape();
  if (shapes_equal(sa, sb)) {
    reshape_to(out, sa);
    const double* pa = a.data();
    const double* pb = b.data();
    double* po = out.data();
    for (std::size_t i = 0; i < a.size(); ++i) po[i] = op(pa[i], pb[i]);
    return true;
  }
  const std::size_t nd = std::max(sa.size(), sb.size());
  if (nd == 0 || nd > max_kernel_dims) return false;
  std::array<std::size_t, max_kernel_dims> shape{}, stride_a{}, stride_b{};
  std::size_t step_a = 1, step_b = 1;
  for (std::size_t i = nd; i-- > 0;) {
    const std::size_t da = i + sa.size() >= nd ? sa[i + sa.size() - nd] : 1;
    const std::size_t db = i + sb.size() >= nd ? sb[i + sb.size() - nd] : 1;
    shape[i] = da == 1 ? db : da;
    stride_a[i] = da == 1 ? 0 : step_a;
    stride_b[i] = db == 1 ? 0 : step_b;
    step_a *= da;
    step_b *= db;
  }
  out.resize(typename Tensor::shape_type(shape.begin(), shape.begin() + nd));
  const std::size_t inner = shape[nd - 1];
  const std::size_t ia = stride_a[nd - 1];
  const std::size_t ib = stride_b[nd - 1];
  const std::size_t rows = inner == 0 ? 0 : out.size() / inner;
  std::array<std::size_t, max_kernel_dims> index{};
  const double* pa = a.data();
  const double* pb = b.data();
  double* po = out.data();
  std::size_t oa = 0, ob = 0;
  for (std::size_t r = 0; r < rows; ++r, po += inner) {
    const double* ra = pa + oa;
    const double* rb = pb + ob;
    if (ia == 1 && ib == 1) {
      for (std::size_t k = 0; k < inner; ++k) po[k] = op(ra[k], rb[k]);
    } else if (ia == 1) {
      const double vb = *rb;
      for (std::size_t k = 0; k < inner; ++k) po[k] = op(ra[k], vb);
    } else if (ib == 1) {
      const double va = *ra;
      for (std::size_t k = 0; k < inner; ++k) po[k] = op(va, rb[k]);
    } else {
      const double v = op(*ra, *rb);
      for (std::size_t k = 0; k < inner; ++k) po[k] = v;
    }
    for (std::size_t d = nd - 1; d-- > 0;) {  // odometer over the outer dimensions
      oa += stride_a[d];
      ob += stride_b[d];
      if (++index[d] < shape[d]) break;
      oa -= stride_a[d] * shape[d];
      ob -= stride_b[d] * shape[d];
      index[d] = 0;
    }
  }
  return true;
}

}  // namespace chainrule::ad::detail
