import Foundation
import Model

/// The demo collections, generated deterministically from a seed with no download:
/// `colors` (named colours as CIELAB vectors) and `catalog` (products with every kind of field and
/// two vector fields, one for an HNSW index and one for an IVF index).
enum DemoData {
  // MARK: - colors

  static let colorsSchema = CollectionSchema(
    name: "colors", description: "Named colours in a perceptual colour space: near vectors look alike",
    fields: [
      FieldSchema(name: "id", type: .int64, isPrimary: true),
      FieldSchema(name: "name", type: .varChar, maxLength: 64),
      FieldSchema(name: "hex", type: .varChar, maxLength: 7),
      FieldSchema(name: "family", type: .varChar, maxLength: 32),
      FieldSchema(name: "shade", type: .varChar, maxLength: 32),
      FieldSchema(name: "lightness", type: .double),
      FieldSchema(name: "lab", type: .floatVector, description: "CIELAB (L*, a*, b*), D65", dim: 3),
    ])

  /// Hue families and the hue angle each starts at (degrees).
  static let families: [(String, Double)] = [
    ("red", 0), ("vermilion", 10), ("orange", 25), ("amber", 40), ("yellow", 55), ("chartreuse", 80),
    ("lime", 100), ("green", 125), ("emerald", 145), ("jade", 160), ("teal", 175), ("cyan", 190),
    ("azure", 205), ("cerulean", 215), ("blue", 230), ("cobalt", 240), ("indigo", 255), ("violet", 270),
    ("purple", 285), ("plum", 300), ("magenta", 315), ("fuchsia", 325), ("rose", 340), ("crimson", 350),
  ]

  /// Shades and their HSL saturation and lightness.
  static let shades: [(String, Double, Double)] = [
    ("pale", 0.5, 0.85), ("light", 0.6, 0.72), ("soft", 0.4, 0.62), ("dusty", 0.25, 0.55),
    ("muted", 0.3, 0.45), ("vivid", 0.95, 0.5), ("bright", 0.85, 0.6), ("rich", 0.8, 0.38),
    ("deep", 0.75, 0.28), ("dark", 0.6, 0.2), ("smoky", 0.12, 0.5), ("ashen", 0.08, 0.7),
  ]

  /// 24 families × 12 shades × 10 chips, plus 100 neutrals: 2,980 colours.
  static func colors(seed: UInt64 = 7) -> [Row] {
    var random = SplitMix64(seed: seed)
    var rows: [Row] = []
    var id: Int64 = 1
    func add(name: String, family: String, shade: String, rgb: (Double, Double, Double)) {
      let lab = cieLab(rgb)
      let hex = String(
        format: "#%02x%02x%02x", Int((rgb.0 * 255).rounded()), Int((rgb.1 * 255).rounded()),
        Int((rgb.2 * 255).rounded()))
      rows.append([
        "id": .int(id), "name": .string(name), "hex": .string(hex), "family": .string(family),
        "shade": .string(shade), "lightness": .double((lab.0 * 10).rounded() / 10),
        "lab": .floatVector([Float(lab.0), Float(lab.1), Float(lab.2)]),
      ])
      id += 1
    }
    for (family, hue) in families {
      for (shade, saturation, lightness) in shades {
        for chip in 0..<10 {
          let h = (hue + random.uniform(-6, 6) + 360).truncatingRemainder(dividingBy: 360)
          let s = min(1, max(0, saturation + random.uniform(-0.08, 0.08)))
          let l = min(0.97, max(0.05, lightness + random.uniform(-0.06, 0.06)))
          add(
            name: "\(shade) \(family) \(String(format: "%02d", chip))", family: family, shade: shade,
            rgb: hslToRGB(h, s, l))
        }
      }
    }
    for step in 0..<100 {
      let l = Double(step) / 99
      add(name: "neutral \(String(format: "%02d", step))", family: "neutral", shade: "grey", rgb: (l, l, l))
    }
    return rows
  }

  static func hslToRGB(_ hue: Double, _ saturation: Double, _ lightness: Double) -> (Double, Double, Double) {
    let chroma = (1 - abs(2 * lightness - 1)) * saturation
    let sector = hue / 60
    let x = chroma * (1 - abs(sector.truncatingRemainder(dividingBy: 2) - 1))
    let (r, g, b): (Double, Double, Double)
    switch Int(sector) {
    case 0: (r, g, b) = (chroma, x, 0)
    case 1: (r, g, b) = (x, chroma, 0)
    case 2: (r, g, b) = (0, chroma, x)
    case 3: (r, g, b) = (0, x, chroma)
    case 4: (r, g, b) = (x, 0, chroma)
    default: (r, g, b) = (chroma, 0, x)
    }
    let m = lightness - chroma / 2
    return (r + m, g + m, b + m)
  }

  /// sRGB (0…1) to CIELAB under D65.
  static func cieLab(_ rgb: (Double, Double, Double)) -> (Double, Double, Double) {
    func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
    let (r, g, b) = (linear(rgb.0), linear(rgb.1), linear(rgb.2))
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))
  }

  // MARK: - catalog

  static let catalogDim = 128
  static let styleDim = 32

  static let catalogSchema = CollectionSchema(
    name: "catalog",
    description: "A product catalogue: clustered vectors, fields of every kind, an HNSW and an IVF index",
    fields: [
      FieldSchema(name: "id", type: .int64, isPrimary: true),
      FieldSchema(name: "title", type: .varChar, maxLength: 128),
      FieldSchema(name: "category", type: .varChar, maxLength: 32),
      FieldSchema(name: "price", type: .double),
      FieldSchema(name: "year", type: .int32),
      FieldSchema(name: "rating", type: .float, nullable: true),
      FieldSchema(name: "in_stock", type: .bool),
      FieldSchema(name: "tags", type: .array, maxLength: 32, elementType: .varChar, maxCapacity: 8),
      FieldSchema(name: "attrs", type: .json),
      FieldSchema(name: "description", type: .varChar, maxLength: 512),
      FieldSchema(name: "embedding", type: .floatVector, description: "what the product is about", dim: catalogDim),
      FieldSchema(name: "style", type: .floatVector, description: "how it looks", dim: styleDim),
    ])

  static let categories = [
    "books", "music", "film", "games", "toys", "garden", "kitchen", "sports", "fashion", "beauty", "tools", "travel",
  ]
  static let adjectives = [
    "classic", "compact", "deluxe", "eco", "essential", "handmade", "modern", "pocket", "premium", "retro", "smart",
    "vintage", "wireless", "quiet", "rugged", "tiny",
  ]
  static let nouns: [String: [String]] = [
    "books": ["novel", "atlas", "cookbook", "memoir", "anthology"], "music": ["album", "vinyl", "songbook", "box set"],
    "film": ["box set", "documentary", "thriller", "comedy"],
    "games": ["board game", "puzzle", "card game", "strategy game"],
    "toys": ["robot", "kite", "train set", "plush bear"], "garden": ["trowel", "planter", "hose", "seed kit"],
    "kitchen": ["kettle", "skillet", "knife set", "teapot"], "sports": ["racket", "yoga mat", "helmet", "football"],
    "fashion": ["jacket", "scarf", "sneakers", "backpack"], "beauty": ["serum", "lip balm", "perfume", "face mask"],
    "tools": ["drill", "wrench set", "tape measure", "saw"], "travel": ["suitcase", "neck pillow", "adapter", "map"],
  ]
  static let brands = ["acme", "northwind", "globex", "initech", "umbrella", "stark", "wayne", "tyrell"]
  static let colours = ["black", "white", "red", "blue", "green", "grey", "yellow", "teal"]
  static let tagWords = ["new", "sale", "gift", "bestseller", "limited", "eco", "bundle", "classic", "kids", "pro"]

  /// Rows `range` of the catalogue (ids are row numbers + 1); the same seed gives the same rows.
  static func catalog(_ range: Range<Int>, seed: UInt64 = 11) -> [Row] {
    // Centres depend only on the seed, so any slice of rows agrees with any other.
    var centres = SplitMix64(seed: seed)
    let categoryCentres = categories.map { _ in (0..<catalogDim).map { _ in centres.gaussian() } }
    let subCentres = categories.indices.map { category in
      (0..<8).map { _ in (0..<catalogDim).map { categoryCentres[category][$0] * 0.8 + centres.gaussian() * 0.6 } }
    }
    let styleCentres = (0..<16).map { _ in (0..<styleDim).map { _ in centres.gaussian() * 3 } }
    return range.map { row in
      var random = SplitMix64(seed: seed &+ 0x9E37_79B9 &* UInt64(row + 1))
      let category = random.below(categories.count)
      let sub = random.below(8)
      var embedding = subCentres[category][sub].map { Float($0 + random.gaussian() * 0.35) }
      let norm = embedding.reduce(0) { $0 + $1 * $1 }.squareRoot()
      embedding = embedding.map { $0 / norm }
      let styleCluster = random.below(styleCentres.count)
      let style = styleCentres[styleCluster].map { Float($0 + random.gaussian()) }
      let name = categories[category]
      let noun = nouns[name]![random.below(nouns[name]!.count)]
      let adjective = adjectives[random.below(adjectives.count)]
      let brand = brands[random.below(brands.count)]
      let colour = colours[styleCluster % colours.count]
      let price = (random.uniform(2, 400) * 100).rounded() / 100
      let year = 1990 + random.below(36)
      let tagCount = random.below(4)
      var tags: [Value] = []
      for _ in 0..<tagCount {
        let tag = Value.string(tagWords[random.below(tagWords.count)])
        if !tags.contains(tag) { tags.append(tag) }
      }
      let rated = random.below(10) != 0
      return [
        "id": .int(Int64(row + 1)),
        "title": .string("\(adjective) \(noun) \(row + 1)"),
        "category": .string(name),
        "price": .double(price),
        "year": .int(Int64(year)),
        "rating": rated ? .double(Double((random.uniform(1, 5) * 10).rounded() / 10)) : .null,
        "in_stock": .bool(random.below(5) != 0),
        "tags": .array(tags),
        "attrs": .json(
          .object([
            "brand": .string(brand), "color": .string(colour),
            "weight_kg": .double((random.uniform(0.05, 12) * 100).rounded() / 100),
          ])),
        "description": .string(
          "A \(adjective) \(colour) \(noun) by \(brand.capitalized), from \(year), for \(name) lovers."),
        "embedding": .floatVector(embedding),
        "style": .floatVector(style),
      ]
    }
  }
}

/// The few draws the demo needs, on the shared seeded generator.
extension SplitMix64 {
  /// Uniform in [low, high).
  mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * nextUnit() }

  /// Uniform in 0..<bound.
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

  /// Approximately standard normal: the sum of four uniforms, rescaled (no logarithms needed).
  mutating func gaussian() -> Double {
    (uniform(0, 1) + uniform(0, 1) + uniform(0, 1) + uniform(0, 1) - 2) * 1.732_050_8
  }
}
