package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrBudget means a client has sent all the requests it was allowed.
var ErrBudget = errors.New("request budget exhausted (raise --max-requests)")

// Auth says how a Client authenticates one request.
type Auth int

// The ways a Client authenticates a request.
const (
	AuthToken Auth = iota // the configured token
	AuthNone              // no Authorization header
	AuthWrong             // a token no provider issued
)

// wrongToken is a token no provider accepts.
const wrongToken = "odmock-verify-not-a-token"

// maxBody bounds one answer read into memory.
const maxBody = 256 << 20

// Client is the gentle HTTP client verify and the recorder share: it sends
// GET requests to one endpoint, paced (at most Rate a second), counted
// against a budget (MaxRequests, retries included), and retried after a
// 429 for as long as its Retry-After says, up to MaxRetryAfter. A Client
// is not safe for concurrent use: a gentle client sends one request at a
// time.
type Client struct {
	// Endpoint is the full URL of the operation; each request replaces its
	// query.
	Endpoint *url.URL
	// Token is sent as "Authorization: Bearer Token" (AuthToken).
	Token string
	// Rate is the most requests a second; it must be positive.
	Rate float64
	// MaxRequests bounds the requests sent, 429 retries included.
	MaxRequests int
	// MaxRetryAfter is the longest Retry-After honoured; a longer one is an
	// error.
	MaxRetryAfter time.Duration
	// MaxRetries is how many times one request is retried after a 429.
	MaxRetries int
	// UserAgent tells the provider's logs who is asking.
	UserAgent string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// Sleep waits d or until ctx ends; nil means a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error

	last     time.Time
	requests int
	retries  int
}

// Answer is one HTTP answer of the provider.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Requests is the number of requests sent so far, retries included.
func (c *Client) Requests() int { return c.requests }

// Retries is the number of requests repeated after a 429.
func (c *Client) Retries() int { return c.retries }

// Get sends GET Endpoint?rawQuery, and again after each 429 as its
// Retry-After asks, up to MaxRetries times. It returns every answer, the
// final one last: the 429s too, so a caller can check them against the
// contract. The error is for a request that got no answer, a 429 it may
// not wait for, or ErrBudget; the answers before it are returned with it.
func (c *Client) Get(ctx context.Context, rawQuery string, auth Auth) ([]Answer, error) {
	var answers []Answer
	for attempt := 0; ; attempt++ {
		a, err := c.send(ctx, rawQuery, auth)
		if err != nil {
			return answers, err
		}
		answers = append(answers, a)
		if a.Status != http.StatusTooManyRequests || attempt == c.MaxRetries {
			return answers, nil
		}
		wait, err := c.retryAfter(a.Header)
		if err != nil {
			return answers, err
		}
		c.retries++
		if err := c.sleep(ctx, wait); err != nil {
			return answers, err
		}
	}
}

// retryAfter reads a 429's Retry-After: seconds or an HTTP date. Without
// one, the throttle's window, a minute, is waited out.
func (c *Client) retryAfter(h http.Header) (time.Duration, error) {
	wait := time.Minute
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			wait = time.Duration(n) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			wait = time.Until(t)
		} else {
			return 0, fmt.Errorf("429 with Retry-After %q: neither seconds nor an HTTP date", v)
		}
	}
	if wait > c.MaxRetryAfter {
		return 0, fmt.Errorf("429 with Retry-After %s, longer than the %s allowed", wait, c.MaxRetryAfter)
	}
	return max(wait, 0), nil
}

// send sends one request, after waiting its turn.
func (c *Client) send(ctx context.Context, rawQuery string, auth Auth) (Answer, error) {
	if c.requests >= c.MaxRequests {
		return Answer{}, ErrBudget
	}
	if !c.last.IsZero() && c.Rate > 0 {
		interval := time.Duration(float64(time.Second) / c.Rate)
		if d := time.Until(c.last.Add(interval)); d > 0 {
			if err := c.sleep(ctx, d); err != nil {
				return Answer{}, err
			}
		}
	}
	c.last = time.Now()
	c.requests++
	u := *c.Endpoint
	u.RawQuery = rawQuery
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Answer{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	switch auth {
	case AuthToken:
		req.Header.Set("Authorization", "Bearer "+c.Token)
	case AuthWrong:
		req.Header.Set("Authorization", "Bearer "+wrongToken)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Answer{}, fmt.Errorf("read answer: %w", err)
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return sleep(ctx, d)
}
