package record

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/verify"
)

// Defaults of Options.
const (
	// DefaultChunk is the span one request asks for: a day. The real API
	// has no pagination, so a recording is one request per chunk.
	DefaultChunk = 24 * time.Hour
	// MinChunk is the smallest chunk a large answer shrinks chunks to.
	MinChunk = time.Minute
	// DefaultMaxAnswerBytes is the answer size above which the next
	// chunks are halved, and a failed chunk is asked again in halves.
	DefaultMaxAnswerBytes = 8 << 20
	// DefaultMaxRequests bounds a run: a month of days, many times over.
	DefaultMaxRequests = 1000
)

// Options configures Record.
type Options struct {
	// BaseURL is the provider's address; the contract's path is added.
	BaseURL string
	// Token is an API token the provider accepts.
	Token string
	// From and To bound the recording, inclusive, second precision.
	From, To time.Time
	// Dir is where the recording is written.
	Dir string
	// Key pseudonymises; nil with KeepPersonalData unset is an error:
	// the command line generates one.
	Key Key
	// KeepPersonalData records the provider's values as they are.
	KeepPersonalData bool
	// ProbeAttributes learns the attributes the answers do not carry by
	// filtered requests, within MaxRequests, after the window is
	// recorded (see probe.go).
	ProbeAttributes bool
	// Chunk is the span of one request; 0 means DefaultChunk.
	Chunk time.Duration
	// MaxAnswerBytes: a larger answer halves the chunks that follow; 0
	// means DefaultMaxAnswerBytes.
	MaxAnswerBytes int
	// Rate, MaxRequests and MaxRetryAfter pace the client as verify's
	// are paced; 0 means verify's defaults (1 a second) and
	// DefaultMaxRequests.
	Rate          float64
	MaxRequests   int
	MaxRetryAfter time.Duration
	// Client sends the requests; nil means a client with a 30s timeout.
	Client *http.Client
	// Contract is the contract answers are checked against; nil means the
	// embedded openapi.yaml.
	Contract *contract.Contract
	// Progress, when set, gets a line per chunk, or a bar redrawn in
	// place when Terminal is set.
	Progress io.Writer
	Terminal bool
	// Version is the odmock version the manifest names.
	Version string

	// sleep replaces waiting in tests.
	sleep func(context.Context, time.Duration) error
}

// OptionError is a bad field of Options, named as the Go field so a
// command line can name its flag.
type OptionError struct {
	Field   string
	Problem string
}

func (e *OptionError) Error() string { return strings.ToLower(e.Field) + ": " + e.Problem }

// Validate checks the options: a bad one is an *OptionError.
func (o Options) Validate() error {
	base, err := url.Parse(strings.TrimSpace(o.BaseURL))
	switch {
	case o.BaseURL == "":
		return &OptionError{"BaseURL", "is required: the provider's http:// or https:// address"}
	case err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "":
		return &OptionError{"BaseURL", strconv.Quote(o.BaseURL) + ": want http:// or https:// and a host"}
	case o.Token == "":
		return &OptionError{"Token", "is required: an API token the provider accepts"}
	case o.From.IsZero() || o.To.IsZero():
		return &OptionError{"From", "the window is required: give --from and --to"}
	case o.To.Before(o.From):
		return &OptionError{"To", fmt.Sprintf("%s is before from %s", o.To.Format(time.DateTime), o.From.Format(time.DateTime))}
	case o.Dir == "":
		return &OptionError{"Dir", "is required: the directory to write the recording to"}
	case o.Key == nil && !o.KeepPersonalData:
		return &OptionError{"Key", "a pseudonym key is required unless personal data is kept"}
	case o.Chunk < 0 || (o.Chunk > 0 && o.Chunk < MinChunk):
		return &OptionError{"Chunk", fmt.Sprintf("%s: want %s or more", o.Chunk, MinChunk)}
	case o.Rate < 0 || math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0):
		return &OptionError{"Rate", fmt.Sprint(o.Rate) + ": want a positive number of requests a second"}
	case o.MaxRequests < 0:
		return &OptionError{"MaxRequests", "must not be negative"}
	case o.MaxAnswerBytes < 0:
		return &OptionError{"MaxAnswerBytes", "must not be negative"}
	}
	return nil
}

func (o Options) withDefaults(ctx context.Context) (Options, error) {
	if o.Chunk == 0 {
		o.Chunk = DefaultChunk
	}
	if o.MaxAnswerBytes == 0 {
		o.MaxAnswerBytes = DefaultMaxAnswerBytes
	}
	if o.Rate == 0 {
		o.Rate = verify.DefaultRate
	}
	if o.MaxRequests == 0 {
		o.MaxRequests = DefaultMaxRequests
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = verify.DefaultMaxRetryAfter
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Contract == nil {
		c, err := contract.Default(ctx)
		if err != nil {
			return o, err
		}
		o.Contract = c
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	o.From, o.To = o.From.UTC().Truncate(time.Second), o.To.UTC().Truncate(time.Second)
	return o, nil
}
