import CDNNL

/// The few oneDNN handles and calls the convolutions share. oneDNN reports failure through
/// status codes; every call made here is one that can only fail on a programming error (the
/// shapes were validated when the graph was built, and oneDNN's reference kernels accept any
/// f32 convolution), so a failure stops the process with the call that failed.
enum DNNL {
    /// The CPU engine, created on first use and kept for the life of the process.
    nonisolated(unsafe) static let engine: dnnl_engine_t = {
        var engine: dnnl_engine_t?
        check(dnnl_engine_create(&engine, dnnl_cpu, 0), "creating the CPU engine")
        return engine!
    }()

    static func check(_ status: dnnl_status_t, _ call: @autoclosure () -> String) {
        guard status == dnnl_success else { fatalError("oneDNN failed (status \(status.rawValue)) \(call())") }
    }

    /// A 4-D (or 1-D) f32 descriptor with the given layout; `dnnl_format_tag_any` lets a
    /// primitive choose its own.
    static func descriptor(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        check(dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims.map(Int64.init), dnnl_f32, tag), "describing \(dims)")
        return md
    }

    /// The descriptor a primitive chose for one of its arguments.
    static func query(_ pd: dnnl_primitive_desc_t, _ what: dnnl_query_t) -> dnnl_memory_desc_t {
        dnnl_primitive_desc_query_md(pd, what, 0).pointee
    }

    /// Attributes that make a primitive take its scratch memory from the caller, so that one
    /// primitive can run on several threads at once with each thread's own buffer.
    static func userScratchpadAttributes() -> dnnl_primitive_attr_t {
        var attr: dnnl_primitive_attr_t?
        check(dnnl_primitive_attr_create(&attr), "creating attributes")
        check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "setting the scratchpad mode")
        return attr!
    }

    static func bytes(_ md: dnnl_memory_desc_t) -> Int {
        withUnsafePointer(to: md) { dnnl_memory_desc_get_size($0) }
    }

    static func same(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        withUnsafePointer(to: a) { a in withUnsafePointer(to: b) { b in dnnl_memory_desc_equal(a, b) != 0 } }
    }

    /// Runs `body` with a stream for primitives executed one after another on the calling thread,
    /// and OpenMP told to stay on that thread for them.
    static func withStream<R>(_ body: (dnnl_stream_t) -> R) -> R {
        var stream: dnnl_stream_t?
        check(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "creating a stream")
        defer { dnnl_stream_destroy(stream) }
        stayOnCallingThread()
        return body(stream!)
    }

    /// Sets the calling thread's OpenMP default to one thread: for running primitives, and for
    /// creating them, since oneDNN fits a primitive's blocking (and, for Winograd, its split of
    /// the work and scratch memory) to the threads it sees then, which would otherwise depend on
    /// which engine thread happened to make it.
    static func stayOnCallingThread() {
        omp_set_num_threads(1)
    }
}

/// A oneDNN primitive with the size of the scratch memory it asks for.
final class DNNLPrimitive: @unchecked Sendable {
    let handle: dnnl_primitive_t
    let scratchpadBytes: Int
    private let scratchpadDescriptor: dnnl_memory_desc_t

    /// Creates the primitive of `pd` and releases `pd`.
    init(_ pd: dnnl_primitive_desc_t) {
        var primitive: dnnl_primitive_t?
        DNNL.check(dnnl_primitive_create(&primitive, pd), "creating a primitive")
        handle = primitive!
        scratchpadBytes = DNNL.bytes(DNNL.query(pd, dnnl_query_scratchpad_md))
        scratchpadDescriptor = DNNL.descriptor([max(1, scratchpadBytes / 4 + 1)], dnnl_x)
        dnnl_primitive_desc_destroy(pd)
    }

    /// A reorder between two layouts of the same tensor.
    convenience init(reorderFrom source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t) {
        let attr = DNNL.userScratchpadAttributes()
        defer { dnnl_primitive_attr_destroy(attr) }
        var pd: dnnl_primitive_desc_t?
        var (s, d) = (source, destination)
        DNNL.check(dnnl_reorder_primitive_desc_create(&pd, &s, DNNL.engine, &d, DNNL.engine, attr), "creating a reorder")
        self.init(pd!)
    }

    deinit { dnnl_primitive_destroy(handle) }

    /// Runs the primitive on `arguments` (index, descriptor, data) with `scratchpad` on `stream`
    /// (see DNNL.withStream), and waits for it.
    func execute(_ arguments: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)], scratchpad: UnsafeMutableRawPointer,
                 on stream: dnnl_stream_t) {
        var memories = [dnnl_memory_t?]()
        defer { for memory in memories { dnnl_memory_destroy(memory) } }
        var args = [dnnl_exec_arg_t]()
        for (index, md, data) in arguments + [(Int32(CDNNL_ARG_SCRATCHPAD), scratchpadDescriptor, scratchpad)] {
            var memory: dnnl_memory_t?
            var md = md
            DNNL.check(dnnl_memory_create(&memory, &md, DNNL.engine, data), "wrapping a buffer")
            memories.append(memory)
            args.append(dnnl_exec_arg_t(arg: index, memory: memory))
        }
        DNNL.check(dnnl_primitive_execute(handle, stream, Int32(args.count), args), "executing a primitive")
        DNNL.check(dnnl_stream_wait(stream), "waiting for a primitive")
    }
}
