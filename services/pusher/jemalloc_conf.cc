// jemalloc's compiled-in options for ntf-pusher, linked only with jemalloc (service.cmake).
// MALLOC_CONF in the environment still overrides them.
//
// slab_sizes:1-14336:64 — slabs of up to 64 pages for all small size classes. By default the
// 4096-byte class (each APNs body: ~4,017 bytes) has one region per one-page slab, so every
// body was a slab of its own, made on the sender thread and destroyed on the HTTP/2 thread:
// 200,000 slabs for 200,000 pushes, each through jemalloc's extent allocator. With 64 regions
// per slab that is 1 in 64; the 3,072- and 1,024-byte classes (box, header storage) likewise,
// and the 5,120-8,192-byte classes an FCM body falls in (4 or 1 region per default slab).
// Measured in docs/benchmarks.md, round 9: the (pusher + Redis + PostgreSQL) / fake CPU share
// 8 % lower, pushes/s within the noise; ~11 MB more resident memory after a large backlog.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's interface.
const char* malloc_conf = "slab_sizes:1-14336:64";
}
