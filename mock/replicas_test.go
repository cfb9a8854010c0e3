package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Three odmock replicas sharing one redis-server, and a client that
// spreads its requests over them as a load balancer would: they must
// behave as one server.

// replicaSet is n replicas of one configuration over one Redis.
type replicaSet struct {
	redis *redisServer
	nodes []*testServer
	next  int
}

func newReplicaSet(t *testing.T, n int, cfg Config) *replicaSet {
	t.Helper()
	rs := &replicaSet{redis: startRedis(t)}
	cfg.State, cfg.StatePrefix = rs.redis.URL(), uniquePrefix(t)
	for i := range n {
		cfg.Instance = fmt.Sprintf("replica-%d", i)
		rs.nodes = append(rs.nodes, newTestServer(t, cfg))
	}
	return rs
}

// do sends a request to the next replica, round robin.
func (rs *replicaSet) do(method, path string, header http.Header) response {
	node := rs.nodes[rs.next%len(rs.nodes)]
	rs.next++
	return node.do(method, path, header)
}

// settle waits until every replica has observed what it answered.
func (rs *replicaSet) settle() {
	for _, n := range rs.nodes {
		n.srv.Settle()
	}
}

func authSession(session string) http.Header {
	return http.Header{"Authorization": {"Bearer " + DefaultToken}, SessionHeader: {session}}
}

func TestReplicasTokenExpires(t *testing.T) {
	cfg := smallConfig()
	cfg.Scenario = "token-expires"
	rs := newReplicaSet(t, 3, cfg)
	var got []int
	for range 4 {
		got = append(got, rs.do(http.MethodGet, apiPath+okQuery, authSession("ci-job-7")).status)
	}
	if want := []int{200, 200, 401, 401}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("token-expires over 3 replicas: %v, want %v", got, want)
	}
}

func TestReplicasRateLimit(t *testing.T) {
	const limit = 7
	cfg := smallConfig()
	cfg.RateLimit = limit
	rs := newReplicaSet(t, 3, cfg)
	admitted, limited := 0, 0
	for range 3 * limit {
		switch r := rs.do(http.MethodGet, apiPath+okQuery, authSession("")); r.status {
		case http.StatusOK:
			admitted++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("status %d, want 200 or 429", r.status)
		}
	}
	if admitted != limit || limited != 2*limit {
		t.Errorf("rate limit %d over 3 replicas: %d admitted, %d limited; want %d, %d", limit, admitted, limited, limit, 2*limit)
	}
}

func TestReplicasScenarioSwitch(t *testing.T) {
	cfg := smallConfig()
	rs := newReplicaSet(t, 3, cfg)
	put := func(node *testServer, body string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPut, node.ts.URL+adminPrefix+"/scenario", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := node.ts.Client().Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("PUT scenario %s: %v %v", body, resp.Status, err)
		}
		resp.Body.Close()
	}
	put(rs.nodes[0], `{"name": "empty"}`)
	for i, n := range rs.nodes {
		if r := n.get(apiPath + okQuery); r.status != 200 || string(r.body) != `{"data":[]}` {
			t.Errorf("replica %d after the switch on replica 0: %d %.60s, want 200 {\"data\":[]}", i, r.status, r.body)
		}
	}
	put(rs.nodes[1], `{"name": "token-expires", "session": "s1"}`)
	for i, n := range rs.nodes {
		var got struct{ Scenario string }
		r := n.do(http.MethodGet, adminPrefix+"/scenario?session=s1", nil)
		if json.Unmarshal(r.body, &got) != nil || got.Scenario != "token-expires" {
			t.Errorf("replica %d: session s1's scenario %s, want token-expires", i, r.body)
		}
	}
}

func TestReplicasJournalAndCoverage(t *testing.T) {
	cfg := smallConfig()
	rs := newReplicaSet(t, 3, cfg)
	const n = 30
	for i := range n {
		q := okQuery
		if i%3 == 0 {
			q = "?from=not-a-date"
		}
		rs.do(http.MethodGet, apiPath+q, authSession(fmt.Sprintf("job-%d", i%2)))
	}
	rs.settle()
	for i, node := range rs.nodes {
		var j journalAnswer
		if err := json.Unmarshal(node.do(http.MethodGet, JournalPath, nil).body, &j); err != nil {
			t.Fatal(err)
		}
		if j.Total != n || len(j.Entries) != n {
			t.Errorf("replica %d journal: total %d, %d entries; want %d, %d", i, j.Total, len(j.Entries), n, n)
		}
		for k, e := range j.Entries {
			if e.ID != uint64(k+1) {
				t.Errorf("replica %d journal: entry %d has ID %d, want %d (one sequence)", i, k, e.ID, k+1)
				break
			}
		}
		var cv Coverage
		if err := json.Unmarshal(node.do(http.MethodGet, CoveragePath, nil).body, &cv); err != nil {
			t.Fatal(err)
		}
		if cv.Requests != n || cv.Behaviours["invalid:"+"format"] != n/3 || cv.Sessions["job-0"].Requests != n/2 {
			t.Errorf("replica %d coverage: %d requests, %d invalid:format, job-0 %d; want %d, %d, %d",
				i, cv.Requests, cv.Behaviours["invalid:format"], cv.Sessions["job-0"].Requests, n, n/3, n/2)
		}
	}
}

// TestReplicasRedisRestart: Redis stopped and started again in the middle
// of a run costs no failed answer and none outside the contract (each
// answer is checked against openapi.yaml); health says degraded, with
// 200, while it is away, and ok once it is back.
func TestReplicasRedisRestart(t *testing.T) {
	cfg := smallConfig()
	rs := newReplicaSet(t, 3, cfg)
	health := func(node *testServer) Health {
		var h Health
		r := node.do(http.MethodGet, HealthPath, nil)
		if r.status != 200 || json.Unmarshal(r.body, &h) != nil {
			t.Fatalf("health: %d %s, want 200", r.status, r.body)
		}
		return h
	}
	request := func(i int) {
		t.Helper()
		if r := rs.do(http.MethodGet, apiPath+okQuery, authSession(fmt.Sprintf("s%d", i%5))); r.status != 200 {
			t.Fatalf("request %d: status %d %s, want 200", i, r.status, r.body)
		}
	}
	for i := range 60 {
		request(i)
	}
	rs.redis.stop()
	for i := range 60 {
		request(i)
	}
	for i, node := range rs.nodes {
		if h := health(node); h.Status != "degraded" || !strings.Contains(h.Reason, "redis") || h.State != "redis" {
			t.Errorf("replica %d with Redis away: health %+v, want degraded with the reason", i, h)
		}
	}
	rs.redis.start()
	for i, node := range rs.nodes {
		waitFor(t, fmt.Sprintf("replica %d back to ok", i), func() bool { return health(node).Status == "ok" })
	}
	for i := range 60 {
		request(i)
	}
	// Shared again: the journal of any replica holds what all answered
	// since Redis came back (it started empty).
	rs.settle()
	var j journalAnswer
	if err := json.Unmarshal(rs.nodes[1].do(http.MethodGet, JournalPath, nil).body, &j); err != nil {
		t.Fatal(err)
	}
	if j.Total != 60 {
		t.Errorf("journal after the restart: total %d, want 60", j.Total)
	}
}
