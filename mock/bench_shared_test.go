package mock

import (
	"net/http"
	"testing"
)

// BenchmarkSharedState is the cost of shared state per request: one
// replica, its state in memory or in a local redis-server (--state), a
// request that touches all of it (rate limit, session scenario lookup,
// call counter, journal, coverage). It reports requests/s; run it with
//
//	go test ./mock -run '^$' -bench SharedState -benchtime 3s
func BenchmarkSharedState(b *testing.B) {
	for _, backend := range stateBackends {
		for _, parallel := range []bool{false, true} {
			name := backend.name + "/serial"
			if parallel {
				name = backend.name + "/parallel"
			}
			b.Run(name, func(b *testing.B) {
				cfg := backend.config(b, smallConfig())
				cfg.RateLimit = 1 << 30
				cfg.Scenario = "token-expires" // every request takes a turn of its counter
				srv, err := New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				defer srv.shared.close()
				h := srv.Handler()
				serve := func() {
					r := benchRequest(benchOneUser, authOK)
					r.Header.Set(SessionHeader, "bench")
					h.ServeHTTP(&discardWriter{h: http.Header{}}, r)
				}
				b.ReportAllocs()
				b.ResetTimer()
				if parallel {
					b.SetParallelism(8) // a server's many connections at once
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							serve()
						}
					})
				} else {
					for b.Loop() {
						serve()
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}
