import CeilingEngine
import CeilingScience
import Foundation

/// The bench's workloads: the DCGAN-32 generator (generation and the modulus ascent) and the
/// classifiers (forward, forward + input gradient, full DeepFool), each with the request that
/// makes bench_torch.py do the same work on the same weights and inputs.
struct BenchSuite {
    var batch: Int
    var deepFoolBatch: Int
    var anchors: Int
    var ascentSteps: Int
    /// Where the shared inputs and weights are written for the PyTorch side.
    var directory: URL

    /// The DeepFool of the project's attacks: overshoot 0.02, up to 50 iterations, every class.
    static let deepFool = DeepFool(overshoot: 0.02, maxIterations: 50)
    /// The modulus estimator gives its first radius this many times `ascentSteps` (BallAscent).
    static let firstRadiusStepFactor = 3

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The workloads whose key contains `only` (all when nil). Networks none of whose workloads
    /// are selected are not set up at all, so that timing or profiling one workload does not wait
    /// for the others' weights and reference outputs. Each network draws from its own generator,
    /// so a workload gets the same inputs whichever others run beside it.
    func workloads(only: String? = nil) throws -> [BenchWorkload] {
        func selected(_ key: String) -> Bool { only.map { key.contains($0) } ?? true }
        var inputSource = SeededGenerator(seed: 3)
        let images = try classifierInputs(&inputSource)
        var list = [BenchWorkload]()
        if ["dcgan32_generate", "dcgan32_modulus"].contains(where: selected) {
            var rng = SeededGenerator(seed: 4)
            list += try generatorWorkloads(&rng)
        }
        let bundled: [(name: String, label: String, deepFoolOnly: Bool)] = [
            ("lenet", "LeNet-5 (generators/lenet.bin)", false),
            ("lenet_pgd", "LeNet-5 PGD (generators/lenet_pgd.bin)", true),
            ("resnet", "ResNet-18 w16 (generators/resnet.bin)", false),
        ]
        for (index, model) in bundled.enumerated() {
            let kinds = model.deepFoolOnly ? ["deepfool"] : Self.classifierKinds
            guard kinds.contains(where: { selected("\(model.name)_\($0)") }) else { continue }
            let file = "generators/\(model.name).bin"
            guard FileManager.default.fileExists(atPath: file) else {
                BenchTorchServer.note("\(file) not found (run from the repository root); its workloads skipped")
                continue
            }
            let loaded = try Model.load(file)
            let spec: [String: Any] = ["kind": "file", "path": file]
            var rng = SeededGenerator(seed: UInt64(5 + index))
            let all = try classifierWorkloads(model.name, model.label, loaded.graph, at: loaded.logits, spec, images, &rng)
            list += model.deepFoolOnly ? all.filter { $0.key.hasSuffix("deepfool") } : all
        }
        if Self.classifierKinds.contains(where: { selected("resnet18_\($0)") }) {
            let resnet = ReferenceNetworks.cifarResNet18(width: 64, classes: 10, seed: 2)
            try BenchWeights.write(resnet, to: path("resnet18.safetensors"))
            let spec: [String: Any] = ["kind": "reference", "arch": "resnet18", "width": 64, "classes": 10, "weights": path("resnet18.safetensors")]
            var rng = SeededGenerator(seed: UInt64(5 + bundled.count))
            list += try classifierWorkloads("resnet18", "ResNet-18 w64 (CIFAR, random)", resnet, at: resnet.output, spec, images, &rng)
        }
        return list.filter { selected($0.key) }
    }

    /// The workloads each classifier gives, as its keys end.
    private static let classifierKinds = ["forward", "input_grad", "deepfool"]

    /// The first images of generators/real_digits.npy (Gaussian noise when it is missing).
    private func classifierInputs(_ rng: inout SeededGenerator) throws -> Tensor {
        let count = max(batch, deepFoolBatch)
        if let real = try? NPY.read("generators/real_digits.npy"), real.sampleShape == [3, 32, 32], real.batch >= count {
            return real.samples(0..<count)
        }
        BenchTorchServer.note("generators/real_digits.npy not usable; classifiers get Gaussian inputs")
        return rng.gaussianTensor([count, 3, 32, 32])
    }

    private func generatorWorkloads(_ rng: inout SeededGenerator) throws -> [BenchWorkload] {
        let generator = ReferenceNetworks.dcgan32(latent: 100, width: 64, seed: 1)
        try BenchWeights.write(generator, to: path("dcgan32.safetensors"))
        let spec: [String: Any] = ["kind": "reference", "arch": "dcgan32", "nz": 100, "ngf": 64, "weights": path("dcgan32.safetensors")]
        let flops = BenchFLOPs.perSample(generator)
        let z = rng.gaussianTensor([batch, 100])
        try NPY.write(z, to: path("dcgan32_z.npy"))
        try NPY.write(generator.evaluate(z), to: path("dcgan32_images.npy"))
        let generate = BenchWorkload(
            key: "dcgan32_generate", label: "DCGAN-32 (nz 100, ngf 64) generate", unit: .imagesPerSecond,
            items: batch, flopsPerSample: flops,
            torchSetup: ["model": spec, "mode": "forward", "input": path("dcgan32_z.npy"), "reference": path("dcgan32_images.npy")]) { [batch] in
                _ = generator.evaluate(z)
                return BenchWork(units: Double(batch), forwardSamples: Double(batch), cotangentSamples: 0)
            }

        let counter = PassCounter()
        let estimator = try ModulusEstimator(graph: generator.counted(by: counter))
        let settings = ModulusSettings(radii: [1], anchors: anchors, directions: 1, ascentStarts: 1, ascentSteps: ascentSteps, seed: 0)
        let steps = ascentSteps * Self.firstRadiusStepFactor
        let modulus = BenchWorkload(
            key: "dcgan32_modulus", label: "DCGAN-32 modulus ascent (\(steps) steps, s = 1)", unit: .pairsPerSecond,
            items: anchors, flopsPerSample: flops,
            torchSetup: ["model": spec, "mode": "modulus", "anchors": anchors, "directions": 1, "steps": steps, "radius": 1.0,
                         "chunk": 32]) {
                counter.reset()
                _ = try! estimator.sample(settings)
                let c = counter.snapshot
                return BenchWork(units: Double(c.cotangents), forwardSamples: Double(c.forward), cotangentSamples: Double(c.cotangents))
            }
        return [generate, modulus]
    }

    private func classifierWorkloads(_ name: String, _ label: String, _ graph: Graph, at logits: Int, _ spec: [String: Any],
                                     _ images: Tensor, _ rng: inout SeededGenerator) throws -> [BenchWorkload] {
        let flops = BenchFLOPs.perSample(graph, at: logits)
        let classes = graph.shape(of: logits).reduce(1, *)
        let x = images.samples(0..<batch)
        try NPY.write(x, to: path("\(name)_x.npy"))
        try NPY.write(graph.evaluate(x, at: logits), to: path("\(name)_logits.npy"))
        let u = rng.gaussianTensor([batch, classes])
        let n = Double(batch)
        let forward = BenchWorkload(
            key: "\(name)_forward", label: "\(label) forward", unit: .imagesPerSecond, items: batch, flopsPerSample: flops,
            torchSetup: ["model": spec, "mode": "forward", "input": path("\(name)_x.npy"), "reference": path("\(name)_logits.npy")]) {
                _ = graph.evaluate(x, at: logits)
                return BenchWork(units: n, forwardSamples: n, cotangentSamples: 0)
            }
        let gradient = BenchWorkload(
            key: "\(name)_input_grad", label: "\(label) forward + input gradient", unit: .imagesPerSecond, items: batch,
            flopsPerSample: flops, torchSetup: ["model": spec, "mode": "input_grad", "input": path("\(name)_x.npy")]) {
                let trace = graph.trace(x, until: logits)
                _ = graph.vjp(trace, cotangent: u, at: logits)
                return BenchWork(units: n, forwardSamples: n, cotangentSamples: n)
            }

        let counter = PassCounter()
        let map = GraphMap(graph.counted(by: counter), at: logits + 1)
        let points = images.samples(0..<deepFoolBatch)
        try NPY.write(points, to: path("\(name)_deepfool_x.npy"))
        let labels = argmaxLabels(map(points))
        let deepFool = BenchWorkload(
            key: "\(name)_deepfool", label: "\(label) DeepFool (batch \(deepFoolBatch), K = \(classes))", unit: .secondsPerSample,
            items: deepFoolBatch, flopsPerSample: flops,
            torchSetup: ["model": spec, "mode": "deepfool", "input": path("\(name)_deepfool_x.npy"),
                         "overshoot": Self.deepFool.overshoot, "max_iterations": Self.deepFool.maxIterations]) {
                counter.reset()
                _ = Self.deepFool.perturbations(map: map, x: points, labels: labels)
                let c = counter.snapshot
                return BenchWork(units: Double(c.cotangents / classes), forwardSamples: Double(c.forward), cotangentSamples: Double(c.cotangents))
            }
        return [forward, gradient, deepFool]
    }
}
