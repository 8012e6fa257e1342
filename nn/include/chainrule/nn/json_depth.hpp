#pragma once
/// @file
/// A bound on the nesting of the JSON chainrule reads (checkpoint manifests, initial-weight
/// files): checked by a linear pre-scan before parsing, so a hostile file of 100 000 nested
/// `[` is rejected with a message instead of exhausting the stack in a recursive walk.

#include <cstddef>
#include <string_view>

#include "chainrule/nn/export.hpp"

namespace chainrule::nn {

/// The deepest nesting any file chainrule reads may have (a manifest needs 4).
inline constexpr std::size_t max_json_depth = 64;

/// The deepest nesting of arrays and objects in `text` (brackets inside strings do not count);
/// 0 for a scalar. Does not validate the JSON: the parser does that afterwards.
CHAINRULE_NN_EXPORT std::size_t json_nesting_depth(std::string_view text);

}  // namespace chainrule::nn
