package record

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// pseudonymised is what the recording makes of a provider's answer.
func pseudonymised(t *testing.T, key Key, body []byte) []byte {
	t.Helper()
	root, err := parseJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	NewPseudonymiser(key).answer(root)
	return appendJSON(nil, root)
}

// TestProbeAttributes: a provider whose answers hide every attribute but
// the e-mail, recorded with --probe-attributes and pseudonymised; filters
// on the learned attributes replay exactly as the provider answers them
// (pseudonymised), an IP address filter on a pseudonym as the provider
// answers the original.
func TestProbeAttributes(t *testing.T) {
	ts := workspace(t)
	key := testKey(3)
	dir, res := record(t, ts, key, probing)
	mustPass(t, res.SelfCheck)
	m := res.Manifest
	for _, a := range []string{"selected_scenario", "ip_address", "country", "browser_language", "os", "browser", "timezone", "platform"} {
		if s := m.Attributes[a]; s.Status != "learned" || s.Probed != m.Counts.Users || s.ProbeRequests == 0 {
			t.Errorf("%s: %+v, want learned for all %d users", a, s, m.Counts.Users)
		}
	}
	if m.Counts.Probes == 0 || m.Counts.Probes+m.Counts.Exchanges != res.Requests {
		t.Errorf("counts %+v after %d requests", m.Counts, res.Requests)
	}
	if len(m.FiltersWithoutData) != 0 {
		t.Errorf("filters without data: %v", m.FiltersWithoutData)
	}
	probes, err := ReadProbes(filepath.Join(dir, ProbesFile))
	if err != nil || len(probes) != m.Counts.Probes {
		t.Fatalf("%d probes in %s (%v), want %d", len(probes), ProbesFile, err, m.Counts.Probes)
	}
	for _, p := range probes {
		if p.Attribute == "ip_address" && !strings.HasSuffix(p.Query, "ip_address=(withheld)") {
			t.Fatalf("probe %d keeps a personal pattern: %s", p.Seq, p.Query)
		}
	}
	if res.SelfCheck.Probes == 0 || res.SelfCheck.Probes >= len(probes) {
		t.Errorf("the self-check asked %d of %d probes again, want those of kept attributes", res.SelfCheck.Probes, len(probes))
	}
	h := replay(t, dir)
	for _, query := range heldQueries() {
		if strings.Contains(query, "ip_address") || strings.Contains(query, "user_id") || strings.Contains(query, "email") {
			continue // personal: asked below under their pseudonyms
		}
		want := pseudonymised(t, key, get(t, ts.Config.Handler, providerToken, query))
		if got := get(t, h, selfCheckToken, query); !bytes.Equal(got, want) {
			t.Errorf("?%s: replay differs from the provider: %s", query, firstDifference(got, want))
		}
	}
	p := NewPseudonymiser(key)
	all := func(extra ...string) string { return q("2024-01-01 00:00:00", "2024-01-06 23:59:59", extra...) }
	for _, ip := range []string{"88.12.34.201", "2a02:8084:4f00:1200::1b", "101.180.12.240"} {
		want := pseudonymised(t, key, get(t, ts.Config.Handler, providerToken, all("ip_address", ip)))
		if got := get(t, h, selfCheckToken, all("ip_address", p.IP(ip))); !bytes.Equal(got, want) || bytes.Equal(got, []byte(`{"data":[]}`)) {
			t.Errorf("ip_address %s: replay differs from the provider: %s", p.IP(ip), firstDifference(got, want))
		}
	}
	want := pseudonymised(t, key, get(t, ts.Config.Handler, providerToken, all("user_id", "james.obrien@outlook.com", "country", "ie")))
	if got := get(t, h, selfCheckToken, all("user_id", p.UserID("james.obrien@outlook.com"), "country", "ie")); !bytes.Equal(got, want) {
		t.Errorf("user and country: %s", firstDifference(got, want))
	}
}

// TestProbeBudget: probing stops where the budget does; the attributes
// probed first are learned, the rest partial or unknown and said so, and
// the recording is complete.
func TestProbeBudget(t *testing.T) {
	ts := workspace(t)
	dir := filepath.Join(t.TempDir(), "rec")
	opts := options(ts, dir, testKey(1))
	opts.ProbeAttributes, opts.MaxRequests = true, 6+60
	res, err := Record(context.Background(), opts)
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	mustPass(t, res.SelfCheck)
	m := res.Manifest
	if res.Requests != 66 || m.Counts.Probes != 60 {
		t.Errorf("%d requests, %d probes, want the budget: 66 and 60", res.Requests, m.Counts.Probes)
	}
	if s := m.Attributes["platform"]; s.Status != "learned" {
		t.Errorf("platform, probed first: %+v, want learned", s)
	}
	if s := m.Attributes["ip_address"]; s.Status != "unknown" || !strings.Contains(s.Note, "budget") {
		t.Errorf("ip_address, probed last: %+v, want unknown, for the budget", s)
	}
	stopped := 0
	for _, s := range m.Attributes {
		if strings.Contains(s.Note, "budget") {
			stopped++
		}
	}
	if stopped == 0 {
		t.Error("no attribute says the budget stopped it")
	}
	if _, err := Record(context.Background(), opts); !errors.Is(err, ErrFinished) {
		t.Errorf("again: %v, want ErrFinished", err)
	}
}
