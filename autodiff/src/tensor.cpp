// The course's column and row vectors as Tensors.

#include <algorithm>

#include "chainrule/autodiff/tensor.hpp"

namespace chainrule::ad {
namespace {

template <class Entries>
Tensor matrix_of(const Entries& entries, std::size_t rows, std::size_t columns) {
  Tensor result = Tensor::from_shape({rows, columns});
  std::copy(entries.begin(), entries.end(), result.begin());
  return result;
}

}  // namespace

Tensor column(std::initializer_list<double> entries) {
  return matrix_of(entries, entries.size(), 1);
}
Tensor column(const std::vector<double>& entries) { return matrix_of(entries, entries.size(), 1); }
Tensor row(std::initializer_list<double> entries) { return matrix_of(entries, 1, entries.size()); }
Tensor row(const std::vector<double>& entries) { return matrix_of(entries, 1, entries.size()); }

}  // namespace chainrule::ad
