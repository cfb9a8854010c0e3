package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/mock"
)

// The transcript (transcript.jsonl) holds the recorded exchanges, one a
// line, in the order they were asked:
//
//	{"seq":1,"query":"from=2024-01-01%2000:00:00&to=2024-01-01%2023:59:59","status":200,"body":{"data":[...]}}
//
// body is the answer as recorded (pseudonymised, written as PHP's
// json_encode writes it); a body that is not one line of JSON is kept as
// text in body_text instead. drift lists what the answer breaks of
// openapi.yaml. No times, sizes of waits or retries: two recordings of the
// same workspace are the same file.

// TranscriptFile, FixtureFile and ManifestFile are the files of a
// recording's directory.
const (
	TranscriptFile = "transcript.jsonl"
	FixtureFile    = "fixture.yaml"
	ManifestFile   = mock.RecordingManifest
	// ProbesFile lists the requests --probe-attributes sent, and who each
	// answer held.
	ProbesFile = "probes.jsonl"
	// progressFile holds where an unfinished recording stopped.
	progressFile = ".progress.json"
)

// Exchange is one recorded request and its answer.
type Exchange struct {
	Seq      int             `json:"seq"`
	Query    string          `json:"query"`
	Status   int             `json:"status"`
	Drift    []string        `json:"drift,omitempty"`
	Body     json.RawMessage `json:"body,omitempty"`
	BodyText *string         `json:"body_text,omitempty"`
}

// Bytes is the answer's body as recorded.
func (e *Exchange) Bytes() []byte {
	if e.BodyText != nil {
		return []byte(*e.BodyText)
	}
	return e.Body
}

// line is the exchange as one transcript line, keys in a fixed order.
func (e *Exchange) line(body []byte) []byte {
	b := []byte(`{"seq":`)
	b = strconv.AppendInt(b, int64(e.Seq), 10)
	b = append(b, `,"query":`...)
	b = contract.AppendString(b, e.Query)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	if len(e.Drift) > 0 {
		b = append(b, `,"drift":[`...)
		for i, d := range e.Drift {
			if i > 0 {
				b = append(b, ',')
			}
			b = contract.AppendString(b, d)
		}
		b = append(b, ']')
	}
	if json.Valid(body) && !bytes.ContainsAny(body, "\r\n") && len(body) > 0 {
		b = append(b, `,"body":`...)
		b = append(b, body...)
	} else {
		b = append(b, `,"body_text":`...)
		b = contract.AppendString(b, string(body))
	}
	return append(b, "}\n"...)
}

// ReadTranscript reads a recording's exchanges.
func ReadTranscript(path string) ([]Exchange, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readExchanges(f, path)
}

func readExchanges(r io.Reader, path string) ([]Exchange, error) {
	var out []Exchange
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxBody)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e Exchange
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return out, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return out, fmt.Errorf("%s: an exchange is longer than %d MiB", path, maxBody>>20)
		}
		return out, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// maxBody bounds one answer.
const maxBody = 256 << 20

// writeProbes writes the probes a line each; without probes, no file.
func writeProbes(path string, log []Probe) error {
	if len(log) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("drop old probes: %w", err)
		}
		return nil
	}
	var b bytes.Buffer
	for _, p := range log {
		line, err := json.Marshal(p)
		if err != nil {
			return err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := writeFileAtomic(path, b.Bytes()); err != nil {
		return fmt.Errorf("write probes: %w", err)
	}
	return nil
}

// ReadProbes reads a recording's probes; a recording without probing
// has none.
func ReadProbes(path string) ([]Probe, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Probe
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxBody)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var p Probe
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return out, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
