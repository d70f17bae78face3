/// The top two principal components of a set of vectors, for drawing them on a plane.
///
/// `fit` centres the rows and finds the two directions of largest variance by orthogonal
/// iteration (a block of four vectors, then Rayleigh–Ritz). Up to `fitRows` rows, spread evenly
/// over the set, estimate the components: the covariance matrix is formed only for dimensions up
/// to 256, and larger ones are iterated on the rows without it. The explained variance is then
/// measured on every row. The start block comes from a fixed seed, and each component's sign is
/// fixed (its largest entry is positive), so the same rows always give the same picture.
public struct PrincipalComponents: Sendable, Hashable {
  /// The vectors' dimension.
  public let dim: Int
  /// The mean of the rows, which the projection subtracts.
  public let mean: [Float]
  /// The first and second principal directions (unit vectors; zero when the rows do not span
  /// that many directions, e.g. constant rows).
  public let first: [Float]
  public let second: [Float]
  /// The rows' variance along each direction, and their total variance (the mean squared
  /// distance from the mean).
  public let firstVariance: Double
  public let secondVariance: Double
  public let totalVariance: Double

  /// The share of the total variance that each component explains (0 for constant rows).
  public var explainedFirst: Double { totalVariance > 0 ? firstVariance / totalVariance : 0 }
  public var explainedSecond: Double { totalVariance > 0 ? secondVariance / totalVariance : 0 }
  /// The share the plane of both components explains.
  public var explained: Double { explainedFirst + explainedSecond }

  /// Rows estimating the components at most (the projection and variances use every row).
  public static let defaultFitRows = 5_000
  /// Dimensions up to which the covariance matrix is formed.
  static let covarianceLimit = 256
  static let blockSize = 4
  /// Floats of rows the iteration without a covariance matrix reads per step, at most.
  static let gramBudget = 1_500_000

  /// The components of `rows`, `dim` floats each, laid end to end.
  public static func fit(
    rows: [Float], dim: Int, fitRows: Int = defaultFitRows, seed: UInt64 = 0x5CA7_7E12
  ) -> PrincipalComponents {
    let count = dim > 0 ? rows.count / dim : 0
    guard count > 0 else {
      let zero = [Float](repeating: 0, count: max(0, dim))
      return PrincipalComponents(
        dim: max(0, dim), mean: zero, first: zero, second: zero, firstVariance: 0, secondVariance: 0,
        totalVariance: 0)
    }
    let mean = Self.mean(rows, dim: dim, count: count)
    // The rows that estimate the components, centred, spread evenly over the set.
    // Without the covariance matrix each iteration reads the rows: fewer of them for large dims.
    let budget = dim <= covarianceLimit ? fitRows : min(fitRows, max(500, gramBudget / dim))
    let sampled = min(count, max(1, budget))
    var centred = [Float](repeating: 0, count: sampled * dim)
    rows.withUnsafeBufferPointer { source in
      centred.withUnsafeMutableBufferPointer { target in
        for row in 0..<sampled {
          let from = (row * count / sampled) * dim
          let to = row * dim
          for column in 0..<dim { target[to + column] = source[from + column] - mean[column] }
        }
      }
    }
    let operatorOnBlock: ([Double]) -> [Double]
    if dim <= covarianceLimit {
      let covariance = Self.covariance(centred, dim: dim, count: sampled)
      operatorOnBlock = { block in Self.multiply(covariance, dim: dim, block: block) }
    } else {
      operatorOnBlock = { block in Self.gramProduct(centred, dim: dim, count: sampled, block: block) }
    }
    let width = min(dim, blockSize)
    var random = SplitMix64(seed: seed)
    var block = (0..<(width * dim)).map { _ in random.nextUnit() - 0.5 }
    orthonormalise(&block, dim: dim, width: width, random: &random)
    let iterations = dim <= covarianceLimit ? 300 : 40
    var previous = [Double](repeating: -1, count: width)
    for _ in 0..<iterations {
      var next = operatorOnBlock(block)
      let values = (0..<width).map { column in dot(block, column, next, column, dim: dim) }
      orthonormalise(&next, dim: dim, width: width, random: &random)
      block = next
      let scale = max(values.map(abs).max() ?? 0, .leastNormalMagnitude)
      if zip(values, previous).allSatisfy({ abs($0 - $1) <= 1e-7 * scale }) { break }
      previous = values
    }
    // Rayleigh–Ritz: the block's best directions, by the eigenvectors of its small matrix.
    let image = operatorOnBlock(block)
    var small = [Double](repeating: 0, count: width * width)
    for row in 0..<width {
      for column in 0..<width { small[row * width + column] = dot(block, row, image, column, dim: dim) }
    }
    let (values, vectors) = symmetricEigen(small, size: width)
    let order = (0..<width).sorted { values[$0] > values[$1] }
    func direction(_ rank: Int) -> [Float] {
      guard rank < order.count, values[order[rank]] > 1e-12 * max(1, values[order[0]]) else {
        return [Float](repeating: 0, count: dim)
      }
      var result = [Double](repeating: 0, count: dim)
      for column in 0..<width {
        let weight = vectors[column * width + order[rank]]
        for index in 0..<dim { result[index] += weight * block[column * dim + index] }
      }
      let norm = result.reduce(0) { $0 + $1 * $1 }.squareRoot()
      guard norm > 0 else { return [Float](repeating: 0, count: dim) }
      let largest = result.indices.max { abs(result[$0]) < abs(result[$1]) } ?? 0
      let sign: Double = result[largest] < 0 ? -1 : 1
      return result.map { Float(sign * $0 / norm) }
    }
    let first = direction(0)
    let second = direction(1)
    // Variances over every row, not only the rows that estimated the directions.
    var sums = (first: 0.0, second: 0.0, total: 0.0)
    rows.withUnsafeBufferPointer { source in
      for row in 0..<count {
        var along = (0.0, 0.0)
        var squared = 0.0
        for column in 0..<dim {
          let value = Double(source[row * dim + column] - mean[column])
          along.0 += value * Double(first[column])
          along.1 += value * Double(second[column])
          squared += value * value
        }
        sums.first += along.0 * along.0
        sums.second += along.1 * along.1
        sums.total += squared
      }
    }
    let rowsCount = Double(count)
    return PrincipalComponents(
      dim: dim, mean: mean, first: first, second: second, firstVariance: sums.first / rowsCount,
      secondVariance: sums.second / rowsCount, totalVariance: sums.total / rowsCount)
  }

  /// One vector's coordinates on the plane of the two components; nil for a vector of another
  /// dimension.
  public func project(_ vector: [Float]) -> SIMD2<Float>? {
    guard vector.count == dim else { return nil }
    var x: Float = 0
    var y: Float = 0
    for index in 0..<dim {
      let value = vector[index] - mean[index]
      x += value * first[index]
      y += value * second[index]
    }
    return SIMD2(x, y)
  }

  /// The coordinates of `rows` (`dim` floats each, end to end) on the plane.
  public func project(rows: [Float]) -> [SIMD2<Float>] {
    guard dim > 0 else { return [] }
    let count = rows.count / dim
    var points = [SIMD2<Float>](repeating: .zero, count: count)
    rows.withUnsafeBufferPointer { source in
      points.withUnsafeMutableBufferPointer { target in
        for row in 0..<count {
          var x: Float = 0
          var y: Float = 0
          let base = row * dim
          for column in 0..<dim {
            let value = source[base + column] - mean[column]
            x += value * first[column]
            y += value * second[column]
          }
          target[row] = SIMD2(x, y)
        }
      }
    }
    return points
  }

  // MARK: - Numerics

  private static func mean(_ rows: [Float], dim: Int, count: Int) -> [Float] {
    var sums = [Double](repeating: 0, count: dim)
    rows.withUnsafeBufferPointer { source in
      sums.withUnsafeMutableBufferPointer { sums in
        for row in 0..<count {
          let base = row * dim
          for column in 0..<dim { sums[column] += Double(source[base + column]) }
        }
      }
    }
    return sums.map { Float($0 / Double(count)) }
  }

  /// The covariance matrix (`dim` × `dim`, row-major) of centred rows.
  private static func covariance(_ centred: [Float], dim: Int, count: Int) -> [Double] {
    var upper = [Float](repeating: 0, count: dim * dim)
    centred.withUnsafeBufferPointer { rows in
      upper.withUnsafeMutableBufferPointer { upper in
        for row in 0..<count {
          let base = row * dim
          for i in 0..<dim {
            let value = rows[base + i]
            if value == 0 { continue }
            let line = i * dim
            for j in i..<dim { upper[line + j] += value * rows[base + j] }
          }
        }
      }
    }
    var result = [Double](repeating: 0, count: dim * dim)
    for i in 0..<dim {
      for j in i..<dim {
        let value = Double(upper[i * dim + j]) / Double(count)
        result[i * dim + j] = value
        result[j * dim + i] = value
      }
    }
    return result
  }

  /// `matrix` (`dim` × `dim`) times each column of `block` (columns of `dim`, end to end).
  private static func multiply(_ matrix: [Double], dim: Int, block: [Double]) -> [Double] {
    let width = block.count / dim
    var result = [Double](repeating: 0, count: block.count)
    matrix.withUnsafeBufferPointer { matrix in
      block.withUnsafeBufferPointer { block in
        result.withUnsafeMutableBufferPointer { result in
          for column in 0..<width {
            let offset = column * dim
            for row in 0..<dim {
              var sum = 0.0
              let line = row * dim
              for index in 0..<dim { sum += matrix[line + index] * block[offset + index] }
              result[offset + row] = sum
            }
          }
        }
      }
    }
    return result
  }

  /// Xᵀ X `block` / count for the centred rows X, without forming Xᵀ X.
  private static func gramProduct(_ centred: [Float], dim: Int, count: Int, block: [Double]) -> [Double] {
    let width = block.count / dim
    var result = [Double](repeating: 0, count: block.count)
    centred.withUnsafeBufferPointer { rows in
      block.withUnsafeBufferPointer { block in
        result.withUnsafeMutableBufferPointer { result in
          var projected = [Double](repeating: 0, count: width)
          for row in 0..<count {
            let base = row * dim
            for column in 0..<width {
              var sum = 0.0
              let offset = column * dim
              for index in 0..<dim { sum += Double(rows[base + index]) * block[offset + index] }
              projected[column] = sum
            }
            for column in 0..<width {
              let weight = projected[column] / Double(count)
              let offset = column * dim
              for index in 0..<dim { result[offset + index] += weight * Double(rows[base + index]) }
            }
          }
        }
      }
    }
    return result
  }

  private static func dot(_ a: [Double], _ columnA: Int, _ b: [Double], _ columnB: Int, dim: Int) -> Double {
    var sum = 0.0
    for index in 0..<dim { sum += a[columnA * dim + index] * b[columnB * dim + index] }
    return sum
  }

  /// Gram–Schmidt (twice, for stability) on the block's columns; a column that vanishes (the
  /// rows span fewer directions) is replaced by a random one orthogonal to the others.
  private static func orthonormalise(
    _ block: inout [Double], dim: Int, width: Int, random: inout SplitMix64
  ) {
    for column in 0..<width {
      var attempts = 0
      while true {
        let original = (0..<dim).reduce(0.0) { $0 + block[column * dim + $1] * block[column * dim + $1] }.squareRoot()
        for _ in 0..<2 {
          for earlier in 0..<column {
            let overlap = dot(block, earlier, block, column, dim: dim)
            for index in 0..<dim { block[column * dim + index] -= overlap * block[earlier * dim + index] }
          }
        }
        let norm = (0..<dim).reduce(0.0) { $0 + block[column * dim + $1] * block[column * dim + $1] }.squareRoot()
        if norm > 1e-9 * max(original, 1e-300), norm > 1e-300 {
          for index in 0..<dim { block[column * dim + index] /= norm }
          break
        }
        attempts += 1
        if attempts > 8 {
          for index in 0..<dim { block[column * dim + index] = 0 }
          break
        }
        for index in 0..<dim { block[column * dim + index] = random.nextUnit() - 0.5 }
      }
    }
  }

  /// Eigenvalues and eigenvectors (as columns, row-major) of a small symmetric matrix, by
  /// cyclic Jacobi rotations.
  static func symmetricEigen(_ matrix: [Double], size: Int) -> (values: [Double], vectors: [Double]) {
    var a = matrix
    var v = [Double](repeating: 0, count: size * size)
    for index in 0..<size { v[index * size + index] = 1 }
    for _ in 0..<100 {
      var offDiagonal = 0.0
      for p in 0..<size { for q in (p + 1)..<max(p + 1, size) { offDiagonal += a[p * size + q] * a[p * size + q] } }
      if offDiagonal < 1e-30 { break }
      for p in 0..<size {
        for q in (p + 1)..<max(p + 1, size) where abs(a[p * size + q]) > 1e-300 {
          let theta = (a[q * size + q] - a[p * size + p]) / (2 * a[p * size + q])
          let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot()
          let s = t * c
          for k in 0..<size {
            let akp = a[k * size + p]
            let akq = a[k * size + q]
            a[k * size + p] = c * akp - s * akq
            a[k * size + q] = s * akp + c * akq
          }
          for k in 0..<size {
            let apk = a[p * size + k]
            let aqk = a[q * size + k]
            a[p * size + k] = c * apk - s * aqk
            a[q * size + k] = s * apk + c * aqk
          }
          for k in 0..<size {
            let vkp = v[k * size + p]
            let vkq = v[k * size + q]
            v[k * size + p] = c * vkp - s * vkq
            v[k * size + q] = s * vkp + c * vkq
          }
        }
      }
    }
    return ((0..<size).map { a[$0 * size + $0] }, v)
  }
}
