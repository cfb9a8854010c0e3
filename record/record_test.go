package record

import (
	"context"
	"testing"
)

func TestRecordSelfCheck(t *testing.T) {
	ts, _ := provider(t, nil)
	dir := t.TempDir()
	res, err := Record(context.Background(), options(ts, dir, testKey(1)))
	if err != nil {
		t.Fatal(err)
	}
	if !res.SelfCheck.Passed() {
		for _, m := range res.SelfCheck.Mismatches {
			t.Errorf("exchange %d %s: %s", m.Seq, m.Query, m.Problem)
		}
	}
	if len(res.Drift) > 0 {
		t.Errorf("drift: %v", res.Drift)
	}
	t.Logf("%+v", res.Manifest.Counts)
}

