package verify

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/odmock/odmock/contract"
)

// Defaults of Options.
const (
	// DefaultRate is one request a second: under the real API's
	// throttle of 60 requests a minute, with room for the client's other
	// traffic.
	DefaultRate = 1.0
	// DefaultMaxRequests bounds a run; a full run needs about 30.
	DefaultMaxRequests = 100
	// DefaultMaxRetryAfter is the longest Retry-After a run waits for.
	DefaultMaxRetryAfter = 2 * time.Minute
)

// Options configures Run.
type Options struct {
	// BaseURL is the provider's address, e.g.
	// https://your-workspace.cloud.opendialog.ai; the contract's path is
	// added to it.
	BaseURL string
	// Token is an API token the provider accepts.
	Token string
	// From and To bound the window where the provider has data, inclusive.
	// When both are zero, Run probes for it: the last day, week, 30
	// days, year and ten years up to now, and takes the first with data.
	From, To time.Time
	// Rate is the most requests a second Run sends; 0 means
	// DefaultRate.
	Rate float64
	// MaxRequests bounds the requests of a run, 429 retries included; 0
	// means DefaultMaxRequests.
	MaxRequests int
	// MaxRetryAfter is the longest Retry-After honoured on a 429; a longer
	// one fails the request. 0 means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Client sends the requests; nil means a client with a 30s timeout.
	Client *http.Client
	// Contract is the contract to check against; nil means the embedded
	// openapi.yaml.
	Contract *contract.Contract

	// sleep waits, or returns ctx's error; tests replace it to run fast.
	sleep func(context.Context, time.Duration) error
}

// OptionError is a bad field of Options. Field names it as the Go field
// (BaseURL, Token, From, To, Rate, MaxRequests), so a command line can
// name its own flag instead; Value is the bad value as text, "" when it
// says nothing.
type OptionError struct {
	Field   string
	Value   string
	Problem string
	Missing bool // the field is required and was not given
}

// Error names the field in words, its value and its problem:
// "rate -1: want a positive number of requests a second".
func (e *OptionError) Error() string {
	words := map[string]string{"BaseURL": "base URL", "MaxRequests": "max requests"}
	name, ok := words[e.Field]
	if !ok {
		name = strings.ToLower(e.Field)
	}
	return e.Describe(name)
}

// Describe is Error with the field called name, e.g. a flag.
func (e *OptionError) Describe(name string) string {
	if e.Missing {
		return name + " is required: " + e.Problem
	}
	if e.Value != "" {
		name += " " + e.Value
	}
	return name + ": " + e.Problem
}

// Validate checks the options, each field once: a bad one is an
// *OptionError. Run calls it first.
func (o Options) Validate() error {
	base, err := url.Parse(strings.TrimSpace(o.BaseURL))
	switch {
	case o.BaseURL == "":
		return &OptionError{Field: "BaseURL", Problem: "want http:// or https:// and a host", Missing: true}
	case err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "":
		return &OptionError{Field: "BaseURL", Value: strconv.Quote(o.BaseURL), Problem: "want http:// or https:// and a host"}
	case o.Token == "":
		return &OptionError{Field: "Token", Problem: "no API token, and the checks need one the provider accepts", Missing: true}
	case o.From.IsZero() != o.To.IsZero():
		return &OptionError{Field: "From", Problem: "give both ends of the window, or neither to probe for it"}
	case o.To.Before(o.From):
		return &OptionError{Field: "To", Value: o.To.Format(time.DateTime), Problem: fmt.Sprintf("the window from %s ends before it starts", o.From.Format(time.DateTime))}
	case o.Rate < 0 || math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0):
		return &OptionError{Field: "Rate", Value: fmt.Sprint(o.Rate), Problem: "want a positive number of requests a second"}
	case o.MaxRequests < 0:
		return &OptionError{Field: "MaxRequests", Value: strconv.Itoa(o.MaxRequests), Problem: "must not be negative"}
	}
	return nil
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	if o.MaxRequests == 0 {
		o.MaxRequests = DefaultMaxRequests
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if o.sleep == nil {
		o.sleep = sleep
	}
	return o
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
