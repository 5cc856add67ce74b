# SMP codecs, notifier side and the commands a test SMP server needs (spec/smp-notifier.md).
# Included from libs/wire/CMakeLists.txt; paths are relative to libs/wire.
ntf_cc_library(NAME wire_smp
  SRCS src/smp_handshake.cc src/smp_protocol.cc src/smp_transmission.cc
  DEPS ntf::wire)

# OpenSSL's SHA-256 checks the TV1 block hash; only the test links it.
ntf_cc_test(NAME wire_smp_test
  SRCS tests/smp_handshake_test.cc tests/smp_protocol_test.cc tests/smp_transmission_test.cc
       tests/smp_vectors_test.cc
  DEPS ntf::wire_smp OpenSSL::Crypto)

ntf_fuzz_target(NAME wire_smp_response_fuzz
  SRCS fuzz/smp_response_fuzz.cc
  DEPS ntf::wire_smp
  CORPUS fuzz/smp_corpus)
