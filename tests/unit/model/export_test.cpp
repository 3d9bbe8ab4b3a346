// BERTH_API (export.hpp): berth builds with hidden visibility, so what a public header marks
// is all a shared libberth exports. The macro must be the default-visibility attribute on
// GCC and clang; a typo (or an empty macro) would build, link statically, and only fail for
// consumers of the shared libraries.
#include "berth/export.hpp"

#include <catch2/catch.hpp>

#include <string_view>

#include "berth/did_you_mean.hpp"

#define BERTH_TEST_STR2(x) #x
#define BERTH_TEST_STR(x) BERTH_TEST_STR2(x)

TEST_CASE("BERTH_API is the default-visibility attribute", "[export]") {
#if defined(__GNUC__) || defined(__clang__)
  CHECK(std::string_view(BERTH_TEST_STR(BERTH_API)) == "__attribute__((visibility(\"default\")))");
#else
  CHECK(std::string_view(BERTH_TEST_STR(BERTH_API)).empty());
#endif
  // A function the header marks is callable from outside the library.
  CHECK(berth::did_you_mean("cpus", {"cpu"}) == "cpu");
}
