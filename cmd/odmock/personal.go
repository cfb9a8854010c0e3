package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/odmock/odmock/record"
)

// lintPersonalData runs `odmock lint --personal-data`: exit 1 when a file
// holds personal data, so CI can refuse a raw recording.
func lintPersonalData(paths []string, fixturesDir, denyList string, stdout, stderr io.Writer) error {
	if len(paths) == 0 {
		if defaultDir(fixturesDir) == "" {
			return usageError{errors.New("nothing to check: no fixtures/ here; name PATHS")}
		}
		paths = []string{fixturesDir}
	}
	var deny []string
	if denyList != "" {
		b, err := os.ReadFile(denyList)
		if err != nil {
			return usageError{fmt.Errorf("--deny-list: %w", err)}
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				deny = append(deny, line)
			}
		}
	}
	found, err := record.LintPersonalData(paths, deny)
	for _, f := range found {
		fmt.Fprintln(stdout, f.String())
	}
	if err != nil {
		return err
	}
	if len(found) > 0 {
		fmt.Fprintf(stderr, "odmock lint: %d pieces of personal data found\n", len(found))
		return errProblems
	}
	fmt.Fprintf(stdout, "ok: no personal data in %s\n", strings.Join(paths, ", "))
	return nil
}
