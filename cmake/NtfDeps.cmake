# Third-party dependencies, all from Debian 12 packages (scripts/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(GTest CONFIG REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)

# Standalone Asio is header-only; it has no CMake config or pkg-config file in Debian.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(ntf_asio INTERFACE)
target_include_directories(ntf_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(ntf_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
target_link_libraries(ntf_asio INTERFACE Threads::Threads)
add_library(ntf::asio ALIAS ntf_asio)

# --- libs/pg and libs/redis: PostgreSQL (libpqxx 6.4) and Redis (hiredis 0.14) clients -----------
# Both are pkg-config only on Debian 12 (find_package(libpqxx) fails; hiredis' CMake config is
# broken without a version and defines no target). hiredis.pc adds -isystem /usr/include/hiredis:
# always write #include <hiredis/hiredis.h>.
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)     # PkgConfig::PQXX    (6.4.5)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)  # PkgConfig::HIREDIS (0.14.1)
# libpqxx.pc does not list libpq; libs/pg calls libpq directly (PQconninfoParse).
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)          # PkgConfig::PQ      (15)
# --- end libs/pg and libs/redis ------------------------------------------------------------------

# --- libs/common and libs/observability: YAML config and Prometheus metrics ---------------------
# yaml-cpp 0.7 through pkg-config: its CMake config exports an un-namespaced `yaml-cpp` target
# (a typo silently becomes -lyaml-cpp) and an empty YAML_CPP_INCLUDE_DIR.
if(NOT TARGET PkgConfig::YAML_CPP)
  pkg_check_modules(YAML_CPP REQUIRED IMPORTED_TARGET yaml-cpp)  # PkgConfig::YAML_CPP (0.7.0)
endif()
# Core only (registry, metric types, TextSerializer); the admin HTTP server is our own on Asio,
# so prometheus-cpp's civetweb-based pull exposer is not linked.
find_package(prometheus-cpp CONFIG REQUIRED COMPONENTS core)     # prometheus-cpp::core (1.0.1)
# --- end libs/common and libs/observability ------------------------------------------------------

# --- Asio coroutines under clang (appended by libs/observability) --------------------------------
# Asio 1.22 enables co_await for clang only with the Coroutines TS (<experimental/coroutine>,
# __cpp_coroutines), which clang 14 + libstdc++ 12 in C++20 mode do not provide; without this,
# asio::awaitable/co_spawn vanish in the clang (ASan/fuzz) build. C++20 <coroutine> works.
target_compile_definitions(ntf_asio INTERFACE
  $<$<CXX_COMPILER_ID:Clang>:ASIO_HAS_CO_AWAIT=1 ASIO_HAS_STD_COROUTINE=1>)
# clang 14's -fsanitize=function (part of "undefined") breaks on split coroutine functions:
# "error: Cannot represent a difference across sections". Drop just that check for Asio users.
if(NTF_SANITIZE AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(ntf_asio INTERFACE -fno-sanitize=function)
endif()
# --- end Asio coroutines under clang --------------------------------------------------------------

# --- libs/http2: HTTP/2 client and test server on nghttp2 -----------------------------------------
# nghttp2 1.52 has pkg-config only on Debian 12 (no CMake config). Linked privately by ntf::http2;
# its headers never appear in libs/http2's public headers.
if(NOT TARGET PkgConfig::NGHTTP2)
  pkg_check_modules(NGHTTP2 REQUIRED IMPORTED_TARGET libnghttp2)  # PkgConfig::NGHTTP2 (1.52.0)
endif()
# --- end libs/http2 --------------------------------------------------------------------------------
