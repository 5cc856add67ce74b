# Declarative helpers: one call per library, test, binary and fuzz target.
#
#   ntf_cc_library(NAME wire SRCS a.cc DEPS absl::status)
#       -> target ntf_wire, alias ntf::wire, public include dir ./include
#   ntf_cc_test(NAME wire_test SRCS t.cc DEPS ntf::wire [LABELS unit] [ENVIRONMENT ...])
#   ntf_cc_binary(NAME ntf-intake SRCS main.cc DEPS ...)
#   ntf_fuzz_target(NAME wire_block_fuzz SRCS f.cc DEPS ntf::wire [SECONDS 20])
include(GoogleTest)

function(ntf_cc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(t ntf_${A_NAME})
  if(A_SRCS)
    add_library(${t} STATIC ${A_SRCS})
    target_include_directories(${t} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(${t} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
    target_compile_options(${t} PRIVATE ${NTF_WARNINGS})
  else()
    add_library(${t} INTERFACE)
    target_include_directories(${t} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(${t} INTERFACE ${A_DEPS})
  endif()
  add_library(ntf::${A_NAME} ALIAS ${t})
endfunction()

# Unit tests carry the label "unit" (run again under ASan/UBSan); tests that need the local
# PostgreSQL/Redis stack or spawn processes pass LABELS integration.
function(ntf_cc_test)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;LABELS;ENVIRONMENT" ${ARGN})
  if(NOT A_LABELS)
    set(A_LABELS unit)
  endif()
  if(NTF_UNIT_ONLY AND NOT "unit" IN_LIST A_LABELS)
    return()
  endif()
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_options(${A_NAME} PRIVATE ${NTF_WARNINGS})
  gtest_discover_tests(${A_NAME}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${A_LABELS}" ENVIRONMENT "${A_ENVIRONMENT}")
endfunction()

function(ntf_cc_binary)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  target_compile_options(${A_NAME} PRIVATE ${NTF_WARNINGS})
endfunction()

# A libFuzzer target, built only with NTF_FUZZ. Each one is also a ctest test (label "fuzz")
# that runs it for SECONDS (default 20) from its seed corpus; `make fuzz` runs them longer.
function(ntf_fuzz_target)
  cmake_parse_arguments(A "" "NAME;SECONDS;CORPUS" "SRCS;DEPS" ${ARGN})
  if(NOT NTF_FUZZ)
    return()
  endif()
  if(NOT A_SECONDS)
    set(A_SECONDS 20)
  endif()
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  target_compile_options(${A_NAME} PRIVATE ${NTF_WARNINGS})
  target_link_options(${A_NAME} PRIVATE -fsanitize=fuzzer)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/${A_NAME}_corpus)
  set(seeds "")
  if(A_CORPUS)
    set(seeds ${CMAKE_CURRENT_SOURCE_DIR}/${A_CORPUS})
  endif()
  add_test(NAME ${A_NAME}
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/run-fuzzer.sh $<TARGET_FILE:${A_NAME}> ${A_SECONDS}
            ${work} ${seeds})
  set_tests_properties(${A_NAME} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()
