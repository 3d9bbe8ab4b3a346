#pragma once
/// \file BERTH_API marks what berth's libraries export. berth compiles with hidden visibility
/// (-fvisibility=hidden), so a shared libberth_*.so exports exactly the classes and functions
/// its public headers mark, nothing internal. One macro for every library: on ELF, exporting a
/// symbol and importing it are the same attribute. A static build gets the same attribute,
/// which changes nothing there (and keeps one header for both builds, so that ccache shares
/// the objects of consumers that build berth with add_subdirectory).
#if defined(__GNUC__) || defined(__clang__)
#define BERTH_API __attribute__((visibility("default")))
#else
#define BERTH_API
#endif
