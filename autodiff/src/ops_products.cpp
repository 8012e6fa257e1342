// Products beyond 2-D matmul: batched matmul (numpy broadcasting of the batch dimensions,
// one BLAS gemm per matrix of the batch), dot and outer.

#include <climits>
#include <string>
#include <utility>
#include <vector>

#include <xtensor-blas/xblas.hpp>
#include <xtensor/xbuilder.hpp>

#include "batched_matmul.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace {

using detail::Node;

Shape batch_of(const Shape& shape) { return Shape(shape.begin(), shape.end() - 2); }

// Where each batch matrix of an operand starts, for every matrix of the broadcast batch.
std::vector<std::size_t> batch_offsets(const Shape& operand, const Shape& batch) {
  const Shape own = batch_of(operand);
  const std::size_t matrix = operand[operand.size() - 2] * operand[operand.size() - 1];
  // Strides of the operand's batch dimensions, aligned right, 0 where it broadcasts.
  Shape strides(batch.size(), 0);
  std::size_t stride = matrix;
  for (std::size_t i = 1; i <= own.size(); ++i) {
    if (own[own.size() - i] != 1) strides[batch.size() - i] = stride;
    stride *= own[own.size() - i];
  }
  const std::size_t count = element_count(batch, "matmul");
  std::vector<std::size_t> offsets(count);
  Shape coord(batch.size(), 0);
  for (std::size_t j = 0; j < count; ++j) {
    std::size_t offset = 0;
    for (std::size_t d = 0; d < batch.size(); ++d) offset += coord[d] * strides[d];
    offsets[j] = offset;
    for (std::size_t d = batch.size(); d-- > 0;) {
      if (++coord[d] < batch[d]) break;
      coord[d] = 0;
    }
  }
  return offsets;
}

// op(a)·op(b) for every matrix of the batch, op = transpose (of the last two axes) when asked.
Tensor product(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  const Shape sa = shape_of(a);
  const Shape sb = shape_of(b);
  const std::size_t ra = sa.size();
  const std::size_t rb = sb.size();
  const std::size_t m = sa[ra - (transpose_a ? 1 : 2)];
  const std::size_t k = sa[ra - (transpose_a ? 2 : 1)];
  const std::size_t n = sb[rb - (transpose_b ? 2 : 1)];
  const Shape batch = detail::broadcast_shapes(batch_of(sa), batch_of(sb), "matmul");
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = xt::zeros<double>(out_shape);
  if (m == 0 || n == 0 || k == 0) return out;  // BLAS rejects zero leading dimensions
  const std::vector<std::size_t> offsets_a = batch_offsets(sa, batch);
  const std::vector<std::size_t> offsets_b = batch_offsets(sb, batch);
  using cxxblas::Transpose;
  for (std::size_t j = 0; j < offsets_a.size(); ++j) {
    cxxblas::gemm<xt::blas_index_t>(
        cxxblas::StorageOrder::RowMajor, transpose_a ? Transpose::Trans : Transpose::NoTrans,
        transpose_b ? Transpose::Trans : Transpose::NoTrans, static_cast<int>(m),
        static_cast<int>(n), static_cast<int>(k), 1.0, a.data() + offsets_a[j],
        static_cast<int>(sa[ra - 1]), b.data() + offsets_b[j], static_cast<int>(sb[rb - 1]), 0.0,
        out.data() + j * m * n, static_cast<int>(n));
  }
  return out;
}

// The same on Vars, recorded: the transposes are permutes of the last two axes.
Var swap_last_axes(const Var& x) {
  std::vector<std::ptrdiff_t> axes(x.dimension());
  for (std::size_t d = 0; d < axes.size(); ++d) axes[d] = static_cast<std::ptrdiff_t>(d);
  std::swap(axes[axes.size() - 1], axes[axes.size() - 2]);
  return permute(x, axes);
}

Var product(const Var& a, const Var& b, bool transpose_a, bool transpose_b) {
  return matmul(transpose_a ? swap_last_axes(a) : a, transpose_b ? swap_last_axes(b) : b);
}

// The gradient of a broadcast batch dimension is summed back by the sweep's accumulate.
struct BatchedMatmul {
  static constexpr const char* name = "matmul";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, product(s.grad(), s.in(1), false, true));
    if (s.needs(1)) s.accumulate(1, product(s.in(0), s.grad(), true, false));
  }
};

}  // namespace

namespace detail {

Var batched_matmul(const Var& a, const Var& b) {
  const Tensor& av = value_of(a, BatchedMatmul::name);
  const Tensor& bv = value_of(b, BatchedMatmul::name);
  const Shape sa = shape_of(av);
  const Shape sb = shape_of(bv);
  const std::string shapes = to_string(sa) + " and " + to_string(sb);
  if (sa[sa.size() - 1] != sb[sb.size() - 2]) {
    throw ShapeError("chainrule: matmul: shapes " + shapes +
                     " are not aligned: " + std::to_string(sa[sa.size() - 1]) + " (last dim) != " +
                     std::to_string(sb[sb.size() - 2]) + " (second-to-last dim)");
  }
  for (const Shape* s : {&sa, &sb}) {
    for (std::size_t d = s->size() - 2; d < s->size(); ++d) {
      if ((*s)[d] > static_cast<std::size_t>(INT_MAX)) {
        throw ShapeError("chainrule: matmul: a matrix extent of shapes " + shapes +
                         " exceeds what BLAS can index");
      }
    }
  }
  Shape batch;
  try {
    batch = broadcast_shapes(batch_of(sa), batch_of(sb), "matmul");
  } catch (const ShapeError&) {
    throw ShapeError("chainrule: matmul: the batch dimensions " + to_string(batch_of(sa)) +
                     " and " + to_string(batch_of(sb)) + " of shapes " + shapes +
                     " cannot be broadcast together");
  }
  Shape out_shape = batch;
  out_shape.push_back(sa[sa.size() - 2]);
  out_shape.push_back(sb[sb.size() - 1]);
  element_count(out_shape, "matmul");
  return record<BatchedMatmul>({&a, &b}, [&](Node& n) { n.value = product(av, bv, false, false); });
}

}  // namespace detail

Var dot(const Var& a, const Var& b) {
  const Tensor& av = detail::value_of(a, "dot");
  const Tensor& bv = detail::value_of(b, "dot");
  if (av.dimension() != 1 || bv.dimension() != 1 || av.size() != bv.size()) {
    throw ShapeError("chainrule: dot: expects two vectors (1-D) of one length, got shapes " +
                     to_string(shape_of(av)) + " and " + to_string(shape_of(bv)));
  }
  return matmul(a, b);
}

Var outer(const Var& a, const Var& b) {
  const Tensor& av = detail::value_of(a, "outer");
  const Tensor& bv = detail::value_of(b, "outer");
  if (av.dimension() != 1 || bv.dimension() != 1) {
    throw ShapeError("chainrule: outer: expects two vectors (1-D), got shapes " +
                     to_string(shape_of(av)) + " and " + to_string(shape_of(bv)));
  }
  return reshape(a, {av.size(), 1}) * reshape(b, {1, bv.size()});
}

}  // namespace chainrule::ad
