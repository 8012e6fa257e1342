#pragma once
// The calculus tour's figures: one per topic of the course, every derivative in them from
// chainrule. Drawing goes through examples/common/plot.hpp.

#include <filesystem>
#include <functional>
#include <string>

#include "tour.hpp"

namespace tour {

/// Told about every file a figure writes: its path and what it shows.
using Wrote = std::function<void(const std::string& file, const std::string& what)>;

/// Draws every figure into `dir` (which must exist and be writable), calling `wrote` for each
/// file. Throws std::runtime_error naming the file when one cannot be written.
void draw_gallery(const std::filesystem::path& dir, const Wrote& wrote);

/// The week's Taylor error against the step, log-log, into `file` (.png or .svg).
void draw_taylor_error(const TaylorErrors& errors, const std::string& file);

}  // namespace tour
