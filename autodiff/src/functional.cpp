// ad::grad and ad::vjp: gradients as values, leaves left untouched.

#include "chainrule/autodiff/functional.hpp"

#include <xtensor/xbuilder.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace {

std::vector<std::uint32_t> input_indices(detail::TapeImpl& tape, const std::vector<Var>& inputs,
                                         const char* op) {
  std::vector<std::uint32_t> indices;
  indices.reserve(inputs.size());
  for (const Var& v : inputs) {
    if (&detail::TapeImpl::of(v, op) != &tape) {
      throw TapeError(std::string("chainrule: ") + op +
                      ": an input is recorded on a different tape than the output");
    }
    indices.push_back(v.index());
  }
  return indices;
}

// Tensor-mode sweep; the adjoints of the inputs become constants on the tape.
std::vector<Var> tensor_vjp(detail::TapeImpl& tape, std::uint32_t output,
                            const std::vector<std::uint32_t>& indices, const Tensor& seed,
                            const char* op) {
  detail::Sweep sweep(tape, output, indices, op);  // its adjoints live until it ends
  sweep.run(seed, /*accumulate_leaves=*/false);
  std::vector<Var> result;
  result.reserve(indices.size());
  for (std::uint32_t i : indices) {
    result.push_back(detail::record_constant(
        tape, sweep.reached(i) ? sweep.adjoint(i)
                               : Tensor(xt::zeros<double>(tape.node(i).val().shape()))));
  }
  return result;
}

}  // namespace

std::vector<Var> grad(const Var& output, const std::vector<Var>& inputs,
                      const GradOptions& options) {
  const Tensor& value = detail::value_of(output, "grad");
  if (value.size() != 1) {
    throw TapeError("chainrule: grad: the output has shape " + to_string(shape_of(value)) +
                    "; grad() needs a one-element output (use ad::vjp with a seed otherwise)");
  }
  return vjp(output, inputs, xt::ones<double>(value.shape()), options);
}

std::vector<Var> vjp(const Var& output, const std::vector<Var>& inputs, const Tensor& seed,
                     const GradOptions& options) {
  detail::TapeImpl& tape = detail::TapeImpl::of(output, "grad");
  const std::vector<std::uint32_t> indices = input_indices(tape, inputs, "grad");
  if (indices.empty()) return {};
  if (options.create_graph) {
    const Var recorded_seed = detail::record_constant(tape, seed);
    return detail::Sweep(tape, output.index(), indices, "grad")
        .run_recorded(recorded_seed, indices);
  }
  return tensor_vjp(tape, output.index(), indices, seed, "grad");
}

std::vector<Var> vjp(const Var& output, const std::vector<Var>& inputs, const Var& seed,
                     const GradOptions& options) {
  detail::TapeImpl& tape = detail::TapeImpl::of(output, "vjp");
  if (&detail::TapeImpl::of(seed, "vjp") != &tape) {
    throw TapeError("chainrule: vjp: the seed is recorded on a different tape than the output");
  }
  const std::vector<std::uint32_t> indices = input_indices(tape, inputs, "vjp");
  if (indices.empty()) return {};
  if (options.create_graph) {
    return detail::Sweep(tape, output.index(), indices, "vjp").run_recorded(seed, indices);
  }
  return tensor_vjp(tape, output.index(), indices, seed.value(), "vjp");
}

}  // namespace chainrule::ad
