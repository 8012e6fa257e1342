// `std::cout << var`.

#include "chainrule/autodiff/print.hpp"

#include <ostream>

namespace chainrule::ad {

std::ostream& operator<<(std::ostream& out, const Var& v) {
  if (!v.valid()) return out << "Var (none: empty, or its tape was cleared or destroyed)";
  out << "Var " << v.op_name() << ' ' << to_string(v.shape());
  if (v.requires_grad()) out << ", requires grad";
  return out << '\n' << v.value();
}

}  // namespace chainrule::ad
