//go:build race

package dataset

// raceDetector is set when the tests run under the race detector, which
// makes generation about ten times slower and has nothing to find in the
// single-goroutine realism checks: they skip then, having run in the
// plain go test.
const raceDetector = true
