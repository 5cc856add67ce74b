# ntf_proto_library(NAME push_v1 PROTOS ntf/push/v1/push_job.proto [GRPC])
#   -> target ntf_proto_<NAME>, alias ntf::proto_<NAME>; generated headers are included as
#      "ntf/push/v1/push_job.pb.h". With GRPC, also the .grpc.pb.{h,cc} service stubs.
# Keep generated headers (and above all gRPC headers) out of most translation units: include
# them only in the adapter that maps them to domain types.
find_package(Protobuf REQUIRED)

function(ntf_proto_library)
  cmake_parse_arguments(A "GRPC" "NAME" "PROTOS" ${ARGN})
  set(t ntf_proto_${A_NAME})
  add_library(${t} STATIC ${A_PROTOS})
  target_include_directories(${t} SYSTEM PUBLIC ${CMAKE_CURRENT_BINARY_DIR})
  target_link_libraries(${t} PUBLIC protobuf::libprotobuf)
  protobuf_generate(TARGET ${t} LANGUAGE cpp
    IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR} PROTOC_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  if(A_GRPC)
    find_package(gRPC CONFIG REQUIRED)
    target_link_libraries(${t} PUBLIC gRPC::grpc++)
    protobuf_generate(TARGET ${t} LANGUAGE grpc
      GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
      PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
      IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR} PROTOC_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  add_library(ntf::proto_${A_NAME} ALIAS ${t})
endfunction()
