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
	scenarios := fs.String("scenarios", defaultScenariosDir, "your scenario `directory`, checked when no PATHS are given")
	fixtures := fs.String("fixtures-dir", defaultFixturesDir, "your fixture `directory`, checked when no PATHS are given; scenarios name fixtures from it and the built-in ones")
	personal := fs.Bool("personal-data", false, "check PATHS (default: the fixture directory) for personal data instead: e-mails outside reserved domains, IPs outside documentation ranges, deny-listed values")
	denyList := fs.String("deny-list", "", "with --personal-data: a `file` of values (one a line) that must appear nowhere")
	// The server's own settings: the same directories it reads.
	if err := parseFlags(fs, args, stdout, true, "scenarios", "fixtures-dir"); err != nil {
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
		return usageError{fmt.Errorf("nothing to lint: no %s or %s here; name PATHS", *scenarios, *fixtures)}
	}
	rep := mock.Lint(c, paths, defaultDir(*fixtures))
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, p.String())
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintf(stderr, "odmock lint: %s in %s and %s\n", count(len(rep.Problems), "problem"),
			count(rep.Scenarios, "scenario file"), count(rep.Fixtures, "fixture file"))
		return errProblems
	}
	fmt.Fprintf(stdout, "ok: %s and %s\n", count(rep.Scenarios, "scenario file"), count(rep.Fixtures, "fixture file"))
	return nil
}

// count is n things, in the singular for one: "1 problem", "2 problems".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// runFixtures runs `odmock fixtures export`.
func runFixtures(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		args = []string{"export", "--help"}
	}
	if len(args) == 0 || args[0] != "export" {
		return usageError{errors.New("usage: odmock fixtures export [--seed N] [--users N | --messages N] [--window W] [-o FILE]")}
	}
	fs := flag.NewFlagSet("odmock fixtures export", flag.ContinueOnError)
	var df datasetFlags
	df.register(fs)
	out := fs.String("o", "-", "output `file` (- for standard output)")
	// The dataset's settings are the server's: export what it would serve.
	if err := parseFlags(fs, args[1:], stdout, false, "seed", "users", "messages", "window"); err != nil {
		return err
	}
	w, users, err := df.resolve()
	if err != nil {
		return err
	}
	if users > mock.MaxMergedUsers {
		return usageError{fmt.Errorf("fixtures export: %d users, at most %d (a fixture file is read whole; serve a larger dataset with --users or --messages)", users, mock.MaxMergedUsers)}
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
	header := fmt.Sprintf(" Exported by odmock %s: seed %d, %d users, window %s (UTC).\n Serve it with: odmock --fixtures FILE", version, df.seed, users, w)
	if err := mock.WriteFixture(bw, dataset.Generate(df.seed, users, w), header); err != nil {
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

// messagesFlag reads --messages (0 when not given) over window w; it may
// not come with --users, which sizes the generated users too.
func messagesFlag(value string, usersSet bool, w dataset.Window) (int64, error) {
	if value == "" {
		return 0, nil
	}
	if usersSet {
		return 0, usageError{errors.New("--messages and --users: give one, they both size the generated users")}
	}
	n, err := dataset.ParseMessages(value, w)
	if err != nil {
		return 0, usageError{fmt.Errorf("--%w", err)}
	}
	return n, nil
}

// flagGiven reports whether the flag was set, on the command line or by
// its environment variable.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// datasetFlags are the flags that choose a generated dataset, for the
// subcommands that make one without serving it.
type datasetFlags struct {
	seed     uint64
	users    int
	messages string
	window   string
	fs       *flag.FlagSet
}

func (d *datasetFlags) register(fs *flag.FlagSet) {
	cfg := mock.DefaultConfig()
	d.fs = fs
	fs.Uint64Var(&d.seed, "seed", cfg.Seed, "dataset `seed`")
	fs.IntVar(&d.users, "users", cfg.Users, "`number` of users")
	fs.StringVar(&d.messages, "messages", "", "size the users by their `messages` instead of --users, as for serving: about this many user messages (15M) or a rate per day over the window (40k/d)")
	fs.StringVar(&d.window, "window", dataset.DefaultWindow().String(), "`span` of the conversations, as for serving")
}

// resolve checks the flags once parsed, reads the window, and says how
// many users they ask for: --users, or as many as send about --messages
// messages (the server's count for the same flags).
func (d *datasetFlags) resolve() (dataset.Window, int, error) {
	w, err := dataset.ParseWindow(d.window, time.Now())
	if err != nil {
		return w, 0, usageError{fmt.Errorf("--window: %w", err)}
	}
	n, err := messagesFlag(d.messages, flagGiven(d.fs, "users"), w)
	if err != nil {
		return w, 0, err
	}
	if n > 0 {
		return w, dataset.UsersForMessages(d.seed, w, n), nil
	}
	if d.users < 0 {
		return w, 0, usageError{fmt.Errorf("--users %d: must not be negative", d.users)}
	}
	return w, d.users, nil
}
