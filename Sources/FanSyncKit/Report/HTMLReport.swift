import Foundation

/// What `fansync report` covers.
public struct ReportOptions: Sendable {
    public var store: String
    /// Bounds on payments and on when people were first seen, as `stats --since/--until`.
    public var since: Int64?
    public var until: Int64?
    /// The day "this month" counts from.
    public var asOf: Int64
    /// Times are shown in this zone (UTC when nil).
    public var zone: TimeZone?
    /// How many top customers are listed, each with its detail section.
    public var top = 10

    public init(
        store: String, since: Int64? = nil, until: Int64? = nil, asOf: Int64, zone: TimeZone? = nil, top: Int = 10
    ) {
        self.store = store
        self.since = since
        self.until = until
        self.asOf = asOf
        self.zone = zone
        self.top = top
    }
}

/// Everything the page shows, read from the store's own queries (the cards are `stats`' figures).
public struct ReportData: Sendable {
    public var options: ReportOptions
    public var stats: Stats
    /// Revenue by month and by product, new customers by month, people by first product.
    public var aggregates: ReportAggregates
    public var fans: Int
    public var top: [[String: ListingValue]]
    public var details: [String: Explanation]
    public var runs: [[String: ListingValue]]
    public var imports: [ImportSummary]
    public var push: [EndpointPushStatus]

    /// Reads the report's figures from `store`; `timing`, when given, hears how long each part took.
    public static func gather(
        from store: Store, options: ReportOptions,
        timing: ((String, Double) -> Void)? = nil
    ) throws -> ReportData {
        let name = options.store
        var started = Date()
        func lap(_ part: String) {
            timing?(part, Date().timeIntervalSince(started))
            started = Date()
        }
        let stats = try store.stats(
            store: name, since: options.since, until: options.until, by: nil, asOf: options.asOf)
        lap("stats")
        let aggregates = try store.reportAggregates(store: name, since: options.since, until: options.until)
        lap("months, products and first products")
        let top = try store.customers(
            matching: PeopleFilter(store: name), sort: .totalSpent, limit: options.top, offset: 0
        ).rows
        lap("top customers")
        var details: [String: Explanation] = [:]
        for row in top {
            guard let email = row["email"]?.string else { continue }
            details[email] = try store.explain(store: name, email: email, fuzzy: false)
        }
        lap("their evidence")
        let fans = try store.fanCount(store: name)
        let runs = try store.recentRuns(store: name, limit: 5)
        let imports = try store.latestImports(store: name, limit: 10, issueLimit: 50)
        let push = try store.pushStatus(store: name, deadLimit: 10)
        lap("fans, runs, imports and endpoints")
        return ReportData(
            options: options, stats: stats, aggregates: aggregates, fans: fans, top: top, details: details,
            runs: runs, imports: imports, push: push)
    }
}

/// `fansync report`: one self-contained HTML page (no network, no script; charts are SVG written
/// here), legible in light and dark mode and on paper. Every figure carries `data-stat` or
/// `data-value` attributes with the value `stats --json` gives, so a test can read it back from
/// the page a browser built.
public enum HTMLReport {
    /// Writes the page for `data` to `path` (a temporary file renamed into place).
    public static func write(_ data: ReportData, to path: String, generatedAt: Int64) throws {
        let html = render(data, generatedAt: generatedAt)
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let temporary = path + ".partial"
        // It names the top customers: readable by its owner only (chmod to share it).
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(html.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary])
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    public static func render(_ data: ReportData, generatedAt: Int64) -> String {
        let format = ValueFormatter(zone: data.options.zone)
        let stats = data.stats
        var page = Page()
        page.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        page.raw("<meta name=\"color-scheme\" content=\"light dark\">")
        page.raw("<title>fansync report: \(escape(data.options.store))</title><style>\(css)</style></head><body>")
        var period = "all time"
        if data.options.since != nil || data.options.until != nil {
            period =
                (data.options.since.map { "from " + String(UTCTime.iso8601($0).prefix(10)) } ?? "")
                + (data.options.until.map { " until " + String(UTCTime.iso8601($0).prefix(10)) } ?? "")
        }
        page.raw(
            "<header><h1>\(escape(data.options.store))</h1><p class=\"meta\">fansync report · \(escape(period)) · written "
                + "\(escape(format.time(generatedAt)))</p></header>")

        // Cards: the figures of `stats`.
        page.raw("<section id=\"cards\"><h2>At a glance</h2><div class=\"cards\">")
        func card(_ key: String, _ label: String, _ value: Int, note: String? = nil) {
            page.raw(
                "<div class=\"card\" data-stat=\"\(key)\" data-value=\"\(value)\"><div class=\"label\">\(escape(label))</div>"
                    + "<div class=\"value\">\(grouped(value))</div>"
                    + (note.map { "<div class=\"note\">\(escape($0))</div>" } ?? "")
                    + "</div>")
        }
        card(
            "customers", "Customers", stats.customers,
            note:
                "\(grouped(stats.subscribers)) subscribers · \(grouped(stats.paying)) paying · \(grouped(stats.leads)) leads"
        )
        card("subscribers", "Subscribers", stats.subscribers)
        card("paying", "Paying", stats.paying)
        card("leads", "Leads", stats.leads)
        card("fans", "Fans (everyone with an email)", data.fans)
        card(
            "registered_not_bought", "Registered, never bought", stats.registeredUsers - stats.registeredConverted,
            note: "of \(grouped(stats.registeredUsers)) registered users")
        card(
            "repeat_customers", "Repeat customers", stats.repeatCustomers,
            note: String(format: "%.1f%% of the %@ who bought", stats.repeatShare * 100, grouped(stats.buyers)))
        card("new_this_month", "New this month", stats.newThisMonth)
        if stats.unattributed > 0 {
            card(
                "unattributed", "Unattributed payments", stats.unattributed,
                note: "no email and no known customer: they count no money")
        }
        func moneyCards(_ key: String, _ label: String, _ items: [Stats.Revenue]) {
            for item in items {
                page.raw(
                    "<div class=\"card money\" data-stat=\"\(key).\(escape(item.currency))\" data-value=\"\(Money.decimal(item.net, currency: item.currency))\">"
                        + "<div class=\"label\">\(escape(label)) · \(escape(item.currency))</div>"
                        + "<div class=\"value\">\(escape(ValueFormatter.money(item.net, currency: item.currency)))</div>"
                        + "<div class=\"note\">\(grouped(item.payments)) payment\(item.payments == 1 ? "" : "s")</div></div>"
                )
            }
        }
        moneyCards("revenue", "Revenue", stats.revenue)
        moneyCards("settlement", "Revenue in settlement currency", stats.settlement)
        if let value = stats.averageLifetimeValue {
            page.raw(
                "<div class=\"card money\" data-stat=\"average_lifetime_value\" data-value=\"\(Money.decimal(value.net, currency: value.currency))\">"
                    + "<div class=\"label\">Average lifetime value</div>"
                    + "<div class=\"value\">\(escape(ValueFormatter.money(value.net, currency: value.currency)))</div>"
                    + "<div class=\"note\">per buyer, in \(escape(value.currency))</div></div>")
        }
        page.raw("</div></section>")

        // Revenue by month: one chart per currency (amounts in different currencies do not add up).
        page.raw("<section id=\"revenue\"><h2>Revenue by month</h2>")
        let currencies = Array(Set(data.aggregates.revenueByMonth.flatMap { $0.revenue.map(\.currency) })).sorted()
        // Every month from the first to the last, the empty ones too: a time axis without gaps.
        let months = Self.months(
            from: data.aggregates.revenueByMonth.first?.key, to: data.aggregates.revenueByMonth.last?.key)
        if currencies.isEmpty { page.raw("<p class=\"empty\">No succeeded payments in this period.</p>") }
        for (index, currency) in currencies.enumerated() {
            let bars = months.map { month -> Bar in
                let group = data.aggregates.revenueByMonth.first { $0.key == month }
                let net = (group?.revenue ?? []).filter { $0.currency == currency }.reduce(0) { $0 + $1.net }
                return Bar(
                    label: month, value: Double(net) / Double(Currency.unit(of: currency)),
                    display: ValueFormatter.money(net, currency: currency), data: Money.decimal(net, currency: currency)
                )
            }
            page.raw(
                chart(
                    id: "revenue-\(currency)", title: "Revenue by month, \(currency)", series: currency, bars: bars,
                    color: index % palette))
        }
        if !data.aggregates.undated.isEmpty {
            let payments = data.aggregates.undated.reduce(0) { $0 + $1.payments }
            page.raw(
                "<p class=\"meta\" id=\"undated\">\(grouped(payments)) succeeded payment\(payments == 1 ? "" : "s") without a date ("
                    + data.aggregates.undated.map { escape(ValueFormatter.money($0.net, currency: $0.currency)) }
                    .joined(separator: " · ")
                    + ") count in the revenue cards and in no month.</p>")
        }
        page.raw("</section>")

        page.raw("<section id=\"new-customers\"><h2>New customers by month</h2>")
        if data.aggregates.newCustomers.isEmpty {
            page.raw("<p class=\"empty\">No customers in this period.</p>")
        } else {
            page.raw(
                chart(
                    id: "new-customers-chart", title: "New customers by month (first seen)", series: "customers",
                    bars: Self.months(
                        from: data.aggregates.newCustomers.first?.month, to: data.aggregates.newCustomers.last?.month
                    ).map { month in
                        let count = data.aggregates.newCustomers.first { $0.month == month }?.count ?? 0
                        return Bar(label: month, value: Double(count), display: grouped(count), data: String(count))
                    }, color: 3, counts: true))
        }
        page.raw("</section>")

        // The funnel.
        let stages: [(String, String, Int)] = [
            ("everyone", "Everyone with an email", data.fans),
            ("registered", "Registered users", stats.registeredUsers),
            ("lead", "Customers (lead or more)", stats.customers),
            ("paying", "Paying or subscribed", stats.paying + stats.subscribers),
            ("subscription", "Subscribers", stats.subscribers),
        ]
        page.raw(
            "<section id=\"funnel\"><h2>Funnel</h2><p class=\"meta\">Registered → lead → paying → subscription; each bar "
                + "is the people at that stage or past it, with their share of everyone (a customer need not have registered).</p>"
        )
        page.raw(
            horizontal(
                id: "funnel-chart",
                bars: stages.map {
                    Bar(label: $0.1, value: Double($0.2), display: grouped($0.2), data: String($0.2), key: $0.0)
                }))
        page.raw("</section>")

        // Attribution.
        page.raw("<section id=\"attribution\"><h2>Where people come from</h2>")
        page.raw(
            groupTable(
                id: "first-source", title: "First source: people and what they spent (settlement currency)",
                groups: stats.firstSource))
        page.raw(
            groupTable(
                id: "first-product", title: "First product: people and what they spent (settlement currency)",
                groups: data.aggregates.firstProducts))
        page.raw(
            groupTable(
                id: "product-revenue", title: "Revenue by product (charge currency)",
                groups: data.aggregates.revenueByProduct, people: "payments"))
        page.raw("</section>")

        // Top customers, each linked to a detail section.
        page.raw("<section id=\"top\"><h2>Top customers by spend</h2>")
        if data.top.isEmpty {
            page.raw("<p class=\"empty\">No customers yet.</p>")
        } else {
            page.raw(
                "<table class=\"list\"><thead><tr><th>#</th><th>Customer</th><th>Type</th><th class=\"n\">Spent</th>"
                    + "<th class=\"n\">Purchases</th><th>Last purchase</th></tr></thead><tbody>")
            for (index, row) in data.top.enumerated() {
                let email = row["email"]?.string ?? ""
                let spent =
                    row["total_spent"]?.int.map { ValueFormatter.money($0, currency: row["currency"]?.string ?? "USD") }
                    ?? "–"
                page.raw(
                    "<tr><td>\(index + 1)</td><td><a href=\"#person-\(index + 1)\">\(escape(row["name"]?.string ?? email))</a>"
                        + "<div class=\"sub\">\(escape(email))</div></td><td>\(escape(row["type"]?.string ?? ""))</td>"
                        + "<td class=\"n\" data-value=\"\(row["total_spent"]?.int.map(String.init) ?? "")\">\(escape(spent))</td>"
                        + "<td class=\"n\">\(row["purchases"]?.int.map(String.init) ?? "0")</td>"
                        + "<td>\(escape(row["last_purchase_at"]?.int.map(format.time) ?? "–"))</td></tr>")
            }
            page.raw("</tbody></table>")
            for (index, row) in data.top.enumerated() {
                let email = row["email"]?.string ?? ""
                page.raw(
                    "<details class=\"person\" id=\"person-\(index + 1)\"><summary>\(escape(row["name"]?.string ?? email)) · "
                        + "\(escape(email))</summary>")
                if let detail = data.details[email] {
                    page.raw(
                        "<p>\(escape(detail.decidingRule))</p><table class=\"list\"><thead><tr><th>When</th><th>Source</th>"
                            + "<th>Id</th><th>Rule</th><th class=\"n\">Amount</th></tr></thead><tbody>")
                    // A bounded page: the newest rows of a customer with very many.
                    let shown = detail.rows.suffix(Self.evidenceLimit)
                    if detail.rows.count > shown.count {
                        page.raw(
                            "<tr><td colspan=\"5\" class=\"sub\">… \(grouped(detail.rows.count - shown.count)) older rows "
                                + "(fansync explain shows them all)</td></tr>")
                    }
                    for item in shown {
                        let evidence = item.evidence
                        let amount =
                            evidence.amount.map { ValueFormatter.money($0, currency: evidence.currency ?? "USD") } ?? ""
                        page.raw(
                            "<tr><td>\(escape(evidence.seenAt.map(format.time) ?? "–"))</td><td>\(escape(evidence.source))</td>"
                                + "<td>\(escape(evidence.sourceID))</td><td>\(escape(item.rule))</td><td class=\"n\">\(escape(amount))</td></tr>"
                        )
                    }
                    page.raw("</tbody></table>")
                }
                page.raw("</details>")
            }
        }
        page.raw("</section>")

        // Runs, imports, pushes.
        page.raw("<section id=\"runs\"><h2>Last runs</h2>")
        if data.runs.isEmpty {
            page.raw("<p class=\"empty\">No job has run on this store (fansync run).</p>")
        } else {
            page.raw(
                "<table class=\"list\"><thead><tr><th>Run</th><th>Started</th><th>Outcome</th><th class=\"n\">Files</th>"
                    + "<th class=\"n\">Read</th><th class=\"n\">Accepted</th><th class=\"n\">Rejected</th><th class=\"n\">Sent</th>"
                    + "<th class=\"n\">Acknowledged</th><th class=\"n\">Dead</th><th>Drift, failures</th></tr></thead><tbody>"
            )
            for run in data.runs {
                func number(_ key: String) -> String { run[key]?.int.map { grouped(Int($0)) } ?? "" }
                let notes = [run["drift"]?.string, run["failures"]?.string].compactMap { $0 }.filter { !$0.isEmpty }
                let outcome = run["outcome"]?.string ?? ""
                page.raw(
                    "<tr><td>\(number("id"))</td><td>\(escape(run["started_at"]?.int.map(format.time) ?? ""))</td>"
                        + "<td class=\"outcome \(escape(outcome))\">\(escape(outcome))</td><td class=\"n\">\(number("files"))</td>"
                        + "<td class=\"n\">\(number("rows_read"))</td><td class=\"n\">\(number("rows_accepted"))</td>"
                        + "<td class=\"n\">\(number("rows_rejected"))</td><td class=\"n\">\(number("sent"))</td>"
                        + "<td class=\"n\">\(number("acknowledged"))</td><td class=\"n\">\(number("dead"))</td>"
                        + "<td>\(escape(notes.joined(separator: "; ")))</td></tr>")
            }
            page.raw("</tbody></table>")
        }
        page.raw("<h3>Latest imports</h3>")
        if data.imports.isEmpty { page.raw("<p class=\"empty\">Nothing imported yet.</p>") }
        for item in data.imports {
            page.raw(
                "<details class=\"import\"\(item.rejected + item.warned > 0 ? " open" : "")><summary>\(escape(item.file)) · "
                    + "\(escape(item.mapping)) · \(grouped(item.read)) read, \(grouped(item.accepted)) accepted, "
                    + "\(grouped(item.rejected)) rejected, \(grouped(item.warned)) warned"
                    + (item.unattributed > 0 ? ", \(grouped(item.unattributed)) unattributed" : "")
                    + (item.finishedAt.map { " · " + format.time($0) } ?? "") + "</summary>")
            if !item.issues.isEmpty {
                page.raw("<ul class=\"issues\">")
                for issue in item.issues {
                    page.raw(
                        "<li class=\"\(escape(issue.disposition))\"><code>\(escape(item.file)):\(issue.line)</code> "
                            + "\(escape(issue.disposition)): \(escape(issue.reason))"
                            + (issue.column.map { " (column \(escape($0)))" } ?? "") + "</li>")
                }
                let total = item.rejected + item.warned + item.unattributed
                if total > item.issues.count {
                    page.raw(
                        "<li class=\"more\">… and \(grouped(total - item.issues.count)) more in the rejects file</li>")
                }
                page.raw("</ul>")
            }
            page.raw("</details>")
        }
        page.raw("<h3>Endpoints</h3>")
        if data.push.isEmpty { page.raw("<p class=\"empty\">Nothing pushed from this store yet.</p>") }
        for endpoint in data.push {
            page.raw(
                "<div class=\"endpoint\" data-endpoint=\"\(escape(endpoint.endpoint))\"><strong>\(escape(endpoint.endpoint))</strong>: "
                    + "\(grouped(endpoint.acknowledged)) acknowledged, \(grouped(endpoint.pendingRecords)) pending, "
                    + "\(grouped(endpoint.deadCount)) dead"
                    + (endpoint.lastRunError.map { "; last run failed: " + escape($0) } ?? ""))
            if !endpoint.dead.isEmpty {
                page.raw("<ul class=\"issues\">")
                for dead in endpoint.dead {
                    page.raw(
                        "<li class=\"rejected\"><code>\(escape(dead.recordKey))</code>: \(dead.status) at "
                            + "\(escape(format.time(dead.failedAt))): \(escape(String(dead.response.prefix(160))))</li>"
                    )
                }
                page.raw("</ul>")
            }
            page.raw("</div>")
        }
        page.raw(
            "</section><footer>Written by fansync \(escape(fanSyncVersion)) from the store alone; the figures are those "
                + "of <code>fansync stats</code>.</footer></body></html>\n")
        return page.text
    }

    // MARK: Pieces

    struct Page {
        var text = ""
        mutating func raw(_ html: String) { text += html }
    }

    struct Bar {
        var label: String
        var value: Double
        var display: String
        var data: String
        var key: String?
    }

    static let palette = 4
    /// Evidence rows shown per top customer.
    static let evidenceLimit = 50

    /// A vertical bar chart in SVG, with a y axis, gridlines, labels, a legend and a title per bar.
    static func chart(
        id: String, title: String, series: String, bars: [Bar], color: Int, counts: Bool = false
    ) -> String {
        let width = 720.0, height = 260.0, left = 64.0, right = 12.0, top = 16.0, bottom = 48.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        // Counts step by whole numbers.
        let ceiling = niceCeiling(bars.map(\.value).max() ?? 0)
        let maximum = counts ? 4 * max(1, (ceiling / 4).rounded(.up)) : ceiling
        var svg = "<figure class=\"chart\" id=\"\(escape(id))\"><figcaption>\(escape(title))</figcaption>"
        svg += "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">"
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            let y = top + plotHeight - plotHeight * Double(step) / 4
            svg += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y))\" y2=\"\(f(y))\"/>"
            svg +=
                "<text class=\"axis\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(short(value)))</text>"
        }
        let slot = bars.isEmpty ? plotWidth : plotWidth / Double(bars.count)
        let labelEvery = max(1, Int((Double(bars.count) * 56 / plotWidth).rounded(.up)))
        for (index, bar) in bars.enumerated() {
            let barHeight = maximum > 0 ? plotHeight * bar.value / maximum : 0
            let x = left + slot * Double(index) + slot * 0.15
            svg +=
                "<rect class=\"bar c\(color)\" data-label=\"\(escape(bar.label))\" data-value=\"\(escape(bar.data))\" "
                + "x=\"\(f(x))\" y=\"\(f(top + plotHeight - barHeight))\" width=\"\(f(slot * 0.7))\" height=\"\(f(barHeight))\">"
                + "<title>\(escape(bar.label)): \(escape(bar.display))</title></rect>"
            if index % labelEvery == 0 {
                svg +=
                    "<text class=\"axis\" x=\"\(f(left + slot * (Double(index) + 0.5)))\" y=\"\(f(height - bottom + 16))\" "
                    + "text-anchor=\"middle\">\(escape(bar.label))</text>"
            }
        }
        svg +=
            "<line class=\"axisline\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(top + plotHeight))\" y2=\"\(f(top + plotHeight))\"/>"
        svg +=
            "<g class=\"legend\"><rect class=\"bar c\(color)\" x=\"\(f(left))\" y=\"\(f(height - 16))\" width=\"10\" height=\"10\"/>"
            + "<text class=\"axis\" x=\"\(f(left + 14))\" y=\"\(f(height - 7))\">\(escape(series))</text></g>"
        svg += "</svg>"
        // The numbers, for those who read rather than look (and for print).
        svg +=
            "<table class=\"data\"><tbody>"
            + bars.map {
                "<tr><th>\(escape($0.label))</th><td class=\"n\">\(escape($0.display))</td></tr>"
            }.joined() + "</tbody></table></figure>"
        return svg
    }

    /// Horizontal bars, one per stage, with their share of the first.
    static func horizontal(id: String, bars: [Bar]) -> String {
        let first = max(1, bars.first?.value ?? 1), maximum = max(1, bars.map(\.value).max() ?? 1)
        var html = "<div class=\"funnel\" id=\"\(escape(id))\">"
        for bar in bars {
            let share = bar.value / first * 100
            html +=
                "<div class=\"stage\" data-stage=\"\(escape(bar.key ?? bar.label))\" data-value=\"\(escape(bar.data))\">"
                + "<div class=\"label\">\(escape(bar.label))</div><svg viewBox=\"0 0 400 18\" preserveAspectRatio=\"none\" aria-hidden=\"true\">"
                + "<rect class=\"bar c0\" x=\"0\" y=\"0\" height=\"18\" width=\"\(f(400 * bar.value / maximum))\"/></svg>"
                + "<div class=\"value\">\(escape(bar.display)) <span class=\"sub\">(\(String(format: "%.0f%%", share)))</span></div></div>"
        }
        return html + "</div>"
    }

    static func groupTable(id: String, title: String, groups: [Stats.Group], people: String = "people") -> String {
        guard !groups.isEmpty else { return "<h3>\(escape(title))</h3><p class=\"empty\">Nothing yet.</p>" }
        let maximum = max(1, groups.map(\.people).max() ?? 1)
        var html =
            "<h3>\(escape(title))</h3><table class=\"list\" id=\"\(escape(id))\"><thead><tr><th></th>"
            + "<th class=\"n\">\(escape(people.capitalized))</th><th></th><th class=\"n\">Revenue</th></tr></thead><tbody>"
        for group in groups {
            let revenue =
                group.revenue.isEmpty
                ? "–"
                : group.revenue.sorted { $0.currency < $1.currency }.map {
                    ValueFormatter.money($0.net, currency: $0.currency)
                }
                .joined(separator: " · ")
            html +=
                "<tr data-key=\"\(escape(group.key))\" data-value=\"\(group.people)\"><th>\(escape(group.key))</th>"
                + "<td class=\"n\">\(grouped(group.people))</td><td class=\"spark\"><svg viewBox=\"0 0 120 10\" "
                + "preserveAspectRatio=\"none\" aria-hidden=\"true\"><rect class=\"bar c1\" x=\"0\" y=\"0\" height=\"10\" "
                + "width=\"\(f(120 * Double(group.people) / Double(maximum)))\"/></svg></td><td class=\"n\">\(escape(revenue))</td></tr>"
        }
        return html + "</tbody></table>"
    }

    /// The top of an axis of four steps at or above `value`, each step a round number
    /// (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10ⁿ), so every gridline has a short, exact label.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 4 }
        let step = value / 4
        let magnitude = pow(10, floor(log10(step)))
        for factor in [1.0, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] where factor * magnitude >= step {
            return 4 * factor * magnitude
        }
        return 40 * magnitude
    }

    /// "2024-11", "2024-12", "2025-01"…: every month from `first` to `last` (yyyy-MM), both included.
    static func months(from first: String?, to last: String?) -> [String] {
        guard let first, let last, first <= last else { return [] }
        func parts(_ month: String) -> (Int, Int)? {
            let pieces = month.split(separator: "-")
            guard pieces.count == 2, let year = Int(pieces[0]), let number = Int(pieces[1]) else { return nil }
            return (year, number)
        }
        guard var (year, month) = parts(first), let end = parts(last) else { return [] }
        var result: [String] = []
        while (year, month) <= end && result.count < 1200 {
            result.append(String(format: "%04d-%02d", year, month))
            month += 1
            if month > 12 { month = 1; year += 1 }
        }
        return result
    }

    /// 1200 → "1.2k", 3500000 → "3.5M".
    static func short(_ value: Double) -> String {
        let units: [(Double, String)] = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (size, suffix) in units where value >= size {
            let scaled = value / size
            return (scaled == scaled.rounded() ? String(Int(scaled)) : String(format: "%.1f", scaled)) + suffix
        }
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func grouped(_ number: Int) -> String { NumberText.grouped(number) }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static let css = """
        :root{--bg:#fff;--fg:#1d2430;--muted:#5f6b7a;--line:#d9dee5;--card:#f5f7fa;--c0:#3366cc;--c1:#2a9d8f;--c2:#e76f51;--c3:#8e5ec7;--bad:#c0392b;--warn:#b7791f}
        @media (prefers-color-scheme: dark){:root{--bg:#12161c;--fg:#e6e9ee;--muted:#9aa5b4;--line:#2c3440;--card:#1b2129;--c0:#6f9cff;--c1:#4cc9b8;--c2:#ff9473;--c3:#b892f0;--bad:#ff7b6b;--warn:#f2c14e}}
        *{box-sizing:border-box}body{margin:0 auto;max-width:1100px;padding:24px;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        h1{margin:0;font-size:28px}h2{margin:32px 0 12px;font-size:20px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:16px;margin:20px 0 8px}
        .meta,.sub,.note,.empty,footer{color:var(--muted)}.sub,.note{font-size:13px}footer{margin-top:40px;font-size:13px}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px}
        .card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px}.card .label{color:var(--muted);font-size:13px}
        .card .value{font-size:26px;font-weight:600;font-variant-numeric:tabular-nums}
        figure.chart{margin:0 0 20px;max-width:780px}figcaption{font-weight:600;margin-bottom:4px}svg{width:100%;height:auto;display:block}
        .grid{stroke:var(--line);stroke-width:1}.axisline{stroke:var(--muted)}.axis{fill:var(--muted);font-size:11px}
        .bar.c0{fill:var(--c0)}.bar.c1{fill:var(--c1)}.bar.c2{fill:var(--c2)}.bar.c3{fill:var(--c3)}
        table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
        .n{text-align:right}table.data{display:none}td.spark{width:130px}td.spark svg{width:120px;height:10px}
        .funnel .stage{display:grid;grid-template-columns:220px 1fr 140px;gap:12px;align-items:center;margin:6px 0}.funnel svg{height:18px}
        details{margin:6px 0;padding:6px 10px;border:1px solid var(--line);border-radius:6px}summary{cursor:pointer}
        ul.issues{margin:6px 0;padding-left:20px}li.rejected{color:var(--bad)}li.warning{color:var(--warn)}
        .outcome.failed{color:var(--bad)}.outcome.rejects{color:var(--warn)}a{color:var(--c0)}
        @media print{body{max-width:none;padding:0}details{border:none}details>*{display:block}table.data{display:table}.card{break-inside:avoid}figure{break-inside:avoid}}
        """
}
