package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// TestDataStatsByMessages: --messages sizes the users as the server does
// for the same flags, and a rate per day is over the window.
func TestDataStatsByMessages(t *testing.T) {
	t.Parallel()
	w := dataset.DefaultWindow()
	for _, tt := range []struct {
		flag string
		want int64
	}{{"20k", 20_000}, {"500/d", 15_500}} {
		t.Run(tt.flag, func(t *testing.T) {
			t.Parallel()
			var js bytes.Buffer
			if err := run(context.Background(), []string{"data", "stats", "--seed", "3", "--messages", tt.flag, "--format", "json"}, &js, io.Discard); err != nil {
				t.Fatalf("data stats --messages %s: %v", tt.flag, err)
			}
			var got dataset.Stats
			if err := json.Unmarshal(js.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if users := dataset.UsersForMessages(3, w, tt.want); got.Users != users {
				t.Errorf("--messages %s: %d users, want %d (the server's count)", tt.flag, got.Users, users)
			}
			if d := float64(got.UserMessages)/float64(tt.want) - 1; d < -0.05 || d > 0.05 {
				t.Errorf("--messages %s: %d user messages, want about %d", tt.flag, got.UserMessages, tt.want)
			}
		})
	}
}

// TestFixturesExportByMessages: fixtures export reads the server's
// ODMOCK_MESSAGES, as it reads its seed, users and window.
func TestFixturesExportByMessages(t *testing.T) {
	w := dataset.DefaultWindow()
	var out bytes.Buffer
	t.Setenv("ODMOCK_MESSAGES", "2k") // the server's variable, shared with fixtures export
	if err := run(context.Background(), []string{"fixtures", "export", "--seed", "3"}, &out, io.Discard); err != nil {
		t.Fatalf("fixtures export with ODMOCK_MESSAGES: %v", err)
	}
	users := dataset.UsersForMessages(3, w, 2000)
	if want := fmt.Sprintf("seed 3, %d users,", users); !strings.Contains(out.String(), want) {
		t.Errorf("fixtures export with ODMOCK_MESSAGES=2k: header has no %q:\n%.300s", want, out.String())
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
		{"messages and users", []string{"data", "stats", "--messages", "10k", "--users", "5"}, "--messages and --users: give one"},
		{"bad messages", []string{"data", "stats", "--messages", "lots"}, `--messages "lots"`},
		{"bad rate", []string{"data", "stats", "--messages", "1k/h"}, "a rate is per day"},
		{"export messages and users", []string{"fixtures", "export", "--messages", "10k", "--users", "5"}, "--messages and --users: give one"},
		{"export too large", []string{"fixtures", "export", "--users", "200001"}, "fixtures export: 200001 users, at most 200000"},
		{"export too many messages", []string{"fixtures", "export", "--messages", "2M"}, "serve a larger dataset with --users or --messages"},
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
