package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/odmock/odmock/mock"
)

// parseFlags parses args, then fills every flag not given from its
// environment variable: ODMOCK_FLAG for the server's flags and for the
// ones a subcommand shares with the server (they mean the same server),
// ODMOCK_COMMAND_FLAG for a subcommand's own.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, positional bool, shared ...string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs, shared)
			return usageError{}
		}
		return usageError{flagError(fs, err)}
	}
	if fs.NArg() > 0 && !positional {
		return usageError{fmt.Errorf("unexpected argument %q (see %s --help)", fs.Arg(0), fs.Name())}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := flagEnv(fs, f.Name, shared)
		v, ok := os.LookupEnv(env)
		if given[f.Name] || !ok || err != nil {
			return
		}
		values := []string{v}
		if _, list := f.Value.(*stringList); list {
			values = strings.Split(v, ",")
		}
		for _, v := range values {
			if e := fs.Set(f.Name, strings.TrimSpace(v)); e != nil {
				err = usageError{fmt.Errorf("%s %q: %s", env, v, valueProblem(f, e))}
				return
			}
		}
	})
	return err
}

// printHelp prints the whole usage for the server, a command's own for a
// subcommand; each with its flags and their variables.
func printHelp(w io.Writer, fs *flag.FlagSet, shared []string) {
	if fs.Name() == "odmock" {
		fmt.Fprint(w, usageText)
	} else {
		fmt.Fprintf(w, "Usage: %s [flags]\n\n(odmock help lists every command.)\n\nFlags (environment twin in brackets):\n", fs.Name())
		fs.VisitAll(func(f *flag.Flag) { f.Usage += " [" + flagEnv(fs, f.Name, shared) + "]" })
	}
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// flagEnv is a flag's environment twin.
func flagEnv(fs *flag.FlagSet, name string, shared []string) string {
	cmd := strings.TrimPrefix(fs.Name(), "odmock")
	if cmd == "" || slices.Contains(shared, name) {
		return envName(name)
	}
	return envName(strings.TrimSpace(cmd) + "-" + name)
}

// envName is a flag's environment twin: --log-level is ODMOCK_LOG_LEVEL.
func envName(flagName string) string {
	return "ODMOCK_" + strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(flagName))
}

var flagValueRE = regexp.MustCompile(`^invalid value "(.*)" for flag -(\S+): `)

// flagError words the flag package's errors as odmock's: the flag with
// its two dashes, and what a good value looks like instead of "parse
// error".
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if m := flagValueRE.FindStringSubmatch(msg); m != nil {
		if f := fs.Lookup(m[2]); f != nil {
			return fmt.Errorf("--%s %q: %s", m[2], m[1], valueProblem(f, errors.New(msg[len(m[0]):])))
		}
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return fmt.Errorf("unknown flag --%s (see %s --help)", name, fs.Name())
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Errorf("--%s needs a value", name)
	}
	return err
}

// valueProblem says what is wrong with a flag's value.
func valueProblem(f *flag.Flag, err error) string {
	if !strings.Contains(err.Error(), "parse error") && !strings.Contains(err.Error(), "value out of range") {
		return err.Error()
	}
	switch fmt.Sprintf("%T", f.Value) {
	case "*flag.intValue":
		return "want a whole number, e.g. " + f.DefValue
	case "*flag.uint64Value":
		return "want a whole number from 0, e.g. " + f.DefValue
	case "*flag.durationValue":
		return "want a duration, e.g. 500ms, 10s or 2m"
	case "*flag.float64Value":
		return "want a number, e.g. " + f.DefValue
	case "*flag.boolValue":
		return "want true or false"
	}
	return err.Error()
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	if v == "" {
		return errors.New("empty value")
	}
	*l = append(*l, v)
	return nil
}

// originList is a list of CORS origins, comma-separated or repeated.
type originList []string

func (l *originList) String() string { return strings.Join(*l, ",") }

func (l *originList) Set(v string) error {
	for o := range strings.SplitSeq(v, ",") {
		o = strings.TrimSpace(o)
		if err := mock.CheckOrigin(o); err != nil {
			return err
		}
		*l = append(*l, o)
	}
	return nil
}
