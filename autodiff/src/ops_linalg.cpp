// Matrix product (through BLAS), a layer's W·x + b, and transpose.

#include <algorithm>
#include <array>

#include <xtensor-blas/xblas.hpp>
#include <xtensor/xmanipulation.hpp>

#include "batched_matmul.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "kernels.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace detail {

void gemm(const Tensor& a, const Tensor& b, Tensor& c, bool assign, bool transpose_a,
          bool transpose_b) {
  const std::size_t m = a.shape()[transpose_a ? 1 : 0];
  const std::size_t k = a.shape()[transpose_a ? 0 : 1];
  const std::size_t n = b.shape()[transpose_b ? 0 : 1];
  if (assign) c.resize(Tensor::shape_type{m, n});  // inline shape: no allocation
  if (m == 0 || n == 0 || k == 0) {                // BLAS rejects zero leading dimensions
    if (assign) c.fill(0.0);
    return;
  }
  xt::blas::gemm(a, b, c, transpose_a, transpose_b, 1.0, assign ? 0.0 : 1.0);
}

}  // namespace detail

namespace {

using detail::Node;

struct Matmul {  // 2-D × 2-D; other ranks are reshaped to it
  static constexpr const char* name = "matmul";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.matmul(s.grad(), s.transpose(s.in(1))));
    if (s.needs(1)) s.accumulate(1, s.matmul(s.transpose(s.in(0)), s.grad()));
  }
};

Var matmul_2d(const Var& a, const Var& b) {
  const Tensor& av = a.value();
  const Tensor& bv = b.value();
  if (av.shape()[1] != bv.shape()[0]) {
    throw ShapeError("chainrule: matmul: shapes " + to_string(shape_of(av)) + " and " +
                     to_string(shape_of(bv)) +
                     " are not aligned: " + std::to_string(av.shape()[1]) +
                     " (dim 1) != " + std::to_string(bv.shape()[0]) + " (dim 0)");
  }
  return detail::record<Matmul>(
      {&a, &b}, [&](Node& n) { detail::gemm(av, bv, n.value, true, false, false); });
}

}  // namespace

Var matmul(const Var& a, const Var& b) {
  // Everything is checked on the operands as given, before the reshapes of 1-D operands are
  // recorded: a failed matmul records nothing, and its message names the user's shapes.
  const Tensor& av = detail::value_of(a, Matmul::name);
  const Tensor& bv = detail::value_of(b, Matmul::name);
  const Var* operands[] = {&a, &b};
  detail::common_tape(operands, Matmul::name);
  const std::size_t da = av.dimension();
  const std::size_t db = bv.dimension();
  if (da < 1 || db < 1) {
    throw ShapeError("chainrule: matmul: operands must have at least one dimension, got shapes " +
                     to_string(shape_of(av)) + " and " + to_string(shape_of(bv)));
  }
  // The contracted dimensions: a's last, and b's first for 1-D, second-to-last otherwise.
  const std::size_t contracted_b = db == 1 ? 0 : db - 2;
  if (av.shape()[da - 1] != bv.shape()[contracted_b]) {
    throw ShapeError("chainrule: matmul: shapes " + to_string(shape_of(av)) + " and " +
                     to_string(shape_of(bv)) +
                     " are not aligned: " + std::to_string(av.shape()[da - 1]) + " (dim " +
                     std::to_string(da - 1) + ") != " + std::to_string(bv.shape()[contracted_b]) +
                     " (dim " + std::to_string(contracted_b) + ")");
  }
  if (da > 2 || db > 2) {
    // numpy: a 1-D operand becomes a matrix (a row on the left, a column on the right) and
    // that axis is dropped from the result.
    if (da == 1) return squeeze(detail::batched_matmul(unsqueeze(a, 0), b), -2);
    if (db == 1) return squeeze(detail::batched_matmul(a, unsqueeze(b, -1)), -1);
    return detail::batched_matmul(a, b);
  }
  if (da == 2 && db == 2) return matmul_2d(a, b);
  if (da == 2 && db == 1) {
    return reshape(matmul_2d(a, reshape(b, {b.size(), 1})), {a.shape()[0]});
  }
  if (da == 1 && db == 2) {
    return reshape(matmul_2d(reshape(a, {1, a.size()}), b), {b.shape()[1]});
  }
  if (da == 1 && db == 1) {
    return reshape(matmul_2d(reshape(a, {1, a.size()}), reshape(b, {b.size(), 1})), {});
  }
  return matmul_2d(a, b);  // unreachable: ranks are checked above
}

namespace {
struct Linear {  // W·x + b for matrices W and x; b summed over its broadcast dimensions
  static constexpr const char* name = "linear";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.matmul(s.grad(), s.transpose(s.in(1))));
    if (s.needs(1)) s.accumulate(1, s.matmul(s.transpose(s.in(0)), s.grad()));
    if (s.needs(2)) s.accumulate(2, s.grad());
  }
};
}  // namespace

namespace {
// The bias broadcasts to `product` without growing it: no more dimensions, each extent 1 or
// the product's. (Checked without building shapes: a training step allocates nothing.)
void check_bias(const Tensor& bias, std::span<const std::size_t> product) {
  const auto& b = bias.shape();
  bool fits = b.size() <= product.size();
  for (std::size_t i = 1; fits && i <= b.size(); ++i) {
    const std::size_t extent = b[b.size() - i];
    fits = extent == 1 || extent == product[product.size() - i];
  }
  if (!fits) {
    throw ShapeError("chainrule: linear: the bias of shape " + to_string(shape_of(bias)) +
                     " does not broadcast to the shape of W·x, " +
                     to_string(Shape(product.begin(), product.end())));
  }
}

// out = the bias broadcast to (rows, cols); check_bias has checked it fits.
void fill_with_bias(Tensor& out, const Tensor& bias, std::size_t rows, std::size_t cols) {
  detail::reshape_to(out, std::array<std::size_t, 2>{rows, cols});
  const auto& b = bias.shape();
  const std::size_t bias_rows = b.size() == 2 ? b[0] : 1;
  const std::size_t bias_cols = b.empty() ? 1 : b[b.size() - 1];
  const double* source = bias.data();
  double* row = out.data();
  for (std::size_t i = 0; i < rows; ++i, row += cols) {
    const double* bias_row = source + (bias_rows == 1 ? 0 : i * bias_cols);
    if (bias_cols == 1) {
      std::fill(row, row + cols, bias_row[0]);
    } else {
      std::copy(bias_row, bias_row + cols, row);
    }
  }
}
}  // namespace

Var linear(const Var& W, const Var& x, const Var& b) {
  const Tensor& wv = detail::value_of(W, Linear::name);
  const Tensor& xv = detail::value_of(x, Linear::name);
  const Tensor& bv = detail::value_of(b, Linear::name);
  if (wv.dimension() != 2 || xv.dimension() != 2) {
    const Var product = matmul(W, x);  // checks W's and x's shapes
    check_bias(bv, detail::shape_span(product.value()));
    return product + b;
  }
  if (wv.shape()[1] != xv.shape()[0]) {
    throw ShapeError("chainrule: linear: W of shape " + to_string(shape_of(wv)) +
                     " and x of shape " + to_string(shape_of(xv)) + " are not aligned: " +
                     std::to_string(wv.shape()[1]) + " != " + std::to_string(xv.shape()[0]));
  }
  const std::size_t product[] = {wv.shape()[0], xv.shape()[1]};
  check_bias(bv, product);
  return detail::record<Linear>({&W, &x, &b}, [&](Node& n) {
    // The bias first, then W·x added by the gemm (β = 1): no pass of its own for the bias.
    fill_with_bias(n.value, bv, product[0], product[1]);
    detail::gemm(wv, xv, n.value, /*assign=*/false, false, false);
  });
}

namespace {
struct Transpose {  // axes reversed; its own inverse
  static constexpr const char* name = "transpose";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.transpose(s.grad()));
  }
};
}  // namespace

Var transpose(const Var& x) {
  const Tensor& v = detail::value_of(x, Transpose::name);
  return detail::record<Transpose>({&x}, [&](Node& n) { xt::noalias(n.value) = xt::transpose(v); });
}

}  // namespace chainrule::ad
