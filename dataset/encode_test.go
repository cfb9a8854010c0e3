package dataset

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/odmock/odmock/contract"
)

// TestAppendJSONString holds the fast escaper to contract.AppendString on
// every phrase the generator writes and on random strings of the bytes
// that matter (controls, quotes, slashes, accents, emoji, broken UTF-8).
func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	check := func(s string) {
		t.Helper()
		if got, want := appendJSONString([]byte("x"), s), contract.AppendString([]byte("x"), s); !bytes.Equal(got, want) {
			t.Fatalf("%q: %s, want %s", s, got, want)
		}
	}
	for _, b := range phrasebooks() {
		for _, list := range [][]string{b.greet, b.greetAnon, b.menu, b.askMore, b.askForm, b.formDone, b.link, b.anything,
			b.thanks, b.bye, b.unresolved, b.handoff, b.handoffBot, b.csatAsk, b.csat[:], b.praise, b.neutral, b.complaint,
			b.surveyAsk, b.surveyDone, b.products, b.teamSizes} {
			for _, s := range list {
				check(s)
			}
		}
	}
	pieces := []string{"a", "Zz 9", `"`, `\`, "/", "\n", "\x01", "\x7f", "é", "ß", "€", "😀", "\xff", "\xe2\x82", "\u202f", " "}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var s string
		for range r.IntN(8) {
			s += pieces[r.IntN(len(pieces))]
		}
		check(s)
	}
}

// TestAppendUserInteraction holds the fast encoder of generated messages
// to appendInteraction's bytes, and appendTimestamp to time's formatter,
// dates from year 0 to 9999 included.
func TestAppendUserInteraction(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	lo := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	if lo != minTimestamp || hi != maxTimestamp {
		t.Fatalf("range %d to %d, want %d to %d", minTimestamp, maxTimestamp, lo, hi)
	}
	secs := []int64{lo, hi, 0, -1, 86399, 86400, 951782400, 951868800, 1709164800, 4107542400}
	for range 100000 {
		secs = append(secs, lo+r.Int64N(hi-lo+1))
	}
	for k, sec := range secs {
		m := Message{Date: time.Unix(sec, 0).UTC(), Type: "text", Text: "Où est / ma \"commande\" 😀?"}
		if k%2 == 1 {
			m.Data = []byte(`{"a":"b"}`)
		}
		if k%3 == 1 {
			m.Date = m.Date.In(time.FixedZone("x", 3600*5+1800))
		}
		if got, want := appendUserInteraction(nil, &m), appendInteraction(nil, &m); !bytes.Equal(got, want) {
			t.Fatalf("%d: %s, want %s", sec, got, want)
		}
		for _, d := range []time.Time{m.Date, m.Date.Add(time.Duration(r.Int64N(1e9)))} {
			if got, want := appendTimestamp(nil, d), d.UTC().AppendFormat(nil, timestampLayout); !bytes.Equal(got, want) {
				t.Fatalf("%v: %s, want %s", d, got, want)
			}
		}
	}
}

// TestJSONField holds jsonField's reading without a decoder to
// encoding/json's.
func TestJSONField(t *testing.T) {
	t.Parallel()
	objs := []string{`{}`, `{"name":"Yes","callback_id":"x"}`, `{"name":"a\"b\/c\u00e9","name":"last"}`, `{"name":1}`,
		`{"name":"x"} `, `{"name" :"x"}`, `{"name":"x",}`, `{"name":"x"`, `[]`, ``, `{"a":"b","name":"caf\u00e9 \ud83d\ude00"}`,
		"{\"name\":\"\xff\"}", "{\"name\":\"a\x01\"}", `{"name":null}`, `{"nam\u0065":"escaped key"}`}
	for _, o := range objs {
		var fields map[string]any
		want := ""
		if json.Unmarshal([]byte(o), &fields) == nil {
			want, _ = fields["name"].(string)
		}
		if got := jsonField([]byte(o), "name"); got != want {
			t.Errorf("%s: %q, want %q", o, got, want)
		}
	}
	if got := jsonField(jsonObject("name", "Sí / \"no\"", "callback_id", "c"), "name"); got != "Sí / \"no\"" {
		t.Errorf("jsonObject: %q", got)
	}
}
