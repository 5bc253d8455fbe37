import Testing

@testable import FanSyncKit

@Suite struct RecordKinds {
    @Test("every field of every kind is found at its place in the schema, and no other name is")
    func slotsMatchTheSchema() {
        for kind in RecordKind.allCases {
            for (index, field) in kind.schema.enumerated() {
                #expect(kind.slot(of: field.name) == index, "\(kind) \(field.name)")
            }
            #expect(kind.slot(of: "no such field") == nil)
        }
    }
}
