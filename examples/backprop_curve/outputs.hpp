#pragma once
// What backprop_curve writes: the run as JSON (the examples' one layout), the course's figure,
// and the computation graph of one step.

#include <string>

#include "trainer.hpp"

namespace chainrule::curve {

/// settings, the logged costs as the trajectory, the final cost and W1…b3 as nested lists.
void write_json(const std::string& file, const CurveTrainer& trainer, const TrainResult& result,
                const std::string& init_file, const std::string& resumed_from);

/// The target, the curve drawn every snapshot (faint) and the final one (bold); .png or .svg.
void write_plot(const std::string& file, const CurveTrainer& trainer, const TrainResult& result);

/// Prints, for each parameter P, how far autodiff's J_P is from the course's hand-derived one
/// (course::hand_jacobians) at the trainer's current parameters; std::runtime_error when they
/// differ by more than 1e-10 of J's size.
void check_jacobians(CurveTrainer& trainer);

/// The graph of one step's cost, Graphviz DOT (leaves the trainer's tape recorded).
void write_dot(const std::string& file, CurveTrainer& trainer);

}  // namespace chainrule::curve
