import Foundation
import Testing

@testable import FanSyncKit

@Suite struct Transforms {
    @Test(
        "an email is trimmed, lower-cased and NFC-normalized, and keeps its trimmed original",
        arguments: [
            ("  Ana.Silva@Example.COM ", "ana.silva@example.com", "Ana.Silva@Example.COM"),
            ("zoë@exämple.org", "zoë@exämple.org", "zoë@exämple.org"),
            ("Zoe\u{0308}@example.org", "zoë@example.org", "Zoe\u{0308}@example.org"),  // NFC
            (
                "first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk",
                "first.last+tag@sub.example.co.uk"
            ),
        ])
    func emailNormalizes(input: String, normalized: String, original: String) {
        #expect(run(.email, input).value == .email(normalized: normalized, original: original))
    }

    @Test(
        "malformed email addresses are rejected",
        arguments: [
            "not-an-email", "a@b", "@example.com", "a@@example.com", "a b@example.com", "a@example..com",
            "a@-example.com", "a.@example.com", "a@example.c0m1", "bad-address@",
        ])
    func emailRejectsInvalid(input: String) {
        #expect(run(.email, input).failure == "not a valid email address")
    }

    @Test("a blank email is empty rather than invalid")
    func emailTellsEmptyFromInvalid() {
        #expect(run(.email, "   ").isEmpty)
        #expect(run(.email, "x").failure != nil)
    }

    @Test(
        "amounts are read exactly into the currency's minor units",
        arguments: [
            ("49.00", "USD", Int64(4900)), ("49", "USD", 4900), ("49.5", "USD", 4950), ("-12.34", "EUR", -1234),
            ("4700", "JPY", 4700), ("4700.00", "JPY", 4700), ("12.500", "KWD", 12500), ("0.001", "KWD", 1),
            ("1,250.00", "USD", 125_000), ("49.000", "USD", 4900), (".5", "USD", 50), ("+3", "GBP", 300),
        ])
    func moneyIsExact(input: String, currency: String, minor: Int64) {
        #expect(run(.money(currencyField: nil, currency: currency, minor: false), input).value == .money(minor))
    }

    @Test(
        "an amount that would need rounding, is not a plain decimal or is out of range is rejected",
        arguments: [
            ("49.005", "USD", "more than 2 decimal places for this currency; it would need rounding"),
            ("4700.5", "JPY", "more than 0 decimal places for this currency; it would need rounding"),
            ("forty-nine", "USD", "not a decimal amount"), ("$49.00", "USD", "not a decimal amount"),
            ("1,25.00", "USD", "not a decimal amount"), ("49.", "USD", "not a decimal amount"),
            ("1.2.3", "USD", "not a decimal amount"), ("99999999999999999999", "USD", "amount out of range"),
        ])
    func moneyRejectsWhatItCannotReadExactly(input: String, currency: String, reason: String) {
        #expect(run(.money(currencyField: nil, currency: currency, minor: false), input).failure == reason)
    }

    @Test("money reads its currency from another field, or takes amounts already in minor units")
    func moneyReadsItsCurrencyFromAnotherField() {
        let transform = Transform.money(currencyField: "currency", currency: nil, minor: false)
        #expect(run(transform, "4700", row: ["currency": .text("JPY")]).value == .money(4700))
        #expect(run(transform, "47.00", row: ["currency": .text("usd")]).value == .money(4700))
        #expect(run(transform, "47.00", row: [:]).failure == "no valid currency for this amount")
        #expect(run(.money(currencyField: nil, currency: "USD", minor: true), "4700").value == .money(4700))
    }

    @Test("currency codes are trimmed, upper-cased and checked against ISO 4217")
    func currencyIsValidatedAndUpperCased() {
        #expect(run(.currency, " usd ").value == .text("USD"))
        #expect(run(.currency, "jpy").value == .text("JPY"))
        #expect(run(.currency, "XYZ").failure == "not an ISO 4217 currency code")
        #expect(run(.currency, "").isEmpty)
    }

    @Test(
        "every supported date and time format reads as the right UTC instant",
        arguments: [
            ("2024-06-02 10:15:00", "2024-06-02T10:15:00Z"),
            ("2024-06-02 10:15", "2024-06-02T10:15:00Z"),
            ("2024-06-02", "2024-06-02T00:00:00Z"),
            ("2024-06-11T10:00:00+02:00", "2024-06-11T08:00:00Z"),
            ("2024-06-11T10:00:00.123-0530", "2024-06-11T15:30:00Z"),
            ("2024-06-02T10:16:00Z", "2024-06-02T10:16:00Z"),
            ("3/7/2023 9:05", "2023-03-07T09:05:00Z"),
            ("12/31/1999 23:59:59", "1999-12-31T23:59:59Z"),
            ("2/29/2024", "2024-02-29T00:00:00Z"),
            ("20240131", "2024-01-31T00:00:00Z"),
        ])
    func datetimeFormats(input: String, iso: String) {
        guard case .timestamp(let seconds)? = run(.datetime(zone: nil, order: .monthFirst), input).value else {
            Issue.record("no timestamp for \(input)")
            return
        }
        #expect(UTCTime.iso8601(seconds) == iso)
    }

    @Test(
        "epoch seconds and milliseconds only when the mapping says format: epoch",
        arguments: [
            ("1715000000", "2024-05-06T12:53:20Z"),
            ("1715000000000", "2024-05-06T12:53:20Z"),
        ])
    func epochOnlyWhenAsked(input: String, iso: String) {
        #expect(
            run(.datetime(zone: nil, order: .monthFirst, epoch: true), input).value
                == .timestamp(UTCTime.parse(iso)!))
        #expect(run(.datetime(zone: nil, order: .monthFirst), input).failure != nil)
    }

    @Test(
        "all-digit text that is no yyyymmdd date is not a date",
        arguments: ["2024", "202401", "20241331", "0", "1706659200"])
    func allDigitsAreNotGuessedAsEpoch(input: String) {
        #expect(run(.datetime(zone: nil, order: .monthFirst), input).failure != nil)
    }

    @Test("wall times read in the configured zone, an explicit offset wins, and day-first order is honoured")
    func datetimeZonesAndOrders() {
        let berlin = MappingSettings(zone: TimeZone(identifier: "Europe/Berlin"))
        // Winter (CET, +1) and summer (CEST, +2) wall times.
        #expect(
            run(.datetime(zone: nil, order: .monthFirst), "2024-01-15 09:30:00", settings: berlin).value
                == .timestamp(UTCTime.parse("2024-01-15T08:30:00Z")!))
        #expect(
            run(.datetime(zone: nil, order: .monthFirst), "2024-07-15 09:30:00", settings: berlin).value
                == .timestamp(UTCTime.parse("2024-07-15T07:30:00Z")!))
        // An explicit offset wins over the zone.
        #expect(
            run(.datetime(zone: nil, order: .monthFirst), "2024-07-15T09:30:00Z", settings: berlin).value
                == .timestamp(UTCTime.parse("2024-07-15T09:30:00Z")!))
        #expect(
            run(.datetime(zone: "America/New_York", order: .monthFirst), "2024-07-15 09:30").value
                == .timestamp(UTCTime.parse("2024-07-15T13:30:00Z")!))
        #expect(
            run(.datetime(zone: nil, order: .dayFirst), "3/7/2023 9:05").value
                == .timestamp(UTCTime.parse("2023-07-03T09:05:00Z")!))
    }

    @Test(
        "impossible or unsupported dates and times are rejected",
        arguments: [
            "2024-02-30 10:00:00", "2023-02-29", "13/1/2024", "2024-06-02 25:00", "yesterday", "2024-06-02T10",
            "12345678901234", "2024-06-02 10:15:00 +99",
        ])
    func datetimeRejects(input: String) {
        #expect(
            run(.datetime(zone: nil, order: .monthFirst), input).failure == "not a date and time in a supported format")
    }

    @Test("ISO 8601 timestamps round-trip before 1970 and across century leap years")
    func iso8601RoundTripsAcrossCenturies() {
        for text in ["1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2000-02-29T12:00:00Z", "2100-03-01T00:00:00Z"] {
            #expect(UTCTime.parse(text).map(UTCTime.iso8601) == text)
        }
    }

    @Test("split trims items, drops empty ones and removes case-insensitive duplicates, keeping the first")
    func splitTrimsDropsEmptiesAndDeduplicatesCaseInsensitively() {
        #expect(
            run(.split(","), " ableton, Newsletter ,,ABLETON, newsletter, fl studio ").value
                == .list(["ableton", "Newsletter", "fl studio"]))
        #expect(run(.split("|"), "a|b").value == .list(["a", "b"]))
        #expect(run(.split(","), " , ,").isEmpty)
        // Separators of several bytes, at the ends, or repeated; non-ASCII duplicates.
        #expect(run(.split(" | "), " | Hip-Hop | Lo-fi |  | hip-hop | ").value == .list(["Hip-Hop", "Lo-fi"]))
        #expect(run(.split("; "), "Émile; ÉMILE; émile; Zoë").value == .list(["Émile", "Zoë"]))
        #expect(run(.split("·"), "a·b··A").value == .list(["a", "b"]))
        #expect(run(.split(","), "solo").value == .list(["solo"]))
        #expect(run(.split(","), ",").isEmpty)
    }

    /// Steps work on bytes; where only the Unicode rules are sure (case mapping and comparing
    /// text that is not ASCII), the step itself applies them, and gives what Swift's Strings give.
    @Test("each step decides by Unicode rules what its byte rules cannot")
    func unicodeCasesInsideEachStep() {
        // Unicode lower case makes ASCII of the Kelvin sign: it is the map's "k", and a duplicate tag.
        #expect(run(.map(["k": "kelvin"], otherwise: nil), "\u{212A}").value == .text("kelvin"))
        #expect(run(.split(","), "k, \u{212A} ,K").value == .list(["k"]))
        #expect(
            run(.map(["\u{E9}t\u{E9}": "summer"], otherwise: "_reject"), " \u{C9}T\u{C9} ").value == .text("summer"))
        #expect(run(.map(["\u{E9}t\u{E9}": "summer"], otherwise: "_reject"), "hiver").failure != nil)
        // Canonically equivalent spellings are the same value.
        #expect(run(.nullIf(["Jos\u{E9}"]), " Jose\u{301}\u{A0}").isEmpty)
        #expect(run(.nullIf(["N/A"]), "\u{3000}N/A ").isEmpty)
        #expect(run(.nullIf(["N/A"]), "n/a").value == .text("n/a"))
        // Unicode upper case makes ASCII of a long s: a currency code after all.
        #expect(run(.currency, "u\u{17F}d").value == .text("USD"))
        #expect(run(.currency, "\u{E9}ur").failure == "not an ISO 4217 currency code")
        #expect(run(.lowercase, "CAF\u{C9}").value == .text("caf\u{E9}"))
        #expect(run(.boolean, "\u{A0}Yes\u{2003}").value == .bool(true))
        #expect(run(.integer, "\u{661}\u{662}").failure == "not a whole number")
        #expect(run(.datetime(zone: nil, order: .monthFirst), "\u{A0}").isEmpty)
        #expect(run(.datetime(zone: nil, order: .monthFirst), "2025-03-01\u{A0}").failure != nil)
        #expect(run(.percent, "\u{A0}99.5 %").value == .percent(99.5))
    }

    /// A step that makes new text (lower or upper case) hands it to the rest of the chain, and a
    /// table's text passes on without being copied.
    @Test("text made or picked by a step flows through the rest of the chain")
    func chainsPassTextOn() {
        #expect(
            runChain([.lowercase, .map(["caf\u{E9}": "coffee"], otherwise: nil)], "CAF\u{C9}").value == .text("coffee"))
        #expect(runChain([.currency, .trim], " usd ").value == .text("USD"))
        #expect(
            runChain(
                [.map(["paid": "Succeeded"], otherwise: nil), .trim, .map(["succeeded": "ok"], otherwise: nil)], "PAID"
            )
            .value == .text("ok"))
        #expect(runChain([.map(["paid": "succeeded"], otherwise: "other"), .lowercase], "x").value == .text("other"))
        #expect(runChain([.map(["void": ""], otherwise: nil), .trim], "void").isEmpty)
        #expect(runChain([.nullIf(["-"]), .integer], " - ").isEmpty)
        #expect(runChain([.nullIf(["-"]), .integer], " 12 ").value == .integer(12))
        #expect(runChain([.join(" "), .trim], " a b ").value == .text("a b"))
    }

    /// The one-pass ASCII shape check agrees with the general one on lower-cased ASCII.
    @Test("the one-pass ASCII email shape check agrees with the general one on lower-cased ASCII")
    func asciiEmailShapeAgreesWithTheGeneralCheck() {
        var random = SeededRandom(seed: 7)
        let alphabet = Array("aZ9-._+@@..x-n!#~ \t\"(".utf8)
        var valid = 0
        for round in 0..<20_000 {
            var bytes = (0..<Int.random(in: 1...12, using: &random)).map { _ in
                alphabet.randomElement(using: &random) ?? 0x61
            }
            if round % 2 == 0 {
                bytes += Array(
                    (["@ex.com", "@a-b.co", "@x.xn--p1ai", "@1.io", "@b.c"].randomElement(using: &random) ?? "@ex.com")
                        .utf8)
            }
            let lowered = String(decoding: bytes, as: UTF8.self).lowercased()
            let ascii = Email.asciiShapeIsValid(Array(lowered.utf8))
            #expect(ascii == Email.shapeIsValid(lowered), "\(lowered.debugDescription)")
            if ascii { valid += 1 }
        }
        #expect(valid > 1_000)
        #expect(Email.asciiShapeIsValid(Array((String(repeating: "a", count: 64) + "@example.com").utf8)))
        #expect(!Email.asciiShapeIsValid(Array((String(repeating: "a", count: 65) + "@example.com").utf8)))
    }

    @Test("trim removes exactly the Unicode white space at both ends")
    func trimKnowsUnicodeWhiteSpace() {
        // Every scalar up to U+3000 (all of White_Space), at both ends, against its Unicode property.
        for scalar in (0...0x3000).compactMap(Unicode.Scalar.init) {
            let expected = scalar.properties.isWhitespace ? "x" : "\(scalar)x\(scalar)"
            #expect("\(scalar)x\(scalar)".trimmed == expected, "U+\(String(scalar.value, radix: 16))")
            #expect(
                "\(scalar)\(scalar) x y\(scalar)".trimmed
                    == (scalar.properties.isWhitespace ? "x y" : "\(scalar)\(scalar) x y\(scalar)"))
        }
        #expect(" \u{A0}\u{2003}\t".trimmed == "")
        #expect("\u{E9}".trimmed == "\u{E9}")
    }

    @Test("map, default, null_if, boolean, integer, percent, trim and lowercase each read values as documented")
    func mapDefaultNullIfBooleanIntegerPercent() {
        let table = Transform.map(["paid": "succeeded", "failed": "failed", "void": ""], otherwise: nil)
        #expect(run(table, "Paid").value == .text("succeeded"))
        #expect(run(table, "Other").value == .text("Other"))
        #expect(run(table, "VOID").isEmpty)
        #expect(
            run(.map(["paid": "succeeded"], otherwise: "_reject"), "Other").failure
                == "value not in the mapping's table")
        #expect(run(.map(["paid": "succeeded"], otherwise: "unknown"), "Other").value == .text("unknown"))
        #expect(run(.defaultValue("USD"), "").value == .text("USD"))
        #expect(run(.defaultValue("USD"), "EUR").value == .text("EUR"))
        #expect(run(.nullIf(["N/A", "-"]), " N/A ").isEmpty)
        #expect(run(.nullIf(["N/A"]), "x").value == .text("x"))
        for yes in ["true", "Yes", "Y", "1", "t", "on"] { #expect(run(.boolean, yes).value == .bool(true)) }
        for no in ["false", "No", "n", "0", "F", "off"] { #expect(run(.boolean, no).value == .bool(false)) }
        #expect(run(.boolean, "maybe").failure == "not a yes/no value")
        #expect(run(.integer, " -42 ").value == .integer(-42))
        #expect(run(.integer, "4.2").failure == "not a whole number")
        #expect(run(.percent, "35").value == .percent(35))
        #expect(run(.percent, "12.5%").value == .percent(12.5))
        #expect(run(.percent, "101").failure == "not a percentage between 0 and 100")
        #expect(run(.percent, "-1").failure != nil)
        #expect(run(.trim, "  x  ").value == .text("x"))
        #expect(run(.trim, "   ").isEmpty)
        #expect(run(.lowercase, "ÀbC").value == .text("àbc"))
    }

    /// `default` gives a value to a field without one: at the start of a chain, or after a step
    /// that emptied the value; the steps after it read the default.
    @Test("default fills a value an earlier step emptied, and the steps after it read the default")
    func defaultFillsWhatEarlierStepsEmptied() {
        #expect(runChain([.trim, .defaultValue("Anon")], " \u{A0} ").value == .text("Anon"))
        #expect(runChain([.trim, .defaultValue("Anon")], " Bo ").value == .text("Bo"))
        #expect(runChain([.nullIf(["N/A"]), .defaultValue("none")], " n/a ").value == .text(" n/a "))
        #expect(runChain([.nullIf(["N/A"]), .defaultValue("none")], " N/A ").value == .text("none"))
        #expect(runChain([.map(["void": ""], otherwise: nil), .defaultValue("none")], "VOID").value == .text("none"))
        #expect(runChain([.trim, .defaultValue("usd"), .currency], " ").value == .text("USD"))
        #expect(runChain([.trim, .defaultValue("eur"), .currency], " gbp ").value == .text("GBP"))
        #expect(runChain([.trim, .defaultValue(""), .lowercase], " ").isEmpty)
        #expect(runChain([.trim, .lowercase], " ").isEmpty)
    }

    @Test("a phone becomes E.164 for its region; an invalid one stays raw and flagged, as does one left unchecked")
    func phoneKeepsInvalidNumbersRawAndFlagged() {
        #expect(run(.phone(region: nil), "(415) 555-0199").value == .phone("+14155550199", .valid))
        #expect(run(.phone(region: "GB"), "020 7946 0958").value == .phone("+442079460958", .valid))
        #expect(
            run(.phone(region: nil), "020 7946 0958", settings: MappingSettings(region: "GB")).value
                == .phone("+442079460958", .valid))
        #expect(run(.phone(region: nil), "555-CALL").value == .phone("555-CALL", .invalid))
        #expect(run(.phone(region: nil), " ").isEmpty)
        #expect(
            run(.phone(region: nil), " (415) 555-0199 ", settings: MappingSettings(normalizePhones: false)).value
                == .phone("(415) 555-0199", .unchecked))
    }
}

@Suite struct FormulaCells {
    @Test(
        "cells a spreadsheet would run as formulas get a leading quote; plain numbers and text are left alone",
        arguments: [
            ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\tTab", "'\tTab"),
            ("\rX", "'\rX"), ("-12.50", "-12.50"), ("+14155550132", "+14155550132"), ("plain", "plain"), ("", ""),
            ("a=b", "a=b"), ("-", "'-"), ("+1 (415) 555", "'+1 (415) 555"),
        ])
    func neutralize(cell: String, expected: String) {
        #expect(CSVSafety.neutralize(cell) == expected)
    }

    @Test("amounts are shown with each currency's symbol or code and its number of decimals")
    func moneyFormatting() {
        #expect(ValueFormatter.money(470_000, currency: "JPY") == "¥470,000")
        #expect(ValueFormatter.money(9998, currency: "USD") == "$99.98")
        #expect(ValueFormatter.money(125_000, currency: "EUR") == "€1,250.00")
        #expect(ValueFormatter.money(12500, currency: "KWD") == "KWD 12.500")
        #expect(ValueFormatter.money(-150, currency: "GBP") == "-£1.50")
    }
}
