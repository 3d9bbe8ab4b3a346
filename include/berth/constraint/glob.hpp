#pragma once
/// \file Shell-style globs for conflict patterns (`api@*`, `web@?`, `db-[ab]`), as fleet used
/// Go's path.Match.
#include <string_view>

namespace berth {

/// True when `name` matches `pattern` (`*`, `?`, `[abc]`, `[a-z]`, `[!a]`, `\` escapes).
bool glob_match(std::string_view pattern, std::string_view name);
/// True when `pattern` has no wildcard, so it can be compared as a plain name.
bool glob_is_literal(std::string_view pattern);

}  // namespace berth
