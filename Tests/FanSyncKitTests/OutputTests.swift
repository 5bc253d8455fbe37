import Foundation
import Testing

@testable import FanSyncKit

/// Display widths, tables that fit, listings printed row by row, progress while reading.
@Suite struct Output {
    @Test("display width counts terminal columns: wide CJK and emoji two, combining marks none")
    func displayWidth() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("日本語") == 6)
        #expect(DisplayWidth.of("한국") == 4)
        #expect(DisplayWidth.of("ｱｲ") == 2)  // halfwidth katakana
        #expect(DisplayWidth.of("ＡＢ") == 4)  // fullwidth Latin
        #expect(DisplayWidth.of("e\u{301}") == 1)  // e + combining acute
        #expect(DisplayWidth.of("é") == 1)
        #expect(DisplayWidth.of("👍") == 2)
        #expect(DisplayWidth.of("👨‍👩‍👧") == 2)  // joined with U+200D: one picture
        #expect(DisplayWidth.of("🇯🇵") == 2)
        #expect(DisplayWidth.of("❤️") == 2)  // U+2764 with the emoji variation selector
        #expect(DisplayWidth.of("a\u{200B}b") == 2)  // zero-width space
        #expect(DisplayWidth.of("") == 0)
    }

    @Test("truncating keeps within the width and says so with an ellipsis")
    func truncate() {
        #expect(DisplayWidth.truncate("short", to: 10) == "short")
        #expect(DisplayWidth.truncate("abcdefgh", to: 5) == "abcd…")
        let cut = DisplayWidth.truncate("日本語テキスト", to: 6)
        #expect(cut == "日本…")
        #expect(DisplayWidth.of(cut) <= 6)
        #expect(DisplayWidth.truncate("日本", to: 1) == "…")
    }

    static let columns: [ListingColumn] = [
        .init("email"), .init("name"), .init("spent", .money(currencyColumn: "currency")),
        .init("currency"), .init("city"),
    ]

    static func row(
        _ email: String, _ name: String, _ spent: Int64, _ currency: String, _ city: String
    ) -> [String: ListingValue] {
        [
            "email": .text(email), "name": .text(name), "spent": .integer(spent), "currency": .text(currency),
            "city": .text(city),
        ]
    }

    static let rows = [
        row("hiro@example.jp", "田中 宏", 470_000, "JPY", "東京"),
        row("ana@example.com", "Ana Silva", 14_800, "USD", "Lisboa"),
        row("zoe@example.com", "Zoë 👍", 99, "EUR", "Paris"),
    ]

    /// Where each cell starts, in display columns, on every line of a table.
    static func starts(_ line: String) -> [Int] {
        var result: [Int] = []
        var column = 0
        var previousWasSpace = true, spaces = 0
        for character in line {
            if character == " " {
                spaces += 1
            } else {
                if previousWasSpace && (spaces >= 2 || column == 0) { result.append(column) }
                spaces = 0
            }
            previousWasSpace = character == " "
            column += DisplayWidth.of(character)
        }
        return result
    }

    @Test("a table lines up by display width, with CJK and emoji in it")
    func tableAligns() {
        let text = ListingWriter.render(
            Listing(columns: Self.columns, rows: Self.rows, total: 3), format: .table,
            formatter: ValueFormatter())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        // The left-aligned columns start at the same display column on every line.
        let header = Self.starts(lines[0])
        for line in lines.dropFirst(2) {
            let starts = Self.starts(line)
            #expect(starts.first == header.first)
            #expect(starts.count >= 2 && starts[1] == header[1], "\(line)")
            #expect(starts.last == header.last, "\(line)")
        }
        #expect(lines[2].contains("田中 宏"))
        #expect(lines[2].contains("¥470,000"))
    }

    @Test("a table fits the width given: columns past it are left out and named")
    func tableFits() {
        var text = ""
        let printer = ListingPrinter(columns: Self.columns, format: .table, formatter: ValueFormatter(), maxWidth: 40) {
            text += $0
        }
        for row in Self.rows { printer.add(row) }
        printer.finish(total: 3)
        #expect(printer.omitted == ["currency", "city"])  // 15 + 2 + 9 + 2 + 8 = 36 columns fit in 40
        for line in text.split(separator: "\n") { #expect(DisplayWidth.of(String(line)) <= 40, "\(line)") }
        #expect(text.contains("hiro@example.jp"))
        #expect(!text.contains("Lisboa"))

        // No width: every column.
        var wide = ""
        let all = ListingPrinter(columns: Self.columns, format: .table, formatter: ValueFormatter()) { wide += $0 }
        for row in Self.rows { all.add(row) }
        all.finish(total: 3)
        #expect(all.omitted.isEmpty)
        #expect(wide.contains("Lisboa"))

        // One column wider than the terminal is cut to it.
        var narrow = ""
        let cut = ListingPrinter(columns: [.init("email")], format: .table, formatter: ValueFormatter(), maxWidth: 8) {
            narrow += $0
        }
        cut.add(["email": ListingValue.text("someone.long@example.com")])
        cut.finish(total: 1)
        #expect(narrow.contains("someone…"))
    }

    @Test(
        "rows stream: past the sizing rows a table keeps its widths, cutting wider cells; other formats go row by row")
    func streaming() throws {
        var text = ""
        let printer = ListingPrinter(
            columns: [.init("email"), .init("name")], format: .table, formatter: ValueFormatter()
        ) { text += $0 }
        printer.sizingRows = 2
        printer.add(["email": ListingValue.text("a@x.io"), "name": .text("Ann")])
        #expect(text.isEmpty)  // held to size the columns
        printer.add(["email": ListingValue.text("bb@x.io"), "name": .text("Bob")])
        printer.add(["email": ListingValue.text("a.much.longer.address@x.io"), "name": .text("Cy")])
        printer.finish(total: 3)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines == ["email    name", "───────  ────", "a@x.io   Ann", "bb@x.io  Bob", "a.much…  Cy"])
        #expect(printer.count == 3)

        // JSON, NDJSON and CSV give the same as rendering the whole listing, written as rows come.
        let listing = Listing(columns: Self.columns, rows: Self.rows, total: 7)
        for format in [OutputFormat.json, .ndjson, .csv] {
            var written: [String] = []
            let streamed = ListingPrinter(columns: Self.columns, format: format, formatter: ValueFormatter()) {
                written.append($0)
            }
            for row in Self.rows { streamed.add(row) }
            streamed.finish(total: 7)
            #expect(written.joined() == ListingWriter.render(listing, format: format, formatter: ValueFormatter()))
        }
        let json = ListingWriter.render(listing, format: .json, formatter: ValueFormatter())
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((object?["rows"] as? [Any])?.count == 3)
        #expect(object?["total"] as? Int == 7)
        #expect(
            ListingWriter.render(
                Listing(columns: Self.columns, rows: [], total: 0), format: .json, formatter: ValueFormatter())
                == "{\"rows\":[],\"total\":0}\n")
    }

    @Test("the store hands a listing over one row at a time, the same rows as the paged listing")
    func storeStreamsListings() throws {
        let folder = try temporaryDirectory()
        let store = try Store(path: folder + "/s.db")
        let importer = Importer(store: store, storeName: "default", library: builtInLibrary)
        for file in ["activecampaign/contacts.csv", "stripe/unified_payments.csv", "clerk/users.csv"] {
            var options = MapOptions()
            options.rejectsDirectory = nil
            _ = try importer.importFile(repositoryRoot + "/samples/" + file, options: options)
        }
        let filter = PeopleFilter(store: "default")
        let paged = try store.fans(matching: filter, sort: .name, limit: nil, offset: 0)
        var streamed: [String] = []
        let total = try store.fans(matching: filter, sort: .name, limit: nil, offset: 0) {
            streamed.append($0.value("email").string ?? "")
        }
        #expect(total == paged.total)
        #expect(streamed == paged.rows.map { $0["email"]?.string ?? "" })
        #expect(streamed.count > 5)
        var page: [String] = []
        let same = try store.fans(matching: filter, sort: .name, limit: 2, offset: 1) {
            page.append($0.value("email").string ?? "")
        }
        #expect(same == total)
        #expect(page == Array(streamed[1...2]))
    }

    @Test("mapping reports how far the reading has come, ending at the file's size")
    func progress() throws {
        let path = repositoryRoot + "/samples/activecampaign/contacts.csv"
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        var options = MapOptions()
        options.rejectsDirectory = nil
        var seen: [MapProgress] = []
        let report = try FileMapper.map(
            path: path, options: options, library: builtInLibrary, progress: { seen.append($0) }
        ) { _ in }
        #expect(!seen.isEmpty)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.rows <= $1.rows && $0.bytes <= $1.bytes })
        #expect(seen.last?.rows == report.read)
        #expect(seen.last?.totalBytes == size)
        #expect(seen.last?.fraction == 1)
        #expect(MapProgress(rows: 1, bytes: 5, totalBytes: nil).fraction == nil)
    }
}
