# Warnings on our own targets only (never pushed onto consumers). Errors only when asked
# (BERTH_WERROR, as {fmt}'s FMT_WERROR): CI turns it on (scripts/test.sh), while a consumer who
# builds berth with a newer compiler, whose new warnings we have not seen, still gets a build.
add_library(berth_warnings INTERFACE)
target_compile_options(berth_warnings INTERFACE -Wall -Wextra $<$<BOOL:${BERTH_WERROR}>:-Werror>)

if(BERTH_SANITIZE)
  add_compile_options(-fsanitize=${BERTH_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${BERTH_SANITIZE})
endif()

# berth_component(NAME SOURCES... [DEPS targets...]): one static library per concern
# (core, pack, fleet, ops, state, plan). They are all exported, and berth::berth links them
# all, so a consumer never has to know the split.
set_property(GLOBAL PROPERTY BERTH_COMPONENTS "")
function(berth_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(berth_${name} STATIC ${ARG_SOURCES})
  add_library(berth::${name} ALIAS berth_${name})
  set_target_properties(berth_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(berth_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(berth_${name} PUBLIC cxx_std_20)
  target_link_libraries(berth_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS}
    $<BUILD_INTERFACE:berth_warnings>)
  set_property(GLOBAL APPEND PROPERTY BERTH_COMPONENTS berth_${name})
endfunction()
