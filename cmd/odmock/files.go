package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
	"github.com/odmock/odmock/mock"
)

// errProblems means a check found problems it has already printed: exit 1.
var errProblems = errors.New("problems found")

// defaultDir is dir when it exists, else "": the copy shipped in the binary.
func defaultDir(dir string) string {
	if info, err := os.Stat(dir); err == nil && info.IsDir() {
		return dir
	}
	return ""
}

// runLint checks scenario and fixture files, as the server does at start.
func runLint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("odmock lint", flag.ContinueOnError)
	scenarios := fs.String("scenarios", "scenarios", "scenario `directory` to check when no PATHS are given")
	fixtures := fs.String("fixtures-dir", "fixtures", "fixture `directory` scenarios name fixtures from")
	personal := fs.Bool("personal-data", false, "check PATHS (default: the fixture directory) for personal data instead: e-mails outside reserved domains, IPs outside documentation ranges, deny-listed values")
	denyList := fs.String("deny-list", "", "with --personal-data: a `file` of values (one a line) that must appear nowhere")
	if err := parseFlags(fs, args, stdout, true); err != nil {
		return err
	}
	if *personal {
		return lintPersonalData(fs.Args(), *fixtures, *denyList, stdout, stderr)
	}
	if *denyList != "" {
		return usageError{errors.New("--deny-list goes with --personal-data")}
	}
	c, err := contract.Default(ctx)
	if err != nil {
		return err
	}
	paths := fs.Args()
	if len(paths) == 0 {
		for _, d := range []string{*scenarios, *fixtures} {
			if defaultDir(d) != "" {
				paths = append(paths, d)
			}
		}
	}
	if len(paths) == 0 {
		return usageError{errors.New("nothing to lint: no scenarios/ or fixtures/ here; name PATHS")}
	}
	rep := mock.Lint(c, paths, defaultDir(*fixtures))
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, p.String())
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintf(stderr, "odmock lint: %d problems in %d scenario and %d fixture files\n", len(rep.Problems), rep.Scenarios, rep.Fixtures)
		return errProblems
	}
	fmt.Fprintf(stdout, "ok: %d scenario and %d fixture files\n", rep.Scenarios, rep.Fixtures)
	return nil
}

// runFixtures runs `odmock fixtures export`.
func runFixtures(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		return usageError{errors.New("usage: odmock fixtures export [--seed N] [--users N] [--window W] [-o FILE]")}
	}
	fs := flag.NewFlagSet("odmock fixtures export", flag.ContinueOnError)
	cfg := mock.DefaultConfig()
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "dataset `seed`")
	fs.IntVar(&cfg.Users, "users", cfg.Users, "`number` of users")
	window := fs.String("window", dataset.DefaultWindow().String(), "`span` of the conversations, as for serving")
	out := fs.String("o", "-", "output `file` (- for standard output)")
	if err := parseFlags(fs, args[1:], stdout, false); err != nil {
		return err
	}
	w, err := dataset.ParseWindow(*window, time.Now())
	if err != nil {
		return usageError{fmt.Errorf("--window: %w", err)}
	}
	if cfg.Users < 0 {
		return usageError{fmt.Errorf("--users %d: must not be negative", cfg.Users)}
	}
	dst := stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		dst = f
	}
	bw := bufio.NewWriter(dst)
	header := fmt.Sprintf(" Exported by odmock %s: seed %d, %d users, window %s (UTC).\n Serve it with: odmock --fixtures FILE", version, cfg.Seed, cfg.Users, w)
	if err := mock.WriteFixture(bw, dataset.Generate(cfg.Seed, cfg.Users, w), header); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		return f.Close()
	}
	return nil
}
