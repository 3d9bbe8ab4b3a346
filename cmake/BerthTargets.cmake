# Warnings on our own targets only (never pushed onto consumers). Errors only when asked
# (BERTH_WERROR, as {fmt}'s FMT_WERROR): CI turns it on (scripts/test.sh), while a consumer who
# builds berth with a newer compiler, whose new warnings we have not seen, still gets a build.
add_library(berth_warnings INTERFACE)
target_compile_options(berth_warnings INTERFACE -Wall -Wextra $<$<BOOL:${BERTH_WERROR}>:-Werror>)

if(BERTH_SANITIZE)
  add_compile_options(-fsanitize=${BERTH_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${BERTH_SANITIZE})
endif()

include(GNUInstallDirs)

# berth_library(NAME DIRS folders... [FILES files...] [COMPONENT core|store|serve]
#               [PUBLIC targets...] [PRIVATE targets...]): one library per concern from
# src/<folder>/*.cpp, static unless BUILD_SHARED_LIBS. Every library is exported (in the export
# set of its package component) and berth::berth links them all.
#
# Shared builds: symbols are hidden unless a public header marks them BERTH_API
# (berth/export.hpp), so the ABI is what the headers declare and nothing else.
# The soname carries major.minor: while berth is 0.x a minor release may break the ABI, the same
# rule as berthConfigVersion.cmake's SameMinorVersion.
set_property(GLOBAL PROPERTY BERTH_LIBRARIES "")
set_property(GLOBAL PROPERTY BERTH_COMPONENT_LIBRARIES_core "")
set_property(GLOBAL PROPERTY BERTH_COMPONENT_LIBRARIES_store "")
set_property(GLOBAL PROPERTY BERTH_COMPONENT_LIBRARIES_serve "")
function(berth_library name)
  cmake_parse_arguments(ARG "" "COMPONENT" "DIRS;FILES;PUBLIC;PRIVATE" ${ARGN})
  set(_srcs "")
  foreach(_dir ${ARG_DIRS})
    file(GLOB _dir_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${_dir}/*.cpp)
    list(APPEND _srcs ${_dir_srcs})
  endforeach()
  foreach(_file ${ARG_FILES})
    list(APPEND _srcs ${CMAKE_CURRENT_SOURCE_DIR}/${_file})
  endforeach()
  if(NOT ARG_COMPONENT)
    set(ARG_COMPONENT core)
  endif()
  add_library(berth_${name} ${_srcs})
  add_library(berth::${name} ALIAS berth_${name})
  set_target_properties(berth_${name} PROPERTIES
    EXPORT_NAME ${name}
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    # No <target>_EXPORTS define in shared builds: BERTH_API is the same attribute either way
    # (berth/export.hpp), and identical flags let ccache share objects between the two builds.
    DEFINE_SYMBOL ""
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    # Installed shared libraries find each other next to themselves: a consumer's RUNPATH
    # does not reach its libraries' own dependencies (libberth_place needs libberth_model).
    INSTALL_RPATH "$ORIGIN")
  target_include_directories(berth_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(berth_${name} PUBLIC cxx_std_20)
  target_link_libraries(berth_${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE}
    $<BUILD_INTERFACE:berth_warnings>)
  if(BERTH_FUZZ)  # coverage for the fuzzers; the test suite runs on the same objects
    target_compile_options(berth_${name} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
  set_property(GLOBAL APPEND PROPERTY BERTH_LIBRARIES berth_${name})
  set_property(GLOBAL APPEND PROPERTY BERTH_COMPONENT_LIBRARIES_${ARG_COMPONENT} berth_${name})
endfunction()
