import Model

/// SIMD distance kernels over float32 vectors.
///
/// They use `acc += x * y` rather than `addProduct`: on the default x86-64 target `addProduct`
/// calls the C library's scalar `fmaf` per lane and is ~15× slower (see the team's SIMD notes).
/// Two 16-lane accumulators hide the add latency; a streaming scan is bound by memory bandwidth.
public enum Distance {
  /// Inner product of two `count`-long vectors.
  @inlinable
  public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var acc0 = SIMD16<Float>()
    var acc1 = SIMD16<Float>()
    var index = 0
    let rawA = UnsafeRawPointer(a)
    let rawB = UnsafeRawPointer(b)
    while index + 32 <= count {
      let x0 = rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
      let y0 = rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
      let x1 = rawA.loadUnaligned(fromByteOffset: (index + 16) * 4, as: SIMD16<Float>.self)
      let y1 = rawB.loadUnaligned(fromByteOffset: (index + 16) * 4, as: SIMD16<Float>.self)
      acc0 += x0 * y0
      acc1 += x1 * y1
      index += 32
    }
    if index + 16 <= count {
      let x0 = rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
      let y0 = rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
      acc0 += x0 * y0
      index += 16
    }
    var sum = (acc0 + acc1).sum()
    while index < count {
      sum += a[index] * b[index]
      index += 1
    }
    return sum
  }

  /// Squared Euclidean distance of two `count`-long vectors (what Milvus reports for `L2`).
  @inlinable
  public static func l2Squared(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var acc0 = SIMD16<Float>()
    var acc1 = SIMD16<Float>()
    var index = 0
    let rawA = UnsafeRawPointer(a)
    let rawB = UnsafeRawPointer(b)
    while index + 32 <= count {
      let d0 =
        rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
        - rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
      let d1 =
        rawA.loadUnaligned(fromByteOffset: (index + 16) * 4, as: SIMD16<Float>.self)
        - rawB.loadUnaligned(fromByteOffset: (index + 16) * 4, as: SIMD16<Float>.self)
      acc0 += d0 * d0
      acc1 += d1 * d1
      index += 32
    }
    if index + 16 <= count {
      let d0 =
        rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
        - rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
      acc0 += d0 * d0
      index += 16
    }
    var sum = (acc0 + acc1).sum()
    while index < count {
      let difference = a[index] - b[index]
      sum += difference * difference
      index += 1
    }
    return sum
  }

  /// The Euclidean norm of a vector.
  @inlinable
  public static func norm(_ a: UnsafePointer<Float>, count: Int) -> Float {
    dot(a, a, count: count).squareRoot()
  }

  /// Scalar reference implementations, for tests.
  public static func referenceDistance(_ a: [Float], _ b: [Float], metric: Metric) -> Float {
    switch metric {
    case .l2:
      return zip(a, b).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    case .ip:
      return zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
    case .cosine:
      let dot = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
      let normA = a.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
      let normB = b.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
      return normA == 0 || normB == 0 ? 0 : dot / (normA * normB)
    }
  }
}
