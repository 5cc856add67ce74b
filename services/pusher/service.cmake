# ntf-pusher, the service around pusher_core (README.md): stream reader, provider lanes,
# PostgreSQL and Redis adapters, periodic pushes, outbox, metrics, main.cc. Included from
# CMakeLists.txt after pusher_core.
ntf_cc_library(NAME pusher_config
  SRCS src/pusher_config.cc
  DEPS ntf::common ntf::pg)
target_include_directories(ntf_pusher_config PUBLIC ${PROJECT_SOURCE_DIR})

ntf_cc_library(NAME pusher_service
  SRCS
    src/caching_push_store.cc
    src/completion.cc
    src/cron.cc
    src/dispatcher.cc
    src/held_jobs.cc
    src/job_stream.cc
    src/job_worker.cc
    src/outbox.cc
    src/periodic.cc
    src/push_job.cc
    src/push_store.cc
    src/pusher_metrics.cc
    src/stream_upkeep.cc
    src/token_cache.cc
    src/token_change_listener.cc
    src/providers/apns_sender.cc
    src/providers/fcm_sender.cc
    src/providers/provider_submit.cc
  DEPS
    ntf::pusher_core ntf::pusher_config ntf::store ntf::pg ntf::redis ntf::http2
    ntf::push_job ntf::common prometheus-cpp::core absl::flat_hash_map absl::flat_hash_set)

ntf_cc_library(NAME pusher_app
  SRCS src/pusher_app.cc
  DEPS ntf::pusher_service ntf::observability)

ntf_cc_binary(NAME ntf-pusher SRCS main.cc DEPS ntf::pusher_app)
# jemalloc instead of glibc malloc: per push the pusher allocates ~4 KB buffers on one thread and
# frees them on another, which glibc's arenas serve with locks and malloc_consolidate; jemalloc
# took CPU per push from ~26 to ~19 us in `make bench` (docs/benchmarks.md). Linked when the
# library is installed (Debian: libjemalloc2; docker/runtime-packages.sh then ships it), never
# with sanitizers. Tests keep glibc's malloc.
if(NOT NTF_SANITIZE)
  find_library(NTF_JEMALLOC_LIBRARY NAMES jemalloc libjemalloc.so.2)
  if(NTF_JEMALLOC_LIBRARY)
    target_link_libraries(ntf-pusher PRIVATE ${NTF_JEMALLOC_LIBRARY})
    # Its compiled-in options (larger slabs): jemalloc_conf.cc says why.
    target_sources(ntf-pusher PRIVATE jemalloc_conf.cc)
  endif()
endif()

# Unit tests: pure logic and the lanes against in-memory fakes (no services).
ntf_cc_test(NAME pusher_service_test
  SRCS
    tests/pusher_config_service_test.cc
    tests/completion_service_test.cc
    tests/job_worker_service_test.cc
    tests/dispatcher_service_test.cc
    tests/pusher_metrics_service_test.cc
    tests/token_cache_service_test.cc
    tests/held_jobs_service_test.cc
  DEPS ntf::pusher_service prometheus-cpp::core)

if(NOT NTF_UNIT_ONLY)
# Against the local PostgreSQL and Redis (scripts/local-stack.sh) with the fake providers
# (tests/support): real stream, real store, in-process PusherApp, ntf-pusher processes, and an
# end-to-end run with ntf-intake and the client library.
ntf_cc_test(NAME pusher_integration_test
  SRCS
    tests/pusher_test_env.cc
    tests/store_stream_integration_test.cc
    tests/pusher_integration_test.cc
    tests/pusher_process_integration_test.cc
    tests/pusher_e2e_integration_test.cc
  DEPS ntf::pusher_app ntf::pg_testing ntf::redis_testing ntf::fake_providers
       ntf::testing_process ntf::http2_testing ntf::ntf_client ntf::ntfctl_lib
       prometheus-cpp::core nlohmann_json::nlohmann_json
  LABELS integration)
target_compile_definitions(pusher_integration_test PRIVATE
  NTF_PUSHER_BINARY="$<TARGET_FILE:ntf-pusher>" NTF_INTAKE_BINARY="$<TARGET_FILE:ntf-intake>")
add_dependencies(pusher_integration_test ntf-pusher ntf-intake)
endif()
