// Broadcasting: the shape rule, and summing a gradient back to an operand's shape.
// Kept in one place and reused by every operation (like Flashlight's sumAs).

#include "chainrule/autodiff/errors.hpp"
#include "sweep.hpp"

namespace chainrule::ad::detail {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::size_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1) {
      throw ShapeError(std::string("chainrule: ") + op + ": shapes " + to_string(a) + " and " +
                       to_string(b) + " cannot be broadcast together");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

// The common bias-gradient cases, as plain loops: (r, c) → (r, 1) and (r, c) → (1, c)/(c).
bool reduce_matrix(const Tensor& src, Tensor& dst, std::span<const std::size_t> dst_shape,
                   bool assign) {
  if (src.dimension() != 2) return false;
  const std::size_t rows = src.shape()[0];
  const std::size_t cols = src.shape()[1];
  const bool to_column = dst_shape.size() == 2 && dst_shape[0] == rows && dst_shape[1] == 1;
  const bool to_row = (dst_shape.size() == 2 && dst_shape[0] == 1 && dst_shape[1] == cols) ||
                      (dst_shape.size() == 1 && dst_shape[0] == cols);
  if (!to_column && !to_row) return false;
  if (assign) {
    dst.resize(Tensor::shape_type(dst_shape.begin(), dst_shape.end()));
    dst.fill(0.0);
  }
  const double* s = src.data();
  double* d = dst.data();
  for (std::size_t r = 0; r < rows; ++r) {
    const double* row = s + r * cols;
    if (to_column) {
      double total = 0.0;
      for (std::size_t c = 0; c < cols; ++c) total += row[c];
      d[r] += total;
    } else {
      for (std::size_t c = 0; c < cols; ++c) d[c] += row[c];
    }
  }
  return true;
}

}  // namespace

void reduce_into(const Tensor& src, Tensor& dst, std::span<const std::size_t> dst_shape,
                 bool assign) {
  if (reduce_matrix(src, dst, dst_shape, assign)) return;
  // General case: walk src in row-major order with an odometer; each src axis advances the
  // dst offset by its dst stride, which is 0 along summed axes. (xtensor 0.24's immediate
  // xt::sum crashes when it reduces to a 0-d result, so it is not used here.)
  const std::size_t ndim = src.dimension();
  const std::size_t lead = ndim - dst_shape.size();
  std::vector<std::size_t> stride(ndim, 0);
  std::size_t step = 1;
  for (std::size_t a = ndim; a-- > lead;) {
    const std::size_t extent = dst_shape[a - lead];
    stride[a] = extent == 1 ? 0 : step;
    step *= extent;
  }
  if (assign) {
    dst.resize(Tensor::shape_type(dst_shape.begin(), dst_shape.end()));
    dst.fill(0.0);
  }
  const auto& shape = src.shape();
  std::vector<std::size_t> index(ndim, 0);
  const double* s = src.data();
  double* d = dst.data();
  std::size_t offset = 0;
  for (std::size_t i = 0; i < src.size(); ++i) {
    d[offset] += s[i];
    for (std::size_t a = ndim; a-- > 0;) {
      offset += stride[a];
      if (++index[a] < shape[a]) break;
      offset -= stride[a] * shape[a];
      index[a] = 0;
    }
  }
}

}  // namespace chainrule::ad::detail
