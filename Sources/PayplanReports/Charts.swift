import PayplanCore
import PayplanLanguage

/// Inline SVG charts for statements and the period report. Coordinates are
/// computed in exact arithmetic and written with one decimal, so a chart is
/// byte-identical from run to run; every marked point carries its exact
/// value in `data-x` / `data-y` for tests and for screen readers' titles.
struct Scale {
    let lo: Exact
    let hi: Exact
    let from: Int
    let to: Int

    /// The pixel position of `v`, clamped to the axis.
    func position(_ v: Exact) -> Exact {
        let span = (try? hi - lo) ?? .one
        guard !span.isZero, let t = try? (v - lo) / span else { return Exact(from) }
        let clamped = min(max(t, .zero), .one)
        return (try? Exact(from) + clamped * Exact(to - from)) ?? Exact(from)
    }

    func px(_ v: Exact) -> String { Chart.text(position(v)) }

    /// Round-number ticks: about `count` of them, at 1, 2 or 5 × 10^k.
    func ticks(_ count: Int = 5) -> [Exact] {
        guard let span = try? hi - lo, span.isPositive else { return [lo] }
        var step = Exact.one
        let target = (try? span / Exact(count)) ?? .one
        // Scale `step` to the power of ten at or just below the target, then pick 1, 2 or 5 of it.
        while step > target { step = (try? step / Exact(10)) ?? step }
        while let next = try? step * Exact(10), next <= target { step = next }
        for m in [1, 2, 5, 10] {
            if let s = try? step * Exact(m), s >= target {
                step = s
                break
            }
        }
        var out: [Exact] = []
        var v = (try? Exact(integer: (lo / step).floor()) * step) ?? lo
        if v < lo { v = (try? v + step) ?? hi }
        while v <= hi && out.count < 50 {
            out.append(v)
            guard let next = try? v + step else { break }
            v = next
        }
        return out
    }
}

enum Chart {
    static func text(_ x: Exact) -> String { (try? x.formatted(scale: 1, mode: .halfEven)) ?? "0" }
    static func exact(_ x: Exact) -> String { x.decimalDigits(maxFractionDigits: 12).text }

    static let elevenTenths = (try? Exact(numerator: 11, denominator: 10)) ?? .one
    static let sixFifths = (try? Exact(numerator: 6, denominator: 5)) ?? .one
    static let fiveFourths = (try? Exact(numerator: 5, denominator: 4)) ?? .one

    static let width = 640
    static let height = 260
    static let left = 56
    static let right = 24
    static let top = 16
    static let bottom = 40

    static func svg(_ title: String, height: Int = Chart.height, _ body: (inout HTML) -> Void) -> String {
        var h = HTML()
        h.element(
            "svg",
            [
                ("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(width) \(height)"), ("width", "\(width)"), ("height", "\(height)"),
                ("role", "img"), ("aria-label", title),
            ]
        ) { h in
            h.element("title", text: title)
            body(&h)
        }
        return h.text
    }

    static func line(_ h: inout HTML, _ x1: String, _ y1: String, _ x2: String, _ y2: String, _ cls: String) {
        h.empty("line", [("class", cls), ("x1", x1), ("y1", y1), ("x2", x2), ("y2", y2)])
    }

    static func label(_ h: inout HTML, _ x: String, _ y: String, _ s: String, anchor: String = "middle", cls: String? = nil) {
        var attrs = [("x", x), ("y", y), ("text-anchor", anchor)]
        if let cls { attrs.append(("class", cls)) }
        h.element("text", attrs, text: s)
    }

    /// Axes with gridlines and tick labels.
    static func axes(_ h: inout HTML, _ x: Scale, _ y: Scale, xLabel: String, yLabel: String, format: (Exact) -> String, formatY: (Exact) -> String) {
        for t in y.ticks() {
            line(&h, "\(left)", y.px(t), "\(width - right)", y.px(t), "grid")
            label(&h, "\(left - 6)", text((try? y.position(t) + Exact(4)) ?? y.position(t)), formatY(t), anchor: "end")
        }
        for t in x.ticks(6) {
            line(&h, x.px(t), "\(top)", x.px(t), "\(y.from)", "grid")
            label(&h, x.px(t), "\(y.from + 16)", format(t))
        }
        line(&h, "\(left)", "\(y.from)", "\(width - right)", "\(y.from)", "axis")
        line(&h, "\(left)", "\(top)", "\(left)", "\(y.from)", "axis")
        label(&h, "\(width - right)", "\(y.from + 32)", xLabel, anchor: "end")
        label(&h, "\(left)", "\(top - 4)", yLabel, anchor: "start")
    }

    static func marker(_ h: inout HTML, _ x: Scale, _ y: Scale, _ vx: Exact, _ vy: Exact, caption: String) {
        h.element("circle", [("class", "marker"), ("cx", x.px(vx)), ("cy", y.px(vy)), ("r", "6"), ("data-x", exact(vx)), ("data-y", exact(vy))]) {
            h in
            h.element("title", text: caption)
        }
        label(&h, x.px(vx), text((try? y.position(vy) - Exact(12)) ?? y.position(vy)), caption, cls: "strong")
    }

    static func padded(_ lo: Exact, _ hi: Exact) -> (Exact, Exact) {
        let span = (try? hi - lo) ?? .one
        let pad = span.isZero ? Exact.one : ((try? span / Exact(10)) ?? .zero)
        return ((try? lo - pad) ?? lo, (try? hi + pad) ?? hi)
    }

    /// A payout curve: the shape drawn over its whole range, the gate (where
    /// it starts paying), the flat top (its cap), and the rep's position.
    static func curve(
        points: [(Exact, Exact)], below: Curve.Below, above: Curve.Above, at x: Exact, value y: Exact, words: ChartWords,
        format: (Exact) -> String
    ) -> String {
        guard let first = points.first, let last = points.last else { return "" }
        let (xlo0, xhi0) = padded(min(first.0, x), max(last.0, x))
        let xlo = max(xlo0, min(.zero, first.0))
        let ys = points.map(\.1) + [y, .zero]
        let yhi = (try? (ys.max() ?? .one) * Chart.elevenTenths) ?? .one
        let xs = Scale(lo: xlo, hi: xhi0, from: left, to: width - right)
        let yScale = Scale(lo: min(ys.min() ?? .zero, .zero), hi: yhi.isZero ? .one : yhi, from: height - bottom, to: top)
        return svg(words.curveTitle) { h in
            axes(&h, xs, yScale, xLabel: words.measure, yLabel: words.factor, format: format, formatY: format)
            // The polyline: before the first point, the points, after the last.
            var path: [String] = []
            switch below {
            case .zero:
                path.append("\(xs.px(xlo)),\(yScale.px(.zero))")
                path.append("\(xs.px(first.0)),\(yScale.px(.zero))")
            case .first:
                path.append("\(xs.px(xlo)),\(yScale.px(first.1))")
            case .extend:
                if points.count > 1, let slope = try? (points[1].1 - first.1) / (points[1].0 - first.0),
                    let y0 = try? first.1 - slope * (first.0 - xlo)
                {
                    path.append("\(xs.px(xlo)),\(yScale.px(y0))")
                }
            }
            for p in points { path.append("\(xs.px(p.0)),\(yScale.px(p.1))") }
            switch above {
            case .flat: path.append("\(xs.px(xhi0)),\(yScale.px(last.1))")
            case .extend:
                if points.count > 1, let slope = try? (last.1 - points[points.count - 2].1) / (last.0 - points[points.count - 2].0),
                    let y1 = try? last.1 + slope * (xhi0 - last.0)
                {
                    path.append("\(xs.px(xhi0)),\(yScale.px(y1))")
                }
            }
            h.empty("polyline", [("class", "curve"), ("points", path.joined(separator: " "))])
            if below == .zero {
                line(&h, xs.px(first.0), "\(top)", xs.px(first.0), "\(height - bottom)", "gate")
                label(&h, xs.px(first.0), "\(top + 10)", "\(words.gate) \(format(first.0))")
            }
            if above == .flat {
                line(&h, xs.px(last.0), yScale.px(last.1), "\(width - right)", yScale.px(last.1), "cap")
                label(
                    &h, "\(width - right)", text((try? yScale.position(last.1) - Exact(6)) ?? .zero), "\(words.cap) \(format(last.1))", anchor: "end")
            }
            marker(&h, xs, yScale, x, y, caption: "\(words.you): \(format(x)) → \(format(y))")
        }
    }

    /// Tiers as steps of their rate (or amount), with the rep's value marked.
    static func tiers(rows: [(from: Exact, to: Exact?, rate: Exact)], at x: Exact, words: ChartWords, format: (Exact) -> String) -> String {
        guard let first = rows.first else { return "" }
        let lastFrom = rows.last?.from ?? first.from
        let top0 = rows.compactMap(\.to).max() ?? lastFrom
        let hiX = max(top0, x, (try? lastFrom * Chart.fiveFourths) ?? lastFrom)
        let xs = Scale(lo: min(first.from, .zero), hi: hiX.isZero ? .one : hiX, from: left, to: width - right)
        let rateMax = rows.map(\.rate).max() ?? .one
        let ys = Scale(lo: .zero, hi: rateMax.isPositive ? ((try? rateMax * Chart.sixFifths) ?? .one) : .one, from: height - bottom, to: top)
        return svg(words.tiersTitle) { h in
            axes(&h, xs, ys, xLabel: words.measure, yLabel: words.rate, format: format, formatY: format)
            for (i, r) in rows.enumerated() {
                let end = r.to ?? hiX
                let mine = x >= r.from && (r.to.map { x < $0 } ?? true)
                let w = (try? xs.position(end) - xs.position(r.from)) ?? .zero
                let hgt = (try? ys.position(.zero) - ys.position(r.rate)) ?? .zero
                h.empty(
                    "rect",
                    [
                        ("class", mine ? "bar mine" : "bar"), ("x", xs.px(r.from)), ("y", ys.px(r.rate)), ("width", text(max(w, .zero))),
                        ("height", text(max(hgt, .zero))), ("data-tier", "\(i + 1)"),
                    ])
                label(
                    &h, text((try? (xs.position(r.from) + xs.position(end)) / Exact(2)) ?? .zero),
                    text((try? ys.position(r.rate) - Exact(4)) ?? .zero), format(r.rate))
            }
            line(&h, xs.px(x), "\(top)", xs.px(x), "\(height - bottom)", "gate")
            h.element("circle", [("class", "marker"), ("cx", xs.px(x)), ("cy", "\(height - bottom)"), ("r", "6"), ("data-x", exact(x))]) { h in
                h.element("title", text: "\(words.you): \(format(x))")
            }
            label(&h, xs.px(x), "\(top + 10)", "\(words.you): \(format(x))", cls: "strong")
        }
    }

    /// Horizontal bars, one per item, in the order given; `mine` is drawn
    /// darker. A dashed reference line (a threshold, a cap) is optional.
    static func bars(
        _ items: [(label: String, value: Exact, mine: Bool, note: String)], reference: (value: Exact, label: String)? = nil, title: String,
        format: (Exact) -> String
    ) -> String {
        let rowHeight = 22
        let h0 = top + rowHeight * max(items.count, 1) + 28
        let maxValue = max(items.map(\.value).max() ?? .one, reference?.value ?? .zero, .zero)
        let labelWidth = 150
        // Room on the right for each bar's note (an amount, a rank and a prize).
        let xs = Scale(
            lo: min(items.map(\.value).min() ?? .zero, .zero), hi: maxValue.isZero ? .one : maxValue, from: left + labelWidth, to: width - right - 180
        )
        return svg(title, height: h0) { h in
            for (i, item) in items.enumerated() {
                let y = top + i * rowHeight
                label(&h, "\(left + labelWidth - 8)", "\(y + 15)", item.label, anchor: "end", cls: item.mine ? "strong" : nil)
                let x0 = xs.position(min(item.value, .zero))
                let x1 = xs.position(max(item.value, .zero))
                h.empty(
                    "rect",
                    [
                        ("class", item.mine ? "bar mine" : "bar"), ("x", text(x0)), ("y", "\(y + 3)"),
                        ("width", text(max((try? x1 - x0) ?? .zero, .zero))),
                        ("height", "\(rowHeight - 6)"), ("data-value", exact(item.value)),
                    ])
                label(&h, text((try? x1 + Exact(6)) ?? x1), "\(y + 15)", item.note.isEmpty ? format(item.value) : item.note, anchor: "start")
            }
            if let reference {
                line(&h, xs.px(reference.value), "\(top - 4)", xs.px(reference.value), "\(h0 - 24)", "cap")
                label(&h, xs.px(reference.value), "\(h0 - 10)", reference.label)
            }
        }
    }

    /// A count of values per bucket of width `bucket` from 0.
    static func histogram(_ values: [Exact], bucket: Exact, title: String, words: ChartWords, format: (Exact) -> String) -> String {
        guard !values.isEmpty, bucket.isPositive else { return "" }
        let indexOf: (Exact) -> Int = { v in max(0, Int(clamping: (try? v / bucket)?.floor() ?? 0)) }
        let top0 = min(values.map(indexOf).max() ?? 0, 30)
        var counts = [Int](repeating: 0, count: top0 + 1)
        for v in values { counts[min(indexOf(v), top0)] += 1 }
        let xs = Scale(lo: .zero, hi: Exact(top0 + 1), from: left, to: width - right)
        let ys = Scale(lo: .zero, hi: Exact(max(counts.max() ?? 1, 1)), from: height - bottom, to: top)
        return svg(title) { h in
            line(&h, "\(left)", "\(height - bottom)", "\(width - right)", "\(height - bottom)", "axis")
            for (i, c) in counts.enumerated() {
                let x0 = xs.position(Exact(i))
                let x1 = xs.position(Exact(i + 1))
                h.empty(
                    "rect",
                    [
                        ("class", "bar"), ("x", text((try? x0 + Exact(1)) ?? x0)), ("y", ys.px(Exact(c))),
                        ("width", text(max((try? x1 - x0 - Exact(2)) ?? .zero, .zero))),
                        ("height", text((try? ys.position(.zero) - ys.position(Exact(c))) ?? .zero)),
                        ("data-count", "\(c)"),
                    ])
                if c > 0 { label(&h, text((try? (x0 + x1) / Exact(2)) ?? x0), text((try? ys.position(Exact(c)) - Exact(3)) ?? .zero), "\(c)") }
                // Every bucket's lower bound, thinned out so the labels never overlap.
                let every = max(1, (counts.count + 9) / 10)
                if i % every == 0 {
                    let from = (try? bucket * Exact(i)) ?? .zero
                    label(&h, text(x0), "\(height - bottom + 14)", format(from), anchor: "start")
                }
            }
            label(&h, "\(width - right)", "\(height - 8)", words.measure, anchor: "end")
        }
    }

    /// One dot per (x, y).
    static func scatter(
        _ points: [(Exact, Exact)], title: String, xLabel: String, yLabel: String, formatX: (Exact) -> String, formatY: (Exact) -> String
    )
        -> String
    {
        guard !points.isEmpty else { return "" }
        let xs0 = points.map(\.0)
        let ys0 = points.map(\.1)
        let (xlo, xhi) = padded(min(xs0.min() ?? .zero, .zero), xs0.max() ?? .one)
        let xs = Scale(lo: max(xlo, min(xs0.min() ?? .zero, .zero)), hi: xhi, from: left, to: width - right)
        let ys = Scale(
            lo: min(ys0.min() ?? .zero, .zero), hi: max((try? (ys0.max() ?? .one) * Chart.elevenTenths) ?? .one, .one), from: height - bottom, to: top
        )
        return svg(title) { h in
            axes(&h, xs, ys, xLabel: xLabel, yLabel: yLabel, format: formatX, formatY: formatY)
            for (x, y) in points {
                h.empty("circle", [("class", "point"), ("cx", xs.px(x)), ("cy", ys.px(y)), ("r", "4"), ("data-x", exact(x)), ("data-y", exact(y))])
            }
        }
    }
}

/// The few words charts need, in the statement's language.
struct ChartWords {
    var measure: String
    var factor = "factor"
    var rate = "rate"
    var gate = "gate"
    var cap = "cap"
    var you = "you"
    var curveTitle = "payout curve"
    var tiersTitle = "tiers"
}

/// The charts for other modules: the workbench of `payplan serve` draws
/// with the statements' renderer rather than a second one.
public enum SVGCharts {
    /// Horizontal bars, one per item in order; `mine` drawn darker; an
    /// optional dashed reference line.
    public static func bars(
        _ items: [(label: String, value: Exact, mine: Bool, note: String)], reference: (value: Exact, label: String)? = nil, title: String,
        format: (Exact) -> String
    ) -> String {
        Chart.bars(items, reference: reference, title: title, format: format)
    }
}
