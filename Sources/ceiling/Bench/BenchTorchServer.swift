import Foundation

/// PyTorch's side of the bench: `scripts/bench_torch.py --serve` kept running for the whole
/// bench and driven one JSON line at a time, so that each timed PyTorch run can follow the
/// matching ceiling run. Interleaving puts both engines under the same background load, which on
/// a shared machine moves far more than either engine's own variation.
final class BenchTorchServer {
    private let process = Process()
    private let requests: FileHandle
    private let replies: FileHandle
    private var pending = Data()
    let version: String

    /// Starts the script; nil (with a note on stderr) when it cannot run or torch is missing.
    init?(python: String, script: String, threads: Int) {
        let toChild = Pipe(), fromChild = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--serve", "--threads", "\(threads)"]
        process.standardInput = toChild
        process.standardOutput = fromChild
        requests = toChild.fileHandleForWriting
        replies = fromChild.fileHandleForReading
        do { try process.run() } catch {
            BenchTorchServer.note("cannot run \(python): \(error); PyTorch figures skipped")
            return nil
        }
        guard let hello = try? BenchTorchServer.readLine(replies, &pending), let version = hello["torch"] as? String else {
            BenchTorchServer.note("\(python) \(script) --serve did not start (is torch installed for it?); PyTorch figures skipped")
            process.terminate()
            return nil
        }
        self.version = version
    }

    /// Sends one request and waits for its reply; a reply with an `error` field throws.
    func send(_ request: [String: Any]) throws -> [String: Any] {
        var line = try JSONSerialization.data(withJSONObject: request)
        line.append(0x0A)
        try requests.write(contentsOf: line)
        let reply = try Self.readLine(replies, &pending)
        if let message = reply["error"] as? String { throw BenchError(message) }
        return reply
    }

    func close() {
        try? requests.close()
        process.waitUntilExit()
    }

    /// The next JSON line from `handle`, keeping what follows it in `pending`.
    private static func readLine(_ handle: FileHandle, _ pending: inout Data) throws -> [String: Any] {
        while true {
            if let end = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex..<end]
                pending = Data(pending[(end + 1)...])
                guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                    throw BenchError("bench_torch.py sent something other than a JSON object")
                }
                return object
            }
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw BenchError("bench_torch.py stopped") }
            pending.append(chunk)
        }
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data("note: \(text)\n".utf8))
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
