#pragma once
/// \file Shell-style globs for conflict patterns (`api@*`, `web@?`, `db-[ab]`), as fleet used
/// Go's path.Match.
#include <string_view>

#include "berth/export.hpp"

namespace berth {

/// True when `name` matches `pattern` (`*`, `?`, `[abc]`, `[a-z]`, `[!a]`, `\` escapes).
BERTH_API bool glob_match(std::string_view pattern, std::string_view name);
/// True when `pattern` has no wildcard, so it can be compared as a plain name.
BERTH_API bool glob_is_literal(std::string_view pattern);

}  // namespace berth
