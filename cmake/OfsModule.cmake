# Helpers that give every OFS module the same shape: one folder = one static library target
# `ofs_<name>` with warnings as errors; tests beside the code in one GoogleTest binary per module.

function(ofs_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers)
endfunction()

# ofs_module(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
function(ofs_module name)
  cmake_parse_arguments(M "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ofs_${name} STATIC ${M_SOURCES})
  target_include_directories(ofs_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(ofs_${name} PUBLIC ${M_PUBLIC_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  ofs_warnings(ofs_${name})
endfunction()

# ofs_test(<name> SOURCES ... DEPS ...): a GoogleTest binary whose tests are registered with ctest.
function(ofs_test name)
  if(NOT OFS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  ofs_warnings(${name})
  # LABELS name the real servers a test needs (e.g. `cassandra`): `make test` runs those with the
  # server started (ctest -L), and the plain unit run leaves them out (ctest -LE).
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60
                       PROPERTIES ENVIRONMENT "OFS_SOURCE_DIR=${PROJECT_SOURCE_DIR}" LABELS "${T_LABELS}")
endfunction()

# ofs_bench(<name> SOURCES ... DEPS ...): a Google Benchmark binary (never run by ctest).
function(ofs_bench name)
  if(NOT OFS_BUILD_BENCH)
    return()
  endif()
  cmake_parse_arguments(B "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${B_SOURCES})
  target_link_libraries(${name} PRIVATE ${B_DEPS} benchmark::benchmark benchmark::benchmark_main)
  ofs_warnings(${name})
endfunction()
