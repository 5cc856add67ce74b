# NTF protocol codecs (spec/ntf-protocol.md §1-§2) and smp:// / ntf:// server addresses.
ntf_cc_library(NAME wire_ntf
  SRCS src/ntf_protocol.cc src/address.cc
  DEPS ntf::wire)

ntf_cc_test(NAME wire_ntf_test
  SRCS tests/ntf_protocol_test.cc tests/address_test.cc
  DEPS ntf::wire_ntf)

ntf_fuzz_target(NAME wire_ntf_command_fuzz
  SRCS fuzz/ntf_command_fuzz.cc
  DEPS ntf::wire_ntf
  CORPUS fuzz/ntf_corpus)
