package mock

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Keys of the rate limit, the journal and coverage, after the prefix:
//
//	rl:lru       sorted set: rate-limit keys by last hit (ms)
//	rl:k:KEY     hash {count, reset}: a key's window; expires with it
//	rl:evicted   keys forgotten for room
//	j:stream     stream: the journal, capped at its size; fields id, s
//	             (session), e (the entry as JSON)
//	j:total      requests ever recorded: the last ID
//	cv:total     hash: the counts of all sessions
//	cv:lru       sorted set: the sessions, by last use
//	cv:guests    sorted set: the sessions only requests without a valid
//	             token have named
//	cv:s:NAME    hash: a session's counts: requests, b:BEHAVIOUR, r:RISK
//	cv:evicted, cv:gevicted  sessions forgotten for room, per pool

var (
	// ARGV: prefix, key, now (ms), window (ms), max. The window is the
	// limiter's own clock's (the replicas' clocks must agree, as NTP
	// keeps them); the hash expires when the window ends.
	rateHitScript = redis.NewScript(`
local p, k, now, window, max = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local lru, hk = p .. 'rl:lru', p .. 'rl:k:' .. k
-- Keys last hit a window ago are over: forget them.
redis.call('ZREMRANGEBYSCORE', lru, '-inf', '(' .. (now - window))
local evicted = 0
if not redis.call('ZSCORE', lru, k) then
  while redis.call('ZCARD', lru) >= max do
    local old = redis.call('ZPOPMIN', lru)
    redis.call('DEL', p .. 'rl:k:' .. old[1])
    evicted = redis.call('INCR', p .. 'rl:evicted')
  end
end
redis.call('ZADD', lru, now, k)
local w = redis.call('HMGET', hk, 'count', 'reset')
local count, reset = tonumber(w[1]), tonumber(w[2])
if not count or now >= reset then
  count, reset = 0, now + window
end
count = count + 1
redis.call('HSET', hk, 'count', count, 'reset', reset)
redis.call('PEXPIRE', hk, reset - now)
return {count, reset, evicted}`)

	// ARGV: prefix, size, session, entry
	journalRecordScript = redis.NewScript(`
local p = ARGV[1]
local id = redis.call('INCR', p .. 'j:total')
local size = tonumber(ARGV[2])
if size > 0 then
  redis.call('XADD', p .. 'j:stream', 'MAXLEN', size, '*', 'id', id, 's', ARGV[3], 'e', ARGV[4])
end
return id`)
	// ARGV: prefix, session ("" for all)
	journalClearScript = redis.NewScript(`
local p, s = ARGV[1], ARGV[2]
local stream = p .. 'j:stream'
if s == '' then
  local n = redis.call('XLEN', stream)
  redis.call('DEL', stream)
  return n
end
local n = 0
for _, e in ipairs(redis.call('XRANGE', stream, '-', '+')) do
  if e[2][4] == s then
    redis.call('XDEL', stream, e[1])
    n = n + 1
  end
end
return n`)

	// ARGV: prefix, session, trusted (1 or 0), max, guest max, fields...
	coverageAddScript = redis.NewScript(luaLRU + `
local s, trusted, max, gmax = ARGV[2], ARGV[3] == '1', tonumber(ARGV[4]), tonumber(ARGV[5])
local sessions, guests = p .. 'cv:lru', p .. 'cv:guests'
local function forget(old) redis.call('DEL', p .. 'cv:s:' .. old) end
local ev, gev = 0, 0
if redis.call('ZSCORE', sessions, s) then
  touch(sessions, s, max, p .. 'cv:evicted', forget)
elseif redis.call('ZSCORE', guests, s) and not trusted then
  touch(guests, s, gmax, p .. 'cv:gevicted', forget)
elseif trusted then
  redis.call('ZREM', guests, s) -- moves to the sessions, counts and all
  ev = touch(sessions, s, max, p .. 'cv:evicted', forget)
else
  gev = touch(guests, s, gmax, p .. 'cv:gevicted', forget)
end
for i = 6, #ARGV do
  redis.call('HINCRBY', p .. 'cv:s:' .. s, ARGV[i], 1)
  redis.call('HINCRBY', p .. 'cv:total', ARGV[i], 1)
end
return {ev, gev}`)
	// ARGV: prefix, session, all (1 or 0)
	coverageResetScript = redis.NewScript(`
local p, s = ARGV[1], ARGV[2]
local sessions, guests = p .. 'cv:lru', p .. 'cv:guests'
if ARGV[3] == '1' then
  for _, set in ipairs({sessions, guests}) do
    for _, m in ipairs(redis.call('ZRANGE', set, 0, -1)) do redis.call('DEL', p .. 'cv:s:' .. m) end
    redis.call('DEL', set)
  end
  redis.call('DEL', p .. 'cv:total')
  return 0
end
if not redis.call('ZSCORE', sessions, s) and not redis.call('ZSCORE', guests, s) then return 0 end
local counts = redis.call('HGETALL', p .. 'cv:s:' .. s)
for i = 1, #counts, 2 do
  redis.call('HINCRBY', p .. 'cv:total', counts[i], -tonumber(counts[i + 1]))
end
redis.call('DEL', p .. 'cv:s:' .. s)
redis.call('ZREM', sessions, s)
redis.call('ZREM', guests, s)
return 1`)
)

// redisBuckets are rate-limit windows in Redis, local ones while it is
// lost.
type redisBuckets struct {
	r     *sharedState
	local rateBuckets
	max   int
	log   *slog.Logger
}

func (s *sharedState) rateBuckets(local rateBuckets, maxKeys int, log *slog.Logger) rateBuckets {
	return &redisBuckets{r: s, local: local, max: maxKeys, log: log}
}

func (b *redisBuckets) hit(key string, now time.Time) (int, time.Time) {
	if v, ok := b.r.run(rateHitScript, key, now.UnixMilli(), rateWindowLen.Milliseconds(), b.max); ok {
		if n := asInt64s(v); len(n) == 3 {
			logEvicted(b.log, "rate limit keys", b.max, n[2])
			return int(n[0]), time.UnixMilli(n[1])
		}
	}
	return b.local.hit(key, now)
}

func (b *redisBuckets) kept() (int, uint64) {
	if kept, evicted, ok := b.r.keptOf("rl:lru", "rl:evicted"); ok {
		return kept, evicted
	}
	return b.local.kept()
}

// redisJournal is the journal in a Redis stream, capped at its size; the
// local one while Redis is lost.
type redisJournal struct {
	r     *sharedState
	local journalStore
	size  int
}

func (s *sharedState) journalStore(local journalStore, size int) journalStore {
	return &redisJournal{r: s, local: local, size: max(size, 0)}
}

func (j *redisJournal) record(e JournalEntry) JournalEntry {
	b, err := json.Marshal(e)
	if err == nil {
		if v, ok := j.r.run(journalRecordScript, j.size, e.Session, b); ok {
			if id, ok := v.(int64); ok {
				e.ID = uint64(id)
			}
			return e
		}
	}
	return j.local.record(e)
}

// journalReadChunk is how many entries one read of the stream takes,
// newest first, until the filter's limit is met.
const journalReadChunk = 500

func (j *redisJournal) entries(f JournalFilter) []JournalEntry {
	if j.r.lostReason.Load() != nil {
		return j.local.entries(f)
	}
	ctx := context.Background()
	var out []JournalEntry
	end := "+"
	for {
		msgs, err := j.r.client.XRevRangeN(ctx, j.r.prefix+"j:stream", end, "-", journalReadChunk).Result()
		if err != nil {
			j.r.lose(err)
			return j.local.entries(f)
		}
		for _, m := range msgs {
			if f.Session != "" && m.Values["s"] != f.Session {
				continue
			}
			id, _ := strconv.ParseUint(str(m.Values["id"]), 10, 64)
			if f.Before != 0 && id >= f.Before {
				continue
			}
			var e JournalEntry
			if json.Unmarshal([]byte(str(m.Values["e"])), &e) != nil {
				continue // not ours: another program wrote to the prefix
			}
			e.ID = id
			out = append(out, e)
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
		if len(msgs) < journalReadChunk || f.Limit > 0 && len(out) == f.Limit {
			break
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
	for i, k := 0, len(out)-1; i < k; i, k = i+1, k-1 {
		out[i], out[k] = out[k], out[i]
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func (j *redisJournal) clear(session string) int {
	n := j.local.clear(session)
	if v, ok := j.r.run(journalClearScript, session); ok {
		m, _ := v.(int64)
		return int(m)
	}
	return n
}

func (j *redisJournal) counts() (uint64, int) {
	if j.r.lostReason.Load() == nil {
		ctx := context.Background()
		pipe := j.r.client.Pipeline()
		total := pipe.Get(ctx, j.r.prefix+"j:total")
		kept := pipe.XLen(ctx, j.r.prefix+"j:stream")
		_, err := pipe.Exec(ctx)
		if err == nil || err == redis.Nil {
			t, _ := total.Uint64()
			return t, int(kept.Val())
		}
		j.r.lose(err)
	}
	return j.local.counts()
}

// redisCoverage is coverage in Redis, the local one while it is lost.
type redisCoverage struct {
	r     *sharedState
	local coverageStore
	max   int
	log   *slog.Logger
}

func (s *sharedState) coverageStore(local coverageStore, maxSessions int, log *slog.Logger) coverageStore {
	return &redisCoverage{r: s, local: local, max: maxSessions, log: log}
}

func (cv *redisCoverage) add(session string, trusted bool, behaviours, risks []string) {
	args := make([]any, 0, 5+len(behaviours)+len(risks))
	t := "0"
	if trusted {
		t = "1"
	}
	args = append(args, session, t, cv.max, min(cv.max, maxGuestSessions), "requests")
	for _, b := range behaviours {
		args = append(args, "b:"+b)
	}
	for _, r := range risks {
		args = append(args, "r:"+r)
	}
	if v, ok := cv.r.run(coverageAddScript, args...); ok {
		if n := asInt64s(v); len(n) == 2 {
			logEvicted(cv.log, "coverage sessions", cv.max, n[0])
			logEvicted(cv.log, "coverage sessions without a valid token", min(cv.max, maxGuestSessions), n[1])
		}
		return
	}
	cv.local.add(session, trusted, behaviours, risks)
}

// countsOf reads a session's hash.
func countsOf(h map[string]string) sessionCounts {
	sc := *newSessionCounts()
	for k, v := range h {
		n, _ := strconv.Atoi(v)
		switch {
		case k == "requests":
			sc.requests = n
		case strings.HasPrefix(k, "b:"):
			sc.counts[k[2:]] = n
		case strings.HasPrefix(k, "r:"):
			sc.risks[k[2:]] = n
		}
	}
	return sc
}

func (cv *redisCoverage) snapshot(offset, limit int) coverageSnapshot {
	if cv.r.lostReason.Load() != nil {
		return cv.local.snapshot(offset, limit)
	}
	ctx := context.Background()
	p := cv.r.prefix
	pipe := cv.r.client.Pipeline()
	total := pipe.HGetAll(ctx, p+"cv:total")
	sessions := pipe.ZRange(ctx, p+"cv:lru", 0, -1)
	guests := pipe.ZRange(ctx, p+"cv:guests", 0, -1)
	ev := pipe.Get(ctx, p+"cv:evicted")
	gev := pipe.Get(ctx, p+"cv:gevicted")
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		cv.r.lose(err)
		return cv.local.snapshot(offset, limit)
	}
	e1, _ := ev.Uint64()
	e2, _ := gev.Uint64()
	ids := append(sessions.Val(), guests.Val()...)
	snap := coverageSnapshot{total: countsOf(total.Val()), kept: len(ids), evicted: e1 + e2}
	snap.ids, snap.next = pageOf(ids, offset, limit)
	pipe = cv.r.client.Pipeline()
	hashes := make([]*redis.MapStringStringCmd, len(snap.ids))
	for i, id := range snap.ids {
		hashes[i] = pipe.HGetAll(ctx, p+"cv:s:"+id)
	}
	if len(hashes) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			cv.r.lose(err)
			return cv.local.snapshot(offset, limit)
		}
	}
	snap.page = make([]sessionCounts, len(hashes))
	for i, h := range hashes {
		snap.page[i] = countsOf(h.Val())
	}
	return snap
}

func (cv *redisCoverage) session(id string) sessionCounts {
	if cv.r.lostReason.Load() == nil {
		h, err := cv.r.client.HGetAll(context.Background(), cv.r.prefix+"cv:s:"+id).Result()
		if err == nil {
			return countsOf(h)
		}
		cv.r.lose(err)
	}
	return cv.local.session(id)
}

func (cv *redisCoverage) reset(id string, all bool) {
	cv.local.reset(id, all)
	a := "0"
	if all {
		a = "1"
	}
	cv.r.run(coverageResetScript, id, a)
}

func (cv *redisCoverage) kept() (sessions, guests BoundedState) {
	if k1, e1, ok := cv.r.keptOf("cv:lru", "cv:evicted"); ok {
		if k2, e2, ok := cv.r.keptOf("cv:guests", "cv:gevicted"); ok {
			return BoundedState{Kept: k1, Evicted: e1}, BoundedState{Kept: k2, Evicted: e2}
		}
	}
	return cv.local.kept()
}
