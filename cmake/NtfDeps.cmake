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
