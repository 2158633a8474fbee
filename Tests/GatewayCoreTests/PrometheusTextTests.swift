import GatewayCore
import Testing

@Suite struct PrometheusTextTests {
    @Test func writesHelpAndTypeOnceAndEscapesLabels() {
        var text = PrometheusText()
        text.add("up", .gauge, help: "Up.", labels: [("name", "a\"b\\c")], value: 1)
        text.add("up", .gauge, help: "Up.", labels: [("name", "d")], value: 0.5)
        #expect(text.text == """
            # HELP up Up.
            # TYPE up gauge
            up{name="a\\"b\\\\c"} 1
            up{name="d"} 0.5

            """)
    }

    @Test func histogramsAreCumulativeWithInfSumAndCount() {
        var latency = Histogram(bounds: [0.01, 0.1])
        for value in [0.005, 0.05, 0.07, 3] { latency.observe(value) }
        var text = PrometheusText()
        text.add("req_seconds", help: "Latency.", histogram: latency)
        #expect(text.text.contains("req_seconds_bucket{le=\"0.01\"} 1\nreq_seconds_bucket{le=\"0.1\"} 3\nreq_seconds_bucket{le=\"+Inf\"} 4\n"))
        #expect(text.text.contains("req_seconds_sum 3.125\nreq_seconds_count 4\n"))
    }
}

@Suite struct PrometheusFamilyTests {
    @Test func aFamilyWritesItsSamplesTogetherAndNothingWhenEmpty() {
        var text = PrometheusText()
        text.add("a_total", .counter, help: "A.", samples: [.init([("x", "1")], 1), .init([("x", "2")], 2)])
        text.add("b", .gauge, help: "B.", samples: [])
        #expect(text.text == "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 1\na_total{x=\"2\"} 2\n")
    }
}
