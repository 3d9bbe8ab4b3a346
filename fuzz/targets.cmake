# The libFuzzer targets, one per parser. Included by fuzz/CMakeLists.txt (the standalone fuzz
# project: scripts/fuzz.sh by hand) and by the top-level project when BERTH_FUZZ is on (CI's
# sanitizer build, whose instrumented libraries serve the test suite and the fuzzers alike).
# Every binary lands at the top of the build tree, ${name}_fuzz, where scripts/fuzz.sh looks.
set(BERTH_FUZZ_TARGETS spec_json quantity unit_file machines vbp kube_json place events_json
  catalogue_json)
foreach(name ${BERTH_FUZZ_TARGETS})
  add_executable(${name}_fuzz ${CMAKE_CURRENT_LIST_DIR}/${name}_fuzz.cpp)
  target_link_libraries(${name}_fuzz PRIVATE berth_model berth_place berth_io berth_fleet
    berth_pack berth_ops berth_plan berth_warnings)
  target_include_directories(${name}_fuzz PRIVATE ${CMAKE_CURRENT_LIST_DIR}
    ${CMAKE_CURRENT_LIST_DIR}/../tests)
  target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name}_fuzz PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endforeach()
