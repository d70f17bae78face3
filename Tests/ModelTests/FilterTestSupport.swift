import Model

// Small builders so expected trees read like the filters they stand for.

func field(_ name: String, _ path: PathComponent...) -> FilterExpr {
  .field(FieldPath(name, path: path))
}
func path(_ name: String, _ path: PathComponent...) -> FieldPath { FieldPath(name, path: path) }
func int(_ value: Int64) -> FilterExpr { .literal(.int(value)) }
func float(_ value: Double) -> FilterExpr { .literal(.float(value)) }
func string(_ value: String) -> FilterExpr { .literal(.string(value)) }
func bool(_ value: Bool) -> FilterExpr { .literal(.bool(value)) }
func list(_ values: FilterLiteral...) -> FilterExpr { .literal(.list(values)) }
func binary(_ op: BinaryOperator, _ lhs: FilterExpr, _ rhs: FilterExpr) -> FilterExpr {
  .binary(op, lhs, rhs)
}
func not(_ operand: FilterExpr) -> FilterExpr { .unary(.not, operand) }
func negate(_ operand: FilterExpr) -> FilterExpr { .unary(.negate, operand) }
func call(_ function: FilterFunction, _ arguments: FilterExpr...) -> FilterExpr {
  .call(function, arguments)
}

/// A schema with every kind of field, for type-checking tests.
func testSchema(dynamic: Bool = false) -> CollectionSchema {
  CollectionSchema(
    name: "books",
    fields: [
      FieldSchema(name: "id", type: .int64, isPrimary: true),
      FieldSchema(name: "age", type: .int32),
      FieldSchema(name: "score", type: .double),
      FieldSchema(name: "price", type: .float, nullable: true),
      FieldSchema(name: "name", type: .varChar, maxLength: 64),
      FieldSchema(name: "flag", type: .bool),
      FieldSchema(name: "meta", type: .json, nullable: true),
      FieldSchema(name: "tags", type: .array, maxLength: 16, elementType: .varChar, maxCapacity: 8),
      FieldSchema(name: "nums", type: .array, elementType: .int64, maxCapacity: 8),
      FieldSchema(name: "vec", type: .floatVector, dim: 4),
    ],
    enableDynamicField: dynamic)
}
