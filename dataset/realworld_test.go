package dataset

import (
	"encoding/json"
	"testing"
)

// TestRealWorldShapes: generated data keeps the page's types and holds a
// small share of the real world's types and shapes, so a client proves it
// tolerates them; the page's example user keeps the page's shapes.
func TestRealWorldShapes(t *testing.T) {
	t.Parallel()
	users := Generate(1, 500, DefaultWindow())
	counts := map[string]int{}
	userMsgs, stamped := 0, 0
	for _, u := range users {
		for _, m := range u.Messages {
			if m.FromBot() {
				continue
			}
			userMsgs++
			counts[m.Type]++
			var data map[string]any
			_ = json.Unmarshal(m.Data, &data)
			switch m.Type {
			case "webchat_button_response":
				if m.Text != "" || data["text"] == "" || data["value"] == "" {
					t.Errorf("user %s: button response %q with data %s, want empty text, label and value in data", u.ID, m.Text, m.Data)
				}
			case "webchat_message":
				if data["date"] == nil || data["time"] == nil {
					t.Errorf("user %s: webchat_message data %s, want the webchat's date and time", u.ID, m.Data)
				}
			case "text":
				if data["date"] != nil {
					stamped++
				}
			}
		}
	}
	for _, typ := range []string{"text", "button", "form", "webchat_message", "webchat_button_response", "text_external"} {
		if counts[typ] == 0 {
			t.Errorf("no %s message in 500 users, want some", typ)
		}
	}
	if stamped == 0 {
		t.Error("no text message whose data carries the webchat's date and time")
	}
	real := counts["webchat_message"] + counts["webchat_button_response"] + counts["text_external"] + stamped
	if share := float64(real) / float64(userMsgs); share < 0.02 || share > 0.1 {
		t.Errorf("real-world shapes are %.1f%% of user messages, want a small share (2-10%%)", 100*share)
	}
	found := false
	for _, u := range users {
		if u.ID != "user_12345" {
			continue
		}
		found = true
		for _, m := range u.Messages {
			if !m.FromBot() && m.Type != "button" && m.Type != "text" {
				t.Errorf("the page's example user has a %s message, want the page's shapes only", m.Type)
			}
		}
	}
	if !found {
		t.Error("no user_12345, the page's example user")
	}
}
