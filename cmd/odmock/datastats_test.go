package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/odmock/odmock/dataset"
)

func TestDataStats(t *testing.T) {
	t.Parallel()
	var text, js bytes.Buffer
	if err := run(context.Background(), []string{"data", "stats", "--seed", "2", "--users", "200"}, &text, io.Discard); err != nil {
		t.Fatalf("data stats: %v", err)
	}
	for _, want := range []string{"seed 2, window 2024-01-01 00:00:00/2024-01-31 23:59:59 UTC", "200 users (",
		"users per country", "users per browser language", "users per time zone", "users per platform",
		"users per browser", "user messages per type", "user messages per local hour", "user messages per local weekday",
		"conversations per number of user messages", "█"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("data stats output has no %q:\n%s", want, text.String())
		}
	}
	if err := run(context.Background(), []string{"data", "stats", "--seed", "2", "--users", "200", "--format", "json"}, &js, io.Discard); err != nil {
		t.Fatalf("data stats --format json: %v", err)
	}
	var got struct {
		Seed uint64 `json:"seed"`
		dataset.Stats
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatalf("data stats --format json: %v\n%s", err, js.String())
	}
	want := dataset.StatsOf(dataset.Generate(2, 200, dataset.DefaultWindow()))
	if got.Seed != 2 || got.Users != 200 || got.UserMessages != want.UserMessages || got.LocalHours != want.LocalHours || len(got.Countries) != len(want.Countries) {
		t.Errorf("data stats --format json: seed %d, %d users, %d messages, hours %v; want seed 2, 200 users, %d messages, hours %v",
			got.Seed, got.Users, got.UserMessages, got.LocalHours, want.UserMessages, want.LocalHours)
	}
}

func TestDataStatsBadCommandLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"data"}, "usage: odmock data stats"},
		{"unknown subcommand", []string{"data", "plot"}, "usage: odmock data stats"},
		{"bad format", []string{"data", "stats", "--format", "yaml"}, `--format "yaml": want text or json`},
		{"negative users", []string{"data", "stats", "--users", "-3"}, "--users -3: must not be negative"},
		{"bad window", []string{"data", "stats", "--window", "soon"}, `--window: window "soon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := run(context.Background(), tt.args, io.Discard, io.Discard)
			if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q): exit %d, err %v; want exit 2 and %q", tt.args, code, err, tt.want)
			}
		})
	}
}
