import ArgumentParser

/// `--chunk`, shared by the commands whose per-point work shards can split.
enum ChunkOption {
    /// `what` names the points and their default sizes, e.g. "Anchors computed together (default 32)".
    static func help(_ what: String) -> ArgumentHelp {
        ArgumentHelp(stringLiteral: "\(what); shards split only between chunks. Part of the settings: batched sums round differently with the chunk, which mostly moves the last digits, though an attack's path can amplify it (between chunks of 4, 8 and 16, r_in moved by 5% at 1 of 64 bundled ResNet points, no percentile moved); the thread count and the shards change nothing.")
    }

    static func validate(_ chunk: Int?) throws {
        if let chunk { guard chunk >= 1 else { throw ValidationError("--chunk must be at least 1") } }
    }
}
