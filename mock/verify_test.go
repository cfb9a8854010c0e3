package mock

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// verifyOptions points Verify at url, fast: in-process providers need no
// pacing.
func verifyOptions(url string) VerifyOptions {
	return VerifyOptions{
		BaseURL: url,
		Token:   DefaultToken,
		From:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		To:      time.Date(2024, 1, 31, 23, 59, 59, 0, time.UTC),
		Rate:    1e6,
	}
}

func runVerify(t *testing.T, opts VerifyOptions) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func reportText(rep *Report) string {
	var b strings.Builder
	rep.WriteText(&b)
	return b.String()
}

func TestVerifyOdmockPasses(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	rep := runVerify(t, verifyOptions(s.ts.URL))
	if rep.Count(CheckFail) != 0 || rep.Count(CheckSkip) != 0 {
		t.Errorf("verify odmock: %d failed, %d skipped, want none\n%s", rep.Count(CheckFail), rep.Count(CheckSkip), reportText(rep))
	}
	t.Log(reportText(rep))
	_ = httptest.NewServer
}
