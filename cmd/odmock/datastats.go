package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
)

// runData runs `odmock data stats`: the distributions of the generated
// dataset, so its realism can be checked rather than taken on trust.
func runData(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) == 0 || args[0] != "stats" {
		return usageError{errors.New("usage: odmock data stats [--seed N] [--users N | --messages N] [--window W] [--format text|json]")}
	}
	fs := flag.NewFlagSet("odmock data stats", flag.ContinueOnError)
	var df datasetFlags
	df.register(fs)
	format := fs.String("format", "text", "output `format`: text or json")
	if err := parseFlags(fs, args[1:], stdout, false); err != nil {
		return err
	}
	w, users, err := df.resolve()
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageError{fmt.Errorf("--format %q: want text or json", *format)}
	}
	// The seeded dataset makes users one at a time for the count, over a
	// sample past 100,000 of them: any size is counted in bounded memory.
	c, err := contract.Default(ctx)
	if err != nil {
		return err
	}
	data, err := dataset.NewSeeded(c, df.seed, users, w)
	if err != nil {
		return err
	}
	st := data.Stats()
	if *format == "json" {
		out := struct {
			Seed   uint64 `json:"seed"`
			Window string `json:"window"`
			dataset.Stats
		}{df.seed, w.String(), st}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	writeStats(stdout, df.seed, w, st)
	return nil
}

// writeStats prints stats as text: totals, then each distribution as a bar
// chart, the longest bar for the commonest value.
func writeStats(w io.Writer, seed uint64, win dataset.Window, st dataset.Stats) {
	fmt.Fprintf(w, "seed %d, window %s UTC\n", seed, win)
	if st.SampledFrom > 0 {
		fmt.Fprintf(w, "counted over an evenly spaced sample of %d of the %d users\n", st.Users, st.SampledFrom)
		if t := st.Whole; t != nil {
			fmt.Fprintf(w, "the whole dataset: %d users, %d conversations, %d user messages (+%d bot)\n",
				t.Users, t.Conversations, t.UserMessages, t.BotMessages)
		}
		fmt.Fprint(w, "the sample: ")
	}
	fmt.Fprintf(w, "%d users (%d anonymous, %d returning), %d conversations, %d user messages (+%d bot)\n",
		st.Users, st.Anonymous, st.ReturningUsers, st.Conversations, st.UserMessages, st.BotMessages)
	top := func(title string, counts []dataset.Count, total, limit int) {
		if len(counts) > limit {
			rest := 0
			for _, c := range counts[limit:] {
				rest += c.Count
			}
			counts = append(counts[:limit:limit], dataset.Count{Value: fmt.Sprintf("(%d more)", len(counts)-limit), Count: rest})
		}
		chart(w, title, counts, total)
	}
	top("users per country", st.Countries, st.Users, 20)
	top("users per browser language", st.Languages, st.Users, 20)
	top("users per time zone", st.Timezones, st.Users, 20)
	top("users per platform", st.Platforms, st.Users, 20)
	top("users per browser", st.Browsers, st.Users, 20)
	top("users per os", st.OSes, st.Users, 20)
	top("users per selected scenario", st.Scenarios, st.Users, 20)
	top("user messages per type", st.MessageTypes, st.UserMessages, 20)
	var hours, days []dataset.Count
	for h, n := range st.LocalHours {
		hours = append(hours, dataset.Count{Value: fmt.Sprintf("%02d", h), Count: n})
	}
	for d, n := range st.Weekdays {
		days = append(days, dataset.Count{Value: dataset.WeekdayName(d), Count: n})
	}
	chart(w, "user messages per local hour", hours, st.UserMessages)
	chart(w, "user messages per local weekday", days, st.UserMessages)
	chart(w, "user messages per day (UTC)", st.Days, st.UserMessages)
	chart(w, "conversations per number of user messages", st.ConversationLengths, st.Conversations)
}

// chart draws counts as a text bar chart with shares of total.
func chart(w io.Writer, title string, counts []dataset.Count, total int) {
	fmt.Fprintf(w, "\n%s\n", title)
	width, most := 0, 0
	for _, c := range counts {
		width = max(width, len(c.Value))
		most = max(most, c.Count)
	}
	for _, c := range counts {
		bar := 0
		if most > 0 {
			bar = (c.Count*40 + most/2) / most
		}
		share := 0.0
		if total > 0 {
			share = 100 * float64(c.Count) / float64(total)
		}
		fmt.Fprintf(w, "  %-*s %7d %5.1f%% %s\n", width, c.Value, c.Count, share, strings.Repeat("█", bar))
	}
}
