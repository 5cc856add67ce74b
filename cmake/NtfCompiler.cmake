# Compiler settings shared by every target: warnings as errors, ccache, sanitizers, fuzzing.
find_program(NTF_CCACHE ccache)
if(NTF_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER ${NTF_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${NTF_CCACHE})
endif()

# -O2, not CMake's default -O3: gcc 12's -O3 reports false -Wstringop-overflow in tests.
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG")

set(NTF_WARNINGS -Wall -Wextra -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # gcc 12 at -O2 reports false "may be used uninitialized" on std::variant members moved into
  # containers (seen in the codec tests); clang's -Wall has no such check to lose.
  list(APPEND NTF_WARNINGS -Wno-maybe-uninitialized)
endif()

if(NTF_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(NTF_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "NTF_FUZZ needs clang (configure with CXX=clang++)")
  endif()
  # Coverage instrumentation everywhere; only fuzz targets link the libFuzzer main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
